"""The OS keyring backend, through jaraco/keyring (imported only when this backend opens).

Items: service ``aws-vault``, username = the item key, password = ``Item.to_json()``.

Backend choice is explicit, never ``keyring.get_keyring()``: that would pick the
chainer, which falls through to keyrings.alt's *plaintext* file on a headless box.

* ``$PYTHON_KEYRING_BACKEND`` if set (tests, or a user's deliberate choice), except the
  ones that do not keep secrets: ``fail``, ``null``, ``chainer`` and anything from
  ``keyrings.alt``;
* otherwise macOS Keychain, Windows Credential Locker, or the freedesktop Secret Service.

Listing: keyring has no list API. On the Secret Service we search the collection for
items with attribute ``service=aws-vault`` (the attributes keyring's SecretService
backend writes: ``service``, ``username``, ``application``) and read ``username``.
Other backends keep an index item (service ``aws-vault.avault-index``) updated under a
file lock beside the default file vault (``~/.awsvault/.keyring-index.lock``).

Collection: ``--secret-service-collection`` (default ``awsvault``) is used when a
collection with that label or object path name exists; otherwise the default collection
("login" under gnome-keyring). We never create one: creating asks for a new keyring
password in a GUI prompt, which a terminal tool must not spring on anyone.
"""

from __future__ import annotations

import json
import sys
from contextlib import closing
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from avault.errors import VaultError
from avault.fsutil import exclusive
from avault.vault import desktop
from avault.vault.base import Item, Vault

_T = TypeVar("_T")

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from avault.context import Context

INDEX_SERVICE = "aws-vault.avault-index"
INDEX_USER = "keys"
_REFUSED = ("keyring.backends.fail", "keyring.backends.null", "keyring.backends.chainer", "keyrings.alt")


def _choose_backend(ctx: Context) -> object:
    import keyring.core  # noqa: PLC0415 - heavy; only when this backend opens

    wanted = ctx.env.get("PYTHON_KEYRING_BACKEND", "")
    if wanted:
        if wanted.startswith(_REFUSED):
            raise VaultError(
                f"PYTHON_KEYRING_BACKEND={wanted} does not keep secrets safely; "
                "unset it to use the OS keyring, or use --backend file"
            )
        try:
            backend: object = keyring.core.load_keyring(wanted)
        except Exception as exc:
            msg = f"cannot load keyring backend {wanted} ({type(exc).__name__}); {desktop.NO_KEYRING}"
            raise VaultError(msg) from None
        return backend
    if sys.platform == "darwin":
        from keyring.backends import macOS  # noqa: PLC0415

        return macOS.Keyring()
    if sys.platform == "win32":
        from keyring.backends import Windows  # noqa: PLC0415

        return Windows.WinVaultKeyring()
    from keyring.backends import SecretService  # noqa: PLC0415

    kr = SecretService.Keyring
    try:
        kr.priority  # noqa: B018 - raises RuntimeError when no Secret Service answers
    except Exception as exc:
        raise VaultError(f"{desktop.NO_KEYRING} ({exc})") from None
    return kr()  # type: ignore[no-untyped-call]  # keyring's __init__ is untyped


def _is_secret_service(backend: object) -> bool:
    return type(backend).__module__ == "keyring.backends.SecretService"


class KeyringVault(Vault):
    name = "keyring"

    def __init__(
        self,
        backend: object,
        *,
        index_lock: Path,
        collection: str = "",
        timeout: float = desktop.DEFAULT_TIMEOUT,
    ) -> None:
        self.backend: Any = backend  # a keyring backend; keyring's own types are loose
        self.collection = collection
        self._index_lock = index_lock
        self._ss = _is_secret_service(backend)
        self.timeout = timeout

    @classmethod
    def from_context(cls, ctx: Context, collection: str) -> KeyringVault:
        backend = _choose_backend(ctx)
        vault = cls(
            backend,
            index_lock=ctx.home / ".awsvault" / ".keyring-index.lock",
            collection=collection,
            timeout=desktop.keyring_timeout(ctx.env),
        )
        if vault._ss:
            vault._call(vault._select_collection)
        return vault

    def describe(self) -> str:
        where = f" (collection {self.collection})" if self._ss and self.collection else ""
        return f"OS keyring {type(self.backend).__module__}{where}"

    # -- plumbing ---------------------------------------------------------------
    def _call(self, fn: Callable[..., _T], *args: object) -> _T:
        """Run a keyring operation, turning its many failure types into one-line VaultErrors."""
        return desktop.call_with_timeout(fn, args, self.timeout, self._translate)

    def _translate(self, error: BaseException) -> NoReturn:
        from keyring import errors  # noqa: PLC0415

        known = [(errors.KeyringLocked, desktop.LOCKED), (errors.NoKeyringError, desktop.NO_KEYRING)]
        desktop.translate(error, known, "the OS keyring", detailed=errors.KeyringError)

    def _select_collection(self) -> None:
        import secretstorage  # noqa: PLC0415

        if not self.collection:
            return
        with closing(secretstorage.dbus_init()) as bus:
            for coll in secretstorage.get_all_collections(bus):
                path = str(coll.collection_path)
                if coll.get_label() == self.collection or path.rsplit("/", 1)[-1] == self.collection:
                    self.backend.preferred_collection = path
                    return

    def _ss_items(self, collection: Any, key: str | None) -> list[Any]:  # noqa: ANN401
        """The matching items that still exist (see ``desktop.search_existing``)."""

        attrs = {"service": desktop.SERVICE}
        if key is not None:
            attrs["username"] = key
        if getattr(collection, "_collection", None) is None:  # a secretstorage without the wrapper
            return list(collection.search_items(attrs))
        return desktop.search_existing(collection, attrs)

    # -- Secret Service (direct, to list and to set a readable label) -------------
    def _ss_keys(self) -> list[str]:
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

        collection = self.backend.get_preferred_collection()
        keys = set()
        with closing(collection.connection):
            for i in self._ss_items(collection, None):
                try:
                    keys.add(str(i.get_attributes().get("username", "")))
                except ItemNotFoundException:  # noqa: PERF203 - deleted by another process since the search
                    continue
        return sorted(k for k in keys if k)

    def _ss_get(self, key: str) -> str | None:
        """keyring's get_password, but an item another process deletes meanwhile is just absent."""
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

        collection = self.backend.get_preferred_collection()
        with closing(collection.connection):
            for item in self._ss_items(collection, key):
                try:
                    # Unlock only what is locked: in an unlocked collection the Unlock
                    # call is a D-Bus round trip that can wait on an unseen prompt.
                    if item.is_locked():
                        self.backend.unlock(item)
                    secret: bytes = item.get_secret()
                except ItemNotFoundException:
                    continue
                return secret.decode("utf-8")
        return None

    def _ss_set(self, item: Item) -> None:
        collection = self.backend.get_preferred_collection()
        attrs = {"service": desktop.SERVICE, "username": item.key, "application": self.backend.appid}
        with closing(collection.connection):
            collection.create_item(
                item.label or f"aws-vault ({item.key})", attrs, item.to_json(), replace=True
            )

    # -- index, for keyrings without search -------------------------------------
    def _read_index(self) -> list[str]:
        text = self.backend.get_password(INDEX_SERVICE, INDEX_USER)
        try:
            keys = json.loads(text) if text else []
        except ValueError:
            keys = []
        return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []

    def _update_index(self, key: str, *, present: bool) -> None:
        from avault.fsutil import private_dir  # noqa: PLC0415

        private_dir(self._index_lock.parent)
        with exclusive(self._index_lock):
            keys = set(self._read_index())
            new = (keys | {key}) if present else (keys - {key})
            if new != keys:
                self.backend.set_password(INDEX_SERVICE, INDEX_USER, json.dumps(sorted(new)))

    # -- Vault ------------------------------------------------------------------
    def keys(self) -> list[str]:
        if self._ss:
            return list(self._call(self._ss_keys))
        return list(self._call(self._read_index))

    def get(self, key: str) -> Item | None:
        if self._ss:
            text = self._call(self._ss_get, key)
        else:
            text = self._call(self.backend.get_password, desktop.SERVICE, key)
        return desktop.stored_item(text, key, f"{key!r} in the OS keyring")

    def set(self, item: Item) -> None:
        if self._ss:
            self._call(self._ss_set, item)
            return
        self._call(self.backend.set_password, desktop.SERVICE, item.key, item.to_json())
        self._call(lambda: self._update_index(item.key, present=True))

    def delete(self, key: str) -> bool:
        from keyring.errors import PasswordDeleteError  # noqa: PLC0415

        def remove() -> bool:
            if self._ss:
                collection = self.backend.get_preferred_collection()
                from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

                deleted = False
                with closing(collection.connection):
                    for i in self._ss_items(collection, key):
                        try:
                            i.delete()
                        except ItemNotFoundException:
                            continue
                        deleted = True
                return deleted
            try:
                self.backend.delete_password(desktop.SERVICE, key)
            except PasswordDeleteError:
                return False
            return True

        removed = bool(self._call(remove))
        if not self._ss:
            self._call(lambda: self._update_index(key, present=False))
        return removed
