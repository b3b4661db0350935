"""An exclusive advisory lock on a file, for read-modify-write sequences across processes."""

from __future__ import annotations

import contextlib
import os

from avault.errors import VaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``fcntl.flock(LOCK_EX)`` on ``path`` (created 0600) for the ``with`` body.

    flock locks die with the process, so a crash never leaves a stale lock behind;
    the lock file itself is left in place (deleting it would race with waiters).
    """
    import fcntl  # noqa: PLC0415 - POSIX only, and only when writing

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise VaultError(f"cannot open lock file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
