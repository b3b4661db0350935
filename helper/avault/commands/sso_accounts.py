"""``avault sso accounts [SESSION] [--write-config [--yes]]``: what an SSO sign-in can reach.

Beyond aws-vault. Lists every account and role the SSO session's token can use (ListAccounts
and ListAccountRoles, all pages), one ``<account id>  <account name>  <role>`` line each on
stdout. ``--write-config`` adds a ``[profile <account name>-<role>]`` section for each pair
no profile covers yet -- what users of ``granted sso populate`` expect. It is a dry run
(the sections it would add, on stderr) until ``--yes`` is given.

SESSION is an ``[sso-session]`` name (default: the only one in the config), or a profile
with an inline ``sso_start_url``. Signing in works as for ``export``: the cached token,
then a silent refresh, then the browser.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from avault.config.ini import ConfigFile
from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context
    from avault.sso.cache import Token
    from avault.sso.device import SsoLogin
    from avault.sso.target import SsoTarget

_UNSAFE_NAME = re.compile(r"[\s\[\]#;=:]+")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault.sso.device import SsoLogin  # noqa: PLC0415

    cfg = ConfigFile.from_env(ctx.env, ctx.home)
    target = _target(cfg, args.session, ctx)
    login = SsoLogin(ctx, target, print_only=True if args.stdout else None)
    rows = login.call(lambda token: _assignments(login, token))

    width = max((len(name) for _a, name, _r in rows), default=0)
    ctx.stdout.write("".join(f"{acct}  {name.ljust(width)}  {role}\n" for acct, name, role in rows))
    ctx.stdout.flush()
    if args.write_config:
        _write_config(ctx, cfg, target, rows, region=args.region or target.region, really=args.yes)
    return 0


def _target(cfg: ConfigFile, name: str | None, ctx: Context) -> SsoTarget:
    from avault.sso.target import SsoTarget, profile_target  # noqa: PLC0415

    if name:
        if cfg.sso_session(name) is None:
            legacy = profile_target(cfg, name)
            if legacy is not None and not legacy.session_name:
                return legacy
        return SsoTarget.from_session(cfg, name, ctx.env)
    sessions = cfg.sso_session_names()
    if len(sessions) == 1:
        return SsoTarget.from_session(cfg, sessions[0], ctx.env)
    if not sessions:
        raise AvaultError(
            f"no [sso-session] section in {cfg.display}; add one (sso_start_url, sso_region) "
            "or name a profile that has sso_start_url: 'avault sso accounts PROFILE'"
        )
    raise AvaultError(
        f"{cfg.display} has several SSO sessions ({', '.join(sessions)}); "
        f"name one: 'avault sso accounts {sessions[0]}'"
    )


def _assignments(login: SsoLogin, token: Token) -> list[tuple[str, str, str]]:
    api, target = login.api, login.target
    rows: list[tuple[str, str, str]] = []
    for account, name in api.list_accounts(target, token.access_token):
        rows.extend(
            (account, name, role) for role in api.list_account_roles(target, token.access_token, account)
        )
    return rows


def profile_name(account_name: str, account_id: str, role: str) -> str:
    """``<account name>-<role>``, with characters a section header cannot hold made ``-``."""
    return _UNSAFE_NAME.sub("-", f"{account_name or account_id}-{role}").strip("-")


def _covered(cfg: ConfigFile, target: SsoTarget) -> set[tuple[str, str]]:
    """(account, role) pairs some profile of this SSO session already uses."""
    out = set()
    for name in cfg.profile_names():
        s = cfg.section(name) or {}
        same = (
            s.get("sso_session") == target.session_name
            if target.session_name
            else (not s.get("sso_session") and s.get("sso_start_url") == target.start_url)
        )
        if same and s.get("sso_account_id") and s.get("sso_role_name"):
            out.add((s["sso_account_id"], s["sso_role_name"]))
    return out


def _write_config(
    ctx: Context,
    cfg: ConfigFile,
    target: SsoTarget,
    rows: list[tuple[str, str, str]],
    *,
    region: str,
    really: bool,
) -> None:
    covered = _covered(cfg, target)
    planned: list[tuple[str, dict[str, str]]] = []
    for account, account_name, role in rows:
        if (account, role) in covered:
            continue
        name = profile_name(account_name, account, role)
        if cfg.has_profile(name) or any(name == n for n, _v in planned):
            ctx.info(f"avault: [profile {name}] already exists with other settings; skipped")
            continue
        values = (
            {"sso_session": target.session_name}
            if target.session_name
            else {"sso_start_url": target.start_url, "sso_region": target.region}
        )
        values.update(sso_account_id=account, sso_role_name=role)
        if region:
            values["region"] = region
        planned.append((name, values))
    if not planned:
        ctx.info(f"avault: every account and role already has a profile in {cfg.display}; nothing to add")
        return
    for name, values in planned:
        settings = ", ".join(f"{k}={v}" for k, v in values.items())
        if really:
            cfg.add_profile(name, values)
            ctx.info(f"added [profile {name}] ({settings})")
        else:
            ctx.info(f"would add [profile {name}] ({settings})")
    if not really:
        ctx.info(f"avault: dry run; run again with --yes to add {len(planned)} profiles to {cfg.display}")
