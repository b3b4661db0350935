"""The session cache's key format, shared with aws-vault (stdlib only: this is the fast path).

A cached session lives in the vault under
``<type>,<b64url-nopad(profile)>,<b64url-nopad(mfa_serial or start URL)>,<unix expiry>``,
so sessions cached by aws-vault are read by avault and the other way round.
"""

from __future__ import annotations

import binascii
import re

from avault.b64 import url_decode, url_encode
from avault.creds import Credentials
from avault.durations import format_go_duration, parse_go_duration
from avault.errors import AvaultError, ItemCorrupt
from avault.vault.base import Item

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from avault.vault.base import Vault

SESSION_TYPES = (
    "sts.GetSessionToken",
    "sts.AssumeRole",
    "sts.AssumeRoleWithWebIdentity",
    "sso.GetRoleCredentials",
    "credential_process",
)
OIDC_PREFIX = "oidc:"
# \Z, not $: "$" also matches before a final newline, which Go's regexp (aws-vault) does not.
KEY_RE = re.compile(r"^([^,]+),([^,]+),([^,]*),([0-9]{1,})\Z")
# Formats written by older aws-vault releases; purged on every session read or write.
# Kept as text: re compiles (and caches) them only for a key that holds one's literal part.
_OLD_FORMATS = (
    r"^session,([^,]+),([^,]*),([0-9]{2,})\Z",
    r"^session:([^:]+):([^:]*):([0-9]{2,})\Z",
    r"^.+ session \(([0-9]{2,})\)\Z",
)


def b64(text: str) -> str:
    # surrogateescape: a profile named on the command line with non-UTF-8 bytes (argv is
    # decoded that way) is encoded as those bytes, as aws-vault (Go strings are bytes) does.
    return url_encode(text.encode("utf-8", "surrogateescape")).rstrip("=")


def unb64(text: str) -> str | None:
    try:
        return url_decode(text + "=" * (-len(text) % 4)).decode("utf-8", "surrogateescape")
    except (binascii.Error, UnicodeError, ValueError):
        return None


class SessionKey:
    """One session key's four fields (a plain class: dataclasses is slow to import)."""

    __slots__ = ("expiration", "mfa_serial", "profile", "type")

    def __init__(self, type: str, profile: str, mfa_serial: str, expiration: int) -> None:  # noqa: A002
        self.type = type
        self.profile = profile
        self.mfa_serial = mfa_serial  # the SSO start URL for sso.GetRoleCredentials; "" when none
        self.expiration = expiration  # unix seconds

    def _fields(self) -> tuple[str, str, str, int]:
        return (self.type, self.profile, self.mfa_serial, self.expiration)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SessionKey) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "SessionKey(type={!r}, profile={!r}, mfa_serial={!r}, expiration={!r})".format(*self._fields())

    def encode(self) -> str:
        return f"{self.type},{b64(self.profile)},{b64(self.mfa_serial)},{self.expiration}"

    def prefix(self) -> str:
        """What aws-vault matches on lookup: everything but the expiry."""
        return f"{self.type},{b64(self.profile)},{b64(self.mfa_serial)},"

    @classmethod
    def parse(cls, key: str) -> SessionKey | None:
        m = KEY_RE.match(key)
        if not m or m.group(1) not in SESSION_TYPES:
            return None
        profile = unb64(m.group(2))
        serial = unb64(m.group(3)) if m.group(3) else ""
        if profile is None or serial is None:
            return None
        try:
            expiration = int(m.group(4))
        except ValueError:  # pragma: no cover - the regex allows only digits
            return None
        return cls(m.group(1), profile, serial, expiration)


def is_session_key(key: str) -> bool:
    """aws-vault's rule: the shape alone decides, whatever the type field says."""
    return KEY_RE.match(key) is not None


def is_old_session_key(key: str) -> bool:
    if not key.startswith(("session,", "session:")) and key.find(" session (", 1) == -1:
        return False
    return any(re.match(p, key) for p in _OLD_FORMATS)


def is_oidc_key(key: str) -> bool:
    return key.startswith(OIDC_PREFIX)


def is_credential_key(key: str) -> bool:
    """A long-term credential: anything that is not a session (any format) or an OIDC token."""
    return not (is_session_key(key) or is_old_session_key(key) or is_oidc_key(key))


# -- the cache itself -----------------------------------------------------------------------

DEFAULT_MIN_TTL = 300.0  # aws-vault's defaultExpirationWindow: 5m
SESSION_DESCRIPTION = "aws-vault session"


def min_ttl_from_env(env: Mapping[str, str]) -> float:
    """``AWS_MIN_TTL`` as a Go duration; unparsable or unset means 5m, as in aws-vault."""
    seconds = parse_go_duration(env.get("AWS_MIN_TTL", ""))
    return DEFAULT_MIN_TTL if seconds is None else seconds


class SessionCache:
    """aws-vault's SessionKeyring + CachedSessionProvider expiry rule, over any Vault.

    Every get and set first purges expired sessions and old-format keys, and a session is
    reused only while it has more than ``min_ttl`` seconds left.
    """

    def __init__(
        self,
        vault: Vault,
        *,
        now: Callable[[], float],
        min_ttl: float = DEFAULT_MIN_TTL,
        log: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.vault = vault
        self.now = now
        self.min_ttl = min_ttl
        self.log = log or (lambda _msg: None)
        self.warn = warn or self.log

    def purge(self) -> list[str]:
        """Delete expired and old-format session keys; return the keys that remain."""
        now = self.now()
        remaining: list[str] = []
        for key in self.vault.keys():  # noqa: SIM118 - Vault.keys(), not a dict
            parsed = SessionKey.parse(key) if is_session_key(key) else None
            if is_old_session_key(key) or (parsed is not None and now > parsed.expiration):
                self.vault.delete(key)
            else:
                remaining.append(key)
        return remaining

    @staticmethod
    def _find(keys: list[str], prefix: str) -> str | None:
        return next((k for k in keys if k.startswith(prefix)), None)

    def get(self, kind: str, profile: str, mfa_serial: str) -> Credentials | None:
        """A live cached session, or None (absent, expiring within min_ttl, or unreadable)."""
        keys = self.purge()
        found = self._find(keys, SessionKey(kind, profile, mfa_serial, 0).prefix())
        if found is None:
            return None
        try:
            item = self.vault.get(found)
            if item is None:
                return None
            creds = Credentials.from_session_json(item.json_data())
        except ItemCorrupt as exc:
            # Named, never used, and replaced by the fresh session set() stores. Anything
            # else (a wrong passphrase, Ctrl-C at its prompt, a dead agent) is not a cache
            # miss and must reach the user.
            self.warn(f"avault: ignoring cached session for {profile}: {exc}")
            return None
        except (ValueError, TypeError) as exc:
            self.warn(f"avault: ignoring cached session for {profile}: unreadable ({type(exc).__name__})")
            return None
        assert creds.expiration is not None
        left = creds.expiration - self.now()
        if left <= self.min_ttl:
            return None
        self.log(
            f"Re-using cached credentials {creds.masked_key()} from {kind}, "
            f"expires in {format_go_duration(left)}"
        )
        return creds

    def set(self, kind: str, profile: str, mfa_serial: str, creds: Credentials) -> str:
        """Store ``creds`` (which must expire), replacing this profile's older session."""
        if creds.expiration is None:
            raise AvaultError(f"cannot cache credentials for {profile!r} that never expire")
        keys = self.purge()
        key = SessionKey(kind, profile, mfa_serial, int(creds.expiration))
        old = self._find(keys, key.prefix())
        if old is not None and old != key.encode():
            self.vault.delete(old)
        self.vault.set(
            Item(
                key=key.encode(),
                data=creds.to_session_json(),
                label=f"aws-vault session for {profile} (expires {creds.expiration_rfc3339()})",
                description=SESSION_DESCRIPTION,
            )
        )
        return key.encode()


def profile_session_keys(keys: list[str], profile: str) -> list[str]:
    """Current-format session keys that belong to ``profile``."""
    out = []
    for key in keys:
        parsed = SessionKey.parse(key)
        if parsed is not None and parsed.profile == profile:
            out.append(key)
    return out


def delete_profile_sessions(vault: Vault, profile: str) -> int:
    count = 0
    for key in profile_session_keys(vault.keys(), profile):
        count += vault.delete(key)
    return count
