"""Private directories: the one way avault creates a directory.

``Path.mkdir(mode=0o700, parents=True)`` applies ``mode`` to the last level only, and
the umask to every level, so under ``umask 000`` it leaves ``~/.aws`` world-writable.
``private_dir`` makes each missing level itself, 0700 whatever the umask, and never
touches a directory that already exists (it may be shared on purpose, like ``~``).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from pathlib import Path


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
