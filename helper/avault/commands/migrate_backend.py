"""``avault migrate-backend --from X --to Y [--profile P] [--dry-run] [--overwrite] [--delete-source]``.

The maintained fork's command: copies long-term credentials only (sessions and
``oidc:`` tokens are left behind: they are caches), reads each copy back from the
destination and compares it with the source before reporting it ``verified``, and only
then, with ``--delete-source``, removes the source item. A credential already in the
destination is skipped unless ``--overwrite``. Messages follow the fork's wording and,
as there, go to stdout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.errors import MigrationError, VaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context
    from avault.vault.base import Item, Vault


def _open(args: argparse.Namespace, ctx: Context, backend: str) -> Vault:
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    return open_vault(vault_options(args, backend=backend), ctx)


def _same(a: Item, b: Item) -> bool:
    return a.key == b.key and a.data == b.data


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import sessions  # noqa: PLC0415
    from avault.vault.select import VaultOptions, backend_name  # noqa: PLC0415

    src_name, dst_name = args.from_backend, args.to_backend
    kind = {n: backend_name(VaultOptions(backend=n), ctx) for n in (src_name, dst_name)}
    if kind[src_name] == kind[dst_name]:
        raise VaultError("source and destination backends must differ")
    source = _open(args, ctx, src_name)
    names = sorted(k for k in source.keys() if sessions.is_credential_key(k))  # noqa: SIM118 - a Vault
    if args.profile:
        if args.profile not in names:
            raise VaultError(f'profile "{args.profile}" not found in source backend')
        names = [args.profile]

    if not names:
        ctx.say(f"No credentials found in source backend {src_name}.")
        return 0
    if args.dry_run:
        ctx.say(f"Would migrate {len(names)} credential profile(s) from {src_name} to {dst_name}:")
        for name in names:
            ctx.say(f"  {name}")
        ctx.say("")
        ctx.say("No changes made.")
        return 0

    dest = _open(args, ctx, dst_name)
    present = set(dest.keys())
    copied = overwritten = skipped = deleted = 0
    for name in names:
        if name in present and not args.overwrite:
            ctx.say(f"Migrating {name}... skipped, already exists in destination")
            skipped += 1
            continue
        item = source.get(name)
        if item is None:  # removed meanwhile
            continue
        dest.set(item)
        back = dest.get(name)
        if back is None or not _same(back, item):
            ctx.say(f"Migrating {name}... failed")
            raise MigrationError(
                f'profile "{name}" did not read back identical from {dst_name}; the source was kept. '
                f"Check the {dst_name} backend and retry"
            )
        message = "overwritten, verified" if name in present else "copied, verified"
        if name in present:
            overwritten += 1
        else:
            copied += 1
        if args.delete_source:
            source.delete(name)
            deleted += 1
            message += ", deleted source"
        ctx.say(f"Migrating {name}... {message}")

    ctx.say("")
    ctx.say("Migration summary:")
    ctx.say(f"  copied: {copied}")
    ctx.say(f"  overwritten: {overwritten}")
    ctx.say(f"  skipped: {skipped}")
    ctx.say(f"  deleted from source: {deleted}")
    return 0
