"""Attacks on the ECS server (``avault exec --ecs-server``) by another local user.

* Slow loris: user 65534 (``setpriv``) holds 64 connections open, each sending one header
  line a second and reconnecting whenever the server drops it. Meanwhile the token holder
  asks 20 times; every answer must be credentials within 2 s. (Before the fix, eight such
  connections filled the worker pool for 30 s and the accept loop blocked.)
* Route injection: the token holder's own ``/role-arn/`` route with a trailing newline,
  CR LF, NUL, a header injection, non-ASCII letters, a user ARN, ... gets 400 and assumes
  no role (before the fix ``$`` let ``...role/r2\\n`` through to STS).

Both are counted in bench/reliability_report.py's attacks section (``record_attack``).
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from . import test_ecs_load
from .conftest import record_attack
from .test_ecs_load import Served

served_env = test_ecs_load.served_env  # the same served profile, as a fixture here

pytestmark = pytest.mark.e2e

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
LORIS = 64
ROUNDS = 20
SERVED_WITHIN = 2.0

# Runs as user 65534 with the system python, stdlib only, isolated (-I).
LORIS_SCRIPT = r"""
import json, socket, sys, time
host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
stats = {"opened": 0, "reconnects": 0, "got_200": 0, "refused": 0}
def opened():
    try:
        s = socket.create_connection((host, port), timeout=2)
    except OSError:
        stats["refused"] += 1
        return None
    s.setblocking(False)
    try:
        s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        pass
    stats["opened"] += 1
    return s
socks = [opened() for _ in range(count)]
print("ready", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for i, s in enumerate(socks):
        if s is not None:
            try:
                data = s.recv(4096)
                if b" 200 " in data:
                    stats["got_200"] += 1
                s.close()  # answered or dropped: connect again
                s = None
            except BlockingIOError:
                try:
                    s.send(b"X-Slow: a\r\n")
                except OSError:
                    s.close()
                    s = None
            except OSError:
                s.close()
                s = None
        if s is None:
            stats["reconnects"] += 1
            s = opened()
        socks[i] = s
    time.sleep(1)
print(json.dumps(stats), flush=True)
"""

BAD_ROUTES = [
    "/role-arn/arn:aws:iam::123456789012:role/r2%0A",
    "/role-arn/arn:aws:iam::123456789012:role/r2%0D%0A",
    "/role-arn/arn:aws:iam::123456789012:role/r2%0D%0AX-Injected:%201",
    "/role-arn/arn:aws:iam::123456789012:role/r2%00",
    "/role-arn/arn:aws:iam::123456789012:role/r2%20",
    "/role-arn/%20arn:aws:iam::123456789012:role/r2",
    "/role-arn/arn:aws:iam::123456789012:role/r%C3%A92",
    "/role-arn/arn:aws:iam::123456789012:user/r2",
    "/role-arn/arn:aws:iam::12345678901:role/r2",
    "/role-arn/arn:aws:iam::123456789012:role/",
    "/role-arn/arn:aws:iam::123456789012:role/" + "a" * 600,
    "/role-arn/",
    "/role-arn/../../../../etc/passwd",
]


def _timed_get(server: Served, path: str = "/") -> tuple[float, int, bytes]:
    started = time.monotonic()
    try:
        c = http.client.HTTPConnection(server.host, server.port, timeout=10)
        c.request("GET", path, headers={"Authorization": server.token})
        r = c.getresponse()
        status, body = r.status, r.read()
        c.close()
    except OSError as exc:
        status, body = 0, str(exc).encode()
    return time.monotonic() - started, status, body


def test_slow_loris_by_another_user_does_not_starve_the_token_holder(served_env, tmp_path: Path) -> None:
    server = Served(served_env, tmp_path)
    attacker = None
    late: list[str] = []
    stats: dict[str, int] = {}
    try:
        took, status, body = _timed_get(server)  # the first STS call, before the attack
        assert status == 200, body
        attacker = subprocess.Popen(
            [
                *NOBODY,
                "/usr/bin/python3",
                "-I",
                "-c",
                LORIS_SCRIPT,
                server.host,
                str(server.port),
                str(LORIS),
                str(ROUNDS * 0.5 + 12),
            ],
            cwd="/",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert attacker.stdout is not None
        assert attacker.stdout.readline().strip() == "ready"
        time.sleep(3)  # every connection has sent a few header lines by now
        for _ in range(ROUNDS):
            took, status, body = _timed_get(server)
            if status != 200 or took >= SERVED_WITHIN or b"SecretAccessKey" not in body:
                late.append(f"{status} after {took:.2f}s")
            time.sleep(0.5)
        out, _err = attacker.communicate(timeout=60)
        stats = json.loads(out.strip().splitlines()[-1])
    finally:
        if attacker is not None and attacker.poll() is None:
            attacker.kill()
            attacker.wait()
        server.stop()
    record_attack(
        f"ECS slow loris: {LORIS} connections by another user vs the token holder",
        tried=ROUNDS,
        succeeded=len(late) + stats.get("got_200", 0),
    )
    assert stats["opened"] >= LORIS, stats
    assert stats["got_200"] == 0, stats
    assert not late, late


def test_role_route_injection_is_refused(served_env, tmp_path: Path) -> None:
    server = Served(served_env, tmp_path)
    through: list[str] = []
    try:
        for path in BAD_ROUTES:
            _took, status, body = _timed_get(server, path)
            if status != 400 or b"SecretAccessKey" in body:
                through.append(f"{path[:80]}: {status}")
        # A raw newline in the request line itself never reaches the router either.
        with socket.create_connection((server.host, server.port), timeout=10) as s:
            s.sendall(
                b"GET /role-arn/arn:aws:iam::123456789012:role/r2\nX: y HTTP/1.0\r\n"
                b"Authorization: " + server.token.encode() + b"\r\n\r\n"
            )
            answer = s.recv(4096)
        if b"SecretAccessKey" in answer:
            through.append("raw newline in the request line")
        _took, status, body = _timed_get(server, "/role-arn/arn:aws:iam::123456789012:role/r2")
        assert status == 200, body  # the route itself works
    finally:
        server.stop()
    record_attack("ECS /role-arn/ route injection", tried=len(BAD_ROUTES) + 1, succeeded=len(through))
    assert not through, through
