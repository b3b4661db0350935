"""``avault logout [--sso] [--revoke [-f]] [--format SHELL] [PROFILE]`` (aws-vault has no such command).

Deletes the cached sessions of PROFILE and of every profile in its source_profile chain,
so the next use goes back to STS (and MFA). ``--sso`` also drops the chain's SSO tokens.

``--format zsh|bash|fish`` prints shell code for ``avs --logout`` to eval. It clears the
switch variables only when PROFILE is the one this shell switched to (``AVS_PROFILE`` or
``AWS_VAULT``); for another profile it prints nothing, so the shell keeps its keys.

``--revoke`` does what the IAM console's "Revoke active sessions" does for a role: an
inline policy ``AWSRevokeOlderSessions`` denying everything to tokens issued before now.
That hits every holder of the role, so it asks first (``-f`` skips the question).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse

    from avault.config.ini import ConfigFile
    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.vault.base import Vault

REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"


def revoke_policy(issued_before: str) -> dict[str, object]:
    """The IAM console's policy, byte for byte in shape."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
            }
        ],
    }


def _chain(config: ProfileConfig) -> list[ProfileConfig]:
    out: list[ProfileConfig] = []
    c: ProfileConfig | None = config
    while c is not None:
        out.append(c)
        c = c.source
    return out


def _oidc_keys(cfg: ConfigFile, names: list[str], keys: list[str]) -> list[str]:
    from avault.sessions import OIDC_PREFIX  # noqa: PLC0415

    wanted: set[str] = set()
    for name in names:
        url = cfg.resolved_sso_start_url(name)
        if url:
            wanted.add(OIDC_PREFIX + url)
        session = (cfg.section(name) or {}).get("sso_session", "")
        if session:
            wanted.add(OIDC_PREFIX + session)
    return [k for k in keys if k in wanted]


def _drop_cli_sso_tokens(ctx: Context, cfg: ConfigFile, names: list[str]) -> int:
    """Remove the chain's tokens from ~/.aws/sso/cache, where avault (and the AWS CLI) keep them."""
    from avault.sso.cache import TokenCache  # noqa: PLC0415 - stdlib-only at import
    from avault.sso.target import profile_target  # noqa: PLC0415

    cache = TokenCache.for_context(ctx)
    keys = {t.token_key for name in names if (t := profile_target(cfg, name)) is not None}
    return sum(1 for key in keys if cache.remove(key))


def _revoke(args: argparse.Namespace, ctx: Context, vault: Vault, config: ProfileConfig) -> None:
    from avault.creds import format_rfc3339  # noqa: PLC0415
    from avault.errors import AwsCallError  # noqa: PLC0415
    from avault.iam import Aws, role_name_from_arn  # noqa: PLC0415
    from avault.providers import Resolver  # noqa: PLC0415

    name = config.profile_name
    if not config.has_role():
        raise AvaultError(
            f"logout --revoke: profile {name} has no role_arn; only a role's sessions can be revoked"
        )
    if config.source is None:
        raise AvaultError(
            f"logout --revoke: profile {name} has no source_profile whose credentials could change the "
            "role; revoke its sessions in the IAM console (Roles > Revoke sessions)"
        )
    role = config.role_arn
    if not args.force:
        answer = ctx.prompt(
            f"Revoke every active session of role {role}? This affects EVERY holder of the role, "
            "not only you: all credentials issued for it before now stop working. (y|N) ",
            how_to_avoid="pass -f to revoke without asking",
        )
        if answer.strip().lower() not in ("y", "yes"):
            ctx.info("Nothing revoked.")
            return
    issued_before = format_rfc3339(ctx.now())
    creds = Resolver(ctx, vault).provider_for(config.source).retrieve()
    try:
        Aws(ctx, config).put_role_policy(
            creds, role_name_from_arn(role), REVOKE_POLICY_NAME, revoke_policy(issued_before)
        )
    except AwsCallError as exc:
        raise AvaultError(
            f"logout --revoke: could not attach {REVOKE_POLICY_NAME} to role {role} with the credentials "
            f"of profile {config.source.profile_name} ({exc}); it needs iam:PutRolePolicy on the role"
        ) from None
    ctx.info(f"Revoked sessions of role {role} issued before {issued_before} (policy {REVOKE_POLICY_NAME})")


def logout_code(shell: str, profile: str, env: dict[str, str]) -> str:
    """What ``avs --logout`` evals: clear this shell when it holds ``profile``.

    The same unsets as a switch to a profile with no region or endpoint of its own.
    """
    from avault.render import render  # noqa: PLC0415
    from avault.switch import switch_base  # noqa: PLC0415

    if profile not in (env.get("AVS_PROFILE"), env.get("AWS_VAULT")):
        return ""
    unset, _ = switch_base(env, profile, "", "")
    return render(shell, unset)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import config as cfgmod  # noqa: PLC0415
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.sessions import delete_profile_sessions  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    profile: str = args.profile or ctx.env.get("AVS_PROFILE", "") or ctx.env.get("AWS_VAULT", "")
    if not profile:
        raise AvaultError("no profile given and none switched to in this shell; run 'avault logout PROFILE'")
    cfg = cfgmod.ConfigFile.load(cfgmod.config_path(ctx.env, ctx.home), home=ctx.home)
    vault = open_vault(vault_options(args), ctx)
    config = cfgmod.resolve(profile, cfg, ctx.env, cfgmod.Flags(), log=ctx.log)
    if args.revoke:
        _revoke(args, ctx, vault, config)  # before the sessions go: it may use the source's session
    names = [c.profile_name for c in _chain(config)]
    count = sum(delete_profile_sessions(vault, name) for name in names)
    tokens = _oidc_keys(cfg, names, vault.keys()) if args.sso else []
    for key in tokens:
        vault.delete(key)
    dropped = len(tokens) + (_drop_cli_sso_tokens(ctx, cfg, names) if args.sso else 0)
    extra = f" and {dropped} SSO tokens" if dropped else ""
    ctx.info(f"Logged out of {profile}: deleted {count} sessions{extra}.")
    if args.format:
        ctx.stdout.write(logout_code(args.format, profile, dict(ctx.env)))
        ctx.stdout.flush()
    return 0
