"""A parsed command line read into the domain's options, in one place.

argparse's namespace (``avault.cli``) and the fast path's (``avault.fastargs``) carry the
same destinations; here they become a ``VaultOptions`` (where the vault is) and a
``SessionOptions`` (how to get a session). The commands and the agent's switch, which reads
``export``'s arguments itself, both come through here: no domain module sees a command line.
"""

from __future__ import annotations

from avault.constants import SHELLS
from avault.switch import SessionOptions
from avault.vault.select import VaultOptions


def _text(ns: object, dest: str) -> str:
    value = getattr(ns, dest, None)
    return value if isinstance(value, str) else ""


def _flag(ns: object, dest: str) -> bool:
    return bool(getattr(ns, dest, False))


def vault_options(ns: object, *, backend: str | None = None) -> VaultOptions:
    """The global vault options (--backend, --file-dir, ...); ``backend`` overrides --backend."""
    return VaultOptions(
        backend=_text(ns, "backend") if backend is None else backend,
        file_dir=_text(ns, "file_dir"),
        secret_service_collection=_text(ns, "secret_service_collection"),
        keychain=_text(ns, "keychain"),
        pass_dir=_text(ns, "pass_dir"),
        pass_cmd=_text(ns, "pass_cmd"),
        pass_prefix=_text(ns, "pass_prefix"),
    )


def session_options(ns: object, *, sso_print_only: bool = True) -> SessionOptions:
    """The session options (-d, -t, -n, --region, --prompt, --stdout) of export, exec, login,
    the ECS server and the agent's switch.

    ``sso_print_only``: --stdout means "print the SSO link" (export, exec), not login's URL.
    """
    return SessionOptions(
        vault_options(ns),
        duration=_text(ns, "duration"),
        mfa_token=_text(ns, "mfa_token"),
        no_session=_flag(ns, "no_session"),
        region=_text(ns, "region"),
        prompt=_text(ns, "prompt"),
        # An in-place switch (avs, avs --server): stdout is the shell's $(...), at a terminal.
        shell_switch=_text(ns, "format") in SHELLS,
        # A foreground ECS server shares the terminal with its command: a GUI driver, if any.
        foreground_server=_flag(ns, "ecs_server") and not _flag(ns, "background"),
        print_only=True if sso_print_only and _flag(ns, "stdout") else None,
    )
