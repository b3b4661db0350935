"""The session cache: aws-vault's key format, expiry window and purge rules."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avault.creds import Credentials, parse_rfc3339
from avault.sessions import SessionCache, SessionKey, is_old_session_key, min_ttl_from_env
from avault.vault.base import Item, MemoryVault

NOW = 1_700_000_000
SERIAL = "arn:aws:iam::111111111111:mfa/jonsmith"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def creds(exp: float, n: int = 0) -> Credentials:
    return Credentials(f"ASIA{n:012d}", f"secret{n}", f"token{n}", exp)


def test_set_writes_awsvaults_item():
    vault, clock = MemoryVault(), Clock(NOW)
    cache = SessionCache(vault, now=clock)
    key = cache.set("sts.GetSessionToken", "jonsmith", SERIAL, creds(NOW + 3600))
    assert (
        key
        == f"sts.GetSessionToken,am9uc21pdGg,{SessionKey('x', 'p', SERIAL, 0).encode().split(',')[2]},{NOW + 3600}"
    )
    item = vault.items[key]
    assert item.label == "aws-vault session for jonsmith (expires 2023-11-14T23:13:20Z)"
    assert item.description == "aws-vault session"
    assert json.loads(item.data) == {
        "AccessKeyId": "ASIA000000000000",
        "SecretAccessKey": "secret0",
        "SessionToken": "token0",
        "Expiration": "2023-11-14T23:13:20Z",
    }


def test_reuse_until_min_ttl_then_refetch():
    vault, clock = MemoryVault(), Clock(NOW)
    cache = SessionCache(vault, now=clock, min_ttl=300)
    exp = NOW + 3600
    cache.set("sts.AssumeRole", "admin", SERIAL, creds(exp))
    clock.t = exp - 300 - 1
    assert cache.get("sts.AssumeRole", "admin", SERIAL) == creds(exp)
    clock.t = exp - 300 + 1
    assert cache.get("sts.AssumeRole", "admin", SERIAL) is None
    # Another profile, type or serial never matches.
    clock.t = NOW
    assert cache.get("sts.AssumeRole", "other", SERIAL) is None
    assert cache.get("sts.GetSessionToken", "admin", SERIAL) is None
    assert cache.get("sts.AssumeRole", "admin", "") is None


def test_min_ttl_from_env():
    assert min_ttl_from_env({}) == 300
    assert min_ttl_from_env({"AWS_MIN_TTL": "1h"}) == 3600
    assert min_ttl_from_env({"AWS_MIN_TTL": "garbage"}) == 300


def test_purge_expired_and_old_formats_on_get_and_set():
    vault, clock = MemoryVault(), Clock(NOW)
    for key in (
        "session,am9uc21pdGg,,1500000000",
        "session:jonsmith:arn:1500000000",
        "jonsmith session (1500000000)",
        SessionKey("sts.GetSessionToken", "expired", "", NOW - 1).encode(),
        SessionKey("sts.GetSessionToken", "live", "", NOW + 10).encode(),
        "jonsmith",
        "oidc:https://example.awsapps.com/start",
    ):
        vault.set(Item(key=key, data=b"{}"))
    cache = SessionCache(vault, now=clock)
    assert cache.get("sts.GetSessionToken", "nobody", "") is None
    assert sorted(vault.keys()) == sorted(
        [
            SessionKey("sts.GetSessionToken", "live", "", NOW + 10).encode(),
            "jonsmith",
            "oidc:https://example.awsapps.com/start",
        ]
    )
    clock.t = NOW + 11
    cache.set("sts.GetSessionToken", "other", "", creds(NOW + 5000))
    assert SessionKey("sts.GetSessionToken", "live", "", NOW + 10).encode() not in vault.keys()  # noqa: SIM118 - Vault.keys()


def test_set_replaces_the_old_session_of_the_same_prefix():
    vault, clock = MemoryVault(), Clock(NOW)
    cache = SessionCache(vault, now=clock)
    first = cache.set("sts.GetSessionToken", "jonsmith", SERIAL, creds(NOW + 100, 1))
    second = cache.set("sts.GetSessionToken", "jonsmith", SERIAL, creds(NOW + 7200, 2))
    assert first != second
    assert vault.keys() == [second]


@pytest.mark.parametrize(
    "expiration",
    [
        "2023-11-14T23:13:20Z",
        "2023-11-14T23:13:20.123456789Z",
        "2023-11-15T00:13:20+01:00",
        "2023-11-14T23:13:20.5-00:00",
    ],
)
def test_reads_sessions_written_by_aws_vault(expiration):
    """aws-vault (Go) writes RFC3339Nano and its own field order; we read it as-is."""
    vault, clock = MemoryVault(), Clock(NOW)
    exp = parse_rfc3339(expiration)
    assert int(exp) == NOW + 3600
    key = SessionKey("sts.GetSessionToken", "jonsmith", SERIAL, int(exp)).encode()
    data = json.dumps(
        {"AccessKeyId": "ASIAGO", "Expiration": expiration, "SecretAccessKey": "s", "SessionToken": "t"}
    ).encode()
    vault.set(
        Item(key=key, data=data, label="aws-vault session for jonsmith", description="aws-vault session")
    )
    got = SessionCache(vault, now=clock).get("sts.GetSessionToken", "jonsmith", SERIAL)
    assert got is not None
    assert (got.access_key_id, got.session_token, got.expiration) == ("ASIAGO", "t", exp)


def test_unreadable_cached_item_means_refresh():
    vault, clock = MemoryVault(), Clock(NOW)
    key = SessionKey("sts.GetSessionToken", "jonsmith", "", NOW + 3600).encode()
    vault.set(Item(key=key, data=b"not json"))
    assert SessionCache(vault, now=clock).get("sts.GetSessionToken", "jonsmith", "") is None


_OLD_FORMAT_PATTERNS = (
    r"^session,([^,]+),([^,]*),([0-9]{2,})\Z",
    r"^session:([^:]+):([^:]*):([0-9]{2,})\Z",
    r"^.+ session \(([0-9]{2,})\)\Z",
)


@given(
    st.lists(
        st.sampled_from(["session", ",", ":", " session (", ")", "1500000000", "7", "a", "\n", " ", "é"]),
        max_size=8,
    ).map("".join)
    | st.text(max_size=40)
)
def test_old_format_check_skips_only_keys_no_pattern_could_match(key: str) -> None:
    """The literal pre-check before the patterns (compiled only then) never changes an answer."""
    assert is_old_session_key(key) == any(re.match(p, key) for p in _OLD_FORMAT_PATTERNS)
