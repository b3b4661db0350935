"""The passphrase agent: socket safety, protocol, expiry, lock, crashes and the fallback to the prompt."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from avault.context import Context
from avault.errors import AgentError, AgentNotOurs, AgentUnavailable, VaultError
from avault.vault import passphrase as passmod
from avault.vault import passphrase_agent as agentmod
from avault.vault.base import Item
from avault.vault.file import FileVault
from avault.vault.passphrase import AgentSealer
from avault.vault.passphrase_agent import AgentClient, AgentServer

PW = "agent test passphrase \u00e9"


def stop_agent(env: dict[str, str]) -> None:
    """Stop whatever agent serves ``env``'s socket, and make sure its process is gone."""
    try:
        client = AgentClient.connect(env, timeout=3)
    except (AgentUnavailable, AgentError):
        return
    try:
        pid = int(client.request("status")["pid"])
        client.request("stop")
    except AgentUnavailable:
        return
    finally:
        client.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        _reap(pid)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def runtime(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """A private XDG_RUNTIME_DIR (short: unix socket paths are limited to ~100 bytes)."""
    d = Path(tempfile.mkdtemp(prefix="avr-", dir="/tmp"))
    d.chmod(0o700)
    env["XDG_RUNTIME_DIR"] = str(d)
    env.pop("AWS_VAULT_FILE_PASSPHRASE", None)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(d))
    monkeypatch.delenv("AWS_VAULT_FILE_PASSPHRASE", raising=False)
    passmod._passphrases.clear()
    yield d
    stop_agent(env)
    subprocess.run(["rm", "-rf", str(d)], check=False)


def _cred(key: str) -> Item:
    return Item(key=key, data=b'{"AccessKeyID":"AKIA","SecretAccessKey":"s"}', label=f"aws-vault ({key})")


@pytest.fixture
def vdir(env: dict[str, str]) -> Path:
    d = Path(env["AWS_VAULT_FILE_DIR"])
    v = FileVault(d, lambda _new: PW)
    v.set(_cred("work"))
    v.set(_cred("other"))
    return d


def _client(env: dict[str, str]) -> AgentClient:
    return AgentClient.connect(env, timeout=5)


def _unlock(env: dict[str, str], vault: Path, passphrase: str = PW) -> None:
    c = _client(env)
    try:
        c.request("unlock", vault=str(vault), passphrase=passphrase)
    finally:
        c.close()


def _status(env: dict[str, str]) -> dict[str, object]:
    c = _client(env)
    try:
        return c.request("status")
    finally:
        c.close()


class Prompt:
    def __init__(self, answer: str = PW) -> None:
        self.answer = answer
        self.calls: list[bool] = []

    def __call__(self, new_vault: bool) -> str:
        self.calls.append(new_vault)
        return self.answer


def _sealed_vault(env: dict[str, str], vdir: Path, prompt: Prompt, *, autostart: bool) -> FileVault:
    ctx = Context(env=env)
    sealer = AgentSealer(ctx, str(vdir), new_vault=False, prompt=prompt, autostart=autostart)
    return FileVault(vdir, lambda _new: sealer)


# -- the socket and its directory ------------------------------------------------------------


def test_started_agent_dir_0700_socket_0600_and_detached(env, runtime: Path):
    pid = agentmod.start_daemon(env)
    d = runtime / "avault"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    sock = d / "agent.sock"
    assert stat.S_ISSOCK(sock.lstat().st_mode)
    assert stat.S_IMODE(sock.lstat().st_mode) == 0o600
    assert _status(env)["pid"] == pid
    # Detached: its own session, no controlling terminal, std fds on /dev/null.
    assert os.getsid(pid) == pid
    for fd in (0, 1, 2):
        assert str(Path(f"/proc/{pid}/fd/{fd}").readlink()) == "/dev/null"


def test_socket_path_falls_back_to_a_per_uid_temp_dir():
    p = agentmod.socket_path({"TMPDIR": "/var/tmp"})
    assert p == Path(f"/var/tmp/avault-{os.getuid()}/agent.sock")
    assert agentmod.socket_path({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/avault/agent.sock")


def test_the_secret_is_never_in_argv_environ_or_on_disk(env, runtime: Path, vdir: Path):
    pid = agentmod.start_daemon(env)
    _unlock(env, vdir)
    secret = PW.encode()
    assert secret not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert secret not in Path(f"/proc/{pid}/environ").read_bytes()
    for p in runtime.rglob("*"):
        if p.is_file():
            assert secret not in p.read_bytes()
    # And core dumps are off for the agent.
    limits = Path(f"/proc/{pid}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]


def test_stale_socket_is_detected_removed_and_replaced(env, runtime: Path, vdir: Path):
    d = runtime / "avault"
    d.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(d / "agent.sock"))
    stale.close()  # the file stays, nothing listens: what a crashed agent leaves
    with pytest.raises(AgentUnavailable, match="does not answer"):
        AgentClient.connect(env)
    pid = agentmod.start_daemon(env)
    assert _status(env)["pid"] == pid
    _unlock(env, vdir)
    assert _status(env)["vaults"] == 1


def test_stale_socket_replaced_by_the_first_prompt_with_autostart(env, runtime: Path, vdir: Path):
    d = runtime / "avault"
    d.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(d / "agent.sock"))
    stale.close()
    prompt = Prompt()
    v = _sealed_vault(env, vdir, prompt, autostart=True)
    assert v.get("work") is not None
    assert prompt.calls == [False]
    assert _status(env)["vaults"] == 1  # a new agent took the stale socket's place


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to chown the socket to another user")
def test_socket_owned_by_another_user_is_refused(env, runtime: Path, vdir: Path):
    agentmod.start_daemon(env)
    sock = runtime / "avault" / "agent.sock"
    os.chown(sock, 65534, 65534)
    with pytest.raises(AgentNotOurs, match=r"belongs to uid 65534, not to you") as e:
        AgentClient.connect(env)
    assert "\n" not in str(e.value)
    # Not fatal: the prompt instead, and the passphrase is never handed to that agent.
    prompt = Prompt()
    assert _sealed_vault(env, vdir, prompt, autostart=True).get("work") is not None
    assert prompt.calls == [False]
    os.chown(sock, 0, 0)
    assert _status(env)["vaults"] == 0


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to chown the directory to another user")
def test_directory_owned_by_another_user_is_refused(env, runtime: Path):
    d = runtime / "avault"
    d.mkdir(mode=0o700)
    os.chown(d, 65534, 65534)
    with pytest.raises(AgentError, match="belongs to uid 65534"):
        agentmod.start_daemon(env)
    with pytest.raises(AgentNotOurs, match="belongs to uid 65534"):
        AgentClient.connect(env)


def test_a_peer_with_another_uid_is_refused_by_the_client(env, runtime: Path, monkeypatch):
    agentmod.start_daemon(env)
    monkeypatch.setattr(agentmod, "peer_uid", lambda _s: os.getuid() + 1)
    with pytest.raises(AgentNotOurs, match=r"served by uid \d+, not by you"):
        AgentClient.connect(env)


def test_a_peer_with_another_uid_is_refused_by_the_server(env, runtime: Path, monkeypatch, vdir: Path):
    server = AgentServer(agentmod.socket_path(env), timeout=0)
    server.bind()
    server.keys[str(vdir)] = agentmod._Key(bytearray(PW.encode()), None)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        real = agentmod.peer_uid
        # The server thread sees a stranger; the client (this thread) still checks for real.
        monkeypatch.setattr(
            agentmod,
            "peer_uid",
            lambda s: (
                os.getuid() + 1 if threading.current_thread() is not threading.main_thread() else real(s)
            ),
        )
        c = _client(env)
        with pytest.raises(AgentUnavailable, match="went away"):
            c.request("status")
    finally:
        server.stop()
        t.join(5)
    assert not agentmod.socket_path(env).exists()


# -- protocol -----------------------------------------------------------------------------------


def test_decrypt_encrypt_through_the_agent_without_a_local_passphrase(env, runtime: Path, vdir: Path):
    agentmod.start_daemon(env)
    _unlock(env, vdir)
    prompt = Prompt("never used")
    v = _sealed_vault(env, vdir, prompt, autostart=False)
    assert v.get("work") is not None
    v.set(_cred("third"))
    assert FileVault(vdir, lambda _n: PW).get("third") is not None  # real JWE, our passphrase
    assert prompt.calls == []


def test_unknown_version_and_bad_requests(env, runtime: Path):
    agentmod.start_daemon(env)
    c = _client(env)
    try:
        agentmod.send_frame(c.sock, {"v": 99, "op": "status"})
        resp = agentmod.recv_frame(c.sock)
        assert resp["ok"] is False
        assert resp["error"] == "version"
        agentmod.send_frame(c.sock, {"v": 1, "op": "decrypt"})
        assert agentmod.recv_frame(c.sock)["error"] == "bad-request"
        agentmod.send_frame(c.sock, {"v": 1, "op": "decrypt", "vault": "/x", "token": "a.b"})
        assert agentmod.recv_frame(c.sock)["error"] == "locked"
    finally:
        c.close()


def test_wrong_key_in_the_agent_reports_unwrap_and_a_lock_hint(env, runtime: Path, vdir: Path):
    agentmod.start_daemon(env)
    _unlock(env, vdir, "not it")
    v = _sealed_vault(env, vdir, Prompt(), autostart=False)
    with pytest.raises(VaultError, match=r"^wrong passphrase for vault .*avault lock"):
        v.get("work")


# -- lifetime: expiry, lock, stop ---------------------------------------------------------------


def test_timeout_expiry_forgets_the_key(env, runtime: Path, vdir: Path):
    agentmod.start_daemon({**env, "AVAULT_AGENT_TIMEOUT": "1s"})
    _unlock(env, vdir)
    assert _status(env)["vaults"] == 1
    c = _client(env)
    token = (vdir / "work").read_text()
    assert c.request("decrypt", vault=str(vdir), token=token)["ok"] is True
    time.sleep(1.6)
    with pytest.raises(AgentUnavailable) as e:
        c.request("decrypt", vault=str(vdir), token=token)
    assert e.value.code == "locked"
    c.close()
    assert _status(env)["vaults"] == 0


def test_timeout_zero_keeps_the_key(env, runtime: Path, vdir: Path):
    agentmod.start_daemon({**env, "AVAULT_AGENT_TIMEOUT": "0"})
    _unlock(env, vdir)
    time.sleep(1.1)
    assert _status(env)["vaults"] == 1


def test_in_process_expiry_wipes_the_buffer(tmp_path: Path):
    now = [100.0]
    server = AgentServer(tmp_path / "s.sock", timeout=5, clock=lambda: now[0])
    server.handle({"v": 1, "op": "unlock", "vault": "/v", "passphrase": "pw"})
    buf = server.keys["/v"].passphrase
    now[0] += 6
    resp = server.handle({"v": 1, "op": "decrypt", "vault": "/v", "token": "x"})
    assert resp["error"] == "locked"
    assert buf == bytearray(2)


def test_lock_command_forgets_and_stop_command_ends(env, runtime: Path, vdir: Path, run_avault):
    pid = agentmod.start_daemon(env)
    _unlock(env, vdir)
    r = run_avault("lock")
    assert r.returncode == 0, r.stderr
    assert "forgot 1 passphrase" in r.stderr
    assert _status(env)["vaults"] == 0
    assert _alive(pid)
    r = run_avault("agent", "--stop")
    assert r.returncode == 0, r.stderr
    assert f"pid {pid}" in r.stderr
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)
    assert not agentmod.socket_path(env).exists()
    assert "No agent is running" in run_avault("agent", "--stop").stderr
    assert "No agent is running" in run_avault("lock").stderr


def test_agent_command_starts_once_and_capture_does_not_hang(env, runtime: Path, run_avault):
    t = time.monotonic()
    r = subprocess.run(
        ["bash", "-c", 'out=$(avault agent 2>&1); echo "[$out]"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert time.monotonic() - t < 15
    assert "Started the agent" in r.stdout
    r2 = run_avault("agent")
    assert "already running" in r2.stderr


def test_agent_exits_when_its_socket_disappears(env, runtime: Path):
    pid = agentmod.start_daemon(env)
    agentmod.socket_path(env).unlink()  # what logind's removal of XDG_RUNTIME_DIR does
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


# -- crashes: fall back to the prompt -------------------------------------------------------------


def test_agent_dying_mid_request_falls_back_to_the_prompt(env, runtime: Path, vdir: Path):
    """A fake agent that reads the request and dies without answering."""
    d = runtime / "avault"
    d.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(d / "agent.sock"))
    listener.listen(1)
    got: list[dict[str, object]] = []

    def die_mid_request() -> None:
        conn, _ = listener.accept()
        got.append(agentmod.recv_frame(conn))
        conn.close()
        listener.close()

    t = threading.Thread(target=die_mid_request, daemon=True)
    t.start()
    prompt = Prompt()
    v = _sealed_vault(env, vdir, prompt, autostart=False)
    assert v.get("work") is not None
    t.join(5)
    assert got[0]["op"] == "decrypt"
    assert prompt.calls == [False]
    assert v.get("other") is not None  # the rest of the process uses the typed passphrase
    assert prompt.calls == [False]


def test_killed_agent_prompt_then_a_new_agent_with_autostart(env, runtime: Path, vdir: Path):
    old = agentmod.start_daemon(env)
    _unlock(env, vdir)
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _alive(old) and time.monotonic() < deadline:
        time.sleep(0.02)
    prompt = Prompt()
    v = _sealed_vault(env, vdir, prompt, autostart=True)
    assert v.get("work") is not None
    assert prompt.calls == [False]
    status = _status(env)
    assert status["pid"] != old
    assert status["vaults"] == 1
    # The next process needs no prompt at all.
    prompt2 = Prompt("never used")
    assert _sealed_vault(env, vdir, prompt2, autostart=True).get("other") is not None
    assert prompt2.calls == []


def test_a_wrong_typed_passphrase_is_never_handed_over(env, runtime: Path, vdir: Path):
    agentmod.start_daemon(env)
    v = _sealed_vault(env, vdir, Prompt("typo"), autostart=True)
    with pytest.raises(VaultError, match=r"^wrong passphrase"):
        v.get("work")
    assert _status(env)["vaults"] == 0


def test_new_vault_passphrase_typed_twice_is_handed_over(env, runtime: Path, tmp_path: Path):
    empty = tmp_path / "fresh" / "keys"
    ctx = Context(env=env)
    prompt = Prompt("fresh pw")
    sealer = AgentSealer(ctx, str(empty), new_vault=True, prompt=prompt, autostart=True)
    FileVault(empty, lambda _n: sealer).set(_cred("a"))
    assert prompt.calls == [True]
    assert _status(env)["vaults"] == 1
    assert FileVault(empty, lambda _n: "fresh pw").get("a") is not None


# -- the fast path imports nothing heavy -------------------------------------------------------------

LIGHT_CHECK = """
import sys
from avault.main import main
rc = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'keyring', 'cryptography'})
sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')
sys.exit(rc)
"""


@pytest.mark.e2e
def test_cached_export_through_the_agent_imports_nothing_heavy(
    env, runtime: Path, moto, aws_config, run_avault
):
    aws_config("[profile dev]\nregion = us-east-1\n")
    e = {**env, "AWS_VAULT_FILE_PASSPHRASE": PW}
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra_env={**e, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE000000001", "AWS_SECRET_ACCESS_KEY": "s3cr3t"},
    )
    assert r.returncode == 0, r.stderr
    r = run_avault("export", "--format", "json", "dev", extra_env=e)  # fills the session cache
    assert r.returncode == 0, r.stderr
    agentmod.start_daemon(env)
    _unlock(env, Path(env["AWS_VAULT_FILE_DIR"]))
    r = subprocess.run(
        [sys.executable, "-c", LIGHT_CHECK, "export", "--format", "zsh", "dev"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "export AWS_SESSION_TOKEN=" in r.stdout
    assert "HEAVY=\n" in r.stderr, r.stderr
    assert json.dumps(PW) not in r.stderr


def test_workers_are_kept_and_a_busy_pool_never_makes_a_connection_wait() -> None:
    workers = agentmod.Workers(keep=2)
    release = threading.Event()
    ran: list[tuple[str, int]] = []
    done = threading.Semaphore(0)

    def job(name: str, block: bool) -> None:
        ran.append((name, threading.get_ident()))
        if block:
            release.wait(10)
        done.release()

    try:
        # Three connections hang (a slow client, STS): the two kept threads and one more.
        for i in range(3):
            workers.submit(job, f"slow{i}", True)
        # The fourth must not wait behind them.
        workers.submit(job, "quick", False)
        assert done.acquire(timeout=5)  # only "quick" can have released it
        assert "quick" in [name for name, _ in ran]
        release.set()
        for _ in range(3):
            assert done.acquire(timeout=5)
        kept = {ident for name, ident in ran if name in ("slow0", "slow1")}
        # Then the next ones are served by the kept threads, not by new ones.
        time.sleep(0.1)
        for i in range(4):
            workers.submit(job, f"again{i}", False)
            assert done.acquire(timeout=5)
        assert {ident for name, ident in ran if name.startswith("again")} <= kept
        # A handler that raises costs no thread: both kept ones still serve.
        workers.submit(lambda: 1 / 0)
        time.sleep(0.1)
        release.clear()
        for i in range(2):
            workers.submit(job, f"after{i}", True)
        time.sleep(0.2)
        release.set()
        for _ in range(2):
            assert done.acquire(timeout=5)
        assert {ident for name, ident in ran if name.startswith("after")} == kept
    finally:
        release.set()
        workers.close()
