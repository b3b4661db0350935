"""Time `avault list --profiles`, `avault list` and in-process config parsing at 10/1,000/5,000 profiles.

Run: .venv/bin/python bench/bench_list.py [--runs N]
Each subprocess timing is the median of N runs (default 9) after one warm-up, using the
venv's `avault` console script in a throw-away HOME with an empty file vault.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from avault.config.ini import ConfigFile
from avault.config.resolution import Flags, resolve

SIZES = (10, 1_000, 5_000)
AVAULT = str(Path(sys.executable).parent / "avault")


def write_config(path: Path, n: int) -> None:
    lines = [
        "[default]",
        "region = us-east-1",
        "",
        "[profile base]",
        "mfa_serial = arn:aws:iam::111111111111:mfa/me",
        "",
    ]
    for i in range(n - 1):
        lines += [
            f"[profile team-{i:05d}]",
            f"role_arn = arn:aws:iam::{i:012d}:role/Admin",
            "source_profile = base",
            "mfa_serial = arn:aws:iam::111111111111:mfa/me",
            "region = eu-west-1  # comment",
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    runs = max(7, parser.parse_args().runs)
    print(
        f"{'profiles':>8}  {'list --profiles':>15}  {'list':>8}  {'load+resolve':>12}   (ms, median of {runs})"
    )
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            config = home / ".aws/config"
            write_config(config, n)
            keys = home / ".awsvault/keys"
            keys.mkdir(parents=True, mode=0o700)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AVAULT_"))}
            env.update(
                HOME=str(home),
                AWS_CONFIG_FILE=str(config),
                AWS_VAULT_BACKEND="file",
                AWS_VAULT_FILE_DIR=str(keys),
            )

            def run(*args: str, env: dict[str, str] = env) -> None:
                subprocess.run([AVAULT, *args], env=env, check=True, stdout=subprocess.DEVNULL)

            profiles_ms = median_ms(lambda: run("list", "--profiles"), runs)
            list_ms = median_ms(lambda: run("list"), runs)
            target = f"team-{n - 2:05d}" if n > 1 else "base"

            def parse(config: Path = config, target: str = target) -> None:
                resolve(target, ConfigFile.load(config), {}, Flags())

            parse_ms = median_ms(parse, runs)
            print(f"{n:>8}  {profiles_ms:>15.1f}  {list_ms:>8.1f}  {parse_ms:>12.2f}")


if __name__ == "__main__":
    main()
