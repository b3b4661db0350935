"""The ``pass`` backend (the standard unix password manager), as aws-vault has it.

* The command: ``--pass-cmd`` or ``$AWS_VAULT_PASS_CMD``, default ``pass``.
* The store: ``--pass-dir`` or ``$AWS_VAULT_PASS_PASSWORD_STORE_DIR``, else
  ``$PASSWORD_STORE_DIR``, else ``~/.password-store``; the prefix: ``--pass-prefix`` or
  ``$AWS_VAULT_PASS_PREFIX``.
* Item ``<prefix>/<key>`` holds the keyring Item JSON (``Item.to_json``), written with
  ``pass insert -m -f`` (the secret on stdin, never in argv) and read with ``pass show``;
  the keys are the ``.gpg`` files under ``<store>/<prefix>``, as aws-vault lists them.

The command is the user's own, so it runs with the variables pass and gpg need (the store,
GNUPGHOME, the agent, the terminal or display for pinentry, PASSWORD_STORE_*) and no
others, from ``/``, with umask 077. A key that is not a clean relative path (an empty,
``.`` or ``..`` segment) cannot be a pass entry and is refused rather than escaping the store.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from avault.errors import VaultError
from avault.vault.base import Item, Vault

if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.context import Context

_KEEP = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TERM",
    "GNUPGHOME",
    "GPG_TTY",
    "GPG_AGENT_INFO",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
    "PINENTRY_USER_DATA",
)
TIMEOUT = 120.0  # pinentry may be waiting for the user; never forever


def _child_env(env: Mapping[str, str], store: Path) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k in _KEEP or k.startswith("PASSWORD_STORE_")}
    out["PASSWORD_STORE_DIR"] = str(store)
    out.setdefault("PATH", os.defpath)
    if "GPG_TTY" not in out:  # what pass's manual asks for (export GPG_TTY=$(tty)), so pinentry can ask
        for fd in (0, 2):
            try:
                out["GPG_TTY"] = os.ttyname(fd)
                break
            except OSError:
                continue
    return out


def _reason(text: str) -> str:
    """pass's own ``Error: ...`` message (it spans lines), else gpg's last line, on one line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Error:")), len(lines) - 1)
    return " ".join(lines[start:])[:200] if lines else "no message"


class PassVault(Vault):
    name = "pass"

    def __init__(self, command: str, store: Path, prefix: str, env: Mapping[str, str]) -> None:
        self.command = command
        self.store = store
        self.prefix = prefix.strip("/")
        self._env = _child_env(env, store)

    @classmethod
    def from_context(
        cls, ctx: Context, *, command: str = "", directory: str = "", prefix: str = ""
    ) -> PassVault:
        """``--pass-cmd``, ``--pass-dir`` and ``--pass-prefix`` ("": their variables, then the defaults)."""
        import shutil  # noqa: PLC0415

        command = command or pass_command(ctx.env)
        found = shutil.which(command, path=ctx.env.get("PATH"))
        if found is None:
            raise VaultError(
                f"the pass command {command!r} was not found on PATH; install pass "
                "(e.g. 'apt-get install pass') or set AWS_VAULT_PASS_CMD, or use --backend file"
            )
        directory = (
            directory
            or ctx.env.get("AWS_VAULT_PASS_PASSWORD_STORE_DIR")
            or ctx.env.get("PASSWORD_STORE_DIR")
            or "~/.password-store"
        )
        prefix = prefix or ctx.env.get("AWS_VAULT_PASS_PREFIX", "")
        return cls(found, Path(ctx.expand(directory)), prefix, ctx.env)

    def describe(self) -> str:
        where = f"{self.store}/{self.prefix}" if self.prefix else str(self.store)
        return f"pass store {where}"

    # -- plumbing ---------------------------------------------------------------------
    def _entry(self, key: str) -> str | None:
        """``<prefix>/<key>``, or None for a key pass cannot hold."""
        name = f"{self.prefix}/{key}" if self.prefix else key
        parts = name.split("/")
        if "\0" in name or "\n" in name or any(p in ("", ".", "..") for p in parts):
            return None
        return name

    def _run(self, args: list[str], what: str, stdin: bytes | None = None) -> bytes:
        try:
            proc = subprocess.run(
                [self.command, *args],
                input=stdin if stdin is not None else b"",
                capture_output=True,
                env=self._env,
                cwd="/",
                umask=0o077,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise VaultError(
                f"pass did not finish {what} within {TIMEOUT:g}s; check gpg-agent and pinentry"
            ) from None
        except OSError as exc:
            raise VaultError(
                f"cannot run the pass command {self.command!r} ({exc.strerror}); check AWS_VAULT_PASS_CMD"
            ) from None
        if proc.returncode != 0:
            message = _reason(proc.stderr.decode("utf-8", "replace"))
            raise VaultError(
                f"pass failed {what} (exit {proc.returncode}: {message}); check the store "
                f"{self.store}, its .gpg-id and that gpg can use your key"
            )
        return proc.stdout

    def _file(self, name: str) -> Path:
        return self.store / f"{name}.gpg"

    # -- Vault ------------------------------------------------------------------------
    def keys(self) -> list[str]:
        root = self.store / self.prefix if self.prefix else self.store
        if not root.is_dir():
            if root.exists():
                raise VaultError(
                    f"{root} is not a directory; set --pass-dir or --pass-prefix to a pass folder"
                )
            return []
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            rel = os.path.relpath(dirpath, root)
            keys.extend(f[:-4] if rel == "." else f"{rel}/{f[:-4]}" for f in filenames if f.endswith(".gpg"))
        return sorted(keys)

    def get(self, key: str) -> Item | None:
        name = self._entry(key)
        if name is None or not self._file(name).is_file():
            return None
        text = self._run(["show", "--", name], f"to read {key!r}")
        return Item.for_key(
            text,
            key,
            where=f"{key!r} in {self.describe()}",
            fix=f"remove it with 'pass rm {name}' and add it again",
        )

    def set(self, item: Item) -> None:
        name = self._entry(item.key)
        if name is None:
            raise VaultError(
                f"the key {item.key!r} cannot be a pass entry (empty, '.' or '..' path segments); "
                "use another name or --backend file"
            )
        self._run(["insert", "-m", "-f", "--", name], f"to write {item.key!r}", stdin=item.to_json().encode())

    def delete(self, key: str) -> bool:
        name = self._entry(key)
        if name is None or not self._file(name).is_file():
            return False
        self._run(["rm", "-f", "--", name], f"to remove {key!r}")
        return True


def pass_command(env: Mapping[str, str]) -> str:
    """The ``pass`` program: $AWS_VAULT_PASS_CMD, else ``pass``."""
    return env.get("AWS_VAULT_PASS_CMD") or "pass"
