"""Opening a URL in the user's browser: ``$BROWSER`` first, else Python's ``webbrowser``.

Shared by console login and the SSO device flow. The browser never inherits our stdout:
under ``eval "$(avault export ...)"`` a child holding that pipe open would hang the
shell until the browser exits.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Mapping


def browser_commands(env: Mapping[str, str]) -> list[list[str]]:
    """``$BROWSER`` as webbrowser reads it: ``os.pathsep``-separated commands (bad ones skipped)."""
    import shlex  # noqa: PLC0415

    commands = []
    for entry in env.get("BROWSER", "").split(os.pathsep):
        try:
            argv = shlex.split(entry)
        except ValueError:  # an unbalanced quote: not a command we can run
            continue
        if argv:
            commands.append(argv)
    return commands


def spawn(argv: list[str], env: Mapping[str, str]) -> bool:
    """Start ``argv`` detached, with no stdio of ours; False if it cannot start."""
    import subprocess  # noqa: PLC0415

    try:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def open_url(env: Mapping[str, str], url: str) -> bool:
    """Open ``url``: each ``$BROWSER`` command in turn (``%s`` marks the URL), else webbrowser.

    A set ``$BROWSER`` is the user's choice: when none of its commands starts, this says
    so (False) instead of trying another browser.
    """
    if env.get("BROWSER"):
        for argv in browser_commands(env):
            command = [a.replace("%s", url) for a in argv] if any("%s" in a for a in argv) else [*argv, url]
            if spawn(command, env):
                return True
        return False
    import webbrowser  # noqa: PLC0415

    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
