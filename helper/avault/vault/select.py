"""Choose and open the vault backend without importing any backend we do not use."""

from __future__ import annotations

import sys

from avault.errors import VaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import argparse

    from avault.context import Context
    from avault.vault.base import Vault

DEFAULT_FILE_DIR = "~/.awsvault/keys/"
DEFAULT_COLLECTION = "awsvault"


def backend_name(args: argparse.Namespace, ctx: Context) -> str:
    """--backend, else $AWS_VAULT_BACKEND, else a default that costs no import to decide.

    The default is the OS keyring on macOS, and on Linux when a D-Bus session
    (and so, usually, a Secret Service) is present; the encrypted file otherwise.
    """
    name = getattr(args, "backend", None) or ctx.env.get("AWS_VAULT_BACKEND", "")
    if not name:
        if sys.platform == "darwin" or ctx.env.get("DBUS_SESSION_BUS_ADDRESS"):
            return "keyring"
        return "file"
    if name in ("secret-service", "keychain", "keyring"):
        return "keyring"
    if name == "file":
        return "file"
    raise VaultError(
        f"unknown backend {name!r}; use --backend file or --backend keyring (or set AWS_VAULT_BACKEND)"
    )


def file_dir(args: argparse.Namespace, ctx: Context) -> str:
    return getattr(args, "file_dir", None) or ctx.env.get("AWS_VAULT_FILE_DIR") or DEFAULT_FILE_DIR


def open_vault(args: argparse.Namespace, ctx: Context) -> Vault:
    name = backend_name(args, ctx)
    if name == "file":
        from avault.vault.file import FileVault  # noqa: PLC0415

        return FileVault.from_context(ctx, file_dir(args, ctx))
    from avault.vault.keyring import KeyringVault  # noqa: PLC0415

    collection = (
        getattr(args, "secret_service_collection", None)
        or ctx.env.get("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME")
        or DEFAULT_COLLECTION
    )
    return KeyringVault.from_context(ctx, collection)
