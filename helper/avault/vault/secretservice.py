"""The Secret Service backend, in aws-vault's own layout (99designs/ByteNess keyring, go-libsecret).

* The collection is ``/org/freedesktop/secrets/collection/<name>`` (``--secret-service-collection``,
  default ``awsvault``), matched by its object path as go-libsecret does (gnome-keyring
  escapes other characters as ``_XX``). Reads of a missing collection find nothing;
  the first write creates it (a desktop prompts for its password; headless that fails
  with a clear error). A locked collection is unlocked first.
* Each item: label = the key, attribute ``profile`` = the key, secret = the keyring
  Item JSON (``Item.to_json``), content type ``application/json``. Credentials, sessions
  and OIDC tokens alike, so aws-vault and avault see the same items.
* avault 0.1 wrote through jaraco/keyring instead (attributes ``service=aws-vault`` and
  ``username=<key>``, in whichever collection it picked). Those items are moved into the
  collection above once, on the first use, under a file lock; when both layouts hold a
  key, the one modified last wins and the other is removed.

secretstorage (and jeepney, cryptography) is imported only when this backend opens; every
D-Bus call runs under ``AVAULT_KEYRING_TIMEOUT`` so a wedged daemon cannot hang a shell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from avault.errors import ItemCorrupt, VaultError
from avault.fsutil import exclusive
from avault.vault import desktop
from avault.vault.base import Item, Vault

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from avault.context import Context

COLLECTION_ROOT = "/org/freedesktop/secrets/collection/"
CONTENT_TYPE = "application/json"
ATTRIBUTE = "profile"
BUS_NAME = "org.freedesktop.secrets"
ITEM_IFACE = "org.freedesktop.Secret.Item"


def decode_path(path: str) -> str:
    """go-libsecret's decodeKeyringString: ``_XX`` hex escapes back to bytes."""
    out = bytearray()
    i = 0
    raw = path.encode("utf-8", "surrogateescape")
    while i < len(raw):
        if raw[i : i + 1] == b"_":
            if i + 3 > len(raw):
                return path
            try:
                out += bytes.fromhex(raw[i + 1 : i + 3].decode("ascii"))
            except ValueError:
                return path
            i += 3
        else:
            out += raw[i : i + 1]
            i += 1
    return out.decode("utf-8", "replace")


class SecretServiceVault(Vault):
    name = "secret-service"

    def __init__(self, collection: str, *, timeout: float, migrate_lock: Path) -> None:
        self.collection_name = collection
        self.timeout = timeout
        self._migrate_lock = migrate_lock
        self._conn: Any = None
        self._sess: Any = None
        self._coll: Any = None  # secretstorage.Collection once found or created
        self._migrated = False

    @classmethod
    def from_context(cls, ctx: Context, collection: str) -> SecretServiceVault:
        return cls(
            collection,
            timeout=desktop.keyring_timeout(ctx.env),
            migrate_lock=ctx.home / ".awsvault" / ".secret-service-migrate.lock",
        )

    def describe(self) -> str:
        return f"Secret Service collection {self.collection_name}"

    # -- plumbing ---------------------------------------------------------------------
    def _call(self, fn: Callable[..., Any], *args: object) -> Any:  # noqa: ANN401 - fn's own result
        return desktop.call_with_timeout(fn, args, self.timeout, self._translate)

    def _translate(self, error: BaseException) -> NoReturn:
        from secretstorage import exceptions as ss  # noqa: PLC0415

        known = [
            (ss.SecretServiceNotAvailableException, desktop.NO_KEYRING),
            (ss.LockedException, self._locked()),
        ]
        desktop.translate(error, known, "the Secret Service")

    def _locked(self) -> str:
        return (
            f"the Secret Service collection {self.collection_name!r} is locked and could not be unlocked; "
            + (desktop.LOCKED.split("; ", 1)[1])
        )

    def _connection(self) -> Any:  # noqa: ANN401 - jeepney's connection
        if self._conn is None:
            import secretstorage  # noqa: PLC0415 - heavy; only when this backend opens

            self._conn = secretstorage.dbus_init()
        return self._conn

    def _session(self) -> Any:  # noqa: ANN401 - one encrypted transfer session for every secret
        if self._sess is None:
            from secretstorage.util import open_session  # noqa: PLC0415

            self._sess = open_session(self._connection())
        return self._sess

    def _find(self) -> Any:  # noqa: ANN401 - a secretstorage Collection or None
        if self._coll is None:
            from secretstorage.collection import Collection  # noqa: PLC0415
            from secretstorage.util import DBusAddressWrapper  # noqa: PLC0415

            conn = self._connection()
            service = DBusAddressWrapper("/org/freedesktop/secrets", "org.freedesktop.Secret.Service", conn)
            want = COLLECTION_ROOT + self.collection_name
            for path in service.get_property("Collections"):
                if decode_path(str(path)) == want:
                    self._coll = Collection(conn, str(path))
                    break
        return self._coll

    def _unlocked(self, coll: Any) -> Any:  # noqa: ANN401
        if coll.is_locked() and (coll.unlock() or coll.is_locked()):
            raise VaultError(self._locked())
        return coll

    def _open(self, *, create: bool) -> Any:  # noqa: ANN401
        """The unlocked collection; None when it does not exist and ``create`` is False."""
        self._migrate()
        coll = self._find()
        if coll is None:
            if not create:
                return None
            coll = self._create()
        return self._unlocked(coll)

    def _create(self) -> Any:  # noqa: ANN401
        import secretstorage  # noqa: PLC0415

        try:
            self._coll = secretstorage.create_collection(
                self._connection(), self.collection_name, session=self._session()
            )
        except secretstorage.exceptions.PromptDismissedException:
            raise VaultError(
                f"cannot create the Secret Service collection {self.collection_name!r}: creating one asks "
                "for its password in a desktop prompt, and none was answered; create it in your keyring "
                "tool (e.g. seahorse), pick another with --secret-service-collection, or use --backend file"
            ) from None
        return self._coll

    @staticmethod
    def _items(coll: Any, attrs: dict[str, str]) -> list[Any]:  # noqa: ANN401
        return desktop.search_existing(coll, attrs)

    def _secret(self, item: Any) -> bytes:  # noqa: ANN401
        if item.is_locked() and (item.unlock() or item.is_locked()):
            raise VaultError(desktop.LOCKED)
        item.session = self._session()  # opened once, only when a secret is read or written
        return bytes(item.get_secret())

    # -- avault 0.1's layout, moved once -----------------------------------------------
    def _legacy(self) -> list[Any]:
        """Items avault 0.1 wrote (service=aws-vault, username=key) in any unlocked collection."""
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415
        from secretstorage.item import Item as SecretItem  # noqa: PLC0415
        from secretstorage.util import DBusAddressWrapper  # noqa: PLC0415

        conn = self._connection()
        service = DBusAddressWrapper("/org/freedesktop/secrets", "org.freedesktop.Secret.Service", conn)
        unlocked, _locked = service.call("SearchItems", "a{ss}", {"service": desktop.SERVICE})
        found = []
        for path in unlocked:  # locked ones wait for a later run: nothing is lost
            try:
                found.append(SecretItem(conn, path))
            except ItemNotFoundException:  # noqa: PERF203
                continue
        return found

    def _migrate(self) -> None:
        if self._migrated:
            return
        self._migrated = True
        if not self._legacy():
            return
        self._migrate_lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with exclusive(self._migrate_lock):
            old = self._legacy()  # again, under the lock: another process may have moved them
            if not old:
                return
            coll = self._find() or self._create()
            coll = self._unlocked(coll)
            for legacy in old:
                self._move(coll, legacy)

    def _move(self, coll: Any, legacy: Any) -> None:  # noqa: ANN401
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

        try:
            key = legacy.get_attributes().get("username", "")
            text = self._secret(legacy)
            stamp = legacy.get_modified()
        except ItemNotFoundException:
            return
        try:
            item = Item.from_json(text, where=f"{key!r} (avault 0.1 layout) in the Secret Service")
        except ItemCorrupt:
            return  # not ours to judge: left where it is
        if not key or item.key != key:
            return
        current = self._items(coll, {ATTRIBUTE: key})
        if current and max(i.get_modified() for i in current) >= stamp:
            legacy.delete()  # superseded by a later write in aws-vault's layout
            return
        self._write(coll, item)
        legacy.delete()

    # -- Vault ------------------------------------------------------------------------
    def _write(self, coll: Any, item: Item) -> None:  # noqa: ANN401
        coll.session = self._session()
        coll.create_item(
            item.key,
            {ATTRIBUTE: item.key},
            item.to_json().encode("utf-8"),
            replace=True,
            content_type=CONTENT_TYPE,
        )

    def _keys(self) -> list[str]:
        coll = self._open(create=False)
        if coll is None:
            return []
        paths = [str(p) for p in coll._collection.get_property("Items")]  # noqa: SLF001
        keys = {attrs.get(ATTRIBUTE, "") for attrs in self._attributes(paths)}
        return sorted(k for k in keys if k)

    def _attributes(self, paths: list[str]) -> list[dict[str, str]]:
        """Every item's attributes in one pipelined exchange, not a round trip per item.

        An item deleted meanwhile answers with an error and is left out.
        """
        from jeepney import DBusAddress, HeaderFields, MessageType, Properties  # noqa: PLC0415

        conn = self._connection()
        pending: dict[int, int] = {}
        for i, path in enumerate(paths):
            msg = Properties(DBusAddress(path, bus_name=BUS_NAME, interface=ITEM_IFACE)).get("Attributes")
            serial = next(conn.outgoing_serial)
            conn.send(msg, serial=serial)
            pending[serial] = i
        found: list[dict[str, str]] = []
        while pending:
            reply = conn.receive(timeout=self.timeout)
            serial = reply.header.fields.get(HeaderFields.reply_serial, -1)
            if pending.pop(serial, None) is None:
                continue  # a signal or another reply: not ours
            if reply.header.message_type == MessageType.method_return:
                ((_signature, value),) = reply.body
                found.append(dict(value))
        return found

    def _get(self, key: str) -> bytes | None:
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

        coll = self._open(create=False)
        if coll is None:
            return None
        for item in self._items(coll, {ATTRIBUTE: key}):
            try:
                return self._secret(item)
            except ItemNotFoundException:  # noqa: PERF203 - deleted since the search
                continue
        return None

    def _set(self, item: Item) -> None:
        self._write(self._open(create=True), item)

    def _delete(self, key: str) -> bool:
        from secretstorage.exceptions import ItemNotFoundException  # noqa: PLC0415

        coll = self._open(create=False)
        if coll is None:
            return False
        deleted = False
        for item in self._items(coll, {ATTRIBUTE: key}):
            try:
                item.delete()
            except ItemNotFoundException:
                continue
            deleted = True
        return deleted

    def keys(self) -> list[str]:
        return list(self._call(self._keys))

    def get(self, key: str) -> Item | None:
        text = self._call(self._get, key)
        return desktop.stored_item(
            text, key, f"{key!r} in Secret Service collection {self.collection_name!r}"
        )

    def set(self, item: Item) -> None:
        self._call(self._set, item)

    def delete(self, key: str) -> bool:
        return bool(self._call(self._delete, key))
