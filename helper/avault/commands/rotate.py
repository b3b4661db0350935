"""``avault rotate [-n] [PROFILE]``: replace the stored access key with a new one; see ``avault.rotate``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import rotate  # noqa: PLC0415

    if not args.profile:  # at a terminal, the menu (as the fork does)
        from avault.commands.pick import pick_profile  # noqa: PLC0415

        args.profile = pick_profile(ctx, "rotate", "no profile given; run 'avault rotate PROFILE'")
    return rotate.run(args, ctx)
