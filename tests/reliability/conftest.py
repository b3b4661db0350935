"""Shared helpers for the reliability suite (see tests/reliability/__init__.py for the switches).

``record(area, ...)`` adds one row of numbers for bench/reliability_report.py: it appends a
JSON line to ``$AVAULT_RELIABILITY_LOG`` when that is set, and does nothing otherwise.
Every test records *before* it asserts, so a failing run still reports its failures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = Path(__file__).resolve().parents[2] / "helper"
if str(HELPER) not in sys.path:  # the suite also runs from a checkout without `pip install -e`
    sys.path.insert(0, str(HELPER))

VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
SLOW = os.environ.get("AVAULT_SLOW_TESTS") == "1"
LOG_VAR = "AVAULT_RELIABILITY_LOG"
LOG_PATH = os.environ.get(LOG_VAR)  # read at import: the env fixture scrubs AVAULT_* later


def scaled(fast: int, slow: int) -> int:
    """``fast`` in the default run, ``slow`` with AVAULT_SLOW_TESTS=1."""
    return slow if SLOW else fast


def record(area: str, *, trials: int = 0, operations: int = 0, corpus: int = 0, failures: int = 0) -> None:
    path = LOG_PATH
    if not path:
        return
    row = {"area": area, "trials": trials, "operations": operations, "corpus": corpus, "failures": failures}
    with open(path, "a", encoding="utf-8") as f:  # noqa: PTH123 - one short append per test
        f.write(json.dumps(row) + "\n")


def record_attack(attack: str, *, tried: int, succeeded: int) -> None:
    """One row of the report's attacks section: an attack, how often it was tried, how
    often it worked (the test asserts 0 after recording)."""
    path = LOG_PATH
    if not path:
        return
    row = {"attack": attack, "tried": tried, "succeeded": succeeded}
    with open(path, "a", encoding="utf-8") as f:  # noqa: PTH123 - one short append per test
        f.write(json.dumps(row) + "\n")


def avault(
    env: dict[str, str],
    *args: str,
    extra: dict[str, str] | None = None,
    timeout: float = 60,
    input: str | None = None,  # noqa: A002 - mirrors subprocess.run
) -> subprocess.CompletedProcess[str]:
    e = dict(env)
    if extra:
        e.update(extra)
    return subprocess.run(
        [AVAULT, *args],
        env=e,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        check=False,
    )


def add_keys(env: dict[str, str], profile: str, key: str, secret: str) -> None:
    r = avault(
        env,
        "add",
        "--env",
        "--no-add-config",
        profile,
        extra={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret},
    )
    assert r.returncode == 0, r.stderr


def file_vault(env: dict[str, str]):
    """The test's file vault, opened in this process with the test passphrase."""
    from avault.vault.file import FileVault  # noqa: PLC0415

    passphrase = env["AWS_VAULT_FILE_PASSPHRASE"]
    return FileVault(Path(env["AWS_VAULT_FILE_DIR"]), lambda _new: passphrase)


def stored_secret(env: dict[str, str], profile: str) -> tuple[str, str] | None:
    item = file_vault(env).get(profile)
    if item is None:
        return None
    data = item.json_data()
    return data["AccessKeyID"], data["SecretAccessKey"]


@pytest.fixture
def rel_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a config file that exists (0600) and a ready vault directory."""
    home = Path(env["HOME"])
    cfg = home / ".aws/config"
    cfg.touch(mode=0o600)
    return env
