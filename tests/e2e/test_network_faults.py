"""Network faults between avault and STS, IAM and IAM Identity Center (OIDC and the portal).

tests/fakes/recorder.py sits in front of moto_server (or the fake SSO portal) and makes
the endpoint slow, answer 500 or 503, throttle, or reset the connection; an endpoint on
``*.invalid`` fails DNS (offline, at once). Whatever the fault, the real ``avault``
command ends within a bound (standard retries plus AVAULT_NETWORK_DEADLINE), prints ONE
line naming the endpoint, no traceback, caches no session, and prints nothing to eval;
``avs`` in a real bash leaves the shell's variables untouched. A throttle that clears
after one retry succeeds: retries are on.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from e2e.test_credentials import add_keys
from e2e.test_rotate import CONFIG as ROTATE_CONFIG
from e2e.test_rotate import World
from fakes.recorder import Recorder
from fixtures.shells import run_shell
from fixtures.sso import SSO_CONFIG

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
CONFIG = f"""[profile base]
region = us-east-1

[profile role]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/r1
region = us-east-1
"""
DEADLINE = "4s"
BOUND = 20.0  # seconds: generous for two slow cores; without a deadline a slow STS took minutes
DNS_FAIL = "http://endpoint.nonexistent.invalid"
FAULTS = ["delay:30", "500", "503", "throttle", "reset", "dns"]


@pytest.fixture
def proxy(moto):
    rec = Recorder(moto.url)
    yield rec
    rec.close()


def session_files(home: Path) -> list[str]:
    d = home / ".awsvault/keys"
    return sorted(p.name for p in d.iterdir() if p.name.count(",") == 3) if d.exists() else []


def faulty(proxy: Recorder, fault: str) -> tuple[str, dict[str, str]]:
    """The endpoint to use and the env for it; the proxy now fails every matching request."""
    if fault == "dns":
        return DNS_FAIL, {"AWS_ENDPOINT_URL": DNS_FAIL, "AVAULT_NETWORK_DEADLINE": DEADLINE}
    proxy.always = fault
    return proxy.url, {"AWS_ENDPOINT_URL": proxy.url, "AVAULT_NETWORK_DEADLINE": DEADLINE}


def timed(run_avault, *args: str, extra_env: dict[str, str]):
    started = time.monotonic()
    r = run_avault(*args, extra_env=extra_env, timeout=120)
    return r, time.monotonic() - started


def assert_clean_failure(r, took: float, endpoint: str) -> None:
    assert took < BOUND, f"took {took:.1f}s"
    assert r.returncode != 0
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()  # progress lines (rotate, SSO sign-in), then the error
    errors = [x for x in lines if x.startswith("avault: ")]
    assert errors == lines[-1:], r.stderr
    assert endpoint in errors[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.fixture
def sts_world(moto, aws_config, run_avault):
    aws_config(CONFIG)
    add_keys(run_avault, "base")


@pytest.mark.parametrize(
    "case", [(p, f) for p in ("base", "role") for f in FAULTS], ids="-".join
)  # base: GetSessionToken, role: AssumeRole
def test_sts_fault_ends_in_time_with_one_line(sts_world, proxy, run_avault, home, case):
    profile, fault = case
    endpoint, extra = faulty(proxy, fault)
    r, took = timed(run_avault, "export", "--format", "bash", profile, extra_env=extra)
    assert_clean_failure(r, took, endpoint)
    assert session_files(home) == []
    if fault not in ("dns", "delay:30"):
        assert len(proxy.injected) == 3  # standard mode: the first try and two retries


def test_sts_throttle_that_clears_after_one_retry_succeeds(sts_world, proxy, run_avault, home):
    proxy.faults = ["throttle"]
    r, _took = timed(
        run_avault, "export", "--format", "json", "role", extra_env={"AWS_ENDPOINT_URL": proxy.url}
    )
    assert r.returncode == 0, r.stderr
    assert '"SecretAccessKey"' in r.stdout
    assert proxy.injected == ["throttle"]
    assert proxy.actions == ["AssumeRole", "AssumeRole"]


def test_avs_in_bash_leaves_the_shell_untouched(sts_world, proxy, env):
    _endpoint, extra = faulty(proxy, "503")
    script = (
        "export AWS_PROFILE=mine AWS_ACCESS_KEY_ID=AKIAKEEPME0000000001 AWS_REGION=eu-west-1\n"
        "before=$(env | sort)\n"
        "avs role\n"
        'echo "rc=$?"\n'
        "after=$(env | sort)\n"
        '[ "$before" = "$after" ] && echo untouched || diff <(echo "$before") <(echo "$after")\n'
    )
    r = run_shell("bash", script, {**env, **extra}, strict=False, timeout=60)
    assert "rc=0" not in r.stdout, r.stdout
    assert "rc=" in r.stdout, r.stderr
    assert "untouched" in r.stdout, r.stdout
    assert proxy.url in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("fault", FAULTS)
def test_rotate_fault_changes_nothing(moto, aws_config, run_avault, home, fault):
    aws_config(ROTATE_CONFIG)
    world = World(moto, run_avault, home)
    world.allow()
    before = world.stored()
    rec = Recorder(moto.url, only="CreateAccessKey")
    try:
        endpoint, extra = faulty(rec, fault)
        r, took = timed(run_avault, "rotate", "rot", extra_env=extra)
    finally:
        rec.close()
    assert_clean_failure(r, took, endpoint)
    if fault != "dns":
        assert rec.injected, "the fault never reached CreateAccessKey"
        assert "IAM at" in r.stderr
    assert world.stored() == before
    assert world.iam_keys() == [world.old["AccessKeyId"]]
    assert world.sessions() == []


@pytest.mark.usefixtures("moto")
@pytest.mark.parametrize("case", [(w, f) for w in ("oidc", "portal") for f in FAULTS], ids="-".join)
def test_sso_fault_ends_in_time_with_one_line(sso, aws_config, run_avault, home, case):
    where, fault = case
    aws_config(SSO_CONFIG)
    rec = Recorder(sso.portal.url, only="" if where == "oidc" else "/federation/credentials")
    try:
        endpoint, extra = faulty(rec, fault)
        extra = {"AVAULT_SSO_ENDPOINT_URL": endpoint, "AVAULT_NETWORK_DEADLINE": DEADLINE}
        r, took = timed(run_avault, "export", "--format", "json", "sso-prod", extra_env=extra)
    finally:
        rec.close()
    assert_clean_failure(r, took, endpoint)
    assert session_files(home) == []
    if where == "oidc" or fault == "dns":  # DNS fails for both; OIDC comes first
        assert not sso.cache_dir.exists() or not list(sso.cache_dir.glob("*.json"))
        assert sso.browser_calls() == []  # it failed before any sign-in was asked for
        assert "IAM Identity Center OIDC at" in r.stderr
    else:
        assert "IAM Identity Center portal at" in r.stderr
