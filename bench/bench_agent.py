"""Time the cached ``avault export --format zsh P`` by passphrase source: env, agent, command.

Run: .venv/bin/python bench/bench_agent.py [--runs N]
A throw-away HOME with a file vault, a local moto_server for the one STS call that fills
the session cache, then the median of N runs (default 15) of the cached export with
(a) AWS_VAULT_FILE_PASSPHRASE, (b) the agent running and unlocked,
(c) AVAULT_FILE_PASSPHRASE_COMMAND='printf %s pw'. A bare `python -c pass` is shown too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from avault.vault.passphrase_agent import AgentClient, start_daemon
from fixtures.moto import start_moto

VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
PW = "pw"


def median_ms(cmd: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(cmd, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = max(15, parser.parse_args().runs)
    moto = start_moto()
    root = Path(tempfile.mkdtemp(prefix="avb-", dir="/tmp"))
    try:
        home = root / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws/config").write_text("[profile P]\nregion = us-east-1\n")
        runtime = root / "run"
        runtime.mkdir(mode=0o700)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AVS_", "AVAULT_"))}
        base.update(
            HOME=str(home),
            AWS_CONFIG_FILE=str(home / ".aws/config"),
            AWS_VAULT_BACKEND="file",
            AWS_VAULT_FILE_DIR=str(home / ".awsvault/keys"),
            AWS_ENDPOINT_URL=moto.url,
            XDG_RUNTIME_DIR=str(runtime),
            AVAULT_AGENT="0",
        )
        with_env = {**base, "AWS_VAULT_FILE_PASSPHRASE": PW}
        keys = {"AWS_ACCESS_KEY_ID": "AKIABENCH00000000001", "AWS_SECRET_ACCESS_KEY": "s"}
        subprocess.run([AVAULT, "add", "--env", "--no-add-config", "P"], env={**with_env, **keys}, check=True)
        subprocess.run(
            [AVAULT, "export", "--format", "zsh", "P"], env=with_env, check=True, capture_output=True
        )

        cmd = [AVAULT, "export", "--format", "zsh", "P"]
        agent_env = {**base, "AVAULT_AGENT": ""}
        start_daemon(agent_env)
        c = AgentClient.connect(agent_env)
        c.request("unlock", vault=str(home / ".awsvault/keys"), passphrase=PW)
        c.close()
        rows = [
            ("python -c pass (floor)", median_ms([sys.executable, "-c", "pass"], base, runs)),
            ("(a) AWS_VAULT_FILE_PASSPHRASE", median_ms(cmd, with_env, runs)),
            ("(b) agent running", median_ms(cmd, agent_env, runs)),
            (
                "(c) AVAULT_FILE_PASSPHRASE_COMMAND='printf %s pw'",
                median_ms(cmd, {**base, "AVAULT_FILE_PASSPHRASE_COMMAND": "printf %s pw"}, runs),
            ),
        ]
        c = AgentClient.connect(agent_env)
        c.request("stop")
        c.close()
        print(f"cached `avault export --format zsh P`, median of {runs} runs")
        print(f"{'passphrase source':<52} {'ms':>8}")
        for name, ms in rows:
            print(f"{name:<52} {ms:>8.1f}")
    finally:
        moto.proc.terminate()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
