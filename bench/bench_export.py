"""Start-up benchmark: cached ``avault export --format zsh`` vs bare Python vs awsume.

Usage: .venv/bin/python bench/bench_export.py [-n RUNS] [--baseline OTHER_VENV/bin]

Prints the median wall time of each (after warm-up runs) and the ratios. ``--baseline``
also times the cached export of another install (e.g. an older commit checked out in a
worktree with its own venv) on the same seeded HOME, its samples interleaved with this
tree's, so both ratios to bare Python come from one run. The first run
creates bench/.venv-awsume and installs awsume into it. Byte-code writing is enabled for
the measured commands (PYTHONDONTWRITEBYTECODE is dropped), as it is for installed users.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
AWSUME_VENV = ROOT / "bench" / ".venv-awsume"
PASSPHRASE = "bench passphrase"


def clean_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "AVS_", "AVAULT_", "PYTHON", "DBUS_SESSION"))
    }
    env.update(
        HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        AWS_CONFIG_FILE=str(home / ".aws/config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws/credentials"),
        AWS_VAULT_BACKEND="file",
        AWS_VAULT_FILE_DIR=str(home / ".awsvault/keys"),
        AWS_VAULT_FILE_PASSPHRASE=PASSPHRASE,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def seed_avault(home: Path, env: dict[str, str]) -> None:
    """A profile with stored keys and a live cached GetSessionToken session."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/config").write_text("[profile bench]\nregion = eu-west-1\n")
    subprocess.run(
        [str(VENV_BIN / "avault"), "add", "--env", "--no-add-config", "bench"],
        env={**env, "AWS_ACCESS_KEY_ID": "AKIABENCH00000000001", "AWS_SECRET_ACCESS_KEY": "x"},
        check=True,
        capture_output=True,
    )
    seed = f"""
import time
from avault.context import Context
from avault.creds import Credentials
from avault.sessions import SessionCache
from avault.vault.file import FileVault
ctx = Context.from_os()
vault = FileVault.from_context(ctx, {str(home / ".awsvault/keys")!r})
creds = Credentials("ASIABENCH0000000001", "s" * 40, "t" * 300, time.time() + 8 * 3600)
SessionCache(vault, now=time.time).set("sts.GetSessionToken", "bench", "", creds)
"""
    subprocess.run([sys.executable, "-c", seed], env=env, check=True)


def ensure_awsume() -> Path:
    script = AWSUME_VENV / "bin" / "awsume"
    if not script.exists():
        print(f"creating {AWSUME_VENV} and installing awsume (first run only)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(AWSUME_VENV)], check=True)
        subprocess.run(
            [str(AWSUME_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "awsume"], check=True
        )
    return script


def seed_awsume(home: Path) -> None:
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/credentials").write_text(
        "[static]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = x\nregion = eu-west-1\n"
    )
    (home / ".aws/config").write_text("[profile static]\nregion = eu-west-1\n")


def median_ms(argv: list[str], env: dict[str, str], runs: int, warmup: int = 3) -> tuple[float, float, float]:
    for _ in range(warmup):
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def interleaved_ms(
    argvs: list[list[str]], env: dict[str, str], runs: int, warmup: int = 3
) -> list[tuple[float, float, float]]:
    """``median_ms`` of several commands, one sample of each in turn (the same load for all)."""
    samples: list[list[float]] = [[] for _ in argvs]
    for i in range(warmup + runs):
        for argv, out in zip(argvs, samples, strict=True):
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i >= warmup:
                out.append((time.perf_counter() - start) * 1000)
    return [(statistics.median(s), min(s), max(s)) for s in samples]


BASELINE = "baseline avault export (cached)"
# Exactly what `avs bench` runs in zsh (the profile after `--`).
AVS_ARGV = [str(VENV_BIN / "avault"), "export", "--format", "zsh", "--", "bench"]
# `python -c pass` on the reference machine (shared/reference/test-environment.md §4).
REFERENCE_PYTHON_MS = 8.2


def callgrind_instructions(argv: list[str], env: dict[str, str]) -> int | None:
    """Instructions executed (valgrind callgrind): the same count on any load, unlike ms."""
    if not shutil.which("valgrind"):
        return None
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    m = re.search(r"refs:\s+([\d,]+)", out.stderr)
    return int(m.group(1).replace(",", "")) if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=21, help="measured runs per command (>= 15)")
    ap.add_argument("--skip-awsume", action="store_true", help="do not install or time awsume")
    ap.add_argument("--baseline", type=Path, help="bin directory of another avault install to compare")
    args = ap.parse_args()
    runs = max(args.runs, 15)

    with tempfile.TemporaryDirectory(prefix="avault-bench-") as tmp:
        av_home, aw_home = Path(tmp) / "avault", Path(tmp) / "awsume"
        av_env = clean_env(av_home)
        seed_avault(av_home, av_env)
        check = subprocess.run(
            [str(VENV_BIN / "avault"), "export", "--format", "zsh", "bench"],
            env=av_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0 or "ASIABENCH" not in check.stdout:
            print(f"cached export did not work: {check.stderr}", file=sys.stderr)
            return 1

        results: dict[str, tuple[float, float, float]] = {}
        if args.baseline:
            base_argv = [str(args.baseline / "avault"), *AVS_ARGV[1:]]
            first = subprocess.run(base_argv, env=av_env, capture_output=True, text=True, check=False)
            if first.returncode != 0 or "ASIABENCH" not in first.stdout:
                print(f"cached export of {args.baseline} did not work", file=sys.stderr)
                return 1
            timed = interleaved_ms([AVS_ARGV, base_argv, [sys.executable, "-c", "pass"]], av_env, runs)
            results["avault export --format zsh (cached)"] = timed[0]
            results[BASELINE] = timed[1]
            results["python -c pass"] = timed[2]
        else:
            results["avault export --format zsh (cached)"] = median_ms(AVS_ARGV, av_env, runs)
            results["python -c pass"] = median_ms([sys.executable, "-c", "pass"], av_env, runs)
        instructions = {
            "avault export (cached)": callgrind_instructions(AVS_ARGV, av_env),
            "python -c pass": callgrind_instructions([sys.executable, "-c", "pass"], av_env),
        }
        if args.baseline:
            instructions[BASELINE] = callgrind_instructions(base_argv, av_env)
        if not args.skip_awsume:
            script = ensure_awsume()
            seed_awsume(aw_home)
            aw_env = clean_env(aw_home)
            aw_env["PATH"] = f"{script.parent}{os.pathsep}{aw_env['PATH']}"
            results["awsume static (sourced in bash)"] = median_ms(
                ["bash", "-c", f". {script} static >/dev/null"], aw_env, runs
            )

    print(f"median of {runs} runs after warm-up (min-max), ms")
    for name, (med, lo, hi) in results.items():
        print(f"  {name:<40} {med:7.1f}  ({lo:.1f}-{hi:.1f})")
    av = results["avault export --format zsh (cached)"][0]
    py = results["python -c pass"][0]
    print(f"  avault / bare python: {av / py:.2f}x; avault above bare python: {av - py:.1f} ms")
    if BASELINE in results:
        old = results[BASELINE][0]
        print(
            f"  baseline ({args.baseline}) / bare python: {old / py:.2f}x; above bare python: {old - py:.1f} ms"
        )
    if "awsume static (sourced in bash)" in results:
        aw = results["awsume static (sourced in bash)"][0]
        print(f"  awsume / avault: {aw / av:.2f}x faster (target >= 4x)")
    print(f"  target: cached export <= 50 ms -> {'met' if av <= 50 else 'MISSED'} on this machine")
    projected = av / py * REFERENCE_PYTHON_MS
    print(
        f"  on the reference machine (python -c pass = {REFERENCE_PYTHON_MS} ms) that ratio is "
        f"~{projected:.0f} ms -> {'met' if projected <= 50 else 'MISSED'}"
    )
    if all(instructions.values()):
        a, b = instructions["avault export (cached)"], instructions["python -c pass"]
        assert a is not None
        assert b is not None
        print(
            f"  instructions (callgrind): avault {a / 1e6:.0f}M, python -c pass {b / 1e6:.0f}M, {a / b:.2f}x"
        )
        old_n = instructions.get(BASELINE)
        if old_n:
            print(f"  instructions (callgrind): baseline {old_n / 1e6:.0f}M, {old_n / b:.2f}x python -c pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
