"""Choose and open the vault backend without importing any backend we do not use.

Backend names, as aws-vault spells them:

* ``file``: the encrypted file vault (``avault.vault.file``), everywhere;
* ``secret-service``: the freedesktop Secret Service in aws-vault's own layout
  (``avault.vault.secretservice``), on Linux and the BSDs;
* ``pass``: the standard unix password manager (``avault.vault.pass_``), where the
  ``pass`` command is installed;
* ``keychain``: the macOS Keychain through jaraco/keyring, on macOS only;
* ``keyring``: "the OS default": the Keychain on macOS, the Credential Locker on Windows,
  and ``secret-service`` elsewhere (unless ``$PYTHON_KEYRING_BACKEND`` names another
  keyring backend, which then keeps avault 0.1's keyring layout).
"""

from __future__ import annotations

import sys

from avault.constants import BACKENDS
from avault.errors import VaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.context import Context
    from avault.vault.base import Vault

DEFAULT_FILE_DIR = "~/.awsvault/keys/"
DEFAULT_COLLECTION = "awsvault"
KNOWN = BACKENDS  # every name --backend accepts
SS_KEYRING_BACKEND = "keyring.backends.SecretService.Keyring"
KEYCHAIN_VARS = "--keychain / $AWS_VAULT_KEYCHAIN_NAME"
LOGIN_KEYCHAIN = "login"


class VaultOptions:
    """Where the vault is, as the global options say (--backend, --file-dir, ...).

    "" is unset: the option's variable (AWS_VAULT_BACKEND, AWS_VAULT_FILE_DIR, ...), then
    the default, decides. The command line is read into one in ``avault.cmdline``.
    Not a dataclass: see context.py.
    """

    __slots__ = (
        "backend",
        "file_dir",
        "keychain",
        "pass_cmd",
        "pass_dir",
        "pass_prefix",
        "secret_service_collection",
    )

    def __init__(
        self,
        *,
        backend: str = "",
        file_dir: str = "",
        secret_service_collection: str = "",
        keychain: str = "",
        pass_dir: str = "",
        pass_cmd: str = "",
        pass_prefix: str = "",
    ) -> None:
        self.backend = backend
        self.file_dir = file_dir
        self.secret_service_collection = secret_service_collection
        self.keychain = keychain
        self.pass_dir = pass_dir
        self.pass_cmd = pass_cmd
        self.pass_prefix = pass_prefix


def _desktop() -> bool:
    return sys.platform not in ("darwin", "win32")


def available(env: Mapping[str, str]) -> list[str]:
    """The backends that can work on this machine, in aws-vault's order of preference."""
    import shutil  # noqa: PLC0415 - only for messages and --help

    from avault.vault.pass_ import pass_command  # noqa: PLC0415

    names = ["keychain"] if sys.platform == "darwin" else []
    if _desktop():
        names.append("secret-service")
    if shutil.which(pass_command(env), path=env.get("PATH")):
        names.append("pass")
    return [*names, "file", "keyring"]


def not_available(name: str, env: Mapping[str, str]) -> str:
    """The one-line error for a backend this machine does not have."""
    names = ", ".join(available(env))
    if name == "keychain":
        return f"backend 'keychain' (the macOS Keychain) is only available on macOS; use one of: {names}"
    return (
        f"backend {name!r} is not available on this machine; use one of: {names} (or set AWS_VAULT_BACKEND)"
    )


def backend_name(opts: VaultOptions, ctx: Context) -> str:
    """The canonical backend: --backend, else $AWS_VAULT_BACKEND, else a default that costs no import.

    The default is the OS keyring on macOS, and on Linux when a D-Bus session
    (and so, usually, a Secret Service) is present; the encrypted file otherwise.
    Returns one of ``file``, ``secret-service``, ``pass``, ``keychain`` or ``keyring``
    (the last: jaraco/keyring's own backend, on Windows or by $PYTHON_KEYRING_BACKEND).
    """
    name = opts.backend or ctx.env.get("AWS_VAULT_BACKEND", "")
    if not name:
        name = "keyring" if sys.platform == "darwin" or ctx.env.get("DBUS_SESSION_BUS_ADDRESS") else "file"
    if name not in KNOWN:
        raise VaultError(not_available(name, ctx.env))
    if name == "keyring":
        if sys.platform == "darwin":
            name = "keychain"
        elif sys.platform == "win32":
            return "keyring"
        else:
            wanted = ctx.env.get("PYTHON_KEYRING_BACKEND", "")
            return "keyring" if wanted and wanted != SS_KEYRING_BACKEND else "secret-service"
    if (name == "keychain" and sys.platform != "darwin") or (name == "secret-service" and not _desktop()):
        raise VaultError(not_available(name, ctx.env))
    keychain = opts.keychain or ctx.env.get("AWS_VAULT_KEYCHAIN_NAME", "")
    if keychain and name != "keychain":
        raise VaultError(
            f"{KEYCHAIN_VARS} names a macOS keychain, which the {name} backend does not have; "
            "unset it, or use --backend keychain on macOS"
        )
    if keychain and keychain != LOGIN_KEYCHAIN:
        # keyring's macOS backend always uses the default keychain (jaraco/keyring#623).
        raise VaultError(
            f"{KEYCHAIN_VARS} is {keychain!r}, but avault can use only your default keychain "
            f"({LOGIN_KEYCHAIN!r}); unset it or set it to {LOGIN_KEYCHAIN!r}, or use --backend file"
        )
    return name


def file_dir(opts: VaultOptions, ctx: Context) -> str:
    return opts.file_dir or ctx.env.get("AWS_VAULT_FILE_DIR") or DEFAULT_FILE_DIR


def collection_name(opts: VaultOptions, ctx: Context) -> str:
    return (
        opts.secret_service_collection
        or ctx.env.get("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME")
        or DEFAULT_COLLECTION
    )


def open_vault(opts: VaultOptions, ctx: Context) -> Vault:
    name = backend_name(opts, ctx)
    if name == "file":
        from avault.vault.file import FileVault  # noqa: PLC0415

        return FileVault.from_context(ctx, file_dir(opts, ctx))
    if name == "secret-service":
        from avault.vault.secretservice import SecretServiceVault  # noqa: PLC0415

        return SecretServiceVault.from_context(ctx, collection_name(opts, ctx))
    if name == "pass":
        from avault.vault.pass_ import PassVault  # noqa: PLC0415

        return PassVault.from_context(
            ctx, command=opts.pass_cmd, directory=opts.pass_dir, prefix=opts.pass_prefix
        )
    from avault.vault.keyring import KeyringVault  # noqa: PLC0415

    return KeyringVault.from_context(ctx, collection_name(opts, ctx))
