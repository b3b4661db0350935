"""What the two desktop-keyring backends share: the OS keyring (``keyring``, through
jaraco/keyring) and the Secret Service (``secretservice``, over D-Bus directly).

aws-vault's service name, the messages, a call that cannot hang the shell, and a search
that skips items deleted meanwhile. Stdlib only at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from avault.errors import VaultError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from avault.vault.base import Item

_T = TypeVar("_T")

SERVICE = "aws-vault"
NO_KEYRING = (
    "no usable OS keyring: start a Secret Service (gnome-keyring, KeePassXC) in a D-Bus "
    "session or use --backend file"
)
LOCKED = (
    "the OS keyring is locked; unlock it (log in to the desktop, or "
    "'gnome-keyring-daemon --unlock'), or use --backend file"
)

TIMEOUT_VAR = "AVAULT_KEYRING_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def keyring_timeout(env: Mapping[str, str]) -> float:
    """Seconds to wait for the keyring: $AVAULT_KEYRING_TIMEOUT (seconds or a Go duration)."""
    from avault.durations import env_seconds  # noqa: PLC0415

    return env_seconds(env, TIMEOUT_VAR, ok=lambda s: s > 0) or DEFAULT_TIMEOUT


def call_with_timeout(
    fn: Callable[..., _T],
    args: tuple[object, ...],
    timeout: float,
    translate: Callable[[BaseException], NoReturn],
) -> _T:
    """``fn(*args)``, or a VaultError after ``timeout`` seconds; its exceptions go to ``translate``.

    A Secret Service that never answers (a wedged daemon, an unlock prompt nobody can
    see) would hang the command, and the shell with it: after ``timeout`` seconds it
    is an error instead. The stuck call's thread is a daemon; the process exits anyway.
    """
    import threading  # noqa: PLC0415

    outcome: list[tuple[bool, object]] = []

    def target() -> None:
        try:
            outcome.append((True, fn(*args)))
        except BaseException as exc:
            outcome.append((False, exc))

    worker = threading.Thread(target=target, name="avault-keyring", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise VaultError(
            f"the OS keyring did not answer within {timeout:g}s; check that it is running "
            f"and unlocked, raise {TIMEOUT_VAR}, or use --backend file"
        )
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[return-value]  # fn's own result
    return translate(value)  # type: ignore[arg-type]  # the exception fn raised


def translate(
    error: BaseException,
    known: Sequence[tuple[type[BaseException], str]],
    what: str,
    *,
    detailed: type[BaseException] | None = None,
) -> NoReturn:
    """A desktop store's failure as one VaultError line: the KNOWN types by their message,
    any other by its type name only (D-Bus texts are long), with the text for DETAILED."""
    if isinstance(error, VaultError):
        raise error
    for kind, message in known:
        if isinstance(error, kind):
            raise VaultError(message) from None
    name = type(error).__name__
    if detailed is not None and isinstance(error, detailed):
        name = f"{name}: {error}"
    raise VaultError(f"{what} failed ({name}); {NO_KEYRING}") from None


def stored_item(text: str | None, key: str, where: str) -> Item | None:
    """The Item a desktop store holds as JSON text, or None; a damaged one names WHERE it is."""
    from avault.vault.base import Item  # noqa: PLC0415

    if text is None:
        return None
    return Item.for_key(
        text, key, where=where, fix="remove it with your keyring tool (e.g. seahorse) and add it again"
    )


def search_existing(coll: Any, attrs: dict[str, str]) -> list[Any]:  # noqa: ANN401 - secretstorage types
    """The items of ``coll`` matching ``attrs`` that still exist.

    secretstorage's ``search_items`` is a generator that opens each found path, so an item
    another avault process deletes between the search and the open (``clear``, a session
    being replaced) raised ItemNotFoundException out of the whole search. Here each path is
    opened on its own and a vanished one is skipped.
    """
    from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415
    from secretstorage.item import Item as SecretItem  # noqa: PLC0415

    (paths,) = coll._collection.call("SearchItems", "a{ss}", attrs)  # noqa: SLF001 - no generator
    found = []
    for path in paths:
        try:
            found.append(SecretItem(coll.connection, path, coll.session))
        except ItemNotFoundException:  # noqa: PERF203 - deleted since the search
            continue
    return found
