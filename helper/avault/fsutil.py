"""Files avault writes: private directories, atomic writes, locks and owner checks.

**Directories.** ``Path.mkdir(mode=0o700, parents=True)`` applies ``mode`` to the last
level only, and the umask to every level, so under ``umask 000`` it leaves ``~/.aws``
world-writable. ``private_dir`` makes each missing level itself, 0700 whatever the
umask, and never touches a directory that already exists (it may be shared on purpose,
like ``~``).

**Atomic writes.** ``atomic_write``: a new temp file (0600, ``O_EXCL``, no symlink
followed), written and fsynced, given its final mode, renamed over the target, and the
directory fsynced. A reader sees the old file or the new one, never half of either.

**Locks.** ``exclusive`` holds an advisory lock for read-modify-write sequences across
processes. A lock another user can touch is a lock another user can hold forever, so:

* the directory holding the lock file must be ours and writable by nobody else (``private``);
  ``fallback_lock_dir`` is a 0700 directory of avault's own for when it is not;
* the lock file must be ours (a file planted by someone else is refused);
* the wait is bounded: ``AVAULT_LOCK_TIMEOUT`` (seconds or a Go duration, default 10s),
  then a one-line error naming the lock file.

**Reading again only what changed.** ``StatCache`` (the agent keeps one) remembers what
was read from a file or directory, keyed by its stat; see its docstring for why a stat
can be trusted, and when not.
"""

from __future__ import annotations

import contextlib
import os

from avault.errors import LockError, VaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from pathlib import Path
    from typing import TypeVar

    T = TypeVar("T")

_WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def private_dir(directory: Path) -> None:
    """Create ``directory`` and any missing parent, each 0700; raises OSError."""
    missing = []
    p = directory
    while not p.is_dir():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            # The umask can only take bits away from 0700: never looser, even for a moment.
            os.mkdir(d, 0o700)  # noqa: PTH102 - one level, our mode
        except FileExistsError:
            if not d.is_dir():
                raise
            continue  # made by someone else meanwhile: not ours to change
        os.chmod(d, 0o700)  # noqa: PTH101 - give back what a strict umask (e.g. 0277) took


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable; best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(prefixes: Sequence[Path], data: bytes, mode: int) -> Path:
    """A new file ``<prefix><random hex>`` holding ``data``, fsynced: the first prefix that works."""
    last: OSError | None = None
    for prefix in prefixes:
        tmp = prefix.with_name(prefix.name + os.urandom(8).hex())
        try:
            fd = os.open(tmp, _WRITE_NEW, 0o600)
        except OSError as exc:
            last = exc
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o600)  # whatever the umask took or left
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                if mode != 0o600:
                    os.fchmod(f.fileno(), mode)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return tmp
    assert last is not None
    raise last


def atomic_write(target: Path, data: bytes, *, mode: int = 0o600, temp_prefixes: Sequence[Path] = ()) -> None:
    """Replace ``target`` with ``data`` atomically; raises OSError, leaving no temp file behind.

    ``temp_prefixes``: where the temp file may go, tried in order (default
    ``<dir>/.<name>.avault-tmp-``); a random suffix is added. One outside the target's
    directory that turns out to be on another file system is redone in the directory.
    """
    in_dir = target.with_name(f".{target.name}.avault-tmp-")
    prefixes = list(temp_prefixes) or [in_dir]
    tmp = _write_temp(prefixes, data, mode)
    try:
        try:
            tmp.replace(target)
        except OSError as exc:
            import errno  # noqa: PLC0415

            if exc.errno != errno.EXDEV:
                raise
            tmp.unlink()
            tmp = _write_temp([p for p in prefixes if p.parent == target.parent] or [in_dir], data, mode)
            tmp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def remove_files_of_gone_pids(directory: Path, prefix: str) -> None:
    """Remove ``directory/PREFIX<pid>`` files whose process has exited (a shell's stamps)."""
    try:
        paths = list(directory.glob(prefix + "*"))
    except OSError:
        return
    for path in paths:
        pid = path.name[len(prefix) :]
        if not pid.isascii() or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                path.unlink()
        except OSError:
            continue  # alive (another user's process now) or unknowable: keep it


TIMEOUT_VAR = "AVAULT_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
_POLL = 0.05


def lock_timeout(env: Mapping[str, str] | None = None) -> float:
    """``AVAULT_LOCK_TIMEOUT`` in seconds; unset means 10s; junk is an error."""
    from avault.durations import env_seconds  # noqa: PLC0415

    seconds = env_seconds(os.environ if env is None else env, TIMEOUT_VAR, error=LockError)
    return DEFAULT_TIMEOUT if seconds is None else seconds


def unsafe_reason(directory: Path) -> str:
    """Why another user could create or replace files in ``directory``; '' when only we can."""
    import stat  # noqa: PLC0415

    try:
        st = directory.lstat()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory"
    if st.st_uid != os.getuid():
        return f"it belongs to uid {st.st_uid}, not to you (uid {os.getuid()})"
    if st.st_mode & 0o022:
        return f"it is writable by other users (mode {stat.S_IMODE(st.st_mode):04o})"
    return ""


def private(directory: Path) -> bool:
    """True when only we can create or replace files in ``directory``."""
    return not unsafe_reason(directory)


def fallback_lock_dir(env: Mapping[str, str] | None = None) -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/avault/locks``, every level we create made 0700."""
    from pathlib import Path  # noqa: PLC0415

    e = os.environ if env is None else env
    cache = e.get("XDG_CACHE_HOME", "")
    absolute = bool(cache) and os.path.isabs(cache)  # noqa: PTH117 - a str check
    base = Path(cache) if absolute else Path(e.get("HOME") or "~").expanduser() / ".cache"
    d = base / "avault" / "locks"
    make_private_dirs(d, "lock directory")
    return d


def make_private_dirs(directory: Path, what: str) -> None:
    """``fsutil.private_dir`` (every missing level 0700, none loosened), as a VaultError
    naming ``what`` on failure."""
    try:
        private_dir(directory)
    except OSError as exc:
        raise VaultError(f"cannot create {what} {exc.filename or directory}: {exc.strerror}") from None


@contextlib.contextmanager
def exclusive(
    path: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[], None] | None = None,
    hint: str = "",
) -> Iterator[None]:
    """Hold ``fcntl.flock(LOCK_EX)`` on ``path`` (created 0600) for the ``with`` body.

    Refuses a lock in a directory others can write to, or a lock file that is not ours;
    waits at most ``timeout`` (default ``lock_timeout()``), calling ``on_wait`` once if
    it has to wait. flock locks die with the process, so a crash never leaves a stale
    lock behind; the lock file itself is left in place (deleting it would race with
    waiters).
    """
    import fcntl  # noqa: PLC0415 - POSIX only, and only when writing
    import time  # noqa: PLC0415

    why = unsafe_reason(path.parent)
    if why:
        raise LockError(
            f"refusing to lock {path}: its directory {path.parent} is not private ({why}); "
            "make it yours with mode 0700, or choose another directory"
        )
    wait = lock_timeout() if timeout is None else timeout
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise LockError(f"cannot open lock file {path}: {exc.strerror}") from None
    try:
        owner = os.fstat(fd).st_uid
        if owner != os.getuid():
            raise LockError(
                f"refusing the lock file {path}: it belongs to uid {owner}, not to you; remove it"
            )
        deadline = time.monotonic() + wait
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"timed out after {wait:g}s waiting for the lock {path}; another process "
                        f"holds it (see 'fuser {path}'){hint}, or raise {TIMEOUT_VAR}"
                    ) from None
                time.sleep(_POLL)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class StatCache:
    """What was read from files and directories, reused while each one's stat is unchanged.

    ``get(path, kind, read)`` stats ``path`` (following symlinks, as the readers do), then
    returns what ``read()`` returned last time if the stat is the same in every field that
    a change moves: device, inode, size, mode, owner, and mtime and ctime to the nanosecond
    (ctime cannot be set back by anyone, so ``touch -r`` or ``rsync -t`` still show).
    Otherwise it calls ``read()``. Nothing is ever served stale, because:

    * the stat is taken before the read: a change during the read leaves an old key on
      new data, which the next stat no longer matches (one read too many, never too few);
    * the kernel stamps files with a coarse clock (a jiffy; seconds on some file systems),
      so two changes within one tick leave the same stat. A read is therefore remembered
      only when the path had not changed for ``SETTLE`` seconds before its stat: any later
      change gets a later stamp. A file edited in the last two seconds is read every time;
    * errors are never remembered (the reader raises again, or the path is gone).

    ``read()`` must return a value nobody mutates afterwards: it is shared by every
    thread. ``drop()`` forgets everything (``avault lock``, the agent's timeout).
    """

    SETTLE = 2.0
    LIMIT = 256

    def __init__(self, *, settle: float = SETTLE, clock: Callable[[], float] | None = None) -> None:
        import threading  # noqa: PLC0415 - only the agent makes one
        import time  # noqa: PLC0415

        self._settle = settle
        # The wall clock, as the file system's stamps: never a test's skewed Context clock.
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[tuple[int, ...], object]] = {}

    def get(self, path: Path, kind: str, read: Callable[[], T]) -> T:
        key = (kind, os.fspath(path))
        now = self._clock()  # before the stat: what settled before it cannot change unseen
        try:
            st = path.stat()
        except OSError:
            with self._lock:
                self._entries.pop(key, None)
            return read()  # missing or unreadable: the reader decides what that means
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mode, st.st_uid, st.st_mtime_ns, st.st_ctime_ns)
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]  # type: ignore[return-value] # stored by this same kind's reader
        value = read()
        settled = now - max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 > self._settle
        with self._lock:
            if not settled:
                self._entries.pop(key, None)
            else:
                if len(self._entries) >= self.LIMIT:
                    self._entries.clear()
                self._entries[key] = (stamp, value)
        return value

    def drop(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
