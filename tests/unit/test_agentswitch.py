"""avault.agentsock and avault.agentswitch: the request format, what a request carries, and lock dropping plaintexts."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from avault.agentsock import decode_request, encode_request, request_env
from avault.agentswitch import SwitchService, _KeySealer
from avault.vault import jwe
from avault.vault.passphrase_agent import AgentServer


def test_a_request_round_trips_every_value() -> None:
    env = {"AWS_CONFIG_FILE": "/x y/config", "AVS_REGION": "eu-west-1", "ODD": "a=b\nc é"}
    args = ["--format", "zsh", "-d", "1h", "--", "-odd name"]
    assert decode_request(encode_request("tok", env, args)) == ("tok", env, args)
    assert decode_request(b"AVS1\0\0.\0") == ("", {}, [])
    assert decode_request(b"GET / HTTP/1.1\r\n\r\n") is None
    assert decode_request(b"AVS1\0\0xoops\0.\0") is None


def test_a_request_never_carries_keys_or_passphrases() -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "AKIA",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "t",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "c",
        "AWS_CONFIG_FILE": "/c",
        "AVS_PROFILE": "dev",
        "HOME": "/h",
        "EDITOR": "vi",
    }
    assert request_env(env) == {"AWS_CONFIG_FILE": "/c", "AVS_PROFILE": "dev", "HOME": "/h"}
    assert request_env({**env, "AWS_VAULT_FILE_PASSPHRASE": ""}) is None
    assert request_env({**env, "AVAULT_FILE_PASSPHRASE_COMMAND": "pass x"}) is None
    assert request_env({**env, "AVAULT_AGENT": "0"}) is None


def test_lock_and_timeout_drop_the_decrypted_items(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="avsu-", dir="/tmp") as d:
        now = [0.0]
        server = AgentServer(Path(d) / "agent.sock", timeout=60, clock=lambda: now[0])
        service = SwitchService(server, log=lambda _m: None)
        server.switch = service
        config = tmp_path / "config"
        config.write_text("[profile a]\n")

        def fill() -> _KeySealer:
            server.handle({"v": 1, "op": "unlock", "vault": "/v", "passphrase": "pw"})
            key = server._key("/v")
            assert key is not None
            sealer = _KeySealer("/v", key, service.plaintexts)
            assert sealer.decrypt(token) == b"session"
            service.file_cache.get(config, "t", lambda: "parsed")
            service.file_cache._entries[("t", "x")] = ((), "parsed")  # as if settled
            assert len(service.plaintexts) == 1
            assert len(service.file_cache) > 0
            return sealer

        token = jwe.encrypt(b"session", "pw")
        fill()
        assert server.handle({"v": 1, "op": "lock"})["forgot"] == 1
        assert (len(service.plaintexts), len(service.file_cache)) == (0, 0)
        fill()
        now[0] = 61.0  # AVAULT_AGENT_TIMEOUT passed
        server.expire()
        assert (len(service.plaintexts), len(service.file_cache)) == (0, 0)
        # Another passphrase for the same vault: what the old one opened goes.
        now[0] = 0.0
        fill()
        server.handle({"v": 1, "op": "unlock", "vault": "/v", "passphrase": "other"})
        assert (len(service.plaintexts), len(service.file_cache)) == (0, 0)


def test_a_decrypt_that_ends_after_the_lock_leaves_nothing(tmp_path: Path) -> None:
    # A request's thread holds the key when `avault lock` runs, and its decrypt finishes
    # after the lock dropped the cache: the plaintext must not be put back.
    server = AgentServer(tmp_path / "agent.sock", timeout=60)
    service = SwitchService(server, log=lambda _m: None)
    server.switch = service
    server.handle({"v": 1, "op": "unlock", "vault": "/v", "passphrase": "pw"})
    key = server._key("/v")
    assert key is not None
    service.plaintexts.remember("/v", key, "token-1", b"session")
    assert len(service.plaintexts) == 1
    server.handle({"v": 1, "op": "lock"})
    service.plaintexts.remember("/v", key, "token-2", b"session")  # the decrypt in flight
    assert len(service.plaintexts) == 0
    server.handle({"v": 1, "op": "unlock", "vault": "/v", "passphrase": "pw"})
    service.plaintexts.remember("/v", key, "token-3", b"session")  # the old key, replaced
    assert len(service.plaintexts) == 0


def test_the_first_request_sweeps_whatever_the_uptime(tmp_path: Path) -> None:
    """The sweep runs at an agent's first request, then at most every ``every`` seconds.

    time.monotonic() counts from boot, so an interval longer than any uptime stands for a
    machine booted less than an hour ago (a fresh CI machine), where the first sweep was lost.
    """
    server = AgentServer(tmp_path / "agent.sock", timeout=60)
    service = SwitchService(server, log=lambda _m: None)
    child = subprocess.Popen(["true"])
    child.wait()  # an exited shell's pid
    gone = tmp_path / f"int-trap.{child.pid}"
    gone.touch()
    forever = 1e12
    service._sweep(every=forever)
    assert not gone.exists()
    gone.touch()  # no second sweep within the interval
    service._sweep(every=forever)
    assert gone.exists()
