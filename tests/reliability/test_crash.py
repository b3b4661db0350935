"""Crash safety: ``kill -9`` at a random point of ``add``, session caching and ``rotate``.

Each trial starts the real CLI, sleeps a seeded random delay in [0, T] (T a little longer
than the command's measured runtime) and sends SIGKILL. Afterwards the vault must be
readable, every item must decrypt to either its old or its new value (never truncated,
never missing), and nothing may be left in the vault directory that aws-vault would list.
100 trials by default (60 add, 25 session caching, 15 rotate); AVAULT_SLOW_TESTS=1 runs 5x.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from avault.sessions import is_session_key

from .conftest import AVAULT, add_keys, file_vault, record, scaled

SEED = int(os.environ.get("AVAULT_RELIABILITY_SEED", "20261125"))
ACCOUNT = "123456789012"


def _spawn(
    env: dict[str, str], args: list[str], extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [AVAULT, *args],
        env={**env, **(extra or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _runtime(env: dict[str, str], args: list[str], extra: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    p = _spawn(env, args, extra)
    assert p.wait(timeout=60) == 0, args
    return time.monotonic() - start


def _kill_after(p: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL after ``delay`` unless it exits first; True when the kill landed."""
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        return True
    return False


def _leftovers(keys_dir: Path, expected: set[str]) -> list[str]:
    """Entries aws-vault would list that are not items we expect (temp files, lock files, junk)."""
    return sorted(n for n in (p.name for p in keys_dir.iterdir()) if n not in expected)


def _check_vault(env: dict[str, str], allowed: dict[str, set[str]]) -> list[str]:
    """Problems found: each key in ``allowed`` must decrypt to one of its allowed secrets."""
    problems = []
    vault = file_vault(env)
    for key, secrets in allowed.items():
        try:
            item = vault.get(key)
        except Exception as exc:  # any failure is a corrupt vault
            problems.append(f"{key}: {type(exc).__name__}: {exc}")
            continue
        if item is None:
            problems.append(f"{key}: missing")
            continue
        secret = item.json_data()["SecretAccessKey"]
        if secret not in secrets:
            problems.append(f"{key}: unexpected value")
    for key in vault.keys():  # noqa: SIM118 - a Vault, not a dict
        if is_session_key(key):
            try:
                data = vault.get(key)
                assert data is not None
                assert "SessionToken" in data.json_data()
            except Exception as exc:
                problems.append(f"session {key}: {type(exc).__name__}")
    return problems


def test_kill_9_during_add(rel_env: dict[str, str]) -> None:
    rng = random.Random(SEED)
    profiles = [f"p{i}" for i in range(4)]
    current: dict[str, str] = {}
    for p in profiles:
        current[p] = f"old-secret-{p}"
        add_keys(rel_env, p, f"AKIA{p.upper()}", current[p])
    t = 1.3 * _runtime(
        rel_env,
        ["add", "--env", "--no-add-config", "p0"],
        {"AWS_ACCESS_KEY_ID": "AKIAP0", "AWS_SECRET_ACCESS_KEY": current["p0"]},
    )
    keys_dir = Path(rel_env["AWS_VAULT_FILE_DIR"])
    trials, corrupt, killed = scaled(60, 300), 0, 0
    for i in range(trials):
        p = rng.choice(profiles)
        new = f"new-secret-{p}-{i}-" + "x" * rng.randrange(0, 4000)
        proc = _spawn(
            rel_env,
            ["add", "--env", "--no-add-config", p],
            {"AWS_ACCESS_KEY_ID": f"AKIA{p.upper()}", "AWS_SECRET_ACCESS_KEY": new},
        )
        killed += _kill_after(proc, rng.uniform(0, t))
        problems = _check_vault(rel_env, {q: {current[q]} | ({new} if q == p else set()) for q in profiles})
        problems += [f"left behind: {n}" for n in _leftovers(keys_dir, set(profiles))]
        if problems:
            corrupt += 1
            print(i, problems)
        got = file_vault(rel_env).get(p)
        if got is not None:
            current[p] = got.json_data()["SecretAccessKey"]
    record("crash safety: kill -9 (add)", trials=trials, operations=killed, failures=corrupt)
    assert corrupt == 0
    assert killed > trials // 4, "the random delays never landed inside the command"


@pytest.mark.e2e
def test_kill_9_during_session_caching(rel_env: dict[str, str], moto) -> None:
    rng = random.Random(SEED + 1)
    Path(rel_env["AWS_CONFIG_FILE"]).write_text("[profile dev]\nregion = us-east-1\n")
    add_keys(rel_env, "dev", "AKIADEVKEY0000000001", "dev-secret")
    env = dict(rel_env, AWS_ENDPOINT_URL=moto.url)
    # Each run skews the clock a further 2h, so every export has to fetch and cache anew.
    t = 1.3 * _runtime(env, ["export", "--format", "json", "dev"], {"AVAULT_TEST_CLOCK_SKEW": "0"})
    keys_dir = Path(env["AWS_VAULT_FILE_DIR"])
    trials, corrupt, killed = scaled(25, 125), 0, 0
    for i in range(trials):
        proc = _spawn(
            env, ["export", "--format", "json", "dev"], {"AVAULT_TEST_CLOCK_SKEW": str(7200 * (i + 1))}
        )
        killed += _kill_after(proc, rng.uniform(0, t))
        problems = _check_vault(env, {"dev": {"dev-secret"}})
        names = {n for n in (p.name for p in keys_dir.iterdir()) if n == "dev" or n.count(",") == 3}
        problems += [f"left behind: {n}" for n in _leftovers(keys_dir, names)]
        if problems:
            corrupt += 1
            print(i, problems)
    # The vault still works for the next run.
    r = subprocess.run(
        [AVAULT, "export", "--format", "json", "dev"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    record("crash safety: kill -9 (session cache)", trials=trials, operations=killed, failures=corrupt)
    assert r.returncode == 0, r.stderr
    assert corrupt == 0
    assert killed > 0


def _iam(moto):
    import boto3  # noqa: PLC0415

    return boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


@pytest.mark.e2e
def test_kill_9_during_rotate(rel_env: dict[str, str], moto) -> None:
    rng = random.Random(SEED + 2)
    iam = _iam(moto)
    iam.create_user(UserName="rot")
    first = iam.create_access_key(UserName="rot")["AccessKey"]
    Path(rel_env["AWS_CONFIG_FILE"]).write_text("[profile rot]\nregion = us-east-1\n")
    add_keys(rel_env, "rot", first["AccessKeyId"], first["SecretAccessKey"])
    env = dict(rel_env, AWS_ENDPOINT_URL=moto.url)
    t = 1.3 * _runtime(env, ["rotate", "-n", "rot"])
    trials, corrupt, killed = scaled(15, 75), 0, 0
    for i in range(trials):
        stored = file_vault(env).get("rot")
        assert stored is not None
        stored_id = stored.json_data()["AccessKeyID"]
        for k in iam.list_access_keys(UserName="rot")["AccessKeyMetadata"]:
            if k["AccessKeyId"] != stored_id:  # a key an earlier killed rotation orphaned
                iam.delete_access_key(UserName="rot", AccessKeyId=k["AccessKeyId"])
        proc = _spawn(env, ["rotate", "-n", "rot"])
        killed += _kill_after(proc, rng.uniform(0, t))
        problems = []
        try:
            item = file_vault(env).get("rot")
            assert item is not None
            data = item.json_data()
            live = {k["AccessKeyId"] for k in iam.list_access_keys(UserName="rot")["AccessKeyMetadata"]}
            if data["AccessKeyID"] not in live:
                problems.append("the stored key no longer exists in IAM: the key was lost")
            if data["AccessKeyID"] != stored_id and not data["SecretAccessKey"]:
                problems.append("new key stored without its secret")
        except Exception as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
        problems += [
            f"left behind: {n}"
            for n in _leftovers(Path(env["AWS_VAULT_FILE_DIR"]), {"rot"})
            if n.count(",") != 3
        ]
        if problems:
            corrupt += 1
            print(i, problems)
    record("crash safety: kill -9 (rotate)", trials=trials, operations=killed, failures=corrupt)
    assert corrupt == 0
