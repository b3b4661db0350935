"""``avault import [--from-credentials-file [PATH]] [--profile P ...] [--remove-from-file]``.

Moves long-term keys from the AWS shared credentials file (``$AWS_SHARED_CREDENTIALS_FILE``,
else ``~/.aws/credentials``) into the vault, stored exactly as ``avault add`` stores them:
``{"AccessKeyID","SecretAccessKey"}`` under the profile name, label ``aws-vault (<p>)``.
Each imported profile loses its cached sessions and gets a ``[profile p]`` section in
``~/.aws/config`` if it has none.

The file is read, never changed, unless ``--remove-from-file``: then a timestamped 0600
backup is written first, and only the ``aws_access_key_id``/``aws_secret_access_key``
lines of the imported (and read-back verified) profiles are removed; comments, other
keys, other profiles and the line endings (CRLF stays CRLF) are kept. A section left
without any key loses its header too.

Parsing, as botocore reads the file: ``[name]`` headers (no ``profile`` prefix), ``key =
value`` lines, ``#``/``;`` full-line comments. A name that appears twice is merged key by
key, the later section winning (as go-ini and aws-vault's config reader do); we say
which. Sections with ``aws_session_token`` hold temporary credentials: skipped, noted.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from avault.errors import ImportError_

if TYPE_CHECKING:
    import argparse

    from avault.context import Context
    from avault.vault.base import Vault

KEY_ID = "aws_access_key_id"
SECRET = "aws_secret_access_key"  # noqa: S105 - a key name
TOKEN = "aws_session_token"  # noqa: S105 - a key name
_SECTION = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$")


@dataclass
class Section:
    name: str
    header_line: int  # index into lines
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (value, line index)


@dataclass
class CredentialsFile:
    path: Path
    lines: list[str]  # with their original endings
    sections: list[Section]

    @classmethod
    def read(cls, path: Path, shown: str) -> CredentialsFile:
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise ImportError_(
                f"{shown} does not exist; pass its location with --from-credentials-file PATH"
            ) from None
        except UnicodeDecodeError:
            raise ImportError_(f"{shown} is not UTF-8 text; fix or convert it, then retry") from None
        except OSError as exc:
            raise ImportError_(f"cannot read {shown} ({exc.strerror}); check its permissions") from None
        lines = text.splitlines(keepends=True)
        sections: list[Section] = []
        current: Section | None = None
        for i, raw in enumerate(lines):
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            m = _SECTION.match(line)
            if m:
                current = Section(m.group(1), i)
                sections.append(current)
                continue
            km = _KEY.match(line)
            if km is None or current is None:
                # Never quote the line: it may hold a secret.
                raise ImportError_(
                    f"{shown} line {i + 1} is neither a [section], a key = value line nor a comment; "
                    "fix that line and retry"
                )
            current.keys[km.group(1).lower()] = (km.group(2), i)
        return cls(path, lines, sections)

    def merged(self) -> dict[str, tuple[dict[str, str], list[Section]]]:
        """Name -> (keys merged in file order, later wins; the sections), in first-seen order."""
        out: dict[str, tuple[dict[str, str], list[Section]]] = {}
        for s in self.sections:
            keys, secs = out.setdefault(s.name, ({}, []))
            keys.update({k: v for k, (v, _) in s.keys.items()})
            secs.append(s)
        return out


def credentials_path(ctx: Context, given: str) -> Path:
    if given:
        return ctx.expand(given)
    configured = ctx.env.get("AWS_SHARED_CREDENTIALS_FILE", "")
    return ctx.expand(configured) if configured else ctx.home / ".aws" / "credentials"


def write_backup(path: Path, data: bytes, now: float) -> Path:
    """``<file>.avault-backup-<UTC stamp>``, mode 0600, never overwriting an older backup."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    for n in range(100):
        suffix = f".avault-backup-{stamp}" + (f"-{n}" if n else "")
        backup = path.with_name(path.name + suffix)
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ImportError_(
                f"cannot write the backup {backup} ({exc.strerror}); nothing was changed"
            ) from None
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return backup
    raise ImportError_(f"too many backups of {path} this second; retry in a moment")


def _without_keys(cf: CredentialsFile, names: set[str]) -> bytes:
    drop: set[int] = set()
    for s in cf.sections:
        if s.name not in names:
            continue
        for key in (KEY_ID, SECRET):
            if key in s.keys:
                drop.add(s.keys[key][1])
        if not {ln for _, ln in s.keys.values()} - drop:
            drop.add(s.header_line)  # no key left: the header goes, comments and blanks stay
    return "".join(line for i, line in enumerate(cf.lines) if i not in drop).encode("utf-8")


def _atomic_replace(path: Path, data: bytes, shown: str) -> None:
    from avault.fsutil import atomic_write  # noqa: PLC0415

    target = Path(os.path.realpath(path))
    try:
        atomic_write(target, data, mode=target.stat().st_mode & 0o777)
    except OSError as exc:
        raise ImportError_(f"cannot rewrite {shown} ({exc.strerror}); it was not changed") from None


def _stored_pair(vault: Vault, profile: str) -> tuple[str, str] | None:
    item = vault.get(profile)
    if item is None:
        return None
    try:
        obj = json.loads(item.data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    return str(obj.get("AccessKeyID", "")), str(obj.get("SecretAccessKey", ""))


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import config  # noqa: PLC0415
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.sessions import delete_profile_sessions  # noqa: PLC0415
    from avault.vault.base import Item  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    path = credentials_path(ctx, args.from_credentials_file or "")
    shown = config.display_path(path, ctx.home)
    original = path.read_bytes() if path.is_file() else b""
    cf = CredentialsFile.read(path, shown)
    merged = cf.merged()
    wanted: list[str] = list(dict.fromkeys(args.profiles or []))
    for name in wanted:
        if name not in merged:
            raise ImportError_(f'profile "{name}" not found in {shown}; see the [names] in that file')

    candidates: list[tuple[str, str, str]] = []
    for name, (keys, secs) in merged.items():
        if wanted and name not in wanted:
            continue
        if len(secs) > 1:
            lines = ", ".join(str(s.header_line + 1) for s in secs)
            ctx.info(
                f"Note: [{name}] appears {len(secs)} times in {shown} (lines {lines}); merged key by "
                f"key, the later section (line {secs[-1].header_line + 1}) wins. (The AWS CLI refuses "
                "a file with a repeated section: keep one.)"
            )
        if keys.get(TOKEN):
            ctx.info(
                f'Skipped "{name}": it holds temporary credentials ({TOKEN}); they expire, so they are not '
                "imported."
            )
            continue
        key_id, secret = keys.get(KEY_ID, ""), keys.get(SECRET, "")
        if not key_id or not secret:
            if wanted or key_id or secret:
                ctx.info(f'Skipped "{name}": it has no complete {KEY_ID}/{SECRET} pair.')
            continue
        candidates.append((name, key_id, secret))
    if not candidates:
        ctx.info(f"Nothing to import from {shown}.")
        return 0 if not wanted else 1

    cfg = config.ConfigFile.load(config.config_path(ctx.env, ctx.home), home=ctx.home)
    vault = open_vault(vault_options(args), ctx)
    imported: list[str] = []
    for name, key_id, secret in candidates:
        source = (cfg.section(name) or {}).get("source_profile", "")
        if source and source != name:
            ctx.info(
                f'Skipped "{name}": its config has source_profile = {source}, so keys stored under '
                f"{name} would have no effect."
            )
            continue
        existing = _stored_pair(vault, name)
        if existing != (key_id, secret):
            vault.set(Item.credentials(name, key_id, secret))
            if _stored_pair(vault, name) != (key_id, secret):
                raise ImportError_(
                    f'reading back profile "{name}" from the vault gave other keys; '
                    f"{shown} was not changed, check the vault with 'avault list'"
                )
        if existing == (key_id, secret):
            ctx.info(f'Already in the vault: profile "{name}" (the same keys).')
        elif existing is not None:
            ctx.info(f'Replaced the stored credentials of profile "{name}".')
        else:
            ctx.info(f'Imported credentials for profile "{name}".')
        deleted = delete_profile_sessions(vault, name)
        if deleted:
            ctx.info(f"Deleted {deleted} existing sessions.")
        if not cfg.has_profile(name):
            cfg.add_profile(name, {})
            ctx.info(f"Added [{'default' if name == 'default' else 'profile ' + name}] to the config.")
        imported.append(name)

    if not imported:
        return 1
    if not args.remove_from_file:
        only = "".join(f" --profile {n}" for n in imported) if wanted else ""
        ctx.info(
            f"The plaintext keys are still in {shown}. Once you have checked the vault, remove them "
            f"with: avault import --remove-from-file{only}"
        )
        return 0
    backup = write_backup(path, original, ctx.now())
    _atomic_replace(path, _without_keys(cf, set(imported)), shown)
    ctx.info(
        f"Removed the imported keys from {shown} (backup: {backup}, mode 0600; delete it once you "
        "no longer need it: it holds the plaintext keys)."
    )
    return 0
