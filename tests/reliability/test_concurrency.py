"""Concurrency: 20 avault processes at once, mixing add, export (STS via moto, so the session
cache is written), remove of other profiles, clear and list, on the file backend and on a
real Secret Service (gnome-keyring). Afterwards every credential that should exist exists
and decrypts to a value some writer wrote, and nothing removed is back.

Default: 3 rounds of 20 on the file vault, 2 on the Secret Service; AVAULT_SLOW_TESTS=1: 5x.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from .conftest import AVAULT, add_keys, avault, record, scaled

SEED = int(os.environ.get("AVAULT_RELIABILITY_SEED", "20261125"))
WIDTH = 20
KEEP = [f"keep{i}" for i in range(5)]
DOOMED = [f"doomed{i}" for i in range(6)]
CONFIG = "".join(f"[profile {p}]\nregion = us-east-1\n\n" for p in KEEP + DOOMED)


def _round(
    env: dict[str, str], rng: random.Random, rnd: int, doomed: list[str], written: dict[str, set[str]]
) -> tuple[int, list[str]]:
    """Start WIDTH processes at once; return (operations, unexpected failures)."""
    procs = []
    for i in range(WIDTH):
        kind = rng.choice(["add", "add", "export", "export", "export", "remove", "clear", "list"])
        extra: dict[str, str] = {}
        if kind == "add":
            p = rng.choice(KEEP)
            secret = f"secret-{p}-r{rnd}-{i}"
            written[p].add(secret)
            args = ["add", "--env", "--no-add-config", p]
            extra = {"AWS_ACCESS_KEY_ID": f"AKIA{p.upper()}", "AWS_SECRET_ACCESS_KEY": secret}
        elif kind == "export":
            args = ["export", "--format", "json", rng.choice(KEEP)]
        elif kind == "remove" and doomed:
            args = ["remove", "-f", doomed.pop()]
        elif kind == "clear":
            args = ["clear"]
        else:
            args = ["list"]
        procs.append(
            (
                args,
                subprocess.Popen(
                    [AVAULT, *args],
                    env={**env, **extra},
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    failures = []
    for args, p in procs:
        out, err = p.communicate(timeout=180)
        if p.returncode != 0:
            failures.append(f"{args}: rc={p.returncode} {err.strip()[-300:]}")
        elif args[0] == "export" and "SessionToken" not in out:
            failures.append(f"{args}: no session in output")
    return len(procs), failures


def _run(env: dict[str, str], rounds: int, area: str) -> None:
    rng = random.Random(SEED)
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    written: dict[str, set[str]] = {p: {f"initial-{p}"} for p in KEEP}
    for p in KEEP:
        add_keys(env, p, f"AKIA{p.upper()}", f"initial-{p}")
    for p in DOOMED:
        add_keys(env, p, f"AKIA{p.upper()}", f"doomed-{p}")
    doomed = list(DOOMED)
    ops, failures = 0, []
    for rnd in range(rounds):
        n, f = _round(env, rng, rnd, doomed, written)
        ops += n
        failures += f
    removed = [p for p in DOOMED if p not in doomed]
    lost = []
    for p in KEEP:
        r = avault(env, "export", "--format", "json", "-n", p)
        if r.returncode != 0 or json.loads(r.stdout or "{}").get("SecretAccessKey") not in written[p]:
            lost.append(f"{p}: {r.stderr.strip()}")
    listed = avault(env, "list", "--credentials")
    names = set(listed.stdout.split())
    back = [p for p in removed if p in names]
    lost += [p for p in DOOMED if p in doomed and p not in names]
    sessions = avault(env, "list", "--sessions")
    if sessions.returncode != 0:
        lost.append(f"list --sessions: {sessions.stderr}")
    record(area, trials=rounds, operations=ops, failures=len(failures) + len(lost) + len(back))
    assert not failures, failures
    assert not lost, lost
    assert not back, back
    assert removed


@pytest.mark.e2e
def test_twenty_processes_on_the_file_vault(rel_env: dict[str, str], moto) -> None:
    _run(rel_env, scaled(3, 15), "concurrency: file vault, 20 procs")


@pytest.mark.e2e
@pytest.mark.keyring
def test_twenty_processes_on_the_secret_service(rel_env: dict[str, str], private_keyring_env, moto) -> None:
    _run(private_keyring_env, scaled(2, 10), "concurrency: Secret Service, 20 procs")
