"""Credentials as avault passes them around, and the time formats AWS tools exchange them in.

Stdlib only, and lean: cached sessions are decoded here on the fast path, so this module
avoids dataclasses, datetime and typing (together ~12 ms of imports).
"""

from __future__ import annotations

import json
import re
import time

from avault.errors import AvaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from typing import Any

# RFC 3339 as Go, botocore and the AWS CLI write it: optional fraction of any length,
# then Z or an offset. Python 3.10's fromisoformat() accepts neither Z nor 9 digits.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})$"
)
_ARN_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]*:[^:]*:(\d{12}):")


def format_rfc3339(timestamp: float) -> str:
    """UTC, whole seconds, ``Z``: what aws-vault prints (``2020-04-16T11:16:27Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(timestamp)))


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_rfc3339(text: str) -> float:
    """Unix seconds for an RFC 3339 / RFC 3339 Nano timestamp; ValueError if it is not one."""
    m = _RFC3339.match(text.strip())
    if not m:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        raise ValueError("day or month out of range")
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError("time of day out of range")
    fraction = float("0." + m.group(7)) if m.group(7) else 0.0
    zone = m.group(8)
    offset = 0
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise ValueError("UTC offset out of range")
        offset = sign * (hours * 3600 + minutes * 60)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds - offset + fraction


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def account_from_arn(arn: str) -> str:
    """The 12-digit account in an ARN (role, user, MFA device, assumed role), else ``""``."""
    m = _ARN_ACCOUNT.match(arn)
    return m.group(1) if m else ""


class Credentials:
    """An access key pair, maybe with a session token and an expiry (unix seconds).

    Immutable by convention; ``repr`` never shows the secret or the token.
    """

    __slots__ = ("access_key_id", "account_id", "expiration", "secret_access_key", "session_token")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str = "",
        expiration: float | None = None,
        account_id: str = "",
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration
        self.account_id = account_id

    def _key(self) -> tuple[str, str, str, float | None, str]:
        return (
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.expiration,
            self.account_id,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r}, "
            f"account_id={self.account_id!r})"
        )

    def can_expire(self) -> bool:
        return self.expiration is not None

    def expiration_rfc3339(self) -> str:
        return format_rfc3339(self.expiration) if self.expiration is not None else ""

    def masked_key(self) -> str:
        """aws-vault's FormatKeyForDisplay: only the last four characters."""
        return "****************" + self.access_key_id[-4:]

    def with_account(self, account_id: str) -> Credentials:
        if not account_id or self.account_id:
            return self
        return Credentials(
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.expiration,
            account_id,
        )

    # -- the session cache's Data: STS ``Credentials`` JSON --------------------------------
    def to_session_json(self) -> bytes:
        return json.dumps(
            {
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token,
                "Expiration": self.expiration_rfc3339(),
            },
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_session_json(cls, obj: dict[str, Any]) -> Credentials:
        """Decode a cached session (ours or aws-vault's); ValueError if malformed."""
        akid, secret = obj.get("AccessKeyId"), obj.get("SecretAccessKey")
        token, exp = obj.get("SessionToken") or "", obj.get("Expiration")
        if not isinstance(akid, str) or not isinstance(secret, str) or not isinstance(token, str):
            raise TypeError("missing keys")
        if not isinstance(exp, str):
            raise TypeError("missing Expiration")
        return cls(akid, secret, token, parse_rfc3339(exp))

    # -- long-term keys: Go ``aws.Credentials`` JSON ----------------------------------------
    @classmethod
    def from_stored(cls, obj: dict[str, Any], *, profile: str) -> Credentials:
        akid, secret = obj.get("AccessKeyID"), obj.get("SecretAccessKey")
        if not isinstance(akid, str) or not akid or not isinstance(secret, str) or not secret:
            raise AvaultError(
                f"the stored credentials for profile {profile!r} are incomplete; "
                f"store them again with 'avault add {profile}'"
            )
        token = obj.get("SessionToken") or ""
        return cls(akid, secret, token if isinstance(token, str) else "")


# aws-vault's order (its struct's field order), printed like Go's %v of a []string.
CREDENTIAL_PROCESS_FIELDS = ("AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken")


def parse_credential_process_output(command: str, output: bytes) -> Credentials:
    """Validate a credential_process's stdout as strictly as aws-vault does.

    The output itself never appears in an error: it holds secrets.
    """
    quoted = json.dumps(command)
    try:
        obj = json.loads(output)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: '[[[[...'
        obj = None
    if not isinstance(obj, dict):
        raise AvaultError(
            f"invalid JSON format from command {quoted}; "
            "it must print the credential_process JSON object on stdout"
        )
    missing = [
        name for name in CREDENTIAL_PROCESS_FIELDS if not isinstance(obj.get(name), str) or not obj[name]
    ]
    if missing:
        raise AvaultError(
            f"JSON credential from command {quoted} missing the following fields: [{' '.join(missing)}]"
        )
    try:
        expiration = parse_rfc3339(obj["Expiration"])
    except ValueError:
        raise AvaultError(
            f"JSON credential from command {quoted} has an Expiration that is not an RFC 3339 time"
        ) from None
    account = obj.get("AccountId")
    return Credentials(
        obj["AccessKeyId"],
        obj["SecretAccessKey"],
        obj["SessionToken"],
        expiration,
        account if isinstance(account, str) and re.fullmatch(r"\d{12}", account) else "",
    )
