"""Every error class avault raises. Domain code raises them; only main() prints them."""

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


# -- login ---------------------------------------------------------------------------------------


class LoginError(AvaultError):
    """The console sign-in could not be completed."""


# -- picker --------------------------------------------------------------------------------------


class Cancelled(AvaultError):
    """The user closed the picker: exit 130, nothing on stdout."""

    exit_code = 130


# -- sso -----------------------------------------------------------------------------------------


class SsoError(AvaultError):
    """IAM Identity Center refused or failed a call."""


class ApiError(SsoError):
    """A service error, with its code and HTTP status (the message never holds a token)."""

    def __init__(self, operation: str, code: str, status: int, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
        self.status = status
        self.detail = message


# -- vault.file ----------------------------------------------------------------------------------


class WrongPassphrase(VaultError):
    """The passphrase opens no item of this vault."""


# -- vault.jwe -----------------------------------------------------------------------------------


class JWEError(Exception):
    """A token that is malformed or fails integrity checks. ``reason`` is safe to show."""


class BadHeaderError(JWEError):
    """The header is unreadable or names an algorithm we do not implement."""


class KeyUnwrapError(JWEError):
    """AES key unwrap failed: the passphrase is wrong, or the wrapped key was altered."""


class DecryptError(JWEError):
    """The key unwrapped but the GCM tag did not verify: the content was altered."""


# -- vault.passphrase ----------------------------------------------------------------------------


class PassphraseCommandError(VaultError):
    """AVAULT_FILE_PASSPHRASE_COMMAND failed, hung or printed nothing."""


# -- vault.passphrase_agent ----------------------------------------------------------------------


class AgentError(VaultError):
    """The agent's socket is unsafe (another user's) or the agent misbehaved."""


class AgentUnavailable(Exception):
    """No agent answered (no socket, stale socket, killed mid-request) or it has no key.

    Not an AvaultError: callers fall back to asking for the passphrase.
    """

    def __init__(self, reason: str, *, code: str = "") -> None:
        super().__init__(reason)
        self.code = code


class AgentNotOurs(AgentUnavailable):
    """The agent's directory, socket or peer is not provably ours: warn, then ask instead."""


class AgentRefused(Exception):
    """The agent answered with an error code (``unwrap``, ``decrypt``, ``malformed``...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- iam -----------------------------------------------------------------------------------------


class AwsCallError(StsError):
    """An IAM or STS call failed; ``code`` is AWS's error code (``AccessDenied``, ``LimitExceeded``)."""

    def __init__(self, message: str, *, code: str = "", aws_message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.aws_message = aws_message


# -- aws -----------------------------------------------------------------------------------------


class Unreachable(StsError):
    """The endpoint gave no usable answer: time-out, reset, DNS, 5xx or throttling."""


# -- rotate --------------------------------------------------------------------------------------


class RotateError(AvaultError):
    """The rotation failed; the message says what state the keys are in."""


# -- commands.import_creds -----------------------------------------------------------------------


class ImportError_(AvaultError):  # noqa: N801 - avoid shadowing the builtin ImportError
    """The credentials file cannot be read, parsed or rewritten."""


# -- commands.migrate_backend --------------------------------------------------------------------


class MigrationError(VaultError):
    """A copy could not be written or did not read back identical."""


class NeedsHuman(Exception):
    """Inside the agent, a step needs a person (MFA, a browser, a passphrase): the agent
    declines, and the shell's own path asks. Never reaches main()'s funnel."""
