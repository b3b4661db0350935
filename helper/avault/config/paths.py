"""Where the config file is, how messages name it, and whether it is safe to read or write.

Stdlib only, on the fast path of every switch (see ``avault.config``)."""

from __future__ import annotations

import os
from pathlib import Path

from avault.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def config_path(env: Mapping[str, str], home: Path) -> Path:
    """``$AWS_CONFIG_FILE`` (a leading ``~/`` is expanded), else ``~/.aws/config``."""
    configured = env.get("AWS_CONFIG_FILE", "")
    if configured:
        if configured == "~" or configured.startswith("~/"):
            return home / configured[2:]
        return Path(configured)
    return home / ".aws" / "config"


def shown_config_path(env: Mapping[str, str], home: Path) -> str:
    """The config file in use, as messages name it (``~/...`` under the home directory)."""
    return display_path(config_path(env, home), home)


def display_path(path: Path, home: Path | None = None) -> str:
    """``~/.aws/config`` rather than ``/home/me/.aws/config`` in messages."""
    home = home if home is not None else Path(os.environ.get("HOME") or "/nonexistent")
    try:
        rel = path.relative_to(home)
    except ValueError:
        return str(path)
    return f"~/{rel.as_posix()}"


_warned_paths: set[str] = set()


def _stderr_warning(message: str) -> None:
    import sys  # noqa: PLC0415 - only on this rare path

    from avault.text import printable_lines  # noqa: PLC0415

    print(printable_lines(message), file=sys.stderr, flush=True)


def private_group(gid: int) -> bool:
    """Is ``gid`` this user's own group (Debian's user-private groups), with no one else in it?"""
    import grp  # noqa: PLC0415 - only on the rare group-writable path
    import pwd  # noqa: PLC0415

    try:
        user = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except (KeyError, OSError):
        return False
    return user.pw_gid == gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def check_owner_and_mode(
    path: Path, st: os.stat_result, display: str, warn: Callable[[str], None] | None = None
) -> None:
    """ssh's rule for its config file, applied to ~/.aws/config and its directory.

    Whoever can write the config can make avault run their code (``credential_process``,
    ``mfa_process``) with your keys, so: a file or directory owned by another user (root
    excepted), or writable by everyone, is refused; group-writable is a warning (Debian's
    user-private groups make 0664 common, and Debian's ssh accepts that too). Only regular
    files are checked: ``AWS_CONFIG_FILE=/dev/null`` is a device owned by root.
    """
    import stat  # noqa: PLC0415 - cheap, but not needed before a file exists

    if not stat.S_ISREG(st.st_mode):
        return
    uid = os.geteuid()
    checks: list[tuple[str, os.stat_result | None]] = [(display, st)]
    try:
        parent_st: os.stat_result | None = os.stat(path.parent)  # noqa: PTH116 - one stat
    except OSError:
        parent_st = None
    checks.append((f"the directory of {display}", parent_st))
    for what, s in checks:
        if s is None:
            continue
        shown = display if s is st else str(path.parent)
        if s.st_uid not in (uid, 0):
            raise ConfigError(
                f"refusing to read {display}: {what} is owned by another user (uid {s.st_uid}), who "
                f"could make avault run their code; fix it with: chown {uid} {shown}"
            )
        sticky_dir = stat.S_ISDIR(s.st_mode) and s.st_mode & stat.S_ISVTX
        if s.st_mode & stat.S_IWOTH and not sticky_dir:
            raise ConfigError(
                f"refusing to read {display}: {what} is writable by every user "
                f"(mode {stat.S_IMODE(s.st_mode):03o}), who could make avault run their code; "
                f"fix it with: chmod go-w {shown}"
            )
        if s.st_mode & stat.S_IWGRP and not sticky_dir and not private_group(s.st_gid):
            key = f"{shown}\0{what}"
            if key not in _warned_paths:
                _warned_paths.add(key)
                (warn or _stderr_warning)(
                    f"avault: warning: {what} is writable by its group "
                    f"(mode {stat.S_IMODE(s.st_mode):03o}); fix it with: chmod g-w {shown}"
                )


def write_config_file(target: Path, data: bytes, *, display: str) -> None:
    from avault.fsutil import atomic_write, private_dir  # noqa: PLC0415 - only writers pay

    try:
        private_dir(target.parent)
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o600
        atomic_write(target, data, mode=mode)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {display} ({exc.strerror or type(exc).__name__}); "
            "check the permissions of the file and its directory"
        ) from None
