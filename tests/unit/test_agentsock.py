"""avault.agentsock: the client `avault export` runs first trusts only a directory and socket
that are ours, and never follows a symlink to one (checked against a real listener that
answers every switch request, so a refusal is the check's doing)."""

from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path

import pytest

from avault.agentsock import ask_agent, check_dir, check_socket, encode, socket_path
from avault.errors import AgentError

ARGS = ["--format", "json", "--", "dev"]


@pytest.fixture
def listener():
    """A private runtime dir with a unix socket that answers ``ok`` to whatever it is sent."""
    base = Path(tempfile.mkdtemp(prefix="avk-", dir="/tmp"))
    base.chmod(0o700)
    env = {"XDG_RUNTIME_DIR": str(base), "HOME": "/nonexistent"}
    (base / "avault").mkdir(mode=0o700)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(socket_path(env))
    srv.listen(8)
    served: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0.\0"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                served.append(data)
                conn.sendall(encode(["ok", "note\n", "out"]))

    threading.Thread(target=serve, daemon=True).start()
    yield base, env, served
    srv.close()
    for p in sorted(base.rglob("*"), reverse=True):
        p.unlink() if not p.is_dir() or p.is_symlink() else p.rmdir()
    base.rmdir()


def test_the_listener_answers_at_the_real_path(listener) -> None:
    _base, env, served = listener
    assert ask_agent(ARGS, env) == ("note\n", "out")
    assert served[0].startswith(b"AVS1\0\0")
    assert b"aprod" not in served[0]
    assert b"adev\0.\0" in served[0]


def test_a_symlinked_runtime_dir_is_never_followed(listener) -> None:
    base, _env, served = listener
    other = base / "elsewhere"
    other.mkdir(mode=0o700)
    (other / "avault").symlink_to(base / "avault")
    env = {"XDG_RUNTIME_DIR": str(other)}
    assert ask_agent(ARGS, env) is None
    with pytest.raises(AgentError, match="it is not a directory"):
        check_dir(str(other / "avault"), create=False)
    assert served == []


def test_a_symlinked_socket_is_never_followed(listener) -> None:
    base, env, served = listener
    other = base / "elsewhere"
    (other / "avault").mkdir(mode=0o700, parents=True)
    (other / "avault" / "agent.sock").symlink_to(socket_path(env))
    env2 = {"XDG_RUNTIME_DIR": str(other)}
    assert ask_agent(ARGS, env2) is None
    with pytest.raises(AgentError, match="it is not a socket"):
        check_socket(socket_path(env2))
    assert served == []


def test_a_loose_directory_of_ours_is_tightened_then_used(listener) -> None:
    base, env, _served = listener
    (base / "avault").chmod(0o755)
    assert ask_agent(ARGS, env) == ("note\n", "out")
    assert (base / "avault").stat().st_mode & 0o777 == 0o700


def test_no_agent_a_file_for_a_dir_or_opting_out_is_no_answer(listener, tmp_path: Path) -> None:
    _base, env, served = listener
    assert ask_agent(ARGS, {**env, "AVAULT_AGENT": "0"}) is None
    assert ask_agent(ARGS, {**env, "AWS_VAULT_FILE_PASSPHRASE": "x"}) is None
    afile = tmp_path / "file"
    afile.write_text("")
    assert ask_agent(ARGS, {"XDG_RUNTIME_DIR": str(afile)}) is None  # NotADirectoryError: no answer
    assert ask_agent(ARGS, {"XDG_RUNTIME_DIR": str(tmp_path / "none")}) is None
    Path(socket_path(env)).unlink()  # the socket gone: nothing to ask
    assert ask_agent(ARGS, env) is None
    assert served == []
