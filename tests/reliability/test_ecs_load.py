"""The ECS server (``avault exec --ecs-server``) under load, and with core dumps off.

* 1,000 requests from 50 concurrent clients (threads, ``http.client`` on 127.0.0.1; 5,000
  with AVAULT_SLOW_TESTS=1): every request with the token gets credentials, every request
  with a wrong or missing token (10%, mixed in) gets 403, and the server's RSS
  (/proc/<pid>/status VmRSS) grows by less than 20 MB over the run.
* Core dumps are off (/proc/<pid>/limits "Max core file size" 0) in the foreground server
  and in the ``--background`` daemon, while the exec'd command gets its limit back; the
  server's ``proc.no_core_dumps`` also makes the process non-dumpable (PR_GET_DUMPABLE 0).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import AVAULT, HELPER, add_keys, record, scaled

pytestmark = pytest.mark.e2e

CONFIG = "[profile base]\nregion = us-east-1\n"
CLIENTS = 50
REQUESTS = scaled(1000, 5000)
BAD_SHARE = 0.10
RSS_LIMIT_KB = 20 * 1024

# The exec'd child: publish the server's address and token, then wait to be told to stop.
CHILD = r"""
import json, os, sys, time
from pathlib import Path
out, stop = Path(sys.argv[1]), Path(sys.argv[2])
out.write_text(json.dumps({
    "uri": os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
    "token": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
    "pid": os.getpid(),
}))
deadline = time.monotonic() + 300
while not stop.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _core_soft(pid: int) -> str:
    limits = Path(f"/proc/{pid}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max core file size"))
    return line.split()[4]


class Served:
    """``avault exec --ecs-server base -- python CHILD`` until ``stop()``."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.info_path = tmp / "server.json"
        self.stop_path = tmp / "stop"
        child = tmp / "child.py"
        child.write_text(CHILD)
        self.proc = subprocess.Popen(
            [
                AVAULT,
                "exec",
                "--ecs-server",
                "base",
                "--",
                sys.executable,
                str(child),
                str(self.info_path),
                str(self.stop_path),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not self.info_path.exists() or not self.info_path.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.stop()
                pytest.fail(f"the ECS server did not start: {err}")
            time.sleep(0.05)
        info = json.loads(self.info_path.read_text())
        u = urlsplit(info["uri"])
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 0
        self.token: str = info["token"]
        self.child_pid: int = info["pid"]

    def get(self, headers: dict[str, str]) -> tuple[int, bytes]:
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request("GET", "/", headers=headers)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def stop(self) -> None:
        self.stop_path.touch()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def served_env(rel_env: dict[str, str], moto) -> dict[str, str]:
    env = dict(rel_env, AWS_ENDPOINT_URL=moto.url)
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    add_keys(env, "base", "AKIALOADBASE00000001", "load-base-secret")
    return env


def test_ecs_server_under_load(served_env: dict[str, str], tmp_path: Path) -> None:
    server = Served(served_env, tmp_path)
    rng = random.Random(int(os.environ.get("AVAULT_RELIABILITY_SEED", "20261125")))
    kinds = ["good"] * REQUESTS
    bad = int(REQUESTS * BAD_SHARE)
    for i in rng.sample(range(REQUESTS), bad):
        kinds[i] = "wrong" if i % 2 else "missing"
    failures: list[str] = []
    forbidden = 0
    lock = threading.Lock()
    try:
        status, body = server.get({"Authorization": server.token})  # warm up: the first STS call
        assert status == 200, body
        rss_before = _rss_kb(server.proc.pid)

        def client(mine: list[str]) -> None:
            nonlocal forbidden
            for kind in mine:
                headers = {"good": {"Authorization": server.token}, "missing": {}}.get(
                    kind, {"Authorization": "x" * len(server.token)}
                )
                try:
                    status, body = server.get(headers)
                except OSError as exc:
                    with lock:
                        failures.append(f"{kind}: {type(exc).__name__}: {exc}")
                    continue
                with lock:
                    if kind == "good":
                        creds = json.loads(body) if status == 200 else {}
                        if status != 200 or not creds.get("SecretAccessKey") or not creds.get("Token"):
                            failures.append(f"good: {status} {body[:80]!r}")
                    elif status == 403:
                        forbidden += 1
                    else:
                        failures.append(f"{kind}: {status}, not 403")

        threads = [threading.Thread(target=client, args=(kinds[i::CLIENTS],)) for i in range(CLIENTS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        elapsed = time.monotonic() - started
        rss_after = _rss_kb(server.proc.pid)
    finally:
        server.stop()
    growth = rss_after - rss_before
    if growth >= RSS_LIMIT_KB:
        failures.append(f"RSS grew by {growth} kB")
    record(
        f"ECS server under load ({CLIENTS} clients; {forbidden} x 403; RSS +{growth // 1024} MB)",
        trials=1,
        operations=REQUESTS,
        corpus=bad,
        failures=len(failures),
    )
    print(f"{REQUESTS} requests in {elapsed:.1f}s; RSS {rss_before} -> {rss_after} kB")
    assert not failures, failures[:10]
    assert forbidden == bad


def test_ecs_server_core_dumps_off(served_env: dict[str, str], tmp_path: Path) -> None:
    failures: list[str] = []
    # A soft limit above 0 for avault to inherit, so "the command gets it back" can fail
    # (the usual default soft limit is 0 already, which a child gets with or without us).
    before = resource.getrlimit(resource.RLIMIT_CORE)
    soft = 1 << 20 if before[1] == resource.RLIM_INFINITY else min(before[1], 1 << 20)
    if soft <= 0:
        pytest.skip("the hard core limit is 0 here: no limit for the command to get back")
    resource.setrlimit(resource.RLIMIT_CORE, (soft, before[1]))
    mine = str(soft)
    try:
        server = Served(served_env, tmp_path)
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, before)
    try:
        if _core_soft(server.proc.pid) != "0":
            failures.append(f"exec --ecs-server: core limit {_core_soft(server.proc.pid)}")
        if _core_soft(server.child_pid) != mine:  # the command dumps core as it would have
            failures.append(f"exec'd command: core limit {_core_soft(server.child_pid)}, not {mine}")
    finally:
        server.stop()
    r = subprocess.run(
        [
            AVAULT,
            "exec",
            "--ecs-server",
            "--background",
            "--format",
            "bash",
            "--watch-pid",
            str(os.getpid()),
            "base",
        ],
        env=served_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    pid = int(next(x for x in r.stdout.split() if "AVS_SERVER_PID=" in x).split("=")[1].strip("'\";"))
    try:
        if _core_soft(pid) != "0":
            failures.append(f"--background daemon: core limit {_core_soft(pid)}")
    finally:
        os.kill(pid, 15)
    # PR_GET_DUMPABLE answers only for the calling process (and the test runs as root,
    # so /proc ownership cannot tell): ask the function itself in a fresh interpreter.
    probe = (
        "import ctypes, sys; sys.path.insert(0, sys.argv[1]); from avault.proc import no_core_dumps;"
        "no_core_dumps(); print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"
    )
    got = subprocess.run(
        [sys.executable, "-c", probe, str(HELPER)], capture_output=True, text=True, check=False, timeout=30
    )
    if got.stdout.strip() != "0":
        failures.append(f"no_core_dumps leaves the process dumpable ({got.stdout.strip()})")
    record("ECS server: core dumps off (exec, --background, dumpable)", trials=4, failures=len(failures))
    assert not failures, failures
