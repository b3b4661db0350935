"""One contract, every store: MemoryVault, the encrypted file, a real Secret Service (aws-vault's
layout, and keyring's through jaraco/keyring) and a real ``pass`` store.

Shaped after keyring's ``keyring/testing/backend.py``: the same checks run against each
backend, so a backend that passes here can replace any other.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from avault.context import Context
from avault.vault.base import Item, MemoryVault, Vault
from avault.vault.file import FileVault
from avault.vault.keyring import KeyringVault
from avault.vault.select import VaultOptions, open_vault

if TYPE_CHECKING:
    from collections.abc import Iterator

KEYS = [
    "plain",
    "with/slash",
    "../../escape",
    "100%",
    "%2F",
    "ends-in-%",
    "with space",
    "a,b,c",
    "sts.GetSessionToken,d29yaw,,1700000000",
    "oidc:https://example.awsapps.com/start",
    "ünïcødé ☃",
    "tab\tand=equals:colon",
]
VALUES = [
    b"",
    b"x",
    "ünï ☃ 😀".encode(),
    b"""!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~""",
    bytes(range(256)),
    b"\n\r\n",
]


def _open(kind: str, env: dict[str, str]) -> Vault:
    ctx = Context(env=env)
    if kind == "file":
        return FileVault.from_context(ctx, env["AWS_VAULT_FILE_DIR"])
    if kind == "keyring":
        return KeyringVault.from_context(ctx, "awsvault")
    return open_vault(VaultOptions(), ctx)  # secret-service, pass: by AWS_VAULT_BACKEND


def _storable(kind: str, key: str) -> bool:
    """pass entries are paths: a key with an empty, '.' or '..' segment is refused there."""
    return kind != "pass" or not any(p in ("", ".", "..") for p in key.split("/"))


@pytest.fixture(
    params=[
        "memory",
        "file",
        pytest.param("keyring", marks=pytest.mark.keyring),
        pytest.param("secret-service", marks=pytest.mark.keyring),
        "pass",
    ]
)
def backend(request: pytest.FixtureRequest, env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    kind = request.param
    if kind == "keyring":
        env = request.getfixturevalue("keyring_env")
    elif kind == "secret-service":
        env = {**request.getfixturevalue("keyring_env"), "AWS_VAULT_BACKEND": "secret-service"}
        os.environ["AWS_VAULT_BACKEND"] = "secret-service"  # keyring_env's monkeypatch restores it
    elif kind == "pass":
        env = request.getfixturevalue("pass_env")
    yield kind, env
    if kind in ("keyring", "secret-service"):  # the Secret Service outlives the test: leave it empty
        v = _open(kind, env)
        for k in v.keys():  # noqa: SIM118 - a Vault, not a dict
            v.delete(k)


@pytest.fixture
def vault(backend: tuple[str, dict[str, str]]) -> Vault:
    kind, env = backend
    if kind == "memory":
        return MemoryVault()
    v = _open(kind, env)
    for k in v.keys():  # noqa: SIM118 - a Vault, not a dict
        v.delete(k)
    return v


@pytest.fixture
def kind(backend: tuple[str, dict[str, str]]) -> str:
    return backend[0]


def _item(key: str, data: bytes) -> Item:
    return Item(key=key, data=data, label=f"aws-vault ({key})", description="test")


class TestVaultContract:
    def test_empty(self, vault: Vault):
        assert vault.keys() == []
        assert vault.get("absent") is None
        assert vault.delete("absent") is False

    @pytest.mark.parametrize("key", KEYS)
    def test_keys_round_trip(self, vault: Vault, kind: str, key: str):
        if not _storable(kind, key):
            pytest.skip("not a pass entry name (test_pass_backend checks the refusal)")
        vault.set(_item(key, b"v:" + key.encode()))
        assert vault.keys() == [key]
        got = vault.get(key)
        assert got is not None
        assert got.key == key
        assert got.data == b"v:" + key.encode()
        assert got.label == f"aws-vault ({key})"

    @pytest.mark.parametrize("data", VALUES, ids=lambda v: repr(v[:8]))
    def test_values_round_trip(self, vault: Vault, data: bytes):
        vault.set(_item("k", data))
        got = vault.get("k")
        assert got is not None
        assert got.data == data

    def test_large_value(self, vault: Vault):
        data = bytes(range(256)) * 4096  # 1 MiB
        vault.set(_item("big", data))
        got = vault.get("big")
        assert got is not None
        assert got.data == data

    def test_overwrite(self, vault: Vault):
        vault.set(_item("k", b"one"))
        vault.set(_item("k", b"two"))
        assert vault.keys() == ["k"]
        got = vault.get("k")
        assert got is not None
        assert got.data == b"two"

    def test_delete(self, vault: Vault, kind: str):
        keys = [k for k in KEYS if _storable(kind, k)]
        for k in keys:
            vault.set(_item(k, b"x"))
        assert sorted(vault.keys()) == sorted(keys)
        assert vault.delete("with/slash") is True
        assert vault.delete("with/slash") is False
        assert vault.get("with/slash") is None
        assert sorted(vault.keys()) == sorted(k for k in keys if k != "with/slash")

    def test_keys_do_not_collide(self, vault: Vault, kind: str):
        # "%2F" must not be confused with "/" after encoding, nor "%" with "%25".
        keys = [k for k in ("/", "%2F", "%", "%25") if _storable(kind, k)]
        for k in keys:
            vault.set(_item(k, k.encode()))
        for k in keys:
            got = vault.get(k)
            assert got is not None
            assert got.data == k.encode()
        assert sorted(vault.keys()) == sorted(keys)

    def test_eight_concurrent_writer_processes_lose_nothing(self, backend, vault: Vault):
        kind, env = backend
        if kind == "memory":
            pytest.skip("an in-process store has no other processes")
        if kind == "keyring":
            pytest.skip(
                "on Linux 'keyring' opens secret-service (its own case); jaraco's path is macOS/Windows"
            )
        script = (
            "import sys\n"
            "from avault.context import Context\n"
            "from avault.vault.base import Item\n"
            "from avault.vault.select import VaultOptions, open_vault\n"
            "v = open_vault(VaultOptions(), Context.from_os())\n"
            "w = sys.argv[1]\n"
            "for i in range(5):\n"
            "    v.set(Item(key=f'w{w}/{i}', data=f'{w}:{i}'.encode()))\n"
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(n)], env=env, stderr=subprocess.PIPE, text=True
            )
            for n in range(8)
        ]
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
        expected = {f"w{w}/{i}" for w in range(8) for i in range(5)}
        fresh = _open(kind, env)
        assert set(fresh.keys()) == expected
        for key in expected:
            got = fresh.get(key)
            assert got is not None
            w, i = key[1:].split("/")
            assert got.data == f"{w}:{i}".encode()


def test_select_opens_the_named_backend(env: dict[str, str]):
    v = open_vault(VaultOptions(backend="file"), Context(env=env))
    assert isinstance(v, FileVault)
