"""What turning core dumps off costs a command (avault.proc.no_core_dumps, issue 12 item 7).

Usage: .venv/bin/python bench/bench_hardening.py [-n RUNS]

Each sample is a fresh interpreter that has already imported ``avault`` (as the cached
switch has when main() runs) and times, with perf_counter, the import of avault.proc and
``no_core_dumps(ptrace=False)`` (what main() does on the cached switch: RLIMIT_CORE
only), or ``no_core_dumps()`` (also PR_SET_DUMPABLE through ``_ctypes``: what every other
command does in main(), and what the cached switch ends up paying too, since the
passphrase provider makes the process non-dumpable before a vault item is decrypted).
Prints the medians, the target (<= 0.5 ms for the whole guard on the cached path), and
the instructions each adds (callgrind: the same count under any load), side by side with
``python -c pass``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_export import callgrind_instructions  # noqa: E402

TARGET_MS = 0.5
TIMED = (
    "import avault, time\n"
    "t = time.perf_counter()\n"
    "from avault.proc import no_core_dumps\n"
    "no_core_dumps(ptrace={ptrace})\n"
    "print((time.perf_counter() - t) * 1000)\n"
)
UNTIMED = "import avault\n{body}"


def sample_ms(runs: int, *, ptrace: bool) -> float:
    code = TIMED.format(ptrace=ptrace)
    out = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(r.stdout))
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=31)
    runs = max(ap.parse_args().runs, 15)
    cached = sample_ms(runs, ptrace=False)
    full = sample_ms(runs, ptrace=True)
    print(f"median of {runs} fresh interpreters, ms (avault already imported)")
    print(f"  RLIMIT_CORE only: no_core_dumps(ptrace=False)          {cached:6.3f}")
    print(f"  + PR_SET_DUMPABLE: no_core_dumps() (the cached switch)  {full:6.3f}")
    print(f"  target on the cached path <= {TARGET_MS} ms -> {'met' if full <= TARGET_MS else 'MISSED'}")
    base = callgrind_instructions([sys.executable, "-c", UNTIMED.format(body="")], {})
    if base is None:
        return 0
    pass_ = callgrind_instructions([sys.executable, "-c", "pass"], {}) or 0
    for name, body in (
        ("RLIMIT_CORE only", "from avault.proc import no_core_dumps; no_core_dumps(ptrace=False)"),
        ("+ PR_SET_DUMPABLE", "from avault.proc import no_core_dumps; no_core_dumps()"),
    ):
        n = callgrind_instructions([sys.executable, "-c", UNTIMED.format(body=body)], {})
        if n is not None:
            extra = n - base
            print(
                f"  instructions added, {name}: {extra / 1e6:.2f}M "
                f"({extra / pass_ * 100:.1f}% of python -c pass, {pass_ / 1e6:.0f}M)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
