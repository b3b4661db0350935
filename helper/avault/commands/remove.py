"""``avault remove|rm [-f] PROFILE``: delete a profile's long-term credentials.

Its cached sessions stay (as in aws-vault); the hidden ``-s`` deletes only those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.errors import VaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.sessions import delete_profile_sessions  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    profile: str = args.profile
    vault = open_vault(vault_options(args), ctx)
    if args.sessions_only:
        ctx.say(f"Deleted {delete_profile_sessions(vault, profile)} sessions.")
        return 0
    if profile not in vault.keys():  # noqa: SIM118 - a Vault is not a mapping
        raise VaultError(f"no credentials stored for profile \"{profile}\"; see 'avault list --credentials'")
    if not args.force:
        answer = ctx.prompt(
            f'Delete credentials for profile "{profile}"? (y|N) ', how_to_avoid="pass -f to skip the question"
        )
        if answer.strip().lower() not in ("y", "yes"):
            return 0
    if not vault.delete(profile):
        raise VaultError(f'no credentials stored for profile "{profile}"')
    ctx.say("Deleted credentials.")
    return 0
