"""Run tests/reliability and print ONE table: trials, operations, corpus size and failures per area,
then the attacks: each one, how often it was tried and how often it worked (0).

    .venv/bin/python bench/reliability_report.py            # default sizes (~3 min on 2 cores)
    AVAULT_SLOW_TESTS=1 .venv/bin/python bench/reliability_report.py   # heavier variants

Each test appends its numbers to $AVAULT_RELIABILITY_LOG (tests/reliability/conftest.py
``record``); this script points that at a temp file, runs pytest -n 2, and sums by area.
Areas named ``attack: <what>`` form a second table: each attack, times tried, times it
succeeded (0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_tests(stdout: str) -> tuple[int, int] | None:
    """(passed + failed, failed) of the tests/shells tests, from pytest's -rA lines."""
    lines = [x for x in stdout.splitlines() if "tests/shells/" in x]
    if not lines:
        return None
    failed = sum(x.startswith(("FAILED", "ERROR")) for x in lines)
    return sum(x.startswith(("PASSED", "FAILED", "ERROR")) for x in lines), failed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "rows.jsonl"
        log.touch()
        env = dict(os.environ, AVAULT_RELIABILITY_LOG=str(log))
        argv = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "tests/reliability",
            # Existing shell-injection coverage (completion and prompt), counted as a row.
            "tests/shells/test_roundtrip.py",
            "tests/shells/test_completion_cache.py",
            *sys.argv[1:],
        ]
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    totals: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("trials", "operations", "corpus", "failures"), 0)
    )
    attacks: dict[str, dict[str, int]] = defaultdict(lambda: {"tried": 0, "succeeded": 0})
    for row in rows:
        if "attack" in row:  # conftest.record_attack
            attacks[row["attack"]]["tried"] += int(row["tried"])
            attacks[row["attack"]]["succeeded"] += int(row["succeeded"])
            continue
        for k in ("trials", "operations", "corpus", "failures"):
            totals[row["area"]][k] += int(row[k])
    if not any(a.startswith("ECS server under load") for a in totals):
        totals["ECS server under load (did not run)"]
    shells = _shell_tests(proc.stdout)
    if shells:
        totals["injection: tests/shells completion + prompt (existing)"]["trials"] += shells[0]
        totals["injection: tests/shells completion + prompt (existing)"]["failures"] += shells[1]
    # Rows recorded as "attack: <what>" (trials = times tried, failures = times it worked).
    for area in [a for a in totals if a.startswith("attack: ")]:
        t = totals.pop(area)
        attacks[area.removeprefix("attack: ")]["tried"] += t["trials"]
        attacks[area.removeprefix("attack: ")]["succeeded"] += t["failures"]
    width = max(len(a) for a in totals) if totals else 10
    print(f"{'area':<{width}}  {'trials':>7}  {'operations':>10}  {'corpus':>7}  {'failures':>8}")
    print("-" * (width + 42))
    for area in sorted(totals):
        t = totals[area]
        print(
            f"{area:<{width}}  {t['trials']:>7}  {t['operations']:>10}  {t['corpus']:>7}  {t['failures']:>8}"
        )
    if attacks:
        width = max(len(a) for a in attacks)
        print(f"\n{'attack':<{width}}  {'tried':>7}  {'succeeded':>9}")
        print("-" * (width + 20))
        for name in sorted(attacks):
            a = attacks[name]
            print(f"{name:<{width}}  {a['tried']:>7}  {a['succeeded']:>9}")
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "(no pytest output)"
    print(f"\npytest: {summary}")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
