"""``avault login [-d DUR] [-n] [-t CODE] [--region R] [--path P] [-s] [-a] [--browser-profile N] [PROFILE]``.

Opens the AWS console signed in as PROFILE (or as the credentials ``avs`` put in this
shell; with neither, at a terminal, the profile menu); the flow lives in ``avault.console``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import console  # noqa: PLC0415
    from avault.cmdline import session_options  # noqa: PLC0415

    env = ctx.env
    profile = args.profile or ""
    if not (profile or env.get("AWS_PROFILE") or env.get("AWS_ACCESS_KEY_ID")):
        # No profile and no keys in this shell: at a terminal, the menu (as the fork does).
        from avault.commands.pick import pick_profile  # noqa: PLC0415

        missing = (
            "no profile given and no AWS credentials in the environment; "
            "run 'avault login PROFILE', or switch first with 'avs PROFILE'"
        )
        profile = pick_profile(ctx, "login", missing)
    opts = console.LoginOptions(
        # --stdout prints the console URL here, not the SSO link.
        session_options(args, sso_print_only=False),
        profile=profile,
        path=getattr(args, "path", None) or "",
        auto_logout=bool(getattr(args, "auto_logout", False)),
        stdout=bool(getattr(args, "stdout", False)),
        browser_profile=getattr(args, "browser_profile", None) or "",
    )
    return console.run(opts, ctx)
