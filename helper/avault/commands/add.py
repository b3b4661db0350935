"""``avault add [--env] [--no-add-config] PROFILE``: store long-term credentials.

Prompts on the terminal (the secret without echo); ``--env`` reads the standard
variables instead. The MFA device question (from the maintained fork) is asked only
when a config section is about to be created, since that is the only place its answer
goes. Ctrl-C at any prompt exits 130 before anything is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.errors import AvaultError, ConfigError
from avault.vault.base import Item

if TYPE_CHECKING:
    import argparse

    from avault.context import Context

MFA_QUESTION = "Enter MFA Device ARN (If MFA is not enabled, leave this blank): "


def _read_keys(args: argparse.Namespace, ctx: Context) -> tuple[str, str]:
    if args.env:
        values = []
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            value = ctx.env.get(var, "")
            if not value:
                raise AvaultError(
                    f"Missing value for {var}; export AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY first, or leave out --env to be asked for them"
                )
            values.append(value)
        return values[0], values[1]
    avoid = "use --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    key_id = ctx.prompt("Enter Access Key ID: ", how_to_avoid=avoid).strip()
    secret = ctx.prompt("Enter Secret Access Key: ", secret=True, how_to_avoid=avoid).strip()
    if not key_id or not secret:
        raise AvaultError("an Access Key ID and a Secret Access Key are both required; nothing was written")
    return key_id, secret


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import config  # noqa: PLC0415
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.sessions import delete_profile_sessions  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    profile: str = args.profile
    cfg = config.ConfigFile.load(config.config_path(ctx.env, ctx.home), home=ctx.home)
    section = cfg.section(profile) or {}
    source = section.get("source_profile", "")
    if source and source != profile:
        msg = f"Your profile has a source_profile of {source}, adding credentials to {profile}"
        raise ConfigError(f"{msg} won't have any effect; add them to {source} instead: avault add {source}")
    add_section = bool(args.add_config) and not cfg.has_profile(profile)
    if add_section:
        # Before the vault is touched: a name the config cannot hold must change nothing.
        config.check_new_section(profile, {})

    key_id, secret = _read_keys(args, ctx)
    mfa_serial = ""
    if add_section and not args.env:
        mfa_serial = ctx.prompt(MFA_QUESTION, how_to_avoid="use --env").strip()
        config.check_new_section(profile, {"mfa_serial": mfa_serial} if mfa_serial else {})

    vault = open_vault(vault_options(args), ctx)
    vault.set(Item.credentials(profile, key_id, secret))
    ctx.say(f'Added credentials to profile "{profile}" in vault')
    if source:
        # A self-reference is dropped when the profile resolves (aws-vault's rule), so these keys
        # are the profile's own: export uses them, and assumes its role_arn with them.
        ctx.info(
            f"Note: profile {profile} names itself as source_profile, which aws-vault ignores; "
            f"avault export {profile} uses these keys"
            + (", assuming its role_arn with them" if section.get("role_arn") else "")
        )

    deleted = delete_profile_sessions(vault, profile)
    if deleted:
        ctx.say(f"Deleted {deleted} existing sessions.")

    if add_section:
        cfg.add_profile(profile, {"mfa_serial": mfa_serial} if mfa_serial else {})
    return 0
