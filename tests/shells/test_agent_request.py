"""What each shell's `avs` sends the agent: exactly ``agentswitch.request_env`` of its
exported variables, and export's arguments. The lists the shells use are generated from
avault.agentswitch; this test reads the request a real shell writes to a listener that
stands where the agent's socket (zsh, fish) or port (bash) would be, and declines.
"""

from __future__ import annotations

import secrets
import socket
import threading
from pathlib import Path

import pytest

from avault.agentswitch import TCP_FILE, decode_request, encode, request_env
from fixtures.shells import run_shell, skip_unless

pytestmark = pytest.mark.shells

EXTRA = {
    "AWS_REGION": "eu-west-1",  # a prefixed variable
    "AVAULT_TEST_MARK": "x y",  # another prefix, with a space
    "SSL_CERT_FILE": "/etc/ssl/a b.pem",  # a listed name
    "AWS_SECRET_ACCESS_KEY": "never-sent",  # a key: never sent
    "AWS_SESSION_TOKEN": "never-sent-either",
    "UNRELATED_VAR": "not sent",
}


def _serve(listener: socket.socket, got: list[bytes]) -> None:
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(10)
        data = b""
        while not data.endswith(b".\0"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        got.append(data)
        conn.sendall(encode(["no", "declined by the test"]))


def _listen(shell: str, rundir: Path, token: str) -> socket.socket:
    if shell == "bash":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        tcp = rundir / TCP_FILE
        tcp.write_text(f"{sock.getsockname()[1]} {token}\n")
        tcp.chmod(0o600)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(rundir / "agent.sock"))
    sock.listen(1)
    return sock


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_the_request_carries_exactly_request_env(
    shell: str, fake_env: dict[str, str], tmp_path: Path
) -> None:
    if shell == "fish":
        skip_unless("nc.openbsd")
    run = Path(f"/tmp/avr-{secrets.token_hex(4)}")  # short: a unix socket path has a length limit
    rundir = run / "avault"
    rundir.mkdir(parents=True, mode=0o700)
    run.chmod(0o700)
    token = secrets.token_hex(16)
    env = {k: v for k, v in fake_env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    env.update(EXTRA, XDG_RUNTIME_DIR=str(run))
    got: list[bytes] = []
    listener = _listen(shell, rundir, token)
    thread = threading.Thread(target=_serve, args=(listener, got), daemon=True)
    thread.start()
    try:
        r = run_shell(shell, "avs -d 1h -- dev", env)  # strict mode: set -eu
        thread.join(10)
    finally:
        listener.close()
        for p in rundir.iterdir():
            p.unlink()
        rundir.rmdir()
        run.rmdir()
    # The agent declined, so avault (the fake) made the switch.
    assert r.returncode == 0, r.stderr
    assert got, "the shell never asked the agent"
    decoded = decode_request(got[0])
    assert decoded is not None
    sent_token, sent_env, args = decoded
    assert sent_token == (token if shell == "bash" else "")
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "UNRELATED_VAR"):
        assert name not in sent_env
    # The shell passes its environment on unchanged: the request is request_env of it.
    assert sent_env == request_env(env)
    assert args == ["--format", shell, "-d", "1h", "--", "dev"]
