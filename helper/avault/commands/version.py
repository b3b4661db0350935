"""``avault version``: the version line, on stdout (the fork's command; ``--version`` too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:  # noqa: ARG001 - no options
    from avault import __version__  # noqa: PLC0415

    ctx.say(f"avault {__version__}")
    return 0
