"""The encrypted-file backend, byte-compatible with aws-vault's ``file`` backend.

One file per item in ``--file-dir`` (default ``~/.awsvault/keys/``): the name is the key
with only ``/`` and ``%`` percent-encoded, the content is a JWE (see jwe.py) whose
plaintext is ``Item.to_json()``. aws-vault lists *every* directory entry as a key, so
nothing of ours may ever sit in that directory:

* the lock file is ``<parent>/.<dir name>.lock`` (e.g. ``~/.awsvault/.keys.lock``) when
  the parent is ours and writable by nobody else; otherwise (a shared parent such as
  /tmp, where another user could hold the lock) it is
  ``${XDG_CACHE_HOME:-~/.cache}/avault/locks/vault-<dir name>-<hash of the path>.lock``
  (avault.fsutil: a 0700 directory, a bounded wait);
* a write goes to ``<parent>/.<dir name>.tmp-<random>``, is fsynced, then renamed into
  the directory (rename is atomic within one file system) and the directory is fsynced.
  A crash leaves at most a temp file beside the directory, which the next writer
  removes while it holds the lock (no other writer can be mid-write then).
* Only when the parent is not writable or is another file system does the temp file fall
  back to ``.avault-tmp-*`` inside the directory; our listing skips it (and the
  ``.avault.lock`` older versions put there).

Wrong passphrase versus tampering: AES key unwrap fails in both cases. If the
passphrase has already opened an item in this process, or opens any of up to three
other items now, the failing item is reported as corrupt; if it opens none, the
passphrase is wrong. (With a single item in the vault a damaged wrapped key reads as a
wrong passphrase; nothing distinguishes the two then.) A GCM tag failure after a good
unwrap, a malformed segment or header, or an item whose Key disagrees with its file
name is always reported as that item being corrupt. Nothing is ever re-prompted or
rewritten on such a failure.

Who holds the key: the passphrase provider returns either the passphrase (then this
process does the crypto, jwe.py) or a ``Sealer`` that decrypts and encrypts for us (the
agent, see avault.vault.passphrase and avault.vault.passphrase_agent), so the passphrase need not be here.

Importing this module costs only the stdlib: ``cryptography`` is imported by jwe.py on
the first decrypt, and boto3/keyring never.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

from avault import errors
from avault.errors import ItemCorrupt, VaultError, WrongPassphrase
from avault.fsutil import atomic_write, exclusive, fallback_lock_dir, fsync_dir, make_private_dirs, private
from avault.vault import jwe
from avault.vault.base import Item, Vault

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from avault.context import Context
    from avault.fsutil import StatCache
    from avault.vault.passphrase import PassphraseProvider, Sealer

_IN_DIR_LOCK = ".avault.lock"
_IN_DIR_TMP_PREFIX = ".avault-tmp-"
_MAX_ITEM_BYTES = 64 * 1024 * 1024  # far above any credential; refuses to slurp junk
_UNLOCK_PROBES = 3

# Once per process, as aws-vault does: the loose-mode warnings (passphrases: vault.passphrase).
_warned: set[str] = set()


def encode_name(key: str) -> str:
    """aws-vault's file name for ``key``: only ``%`` and ``/`` become ``%25``/``%2F``."""
    return key.replace("%", "%25").replace("/", "%2F")


def _unhex(c: int) -> int | None:
    ch = chr(c)
    return int(ch, 16) if ch in "0123456789abcdefABCDEF" else None


def decode_name(name: str) -> str:
    """Inverse of encode_name, mirroring mtibben/percent.Decode.

    Every ``%XX`` with two hex digits becomes that byte (also at the very end of the
    name: its check is ``i+2 < len``, which holds there); any other ``%`` stays literal.
    Undecodable bytes round-trip through surrogateescape like any other file name.
    """
    if "%" not in name:
        return name  # nothing to decode: the loop below would give back the same bytes
    raw = os.fsencode(name)
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25 and i + 2 < len(raw):
            hi, lo = _unhex(raw[i + 1]), _unhex(raw[i + 2])
            if hi is not None and lo is not None:
                out.append(hi << 4 | lo)
                i += 3
                continue
        out.append(raw[i])
        i += 1
    return os.fsdecode(bytes(out))


def _sh(text: str) -> str:
    """``text`` quoted for a shell command in a message (shlex only when there is one)."""
    import shlex  # noqa: PLC0415

    return shlex.quote(text)


class FileVault(Vault):
    name = "file"

    def __init__(
        self,
        directory: Path,
        passphrase: PassphraseProvider,
        *,
        warn: Callable[[str], None] | None = None,
        listings: StatCache | None = None,
    ) -> None:
        self.dir = directory
        self._passphrase_provider = passphrase
        # The agent's: the directory's names, listed again whenever its stat changes. Items
        # themselves are always read from disk (an in-place rewrite does not touch the dir).
        self._listings = listings
        self._sealer: Sealer | None = None
        self._unlocked = False  # the passphrase has opened at least one item
        self._warn = warn
        self._checked = False

    @classmethod
    def from_context(cls, ctx: Context, dir_str: str) -> FileVault:
        from avault.vault.passphrase import provider_for  # noqa: PLC0415 - the agent client only if used

        directory = ctx.expand(dir_str)
        return cls(directory, provider_for(ctx, directory), warn=ctx.info, listings=ctx.file_cache)

    def describe(self) -> str:
        return f"file vault {self.dir}"

    # -- directory ------------------------------------------------------------
    def _check_dir(self) -> bool:
        """True when the directory exists. Errors if it is not a directory; warns if loose."""
        try:
            st = self.dir.stat()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise VaultError(f"cannot read vault directory {self.dir}: {exc.strerror}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise VaultError(f"{self.dir} is a file, not a directory; move it away or use --file-dir")
        if not self._checked:
            self._refuse_if_others_can_write(st)
            self._checked = True
            key = str(self.dir)
            if st.st_mode & 0o077 and key not in _warned and self._warn is not None:
                _warned.add(key)
                self._warn(
                    f"avault: warning: vault directory {self.dir} is readable by other users "
                    f"(mode {stat.S_IMODE(st.st_mode):03o}); fix it with: chmod 700 {_sh(key)}"
                )
        return True

    def _refuse_if_others_can_write(self, st: os.stat_result) -> None:
        """ssh's rule: a vault directory another user owns or can write is not ours to trust.

        They could delete, swap or roll back items, or read what we write next. Root's own
        directories are accepted (as ssh does); a group-writable one is accepted only for a
        user-private group, like Debian's ssh.
        """
        from avault.config.paths import private_group  # noqa: PLC0415 - only once per vault

        uid = os.geteuid()
        shown = str(self.dir)  # quoted below, only in the messages
        if st.st_uid not in (uid, 0):
            raise VaultError(
                f"refusing to use vault directory {self.dir}: it is owned by another user "
                f"(uid {st.st_uid}); fix it with: chown -R {uid} {_sh(shown)} && chmod 700 {_sh(shown)}"
            )
        writable = st.st_mode & stat.S_IWOTH or (st.st_mode & stat.S_IWGRP and not private_group(st.st_gid))
        if writable:
            raise VaultError(
                f"refusing to use vault directory {self.dir}: other users can write to it "
                f"(mode {stat.S_IMODE(st.st_mode):03o}); fix it with: chmod 700 {_sh(shown)}"
            )

    def _ensure_dir(self) -> None:
        if self._check_dir():
            return
        make_private_dirs(self.dir, "vault directory")
        self._check_dir()

    def _sidecar(self, suffix: str) -> Path:
        return self.dir.parent / f".{self.dir.name}.{suffix}"

    def _lock_path(self) -> Path:
        """Beside the directory when only we can write there, else in avault's own lock dir."""
        if private(self.dir.parent):
            return self._sidecar("lock")
        import hashlib  # noqa: PLC0415

        digest = hashlib.sha256(os.fsencode(os.path.abspath(self.dir))).hexdigest()[:16]  # noqa: PTH100
        return fallback_lock_dir() / f"vault-{self.dir.name}-{digest}.lock"

    def _path(self, key: str) -> Path:
        name = encode_name(key)
        if (
            not key
            or name in (".", "..")
            or "\x00" in key
            or name == _IN_DIR_LOCK
            or name.startswith(_IN_DIR_TMP_PREFIX)
        ):
            raise VaultError(f"the key {key!r} cannot be stored in the file backend; choose another name")
        return self.dir / name

    # -- passphrase -------------------------------------------------------------
    def _get_sealer(self, *, new_vault: bool) -> Sealer:
        if self._sealer is None:
            got = self._passphrase_provider(new_vault)
            if isinstance(got, str):
                from avault.vault.passphrase import LocalSealer  # noqa: PLC0415

                got = LocalSealer(got)
            self._sealer = got
        return self._sealer

    def _wrong_passphrase(self) -> WrongPassphrase:
        hint = str(getattr(self._sealer, "wrong_passphrase_hint", "") or "")
        if not hint:
            hint = (
                "Check AWS_VAULT_FILE_PASSPHRASE (or AVAULT_FILE_PASSPHRASE_COMMAND) or retype it "
                "(the passphrase aws-vault uses for this directory)"
            )
        return WrongPassphrase(f"wrong passphrase for vault {self.dir}; nothing was changed. {hint}")

    def _corrupt(self, path: Path, reason: str) -> ItemCorrupt:
        return ItemCorrupt(
            f"vault item {path.name} is corrupt or was tampered with ({reason}); "
            f"remove it (rm {_sh(str(path))}) and add it again, or restore it from a backup"
        )

    # -- reading ---------------------------------------------------------------
    def _read_token(self, path: Path) -> str | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ItemCorrupt(
                    f"vault item {path.name} is a symbolic link; refusing to follow it. "
                    f"Replace it with a regular file (rm {_sh(str(path))})"
                ) from None
            raise VaultError(f"cannot read vault item {path.name}: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ItemCorrupt(f"vault item {path.name} is not a regular file; remove it")
            # os.read, not a file object: this runs on every switch the agent answers.
            data = os.read(fd, min(st.st_size, _MAX_ITEM_BYTES) + 1)
            while st.st_size < len(data) <= _MAX_ITEM_BYTES:  # it grew since the fstat
                more = os.read(fd, _MAX_ITEM_BYTES + 1 - len(data))
                if not more:
                    break
                data += more
        except OSError as exc:
            raise VaultError(f"cannot read vault item {path.name}: {exc.strerror}") from None
        finally:
            os.close(fd)
        if len(data) > _MAX_ITEM_BYTES:
            raise self._corrupt(path, "file too large")
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise self._corrupt(path, "not a JWE token") from None

    def _probe_unlocks(self, sealer: Sealer, skip: str) -> bool:
        """Does ``passphrase`` unwrap the key of any (up to three) other readable items?"""
        probes = 0
        for name in self._names():
            if name == skip or probes >= _UNLOCK_PROBES:
                continue
            try:
                token = self._read_token(self.dir / name)
                if token is None:
                    continue
                probes += 1
                sealer.decrypt(token)
            except errors.KeyUnwrapError:
                continue
            except (errors.JWEError, VaultError):
                # Unreadable for another reason: says nothing about the passphrase.
                continue
            return True
        return False

    def _decrypt(self, path: Path, token: str, *, new_vault: bool = False) -> bytes:
        try:
            jwe.parse_header(token)
        except errors.JWEError as exc:
            raise self._corrupt(path, str(exc)) from None
        sealer = self._get_sealer(new_vault=new_vault)
        try:
            plaintext = sealer.decrypt(token)
        except errors.KeyUnwrapError:
            if self._unlocked or self._probe_unlocks(sealer, skip=path.name):
                self._unlocked = True
                raise self._corrupt(path, "key unwrap failed") from None
            raise self._wrong_passphrase() from None
        except errors.JWEError as exc:
            raise self._corrupt(path, str(exc)) from None
        self._unlocked = True
        return plaintext

    def _names(self) -> tuple[str, ...]:
        return self._listing()[0]

    def _listing(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The item files' names, sorted, and the keys they hold (``decode_name``)."""
        if self._listings is None:
            return self._list_dir()
        return self._listings.get(self.dir, "file-vault", self._list_dir)

    def _list_dir(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        names = tuple(self._scan())
        return names, tuple(decode_name(n) for n in names)

    def _scan(self) -> Iterator[str]:
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return
        except NotADirectoryError:
            raise VaultError(
                f"{self.dir} is a file, not a directory; move it away or use --file-dir"
            ) from None
        except OSError as exc:
            raise VaultError(f"cannot list vault directory {self.dir}: {exc.strerror}") from None
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name == _IN_DIR_LOCK or entry.name.startswith(_IN_DIR_TMP_PREFIX):
                continue
            if entry.is_dir(follow_symlinks=False):
                continue
            yield entry.name

    def keys(self) -> list[str]:
        if not self._check_dir():
            return []
        return list(self._listing()[1])

    def get(self, key: str) -> Item | None:
        path = self._path(key)
        if not self._check_dir():
            return None
        token = self._read_token(path)
        if token is None:
            return None
        item = Item.from_json(self._decrypt(path, token), where=path.name)
        if item.key != key:
            raise ItemCorrupt(
                f"vault item {path.name} holds the key {item.key!r}, not {key!r}: it was renamed "
                f"or swapped, so it is not used; remove it (rm {_sh(str(path))})"
            )
        return item

    # -- writing ---------------------------------------------------------------
    def _unlock_for_write(self, target: Path) -> None:
        """Prove the passphrase opens this vault before writing, so a typo never forks it."""
        if self._unlocked:
            return
        names = list(self._names())
        if not names:
            self._get_sealer(new_vault=True)
            return
        ordered = sorted(names, key=lambda n: n != target.name)  # the item being replaced first
        for name in ordered[:_UNLOCK_PROBES]:
            path = self.dir / name
            try:
                token = self._read_token(path)
            except VaultError:
                continue
            if token is None:
                continue
            try:
                self._decrypt(path, token)
            except WrongPassphrase:
                raise
            except VaultError:
                continue
            return
        # Nothing readable at all (every item corrupt): do not block a repair.
        self._get_sealer(new_vault=False)

    def _clean_stale_temps(self) -> None:
        prefix = f".{self.dir.name}.tmp-"
        for d, pre in ((self.dir.parent, prefix), (self.dir, _IN_DIR_TMP_PREFIX)):
            try:
                stale = [p for p in d.iterdir() if p.name.startswith(pre)]
            except OSError:
                continue
            for p in stale:
                with contextlib.suppress(OSError):
                    p.unlink()

    def set(self, item: Item) -> None:
        path = self._path(item.key)
        self._check_dir()
        self._unlock_for_write(path)  # may prompt: nothing is created before it returns
        token = self._get_sealer(new_vault=False).encrypt(item.to_json().encode("utf-8"))
        self._ensure_dir()
        with exclusive(self._lock_path()):
            self._clean_stale_temps()
            try:
                # Beside the directory first (a crash leaves nothing in it), else inside it.
                atomic_write(
                    path,
                    token.encode("ascii"),
                    temp_prefixes=(self._sidecar("tmp-"), self.dir / _IN_DIR_TMP_PREFIX),
                )
            except OSError as exc:
                raise VaultError(f"cannot write vault item {path.name}: {exc.strerror}") from None

    def delete(self, key: str) -> bool:
        path = self._path(key)
        if not self._check_dir():
            return False
        with exclusive(self._lock_path()):
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise VaultError(f"cannot remove vault item {path.name}: {exc.strerror}") from None
            fsync_dir(self.dir)
        return True
