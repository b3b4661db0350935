"""The one error type. Domain code raises it; only cli.main() prints it."""

from __future__ import annotations


class AvaultError(Exception):
    """A failure the user can act on.

    The message reads ``<what failed>; <how to fix it>`` and never contains a secret.
    ``main()`` prints it as ``avault: <message>`` on one line and exits with ``exit_code``.
    """

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(AvaultError):
    """~/.aws/config is malformed, loops, or names something that does not exist."""


class VaultError(AvaultError):
    """The vault could not be opened, read or written."""


class LockError(VaultError):
    """A lock could not be taken: its file or directory is not ours, or the wait timed out."""


class ItemCorrupt(VaultError):
    """One vault item is unreadable (truncated, tampered, swapped, not a file).

    Only this item is affected: the rest of the vault still works, and a cached
    session that fails this way is replaced by a fresh one.
    """


class StsError(AvaultError):
    """An AWS call failed."""


class Interrupted(AvaultError):
    """Ctrl-C at a prompt: exit 130, nothing written."""

    exit_code = 130

    def __init__(self, message: str = "interrupted") -> None:
        super().__init__(message)
