"""``avault pick``: choose a profile interactively; print only its name.

``avs`` with no argument, in an interactive shell, runs ``$(avault pick)`` and switches
to the result. The menu is drawn on /dev/tty (or by fzf), so stdout carries the name
alone; Esc or Ctrl-C exits 130 with stdout empty, and the shell stays as it was.

Reads: AVS_PICKER (fzf, builtin; default fzf when on PATH), AVS_FZF_OPTS (extra fzf
options), AWS_CONFIG_FILE, XDG_STATE_HOME (the recent-use file, see avault.recent).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from avault import errors
from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context

PICKERS = ("fzf", "builtin")


def choose_picker(wanted: str, env_path: str | None) -> tuple[str, str]:
    """(kind, fzf path): ``wanted`` is '', 'fzf' or 'builtin'."""
    if wanted not in ("", *PICKERS):
        if wanted == "none":
            raise AvaultError("pick: the picker is off (AVS_PICKER=none); run 'avs PROFILE'")
        raise AvaultError(f"pick: unknown picker {wanted!r}; set AVS_PICKER to fzf, builtin or none")
    fzf = shutil.which("fzf", path=env_path) if wanted in ("", "fzf") else None
    if wanted == "fzf" and not fzf:
        raise AvaultError(
            "pick: AVS_PICKER=fzf but fzf is not on PATH; install fzf or set AVS_PICKER=builtin"
        )
    return ("fzf", fzf) if fzf else ("builtin", "")


def interactive(ctx: Context) -> bool:
    """A person at a terminal: stdin is one and /dev/tty opens (where the menu is drawn)."""
    import os  # noqa: PLC0415

    try:
        if not ctx.stdin.isatty():
            return False
        fd = os.open(ctx.tty_path or "/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except (OSError, ValueError):
        return False
    os.close(fd)
    return True


def pick_profile(ctx: Context, command: str, missing: str) -> str:
    """The fork's fallback when exec, export, login or rotate get no profile: the menu.

    Only at a terminal (and unless AVS_PICKER=none); elsewhere ``missing`` is the error.
    Cancelled (Esc, Ctrl-C): exit 130, nothing done.
    """

    if ctx.env.get("AVS_PICKER") == "none" or not interactive(ctx):
        raise AvaultError(missing)
    try:
        return _choose(ctx, "")
    except errors.Cancelled:
        raise AvaultError(
            f"{command}: no profile chosen; run 'avault {command} PROFILE'", exit_code=130
        ) from None


def _choose(ctx: Context, wanted: str) -> str:
    from avault import config as cfgmod  # noqa: PLC0415
    from avault import picker, recent  # noqa: PLC0415

    kind, fzf = choose_picker(wanted or ctx.env.get("AVS_PICKER", ""), ctx.env.get("PATH"))
    cfg = cfgmod.ConfigFile.load(cfgmod.config_path(ctx.env, ctx.home), home=ctx.home)
    names = cfg.profile_names()
    if not names:
        raise AvaultError(f"pick: no profiles in {cfg.display}; add one with 'avault add PROFILE'")
    state = recent.recent_path(ctx.env, ctx.home)
    recent.compact(state)
    rows = picker.Rows(
        picker.order_profiles(names, recent.read_recent(state)), lambda n: picker.describe(cfg, n)
    )
    if kind == "fzf":
        return picker.run_fzf(rows, fzf, ctx.env)
    return picker.run_builtin(rows, ctx.tty_path or "/dev/tty")


def run(args: argparse.Namespace, ctx: Context) -> int:

    try:
        chosen = _choose(ctx, args.picker or "")
    except errors.Cancelled:
        return 130  # quietly: the menu is gone and the shell prompt says enough
    ctx.stdout.write(chosen + "\n")
    ctx.stdout.flush()
    return 0
