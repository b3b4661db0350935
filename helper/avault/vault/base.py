"""The vault: a small key -> Item store with pluggable backends (keyring's backend.py pattern).

Items follow aws-vault's keyring model so both tools can share one store:

* long-term credentials under the profile name, Data = ``{"AccessKeyID","SecretAccessKey"}``;
* cached sessions under ``sessions.SessionKey.encode()``, Data = STS ``Credentials`` JSON;
* SSO tokens under ``oidc:<start url or session name>``.
"""

from __future__ import annotations

import abc
import json

from avault import b64
from avault.errors import ItemCorrupt

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from typing import Any


class Item:
    """One stored item (a plain class, not a dataclass: dataclasses is slow to import)."""

    __slots__ = (
        "data",
        "description",
        "key",
        "keychain_not_synchronizable",
        "keychain_not_trust_application",
        "label",
    )

    def __init__(
        self,
        key: str,
        data: bytes,
        label: str = "",
        description: str = "",
        *,
        keychain_not_trust_application: bool = False,
        keychain_not_synchronizable: bool = False,
    ) -> None:
        self.key = key
        self.data = data
        self.label = label
        self.description = description
        self.keychain_not_trust_application = keychain_not_trust_application
        self.keychain_not_synchronizable = keychain_not_synchronizable

    @classmethod
    def credentials(cls, profile: str, key_id: str, secret: str, label: str = "", **extra: str) -> Item:
        """A profile's long-term keys as aws-vault stores them (``extra``: more Data fields)."""
        data = {"AccessKeyID": key_id, "SecretAccessKey": secret, **extra}
        return cls(
            key=profile,
            data=json.dumps(data, separators=(",", ":")).encode("utf-8"),
            label=label or f"aws-vault ({profile})",
            keychain_not_trust_application=True,
        )

    def _fields(self) -> tuple[str, bytes, str, str, bool, bool]:
        return (
            self.key,
            self.data,
            self.label,
            self.description,
            self.keychain_not_trust_application,
            self.keychain_not_synchronizable,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Item) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        # Never the data: it holds secrets.
        return f"Item(key={self.key!r}, label={self.label!r})"

    def to_json(self) -> str:
        """aws-vault's (99designs/keyring) Item JSON; Data is standard base64 with padding."""
        return json.dumps(
            {
                "Key": self.key,
                "Data": b64.encode(self.data),
                "Label": self.label,
                "Description": self.description,
                "KeychainNotTrustApplication": self.keychain_not_trust_application,
                "KeychainNotSynchronizable": self.keychain_not_synchronizable,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, where: str) -> Item:
        """Decode an Item; any malformation is a VaultError naming ``where``."""
        try:
            obj: Any = json.loads(text)
            if not isinstance(obj, dict):
                raise TypeError("not an object")
            key = obj["Key"]
            data = obj.get("Data") or ""
            if not isinstance(key, str) or not isinstance(data, str):
                raise TypeError("bad field types")
            return cls(
                key=key,
                data=b64.decode(data, validate=True),
                label=str(obj.get("Label") or ""),
                description=str(obj.get("Description") or ""),
                keychain_not_trust_application=bool(obj.get("KeychainNotTrustApplication")),
                keychain_not_synchronizable=bool(obj.get("KeychainNotSynchronizable")),
            )
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError) as exc:
            # RecursionError: deeply nested JSON ('[[[[...') overflows json's stack.
            raise ItemCorrupt(
                f"vault item {where} is not a valid item ({type(exc).__name__}); "
                f"remove it or restore it from a backup"
            ) from None

    @classmethod
    def for_key(cls, text: str | bytes, key: str, *, where: str, fix: str) -> Item:
        """``from_json``, and the item must hold ``key``: a renamed or swapped one is not used."""
        item = cls.from_json(text, where=where)
        if item.key != key:
            raise ItemCorrupt(
                f"vault item {where} holds the key {item.key!r}, not {key!r}, so it is not used; {fix}"
            )
        return item

    def json_data(self) -> dict[str, Any]:
        """The inner JSON payload (credentials, session or token) as a dict."""
        try:
            obj = json.loads(self.data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            obj = None
        if not isinstance(obj, dict):
            raise ItemCorrupt(
                f"vault item {self.key!r} does not hold JSON data; "
                "remove it with 'avault clear' or 'avault remove'"
            )
        return obj


class Vault(abc.ABC):
    """get/set/delete/list over Items. Implementations make every write atomic."""

    #: short name shown to users: "file", "keyring"
    name: str = ""

    @abc.abstractmethod
    def keys(self) -> list[str]:
        """Every key in the store. Never needs a passphrase."""

    @abc.abstractmethod
    def get(self, key: str) -> Item | None:
        """The item, or None when absent. Raises VaultError when present but unreadable."""

    @abc.abstractmethod
    def set(self, item: Item) -> None:
        """Create or replace ``item.key`` atomically."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; False when it was not there."""

    def describe(self) -> str:
        """Where the store lives, for messages (never a secret)."""
        return self.name


class MemoryVault(Vault):
    """An in-process store for unit tests."""

    name = "memory"

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def keys(self) -> list[str]:
        return list(self.items)

    def get(self, key: str) -> Item | None:
        return self.items.get(key)

    def set(self, item: Item) -> None:
        self.items[item.key] = item

    def delete(self, key: str) -> bool:
        return self.items.pop(key, None) is not None
