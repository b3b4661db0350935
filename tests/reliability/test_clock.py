"""Clock and expiry: the reuse-or-refresh branch at expiry - MIN_TTL +/- 1 s, a clock that jumps
backwards, and every expiry spelling STS and credential_process may return."""

from __future__ import annotations

import json

import pytest

from avault.creds import Credentials, parse_credential_process_output, parse_rfc3339
from avault.sessions import DEFAULT_MIN_TTL, SessionCache, min_ttl_from_env
from avault.vault.base import MemoryVault

from .conftest import record

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
KIND = "sts.GetSessionToken"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _cache(clock: Clock, min_ttl: float = DEFAULT_MIN_TTL) -> SessionCache:
    return SessionCache(MemoryVault(), now=clock, min_ttl=min_ttl)


CASES = [
    # (seconds left at read time, reused?)
    (DEFAULT_MIN_TTL + 1, True),
    (DEFAULT_MIN_TTL, False),
    (DEFAULT_MIN_TTL - 1, False),
    (1, False),
    (0, False),
    (-1, False),
    (3600, True),
]


@pytest.mark.parametrize(("left", "reused"), CASES)
def test_reuse_only_while_more_than_min_ttl_is_left(left: float, reused: bool) -> None:
    clock = Clock(NOW)
    cache = _cache(clock)
    creds = Credentials("ASIA1", "s", "t", NOW + left)
    if left > 0:
        cache.set(KIND, "dev", "", creds)
    got = cache.get(KIND, "dev", "")
    ok = (got == creds) if reused else got is None
    record("clock and expiry", trials=1, corpus=1, failures=0 if ok else 1)
    assert ok


def test_clock_jumping_backwards_and_forwards() -> None:
    clock = Clock(NOW)
    cache = _cache(clock)
    creds = Credentials("ASIA1", "s", "t", NOW + 3600)
    cache.set(KIND, "dev", "", creds)
    failures = 0
    clock.t = NOW - 86400  # an NTP step back by a day: expiry is absolute, still reused
    failures += cache.get(KIND, "dev", "") != creds
    clock.t = NOW + 3600 - DEFAULT_MIN_TTL + 1  # forward to inside the window: refresh
    failures += cache.get(KIND, "dev", "") is not None
    clock.t = NOW + 7200  # past expiry: purged from the vault, not just skipped
    failures += cache.get(KIND, "dev", "") is not None
    failures += bool(cache.vault.keys())
    record("clock and expiry", trials=4, corpus=4, failures=failures)
    assert failures == 0


SPELLINGS = [
    ("2027-01-15T09:00:00Z", NOW + 3600),
    ("2027-01-15T09:00:00z", NOW + 3600),
    ("2027-01-15T09:00:00+00:00", NOW + 3600),
    ("2027-01-15T10:00:00+01:00", NOW + 3600),
    ("2027-01-15T04:30:00-04:30", NOW + 3600),
    ("2027-01-15T10:00:00+0100", NOW + 3600),
    ("2027-01-15T09:00:00.5Z", NOW + 3600.5),
    ("2027-01-15T09:00:00.123456789Z", NOW + 3600.123456789),
    ("2027-01-15T09:00:00.000000000+00:00", NOW + 3600),
    ("2027-01-15 09:00:00Z", NOW + 3600),
    ("2027-01-15t09:00:00Z", NOW + 3600),
    ("2027-01-16T00:00:00+15:00", NOW + 3600),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_every_expiry_spelling(text: str, expected: float) -> None:
    failures = 0
    failures += abs(parse_rfc3339(text) - expected) > 1e-6
    out = json.dumps(
        {"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": text}
    ).encode()
    creds = parse_credential_process_output("cp", out)
    failures += abs((creds.expiration or 0) - expected) > 1e-6
    session = Credentials.from_session_json(
        {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": text}
    )
    # Cached with that expiry and read at expiry - MIN_TTL -/+ 1 s.
    for delta, reused in ((-1, True), (1, False)):
        clock = Clock(expected - DEFAULT_MIN_TTL + delta)
        cache = _cache(clock)
        cache.set(KIND, "dev", "", session)
        failures += (cache.get(KIND, "dev", "") is not None) != reused
    record("clock and expiry", trials=1, corpus=1, failures=failures)
    assert failures == 0


@pytest.mark.parametrize(
    "text",
    [
        "2027-01-15T09:00:00",
        "2027-02-30T00:00:00Z",
        "2027-01-15T24:00:00Z",
        "2027-01-15T09:00:00+24:00",
        "tomorrow",
        "1800003600",
        "",
    ],
)
def test_bad_expiry_is_refused_with_one_line(text: str) -> None:
    out = json.dumps(
        {"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": text}
    ).encode()
    from avault.errors import AvaultError  # noqa: PLC0415

    with pytest.raises(AvaultError) as info:
        parse_credential_process_output("cp", out)
    record("clock and expiry", trials=1, corpus=1, failures=0)
    assert "\n" not in str(info.value)


def test_min_ttl_from_env() -> None:
    assert min_ttl_from_env({"AWS_MIN_TTL": "1h"}) == 3600
    assert min_ttl_from_env({"AWS_MIN_TTL": "9" * 400 + "h"}) == DEFAULT_MIN_TTL  # was inf
    assert min_ttl_from_env({"AWS_MIN_TTL": "junk"}) == DEFAULT_MIN_TTL


@pytest.mark.e2e
def test_reuse_or_refresh_through_the_real_cli(rel_env: dict[str, str], moto) -> None:
    """``avault export`` with AVAULT_TEST_CLOCK_SKEW at expiry - MIN_TTL -/+ 2 s, and after a
    jump back by a day, against moto behind a recording proxy (STS calls are counted)."""
    import time  # noqa: PLC0415

    from fakes.recorder import Recorder  # noqa: PLC0415

    from .conftest import add_keys, avault  # noqa: PLC0415

    recorder = Recorder(moto.url)
    env = dict(rel_env, AWS_ENDPOINT_URL=recorder.url)
    from pathlib import Path  # noqa: PLC0415

    Path(env["AWS_CONFIG_FILE"]).write_text("[profile dev]\nregion = us-east-1\n")
    add_keys(env, "dev", "AKIACLOCK00000000001", "clock-secret")
    failures: list[str] = []

    def export(skew: float) -> dict[str, str]:
        r = avault(env, "export", "--format", "json", "dev", extra={"AVAULT_TEST_CLOCK_SKEW": f"{skew:.3f}"})
        if r.returncode != 0:
            failures.append(f"skew {skew:.0f}: rc {r.returncode} {r.stderr[-200:]}")
            return {}
        out: dict[str, str] = json.loads(r.stdout)
        return out

    try:
        first = export(0)
        expiry = parse_rfc3339(first["Expiration"])
        steps = [
            ("expiry - MIN_TTL - 2 s: reuse", lambda: expiry - DEFAULT_MIN_TTL - 2 - time.time(), False),
            ("clock 1 day back: reuse", lambda: -86400.0, False),
            ("expiry - MIN_TTL + 2 s: new session", lambda: expiry - DEFAULT_MIN_TTL + 2 - time.time(), True),
        ]
        for what, skew, refresh in steps:
            before = len(recorder.actions)
            got = export(skew())
            called = recorder.actions[before:].count("GetSessionToken")
            # moto hands out the same key every time: the STS call count is the proof.
            if called != int(refresh) or not got.get("SessionToken"):
                failures.append(f"{what}: {called} STS calls")
        # The new session was cached; a clock jumping back now reuses it, with no STS call.
        before = len(recorder.actions)
        again = export(-86400.0)
        if recorder.actions[before:] or not again.get("SessionToken"):
            failures.append(f"backwards after refresh: calls {recorder.actions[before:]}")
    finally:
        recorder.close()
    record("clock and expiry: real CLI (skew, STS calls counted)", trials=5, corpus=4, failures=len(failures))
    assert not failures, failures
