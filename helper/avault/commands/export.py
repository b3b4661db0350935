"""``avault export [--format F] PROFILE``: credentials as env lines, JSON, ini, or an in-place switch.

stdout is code (or credential_process JSON), so the whole output is built in memory and
written once at the end: on any failure, including Ctrl-C at an MFA prompt, stdout stays
empty and the exit status is non-zero. The work is ``avault.switch``'s; ``avault.cmdline``
reads the parsed options into its ``SessionOptions``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def profile_arg(args: argparse.Namespace, ctx: Context, command: str) -> str:
    profile: str = args.profile or ctx.env.get("AWS_PROFILE", "")
    if not profile:
        from avault.commands.pick import pick_profile  # noqa: PLC0415 - at a terminal: the menu

        missing = f"no profile given; run 'avault {command} PROFILE' or set AWS_PROFILE"
        profile = pick_profile(ctx, command, missing)
    return profile


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import recent, switch  # noqa: PLC0415
    from avault.cmdline import session_options  # noqa: PLC0415

    switch.check_nested(ctx.env, switch.NESTED_EXPORT)
    profile = profile_arg(args, ctx, "export")
    resolved = switch.obtain(session_options(args), ctx, profile)
    output = switch.render_format(args.format, resolved, ctx.env)
    ctx.stdout.write(output)
    ctx.stdout.flush()
    recent.note_switch(args.format, resolved.profile, ctx.env, ctx.home)  # the picker's order
    return 0
