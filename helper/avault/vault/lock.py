"""An exclusive advisory lock on a file, for read-modify-write sequences across processes.

A lock another user can touch is a lock another user can hold forever, so:

* the directory holding the lock file must be ours and writable by nobody else (``private``);
  ``fallback_lock_dir`` is a 0700 directory of avault's own for when it is not;
* the lock file must be ours (a file planted by someone else is refused);
* the wait is bounded: ``AVAULT_LOCK_TIMEOUT`` (seconds or a Go duration, default 10s),
  then a one-line error naming the lock file.
"""

from __future__ import annotations

import contextlib
import os

from avault.errors import VaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

TIMEOUT_VAR = "AVAULT_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
_POLL = 0.05


def lock_timeout(env: Mapping[str, str] | None = None) -> float:
    """``AVAULT_LOCK_TIMEOUT`` in seconds; unset means 10s; junk is an error."""
    from avault.durations import parse_seconds  # noqa: PLC0415

    text = (os.environ if env is None else env).get(TIMEOUT_VAR, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    seconds = parse_seconds(text)
    if seconds is None or seconds < 0:
        raise VaultError(f"{TIMEOUT_VAR}={text!r} is not a duration; use seconds or e.g. 30s, 2m")
    return seconds


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
    from avault.fsutil import private_dir  # noqa: PLC0415

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
        raise VaultError(
            f"refusing to lock {path}: its directory {path.parent} is not private ({why}); "
            "make it yours with mode 0700, or choose another directory"
        )
    wait = lock_timeout() if timeout is None else timeout
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise VaultError(f"cannot open lock file {path}: {exc.strerror}") from None
    try:
        owner = os.fstat(fd).st_uid
        if owner != os.getuid():
            raise VaultError(
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
                    raise VaultError(
                        f"timed out after {wait:g}s waiting for the lock {path}; another process "
                        f"holds it (see 'fuser {path}'){hint}, or raise {TIMEOUT_VAR}"
                    ) from None
                time.sleep(_POLL)
        yield
    finally:
        os.close(fd)  # closing releases the lock
