"""``avault export [--format F] PROFILE``: credentials as env lines, JSON, ini, or an in-place switch.

stdout is code (or credential_process JSON), so the whole output is built in memory and
written once at the end: on any failure, including Ctrl-C at an MFA prompt, stdout stays
empty and the exit status is non-zero. The work is ``avault.switch``'s; this module turns
argparse's namespace into its options (``session_options``, shared by exec and the server).
"""

from __future__ import annotations

from avault.constants import SHELLS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import argparse

    from avault.context import Context
    from avault.switch import SessionOptions


def profile_arg(args: argparse.Namespace, ctx: Context, command: str) -> str:
    profile: str = args.profile or ctx.env.get("AWS_PROFILE", "")
    if not profile:
        from avault.commands.pick import pick_profile  # noqa: PLC0415 - at a terminal: the menu

        missing = f"no profile given; run 'avault {command} PROFILE' or set AWS_PROFILE"
        profile = pick_profile(ctx, command, missing)
    return profile


def session_options(args: argparse.Namespace, *, sso_print_only: bool = True) -> SessionOptions:
    """The session options (-d, -t, -n, --region, --prompt, --stdout) of export, exec, login, the server.

    ``sso_print_only``: --stdout means "print the SSO link" (export, exec), not login's URL.
    """
    from avault.switch import SessionOptions  # noqa: PLC0415

    return SessionOptions(
        args,
        duration=getattr(args, "duration", None) or "",
        mfa_token=getattr(args, "mfa_token", None) or "",
        no_session=bool(getattr(args, "no_session", False)),
        region=getattr(args, "region", None) or "",
        prompt=getattr(args, "prompt", None) or "",
        # An in-place switch (avs, avs --server): stdout is the shell's $(...), at a terminal.
        shell_switch=getattr(args, "format", None) in SHELLS,
        # A foreground ECS server shares the terminal with its command: a GUI driver, if any.
        foreground_server=bool(getattr(args, "ecs_server", False)) and not getattr(args, "background", False),
        print_only=True if sso_print_only and getattr(args, "stdout", False) else None,
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import switch  # noqa: PLC0415

    switch.check_nested(ctx.env, switch.NESTED_EXPORT)
    profile = profile_arg(args, ctx, "export")
    resolved = switch.obtain(session_options(args), ctx, profile)
    output = switch.render_format(args.format, resolved, ctx.env)
    ctx.stdout.write(output)
    ctx.stdout.flush()
    return 0
