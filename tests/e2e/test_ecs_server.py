"""``avault exec --ecs-server``: real SDKs (aws CLI, boto3) read credentials from the local server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PY = sys.executable
AVAULT = str(Path(sys.executable).parent / "avault")
ACCOUNT = "123456789012"
CONFIG = f"""[profile base]
region = us-east-1

[profile r1]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/r1
role_session_name = ecs-e2e
"""

# Runs as the child: talks raw HTTP to the server named in its environment.
PROBE = r"""
import http.client, json, os, socket, sys, time, urllib.parse
uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
u = urllib.parse.urlsplit(uri)
def get(path, headers):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    return r.status, r.read().decode()
out = {"uri": uri, "token_len": len(token), "keys_in_env": [k for k in os.environ if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]}
out["no_token"] = get("/", {})
out["wrong_token"] = get("/", {"Authorization": "x" * 40})
out["bearer"] = get("/", {"Authorization": "Bearer " + token})
out["traversal"] = get("/../../etc/passwd", {"Authorization": token})
out["traversal2"] = get("/role-arn/../../../../etc/passwd", {"Authorization": token})
out["first"] = get("/", {"Authorization": token})
out["ruby"] = get("/get-credentials", {"Authorization": token})
out["ruby_no_token"] = get("/get-credentials", {})
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
out["second"] = get("/", {"Authorization": token})
out["role"] = get("/role-arn/arn:aws:iam::123456789012:role/r2", {"Authorization": token})
out["role_again"] = get("/role-arn/arn:aws:iam::123456789012:role/r2", {"Authorization": token})
# Bound to 127.0.0.1 only: another loopback address must not reach it.
s = socket.socket()
s.settimeout(2)
out["other_loopback"] = s.connect_ex(("127.0.0.2", u.port))
s.close()
port_hex = "%04X" % u.port
out["listening"] = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:] if line.split()[1].endswith(":" + port_hex) and line.split()[3] == "0A"]
out["listening6"] = [line.split()[1] for line in open("/proc/net/tcp6").read().splitlines()[1:] if line.split()[1].endswith(":" + port_hex) and line.split()[3] == "0A"] if os.path.exists("/proc/net/tcp6") else []
print(json.dumps(out))
"""


@pytest.fixture
def setup(moto, aws_config, run_avault, tmp_path):
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "base",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIABASE000000000001", "AWS_SECRET_ACCESS_KEY": "base-secret"},
    )
    assert r.returncode == 0, r.stderr
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    return probe


def test_aws_cli_and_boto3_get_credentials_from_the_server(setup, run_avault):
    r = run_avault(
        "exec", "--ecs-server", "r1", "--", "aws", "sts", "get-caller-identity", "--output", "json"
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/r1/ecs-e2e"
    assert (
        "Starting a local ECS credential server; your app's AWS sdk must support AWS_CONTAINER_CREDENTIALS_FULL_URI."
        in r.stderr
    )
    code = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
    r = run_avault("exec", "-s", "--lazy", "r1", "--", PY, "-c", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"arn:aws:sts::{ACCOUNT}:assumed-role/r1/ecs-e2e"


def test_auth_paths_binding_and_caching(setup, run_avault):
    r = run_avault("exec", "--ecs-server", "r1", "--", PY, str(setup), "0")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["uri"].startswith("http://127.0.0.1:")
    assert out["uri"].count("/") == 2  # no path, as aws-vault
    assert out["token_len"] == 40
    assert out["keys_in_env"] == []
    for case in ("no_token", "wrong_token", "bearer"):
        assert out[case] == [403, '{"Message":"invalid Authorization token"}'], case
    # No file is ever served: any other path is the credentials, as aws-vault's server.
    assert "root:" not in out["traversal"][1]
    assert out["traversal2"][0] == 400
    assert "root:" not in out["traversal2"][1]
    status, body = out["first"]
    assert status == 200
    first = json.loads(body)
    assert out["traversal"] == [200, body]
    assert out["ruby"] == [200, body]  # the Ruby SDK asks for /get-credentials
    assert out["ruby_no_token"] == [403, '{"Message":"invalid Authorization token"}']
    assert sorted(first) == ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]
    assert first["Expiration"].endswith("Z")
    assert json.loads(out["second"][1]) == first  # cached, not a new AssumeRole per request
    role = json.loads(out["role"][1])
    assert out["role"][0] == 200
    assert role["AccessKeyId"] != first["AccessKeyId"]
    assert json.loads(out["role_again"][1]) == role
    assert out["other_loopback"] != 0
    assert out["listening"] == [f"0100007F:{int(out['uri'].rsplit(':', 1)[1]):04X}"]
    assert out["listening6"] == []


ADDRESS_PROBE = r"""
import http.client, json, os, socket
uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
port = int(uri.rsplit(":", 1)[1])
def get(host):
    try:
        c = http.client.HTTPConnection(host, port, timeout=5)
        c.request("GET", "/get-credentials", headers={"Authorization": token})
        r = c.getresponse()
        return r.status
    except OSError:
        return 0
listening = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:] if line.split()[1].endswith(":%04X" % port) and line.split()[3] == "0A"]
print(json.dumps({"uri": uri, "listening": listening, "via_127_0_0_2": get("127.0.0.2"), "via_uri": get(uri.split("//")[1].rsplit(":", 1)[0])}))
"""


@pytest.mark.parametrize(
    "case", [("flag", "0.0.0.0", "00000000", "127.0.0.1"), ("env", "127.0.0.2", "0200007F", "127.0.0.2")]
)
def test_listen_address_only_when_asked(setup, run_avault, tmp_path, case):
    how, address, bound, uri_host = case
    probe = tmp_path / "address.py"
    probe.write_text(ADDRESS_PROBE)
    args = ["exec", "--ecs-server", "r1", "--", PY, str(probe)]
    extra = {}
    if how == "flag":
        args[2:2] = ["--ecs-server-address", address]
    else:
        extra["AVAULT_ECS_SERVER_ADDRESS"] = address
    r = run_avault(*args, extra_env=extra)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    port = int(out["uri"].rsplit(":", 1)[1])
    assert out["uri"] == f"http://{uri_host}:{port}"
    assert out["listening"] == [f"{bound}:{port:04X}"]
    assert out["via_127_0_0_2"] == 200  # default (test above): 127.0.0.2 cannot reach it
    assert out["via_uri"] == 200
    assert ("Warning: the ECS credential server listens on 0.0.0.0" in r.stderr) == (address == "0.0.0.0")


def test_listen_address_is_checked(setup, run_avault):
    r = run_avault("exec", "--ecs-server", "--ecs-server-address", "localhost.example", "r1", "--", "true")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        (
            "avault: --ecs-server-address 'localhost.example' is not an IP address; "
            "use e.g. 172.17.0.1 (the docker bridge) or 0.0.0.0, or leave it out for 127.0.0.1"
        )
    ]
    r = run_avault("exec", "--ecs-server", "--ecs-server-address", "192.0.2.1", "r1", "--", "true")
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1
    assert "the ECS server cannot listen on 192.0.2.1" in r.stderr
    r = run_avault("exec", "--ecs-server-address", "0.0.0.0", "r1", "--", "true")
    assert r.returncode == 1
    assert "need --ecs-server" in r.stderr


def test_refresh_while_the_child_runs(setup, run_avault):
    # With a margin as long as the credentials' life, every request after a second refreshes.
    r = run_avault(
        "exec",
        "--ecs-server",
        "r1",
        "--",
        PY,
        str(setup),
        "1.2",
        extra_env={"AVAULT_ECS_REFRESH_MARGIN": "3599s"},
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    first, second = json.loads(out["first"][1]), json.loads(out["second"][1])
    assert first["AccessKeyId"] != second["AccessKeyId"]
    assert first["Expiration"] < second["Expiration"]


def test_exit_code_and_validation(setup, run_avault):
    r = run_avault("exec", "--ecs-server", "r1", "--", "sh", "-c", "exit 7")
    assert r.returncode == 7
    r = run_avault("exec", "--ecs-server", "-n", "r1", "--", "true")
    assert r.returncode == 1
    assert "Can't use --ecs-server with --no-session" in r.stderr
    r = run_avault("exec", "--ec2-server", "r1", "--", "true")
    assert r.returncode == 1
    assert "--ec2-server is not supported" in r.stderr


def test_signals_are_forwarded(setup, env):
    child = 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
    proc = subprocess.Popen(
        [AVAULT, "exec", "--ecs-server", "r1", "--", "sh", "-c", child],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=20)
    assert "got-term" in out
    assert proc.returncode == 3


def test_slow_and_oversized_clients_do_not_stop_it(setup, run_avault, tmp_path):
    script = tmp_path / "flood.py"
    script.write_text(
        PROBE.split("out = {", maxsplit=1)[0]
        + r"""
idle = []
for _ in range(40):
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\n")  # never finishes the request
    idle.append(s)
big = socket.create_connection((u.hostname, u.port), timeout=10)
big.sendall(b"GET / HTTP/1.0\r\n" + b"X-Pad: " + b"a" * 40000 + b"\r\n\r\n")
try:
    answer = big.recv(100)
except OSError:
    answer = b""
time.sleep(6)  # the idle ones time out
status, body = get("/", {"Authorization": token})
print(json.dumps({"big": answer.decode(errors="replace"), "after": status}))
"""
    )
    r = run_avault("exec", "--ecs-server", "r1", "--", PY, str(script), timeout=90)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "200" not in out["big"]
    assert out["after"] == 200


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_background_server_for_avs(setup, env):
    shell = subprocess.Popen(["sleep", "60"])
    try:
        r = subprocess.run(
            [
                AVAULT,
                "exec",
                "--ecs-server",
                "--background",
                "--format",
                "bash",
                "--watch-pid",
                str(shell.pid),
                "r1",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert r.returncode == 0, r.stderr
        code = r.stdout
        assert "export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:" in code
        assert "export AVS_PROFILE=r1;" in code
        assert "export AWS_VAULT=r1;" in code
        assert "unset AWS_ACCESS_KEY_ID;" in code
        script = f'{code}\naws sts get-caller-identity --output json && echo "pid:$AVS_SERVER_PID"'
        cli = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 0, cli.stderr
        assert "assumed-role/r1/ecs-e2e" in cli.stdout
        pid = int(cli.stdout.rsplit("pid:", 1)[1])
        assert _alive(pid)
        # The shell it serves goes away: so does the server.
        shell.kill()
        shell.wait()
        assert _wait_gone(pid), "the server outlived its shell"
    finally:
        if shell.poll() is None:
            shell.kill()

    # kill $AVS_SERVER_PID stops it too.
    r = subprocess.run(
        [AVAULT, "exec", "--ecs-server", "--background", "--format", "fish", "r1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    assert "set -gx AWS_CONTAINER_AUTHORIZATION_TOKEN " in r.stdout
    pid = int(r.stdout.split("set -gx AVS_SERVER_PID ")[1].split(";")[0].strip("'"))
    os.kill(pid, signal.SIGTERM)
    assert _wait_gone(pid)
