"""``avault clear [PROFILE]``: delete cached sessions (and SSO tokens), never credentials.

Without a profile: every session key (current and old formats) and every ``oidc:`` token.
With a profile: that profile's sessions plus the OIDC token of its SSO start URL (the
``[sso-session]`` URL wins over an inline ``sso_start_url``, as in the maintained fork).
The SSO token in ``~/.aws/sso/cache`` (where avault keeps it, shared with the AWS CLI) is
deleted with the vault's ``oidc:`` item and counted the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault import sessions

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def _start_url(ctx: Context, profile: str) -> str:
    from avault import config  # noqa: PLC0415

    cfg = config.ConfigFile.load(config.config_path(ctx.env, ctx.home), home=ctx.home)
    section = cfg.section(profile) or {}
    sso = cfg.sso_session(section.get("sso_session", "")) if section.get("sso_session") else None
    return (sso or {}).get("sso_start_url") or section.get("sso_start_url", "")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    vault = open_vault(vault_options(args), ctx)
    keys = vault.keys()
    if args.profile:
        doomed = sessions.profile_session_keys(keys, args.profile)
        url = _start_url(ctx, args.profile)
        if url and f"{sessions.OIDC_PREFIX}{url}" in keys:
            doomed.append(f"{sessions.OIDC_PREFIX}{url}")
    else:
        doomed = [
            k
            for k in keys
            if sessions.is_session_key(k) or sessions.is_old_session_key(k) or sessions.is_oidc_key(k)
        ]
    count = sum(vault.delete(k) for k in doomed)
    count += _clear_sso_tokens(ctx, args.profile)
    ctx.say(f"Cleared {count} sessions.")
    return 0


def _clear_sso_tokens(ctx: Context, profile: str | None) -> int:
    """avault's SSO tokens live in ~/.aws/sso/cache (see avault.sso): delete the config's ones.

    Only tokens of SSO sessions named in the config are removed (client registrations stay),
    so a token of an unrelated tool in that directory is never touched.
    """
    from avault import config  # noqa: PLC0415
    from avault.sso.cache import TokenCache  # noqa: PLC0415
    from avault.sso.target import config_targets, profile_target  # noqa: PLC0415

    cfg = config.ConfigFile.load(config.config_path(ctx.env, ctx.home), home=ctx.home)
    if profile:
        target = profile_target(cfg, profile)
        targets = [target] if target is not None else []
    else:
        targets = config_targets(cfg)
    cache = TokenCache.for_context(ctx)
    return sum(cache.remove(t.token_key) for t in targets)
