"""``avault exec [-d DUR] [-n] [--region R] [-t CODE] [-j] [--profile-env] PROFILE [-- CMD ARGS...]``.

Runs CMD (default ``$SHELL``) with the profile's credentials in its environment, exactly
as aws-vault does in its default (env var) mode, by replacing this process. With
``--profile-env`` (or AWS_VAULT_PROFILE_ENV) CMD gets ``AWS_PROFILE`` instead of keys, once
the credentials were fetched, and an SSO profile's token is in the AWS CLI's cache.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from avault.cmdline import session_options
from avault.commands.export import profile_arg
from avault.constants import SHELLS
from avault.errors import AvaultError
from avault.proc import start_error
from avault.switch import (
    NESTED_EXEC,
    Resolved,
    base_child_env,
    check_nested,
    child_env,
    format_json,
    obtain,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from avault.context import Context


def profile_env_wanted(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """``--profile-env``, or AWS_VAULT_PROFILE_ENV (the fork's flag and variable)."""
    if getattr(args, "profile_env", False):
        return True
    return env.get("AWS_VAULT_PROFILE_ENV", "").strip().lower() in ("1", "true", "yes", "on")


def sync_sso_token(ctx: Context, r: Resolved) -> None:
    """Put the profile's SSO token where the AWS CLI looks (~/.aws/sso/cache), for AWS_PROFILE.

    avault keeps its tokens there already; a token read from aws-vault's ``oidc:`` item, or
    one that expired while cached role credentials were served, is written (or renewed) now.
    """
    config = r.config
    while not config.has_sso() and config.source is not None:
        config = config.source  # a role on top of an SSO profile needs the same token
    if not config.has_sso():
        return
    from avault.sso.device import SsoLogin  # noqa: PLC0415
    from avault.sso.target import SsoTarget  # noqa: PLC0415

    target = SsoTarget.from_profile(config)
    login = SsoLogin(ctx, target, vault=r.vault)
    cached = login.cache.token(target)
    if cached is not None and cached.valid(ctx.now()):
        return
    token, _from_cache = login.token()
    again = login.cache.token(target)
    if again is None or again.access_token != token.access_token:
        login.cache.save_token(target, token)
    ctx.log(f"exec {r.profile}: SSO token synced to {login.cache.path(target.token_key)}")


def check_server_flags(args: argparse.Namespace) -> None:
    """The flag combinations ``exec --ecs-server`` refuses, in aws-vault's words where it has them."""
    if getattr(args, "profile_env", False):
        raise AvaultError("Can't use --profile-env with --ecs-server")
    if getattr(args, "ec2_server", False):
        if args.ecs_server:
            raise AvaultError("Can't use --ec2-server with --ecs-server")
        raise AvaultError(
            "--ec2-server is not supported: it needs root to serve 169.254.169.254:80 to every process; "
            "use --ecs-server, which every current AWS SDK understands"
        )
    if not args.ecs_server:
        raise AvaultError(
            "--background, --lazy and --ecs-server-address need --ecs-server; "
            "run 'avault exec --ecs-server ...'"
        )
    if args.json:
        raise AvaultError("Can't use --ecs-server with --json")
    if args.no_session:
        raise AvaultError("Can't use --ecs-server with --no-session")
    if args.background and args.format not in SHELLS:
        raise AvaultError("--background prints shell code: add --format zsh, bash or fish")
    if args.background and args.cmd:
        raise AvaultError("--background runs no command; drop the command, or drop --background")


def command_arg(args: argparse.Namespace) -> list[str]:
    """The command after the profile, without a leading ``--``; [] for none."""
    command = list(args.cmd or [])
    return command[1:] if command and command[0] == "--" else command


def run(args: argparse.Namespace, ctx: Context) -> int:
    if any(
        getattr(args, flag, False)
        for flag in ("ecs_server", "ec2_server", "background", "lazy", "ecs_server_address")
    ):
        from avault import ecs_exec  # noqa: PLC0415 - the server mode lives apart

        check_server_flags(args)
        check_nested(ctx.env, NESTED_EXEC)
        request = ecs_exec.ServerRequest(
            command=tuple(command_arg(args)),
            lazy=bool(args.lazy),
            background=bool(args.background),
            shell=args.format or "",
            watch_pid=int(args.watch_pid or 0),
            address=args.ecs_server_address or "",
        )
        return ecs_exec.run_exec(request, session_options(args), ctx, profile_arg(args, ctx, "exec"))
    check_nested(ctx.env, NESTED_EXEC)
    profile = profile_arg(args, ctx, "exec")
    # Fetched even with --profile-env: a profile that cannot give credentials fails here,
    # not later inside the command (the fork validates the same way).
    resolved = obtain(session_options(args), ctx, profile)
    if args.json:
        ctx.stdout.write(format_json(resolved))
        ctx.stdout.flush()
        return 0
    by_name = profile_env_wanted(args, ctx.env)
    if by_name:
        sync_sso_token(ctx, resolved)

    command = command_arg(args)
    if not command:
        shell = ctx.env.get("SHELL") or "/bin/sh"
        command = [shell]
        if not ctx.debug and ctx.stdout.isatty() and ctx.env.get("AWS_VAULT_DISABLE_HELP_MESSAGE") != "1":
            ctx.info(f"Starting subshell {shell}, use `exit` to exit the subshell")

    if by_name:
        # The command resolves the profile itself (AWS_PROFILE); no keys in its environment.
        env = base_child_env(ctx.env, resolved.profile, resolved.region, resolved.endpoint_url)
        env["AWS_PROFILE"] = resolved.profile
    else:
        env = child_env(ctx.env, resolved)
    ctx.stdout.flush()
    ctx.stderr.flush()
    from avault.proc import restore_core_limit  # noqa: PLC0415

    restore_core_limit()  # the user's command dumps core as it would without us
    try:
        os.execvpe(command[0], command, env)  # noqa: S606 - replacing ourselves is the point
    except OSError as exc:
        raise start_error(command, exc) from None
    return 0  # pragma: no cover - execvpe does not return
