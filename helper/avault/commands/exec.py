"""``avault exec [-d DUR] [-n] [--region R] [-t CODE] [-j] [--profile-env] PROFILE [-- CMD ARGS...]``.

Runs CMD (default ``$SHELL``) with the profile's credentials in its environment, exactly
as aws-vault does in its default (env var) mode, by replacing this process. With
``--profile-env`` (or AWS_VAULT_PROFILE_ENV) CMD gets ``AWS_PROFILE`` instead of keys, once
the credentials were fetched, and an SSO profile's token is in the AWS CLI's cache.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from avault.commands.export import (
    NESTED_EXEC,
    SERVER_VARS,
    Resolved,
    check_nested,
    format_json,
    obtain,
    profile_arg,
    without_switch_region,
)
from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from avault.context import Context

# aws-vault's list, plus our switch bookkeeping: an exec child is a subshell, not a switch.
REMOVED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_FILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AVS_PROFILE",
    "AVS_EXPIRES",
    "AVS_ACCOUNT",
    "AVS_REGION",
    "AVS_ENDPOINT_URL",
)


def start_error(command: list[str], exc: OSError) -> AvaultError:
    """Why ``command`` could not start, with the shell's exit codes (127 not found, 126 else)."""
    if isinstance(exc, FileNotFoundError):
        return AvaultError(f"exec: {command[0]}: command not found; check the name and PATH", exit_code=127)
    if isinstance(exc, PermissionError):
        return AvaultError(f"exec: {command[0]}: permission denied; is it executable?", exit_code=126)
    return AvaultError(f"exec: cannot run {command[0]} ({exc.strerror})", exit_code=126)


def base_child_env(env: Mapping[str, str], profile: str, region: str, endpoint_url: str) -> dict[str, str]:
    """The child's environment without any credentials (the ECS server mode adds its own)."""
    # A previous `avs` switch's region and endpoint are not the user's: do not leak them.
    out = without_switch_region(env)
    for var in REMOVED:
        out.pop(var, None)
    if env.get("AVS_SERVER_PID"):  # `avs --server`'s endpoint belongs to the old profile
        for var in SERVER_VARS:
            out.pop(var, None)
    out["AWS_VAULT"] = profile
    if region:
        out["AWS_REGION"] = region
        out["AWS_DEFAULT_REGION"] = region
    if endpoint_url:
        out["AWS_ENDPOINT_URL"] = endpoint_url
    return out


def child_env(env: Mapping[str, str], r: Resolved) -> dict[str, str]:
    out = base_child_env(env, r.profile, r.region, r.endpoint_url)
    c = r.creds
    out["AWS_ACCESS_KEY_ID"] = c.access_key_id
    out["AWS_SECRET_ACCESS_KEY"] = c.secret_access_key
    if c.session_token:
        out["AWS_SESSION_TOKEN"] = c.session_token
    if c.can_expire():
        # AWS_SESSION_EXPIRATION too: aws-vault v7 dropped it, but prompt themes still read it.
        out["AWS_CREDENTIAL_EXPIRATION"] = c.expiration_rfc3339()
        out["AWS_SESSION_EXPIRATION"] = c.expiration_rfc3339()
    return out


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
    from avault import sso  # noqa: PLC0415

    target = sso.SsoTarget.from_profile(config)
    login = sso.SsoLogin(ctx, target, vault=r.vault)
    cached = login.cache.token(target)
    if cached is not None and cached.valid(ctx.now()):
        return
    token, _from_cache = login.token()
    again = login.cache.token(target)
    if again is None or again.access_token != token.access_token:
        login.cache.save_token(target, token)
    ctx.log(f"exec {r.profile}: SSO token synced to {login.cache.path(target.token_key)}")


def run(args: argparse.Namespace, ctx: Context) -> int:
    if any(
        getattr(args, flag, False)
        for flag in ("ecs_server", "ec2_server", "background", "lazy", "ecs_server_address")
    ):
        if getattr(args, "profile_env", False):
            raise AvaultError("Can't use --profile-env with --ecs-server")
        from avault.server import run_exec  # noqa: PLC0415 - the server mode lives apart

        return run_exec(args, ctx)
    check_nested(ctx.env, NESTED_EXEC)
    profile = profile_arg(args, ctx, "exec")
    # Fetched even with --profile-env: a profile that cannot give credentials fails here,
    # not later inside the command (the fork validates the same way).
    resolved = obtain(args, ctx, profile)
    if args.json:
        ctx.stdout.write(format_json(resolved))
        ctx.stdout.flush()
        return 0
    by_name = profile_env_wanted(args, ctx.env)
    if by_name:
        sync_sso_token(ctx, resolved)

    command = list(args.cmd or [])
    if command and command[0] == "--":
        command = command[1:]
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
