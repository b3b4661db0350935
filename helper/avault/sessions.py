"""The session cache's key format, shared with aws-vault (stdlib only: this is the fast path).

A cached session lives in the vault under
``<type>,<b64url-nopad(profile)>,<b64url-nopad(mfa_serial or start URL)>,<unix expiry>``,
so sessions cached by aws-vault are read by avault and the other way round.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

SESSION_TYPES = (
    "sts.GetSessionToken",
    "sts.AssumeRole",
    "sts.AssumeRoleWithWebIdentity",
    "sso.GetRoleCredentials",
    "credential_process",
)
OIDC_PREFIX = "oidc:"
KEY_RE = re.compile(r"^([^,]+),([^,]+),([^,]*),([0-9]{1,})$")
# Formats written by older aws-vault releases; purged on every session read or write.
_OLD_FORMATS = (
    re.compile(r"^session,([^,]+),([^,]*),([0-9]{2,})$"),
    re.compile(r"^session:([^:]+):([^:]*):([0-9]{2,})$"),
    re.compile(r"^.+ session \(([0-9]{2,})\)$"),
)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def unb64(text: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@dataclass(frozen=True)
class SessionKey:
    type: str
    profile: str
    mfa_serial: str  # the SSO start URL for sso.GetRoleCredentials; empty when none
    expiration: int  # unix seconds

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
    return any(p.match(key) for p in _OLD_FORMATS)


def is_oidc_key(key: str) -> bool:
    return key.startswith(OIDC_PREFIX)


def is_credential_key(key: str) -> bool:
    """A long-term credential: anything that is not a session (any format) or an OIDC token."""
    return not (is_session_key(key) or is_old_session_key(key) or is_oidc_key(key))
