"""Which profiles were switched to most recently, for the picker's order (``avs`` with no argument).

The file is ``${XDG_STATE_HOME:-~/.local/state}/avault/recent``, mode 0600: one profile
name per line, the newest last. Whatever makes the code of an in-place switch appends to
it (``note_switch``): ``avault export --format SHELL``, the agent answering a shell's
``avs``, and ``exec --ecs-server --background``; so the shells hold no code for it.
Appends of one short line with O_APPEND do not interleave, so processes can share it.

Readers take the lines newest first, without duplicates. ``compact`` (run by the picker)
rewrites the file when it has grown, keeping the newest ``KEEP`` distinct names.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Mapping

KEEP = 200  # distinct names kept by compact()
COMPACT_AT = 1000  # lines before compact() rewrites the file


def recent_path(env: Mapping[str, str], home: Path) -> Path:
    """``$XDG_STATE_HOME/avault/recent``; a relative XDG_STATE_HOME is ignored, as the spec says."""
    state = env.get("XDG_STATE_HOME", "")
    base = Path(state) if state.startswith("/") else home / ".local" / "state"
    return base / "avault" / "recent"


def _lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def read_recent(path: Path) -> list[str]:
    """Profile names, most recent first, each once."""
    seen: dict[str, None] = {}
    for name in reversed(_lines(path)):
        if name and name not in seen:
            seen[name] = None
    return list(seen)


def record(path: Path, profile: str) -> None:
    """Append one use; the directories are made (0700) only when the file is missing."""
    if not profile or "\n" in profile:
        return
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except FileNotFoundError:
        from avault.fsutil import private_dir  # noqa: PLC0415

        private_dir(path.parent)
        fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, (profile + "\n").encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def note_switch(fmt: str, profile: str, env: Mapping[str, str], home: Path) -> None:
    """Record ``profile`` when ``fmt`` is a shell's (an in-place switch); never fails."""
    from avault.constants import SHELLS  # noqa: PLC0415

    if fmt not in SHELLS:
        return
    try:  # noqa: SIM105 - contextlib is an import the cached switch does not need
        record(recent_path(env, home), profile)
    except (OSError, ValueError):
        pass  # a read-only state directory, a name no file can hold: never fail the switch


def compact(path: Path, *, keep: int = KEEP, at: int = COMPACT_AT) -> None:
    """Rewrite the file with its newest ``keep`` distinct names once it has ``at`` lines.

    Best effort: the picker must work on a read-only or missing state directory.
    """
    lines = _lines(path)
    if len(lines) < at:
        return
    names = read_recent(path)[:keep]
    body = "".join(f"{n}\n" for n in reversed(names)).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        # A shell appending between our read and this rename loses that one line: the
        # order is a convenience, and the next switch records again.
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)
