"""``avault rotate [-n] [PROFILE]``: replace the stored access key with a new one (``avault.keyrotation``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import keyrotation  # noqa: PLC0415
    from avault.cmdline import session_options  # noqa: PLC0415

    profile = args.profile
    if not profile:  # at a terminal, the menu (as the fork does)
        from avault.commands.pick import pick_profile  # noqa: PLC0415

        profile = pick_profile(ctx, "rotate", "no profile given; run 'avault rotate PROFILE'")
    return keyrotation.run(session_options(args), ctx, profile)  # -n, --prompt and the vault
