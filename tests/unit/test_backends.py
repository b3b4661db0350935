"""aws-vault's own stores, read and written as aws-vault does: the Secret Service (go-libsecret's
layout, under a real gnome-keyring) and pass (Debian's pass and gnupg), plus --backend.

Items "written by aws-vault" here are made exactly as ByteNess/99designs keyring makes them:
secretstorage with go-libsecret's label, attribute and content type; ``pass insert -m -f``
with Go's ``json.Marshal`` of the Item.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from avault.context import Context
from avault.creds import Credentials
from avault.errors import VaultError
from avault.sessions import SessionCache
from avault.vault.base import Item
from avault.vault.keyring import KeyringVault
from avault.vault.pass_ import PassVault
from avault.vault.secretservice import SecretServiceVault
from avault.vault.select import VaultOptions, backend_name, open_vault
from fixtures.keyring_service import SS_BACKEND, start_secret_service
from fixtures.pass_store import init_store, make_gpg_home, stop_agent

if TYPE_CHECKING:
    from collections.abc import Iterator

CRED = {"AccessKeyID": "AKIAGOVAULT", "SecretAccessKey": "go/secret+key"}
CONFIG = "[profile work]\nregion=eu-west-1\n"


def go_item(key: str, data: dict[str, str] | bytes, *, trust: bool = True) -> bytes:
    """``json.Marshal(keyring.Item{...})`` as aws-vault produces it (field order, base64 []byte)."""
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return (
        f'{{"Key":{json.dumps(key)},"Data":"{base64.b64encode(raw).decode()}","Label":"aws-vault ({key})",'
        f'"Description":"","KeychainNotTrustApplication":{str(trust).lower()},"KeychainNotSynchronizable":false}}'
    ).encode()


# -- Secret Service ---------------------------------------------------------------------------------


def _collection(name: str = "awsvault"):
    import secretstorage  # noqa: PLC0415 - only the Secret Service tests need it

    conn = secretstorage.dbus_init()
    for coll in secretstorage.get_all_collections(conn):
        if str(coll.collection_path) == f"/org/freedesktop/secrets/collection/{name}":
            if coll.is_locked():
                coll.unlock()
            return coll
    conn.close()
    pytest.fail(f"no collection {name}")


def go_libsecret_set(key: str, secret: bytes, name: str = "awsvault") -> None:
    """go-libsecret's ``collection.CreateItem(item.Key, secret, true)`` with an application/json secret."""
    coll = _collection(name)
    with closing(coll.connection):
        coll.create_item(key, {"profile": key}, secret, replace=True, content_type="application/json")


def ss_items(name: str = "awsvault") -> dict[str, tuple[str, dict[str, str], bytes]]:
    coll = _collection(name)
    with closing(coll.connection):
        return {
            i.get_label(): (i.get_label(), i.get_attributes(), i.get_secret()) for i in coll.get_all_items()
        }


@pytest.fixture
def ss_env(keyring_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The session Secret Service, backend secret-service, its awsvault collection emptied before and after."""
    keyring_env["AWS_VAULT_BACKEND"] = "secret-service"
    monkeypatch.setenv("AWS_VAULT_BACKEND", "secret-service")
    v = open_vault(VaultOptions(), Context(env=keyring_env))
    for k in v.keys():  # noqa: SIM118 - a Vault
        v.delete(k)
    yield keyring_env
    for k in v.keys():  # noqa: SIM118 - a Vault
        v.delete(k)


@pytest.mark.keyring
def test_a_key_aws_vault_stored_in_the_secret_service_works_without_re_adding(run_avault, ss_env, aws_config):
    aws_config(CONFIG)
    go_libsecret_set("work", go_item("work", CRED))
    r = run_avault("list", "--credentials", extra_env=ss_env)
    assert (r.returncode, r.stdout) == (0, "work\n"), r.stderr
    r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=ss_env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["AccessKeyId"], out["SecretAccessKey"]) == ("AKIAGOVAULT", "go/secret+key")


@pytest.mark.keyring
@pytest.mark.parametrize("backend", ["secret-service", "keyring"])  # 'keyring' is secret-service on Linux
def test_avault_writes_items_as_aws_vault_stores_them(run_avault, ss_env, backend):
    keys = {"AWS_ACCESS_KEY_ID": "AKIAAVAULT", "AWS_SECRET_ACCESS_KEY": "avault/secret"}
    r = run_avault(
        "add", "--env", "--no-add-config", "dev", extra_env={**ss_env, **keys, "AWS_VAULT_BACKEND": backend}
    )
    assert r.returncode == 0, r.stderr
    label, attrs, secret = ss_items()["dev"]
    assert label == "dev"
    assert attrs["profile"] == "dev"
    assert set(attrs) <= {"profile", "xdg:schema"}  # gnome-keyring may add its generic schema
    item = json.loads(secret)
    assert list(item) == [
        "Key",
        "Data",
        "Label",
        "Description",
        "KeychainNotTrustApplication",
        "KeychainNotSynchronizable",
    ]
    assert item["Key"] == "dev"
    assert json.loads(base64.b64decode(item["Data"])) == {
        "AccessKeyID": "AKIAAVAULT",
        "SecretAccessKey": "avault/secret",
    }
    assert item["KeychainNotTrustApplication"] is True  # credentials: not trusted, as aws-vault stores them
    assert item["KeychainNotSynchronizable"] is False


@pytest.mark.keyring
def test_sessions_are_stored_in_the_same_layout_and_trusted(ss_env):
    vault = open_vault(VaultOptions(), Context(env=ss_env))
    cache = SessionCache(vault, now=Context(env=ss_env).now)
    exp = Context(env=ss_env).now() + 3600
    key = cache.set("sts.GetSessionToken", "work", "", Credentials("ASIA1", "s", "t", expiration=exp))
    label, attrs, secret = ss_items()[key]
    assert (label, attrs["profile"]) == (key, key)
    assert json.loads(secret)["KeychainNotTrustApplication"] is False


@pytest.mark.keyring
def test_avault_0_1_items_are_read_and_moved_once(
    run_avault, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with start_secret_service(tmp_path / "ss") as extra:
        for k, v in extra.items():
            monkeypatch.setenv(k, v)
        e = {**env, **extra}
        old = {**e, "PYTHON_KEYRING_BACKEND": SS_BACKEND}
        # avault 0.1: jaraco/keyring's layout, one item in the default (login) collection...
        KeyringVault.from_context(Context(env=old), "").set(
            Item(key="old-login", data=b'{"AccessKeyID":"A1"}')
        )
        # ...and one in the awsvault collection, which 0.1 used when it existed.
        KeyringVault.from_context(Context(env=old), "awsvault").set(
            Item(key="old-aws", data=b'{"AccessKeyID":"A2"}')
        )
        r = run_avault("list", "--credentials", extra_env={**e, "AWS_VAULT_BACKEND": "keyring"})
        assert (r.returncode, r.stdout) == (0, "old-aws\nold-login\n"), r.stderr
        moved = ss_items()
        assert {k: v[1]["profile"] for k, v in moved.items()} == {
            "old-aws": "old-aws",
            "old-login": "old-login",
        }
        assert json.loads(base64.b64decode(json.loads(moved["old-login"][2])["Data"])) == {
            "AccessKeyID": "A1"
        }
        assert ss_items("login") == {}  # gone from the old place: moved, not copied
        vault = SecretServiceVault.from_context(Context(env=e), "awsvault")
        assert vault._call(vault._legacy) == []
        r = run_avault("list", "--credentials", extra_env={**e, "AWS_VAULT_BACKEND": "keyring"})
        assert r.stdout == "old-aws\nold-login\n"


@pytest.mark.keyring
def test_a_locked_collection_is_unlocked(ss_env):
    go_libsecret_set("work", go_item("work", CRED))
    coll = _collection()
    with closing(coll.connection):
        coll.lock()
        assert coll.is_locked()
    item = open_vault(VaultOptions(), Context(env=ss_env)).get("work")
    assert item is not None
    assert json.loads(item.data) == CRED


@pytest.mark.keyring
def test_a_locked_collection_that_needs_a_prompt_is_one_line_and_nothing_is_lost(
    run_avault, env, tmp_path: Path
):
    with start_secret_service(tmp_path / "ss", locked=True) as extra:
        e = {
            **env,
            **extra,
            "AWS_VAULT_BACKEND": "secret-service",
            "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME": "login",
        }
        r = run_avault("list", "--credentials", extra_env=e, timeout=30)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(
        "avault: the Secret Service collection 'login' is locked and could not be unlocked; "
    )
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.keyring
def test_a_missing_collection_reads_empty_and_headless_creation_is_one_line(run_avault, env, tmp_path: Path):
    with start_secret_service(tmp_path / "ss", collections=()) as extra:
        e = {**env, **extra, "AWS_VAULT_BACKEND": "secret-service"}
        listed = run_avault("list", "--credentials", extra_env=e, timeout=30)
        keys = {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "never-shown"}
        added = run_avault("add", "--env", "--no-add-config", "work", extra_env={**e, **keys}, timeout=30)
    assert (listed.returncode, listed.stdout) == (0, ""), listed.stderr
    assert (added.returncode, added.stdout) == (1, "")
    assert added.stderr.startswith("avault: cannot create the Secret Service collection 'awsvault': ")
    assert len(added.stderr.splitlines()) == 1
    assert "never-shown" not in added.stderr


@pytest.mark.keyring
def test_a_corrupt_secret_service_item_is_one_line_and_kept(run_avault, ss_env, aws_config):
    aws_config(CONFIG)
    go_libsecret_set("work", b"{not json")
    r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=ss_env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(
        "avault: vault item 'work' in Secret Service collection 'awsvault' is not a valid item"
    )
    assert len(r.stderr.splitlines()) == 1
    assert ss_items()["work"][2] == b"{not json"


# -- pass ---------------------------------------------------------------------------------------------


def _pass(env: dict[str, str], *args: str, stdin: bytes | None = None) -> bytes:
    store = env.get("AWS_VAULT_PASS_PASSWORD_STORE_DIR") or f"{env['HOME']}/.password-store"
    r = subprocess.run(
        ["pass", *args],
        input=stdin,
        capture_output=True,
        env={**env, "PASSWORD_STORE_DIR": store},
        check=True,
        timeout=60,
    )
    return r.stdout


@pytest.mark.parametrize("prefix", ["", "aws"])
def test_a_key_aws_vault_stored_in_pass_works_without_re_adding(run_avault, pass_env, aws_config, prefix):
    aws_config(CONFIG)
    e = {**pass_env, "AWS_VAULT_PASS_PREFIX": prefix}
    _pass(e, "insert", "-m", "-f", f"{prefix}/work" if prefix else "work", stdin=go_item("work", CRED))
    r = run_avault("list", "--credentials", extra_env=e)
    assert (r.returncode, r.stdout) == (0, "work\n"), r.stderr
    r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=e)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["SecretAccessKey"] == "go/secret+key"


def test_avault_writes_pass_entries_aws_vault_reads_secret_on_stdin_only(
    run_avault, pass_env, home: Path, tmp_path: Path
):
    log = tmp_path / "pass.log"
    wrapper = tmp_path / "logging-pass"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\nenv >> {log}\nexec pass "$@"\n')
    wrapper.chmod(0o700)
    keys = {"AWS_ACCESS_KEY_ID": "AKIAPASS", "AWS_SECRET_ACCESS_KEY": "pass-canary-secret"}
    e = {**pass_env, **keys, "AWS_VAULT_PASS_CMD": str(wrapper), "AWS_VAULT_PASS_PREFIX": "aws-vault"}
    r = run_avault("add", "--env", "--no-add-config", "dev", extra_env=e)
    assert r.returncode == 0, r.stderr
    assert (home / ".password-store/aws-vault/dev.gpg").is_file()
    item = json.loads(_pass(pass_env, "show", "aws-vault/dev"))
    assert item["Key"] == "dev"
    assert json.loads(base64.b64decode(item["Data"]))["SecretAccessKey"] == "pass-canary-secret"
    assert item["KeychainNotTrustApplication"] is True
    logged = log.read_text()
    assert "insert -m -f -- aws-vault/dev" in logged
    assert "pass-canary-secret" not in logged  # neither argv nor the child's environment
    assert "AWS_VAULT_FILE_PASSPHRASE" not in logged  # the child gets only what pass and gpg need
    r = run_avault("remove", "-f", "dev", extra_env=e)
    assert r.returncode == 0, r.stderr
    assert not (home / ".password-store/aws-vault/dev.gpg").exists()


def test_pass_store_and_prefix_settings_follow_aws_vault(home: Path):
    def store(env: dict[str, str], **flags: str) -> tuple[Path, str]:
        ctx = Context(env={"PATH": os.environ["PATH"], "HOME": str(home), **env})
        v = open_vault(VaultOptions(backend="pass", **flags), ctx)  # --pass-dir, --pass-prefix
        assert isinstance(v, PassVault)
        return v.store, v.prefix

    assert store({}) == (home / ".password-store", "")
    assert store({"PASSWORD_STORE_DIR": "/s1"}) == (Path("/s1"), "")
    assert store({"PASSWORD_STORE_DIR": "/s1", "AWS_VAULT_PASS_PASSWORD_STORE_DIR": "~/s2"}) == (
        home / "s2",
        "",
    )
    assert store(
        {"AWS_VAULT_PASS_PASSWORD_STORE_DIR": "/s2", "AWS_VAULT_PASS_PREFIX": "p"}, pass_dir="/s3"
    ) == (Path("/s3"), "p")
    assert store({"AWS_VAULT_PASS_PREFIX": "p"}, pass_prefix="q") == (home / ".password-store", "q")


def test_a_key_that_is_not_a_pass_path_is_refused_and_nothing_escapes(pass_env, home: Path):
    v = open_vault(VaultOptions(), Context(env=pass_env))
    for key in ("../../escape", "a//b", "./x", "trailing/"):
        with pytest.raises(VaultError, match="cannot be a pass entry"):
            v.set(Item(key=key, data=b"x"))
        assert v.get(key) is None
    assert not list(home.parent.glob("**/escape*"))
    assert v.keys() == []


def test_a_missing_pass_binary_is_one_line(run_avault, pass_env):
    e = {
        **pass_env,
        "AWS_VAULT_PASS_CMD": "no-such-pass",
        "AWS_ACCESS_KEY_ID": "AKIAX",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    r = run_avault("add", "--env", "--no-add-config", "work", extra_env=e)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (
        "avault: the pass command 'no-such-pass' was not found on PATH; install pass "
        "(e.g. 'apt-get install pass') or set AWS_VAULT_PASS_CMD, or use --backend file\n"
    )


def test_a_gpg_that_cannot_decrypt_is_one_line_and_nothing_is_lost(
    run_avault, pass_env, aws_config, home: Path, tmp_path: Path
):
    aws_config(CONFIG)
    _pass(pass_env, "insert", "-m", "-f", "work", stdin=go_item("work", CRED))
    entry = home / ".password-store/work.gpg"
    before = entry.read_bytes()
    (tmp_path / "other").mkdir()
    other, _fpr = make_gpg_home(tmp_path / "other")  # a keyring without the store's key
    try:
        e = {**pass_env, "GNUPGHOME": str(other)}
        listed = run_avault("list", "--credentials", extra_env=e)
        r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=e)
    finally:
        stop_agent(other)
    assert (listed.returncode, listed.stdout) == (0, "work\n")  # listing needs no key, as in aws-vault
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(
        "avault: pass failed to read 'work' (exit 2: gpg: decryption failed: No secret key)"
    )
    assert len(r.stderr.splitlines()) == 1
    assert entry.read_bytes() == before


def test_a_corrupt_pass_entry_is_one_line_and_kept(run_avault, pass_env, aws_config, home: Path):
    aws_config(CONFIG)
    _pass(pass_env, "insert", "-m", "-f", "work", stdin=b"hunter2 is not an item")
    before = (home / ".password-store/work.gpg").read_bytes()
    r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=pass_env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith("avault: vault item 'work' in pass store ")
    assert "not a valid item" in r.stderr
    assert "hunter2" not in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert (home / ".password-store/work.gpg").read_bytes() == before


def test_a_pass_store_without_gpg_id_is_one_line(run_avault, pass_env, tmp_path: Path):
    e = {
        **pass_env,
        "AWS_VAULT_PASS_PASSWORD_STORE_DIR": str(tmp_path / "uninitialised"),
        "AWS_ACCESS_KEY_ID": "A",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    r = run_avault("add", "--env", "--no-add-config", "work", extra_env=e)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith("avault: pass failed to write 'work' (exit 1: Error: You must run:")
    assert len(r.stderr.splitlines()) == 1


def test_pass_keys_come_from_gpg_files(pass_env, home: Path, gpg_home):
    store = home / ".password-store"
    init_store(pass_env, store / "aws", gpg_home[1])
    (store / "aws/nested").mkdir()
    for name in ("aws/one.gpg", "aws/nested/two.gpg", "aws/not-an-entry.txt", "outside.gpg"):
        (store / name).write_bytes(b"")
    v = PassVault.from_context(Context(env=pass_env), prefix="aws")
    assert v.keys() == ["nested/two", "one"]


# -- --backend ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["flag", "env"])
@pytest.mark.parametrize("name", ["kwallet", "wincred", "op", "keyctl"])
def test_an_unavailable_backend_is_one_line_naming_those_available(run_avault, env, how, name):
    args = ["--backend", name, "list"] if how == "flag" else ["list"]
    r = run_avault(*args, extra_env={"AWS_VAULT_BACKEND": name} if how == "env" else None)
    assert r.returncode != 0
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    assert (
        f"backend {name!r} is not available on this machine; use one of: secret-service, pass, file, keyring"
        in r.stderr
    )


def test_keychain_is_macos_only_with_a_clear_error(run_avault, env):
    r = run_avault("--backend", "keychain", "list")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (
        "avault: backend 'keychain' (the macOS Keychain) is only available on macOS; "
        "use one of: secret-service, pass, file, keyring\n"
    )


@pytest.mark.parametrize("how", ["flag", "env"])
def test_keychain_name_off_the_keychain_backend_is_an_error_not_ignored(run_avault, env, how):
    args = ["--keychain", "aws-vault", "list"] if how == "flag" else ["list"]
    r = run_avault(*args, extra_env={"AWS_VAULT_KEYCHAIN_NAME": "aws-vault"} if how == "env" else None)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(
        "avault: --keychain / $AWS_VAULT_KEYCHAIN_NAME names a macOS keychain, which the file backend"
    )
    assert len(r.stderr.splitlines()) == 1


def test_help_lists_the_backends_available_here(run_avault, env):
    def shown(extra: dict[str, str] | None = None) -> str:
        r = run_avault("--help", extra_env=extra)
        return "".join((r.stdout + r.stderr).split())  # argparse wraps the line anywhere

    assert "availablehere:secret-service,pass,file,keyring[$AWS_VAULT_BACKEND]" in shown()
    assert "availablehere:secret-service,file,keyring[$AWS_VAULT_BACKEND]" in shown(
        {"AWS_VAULT_PASS_CMD": "no-such-pass"}
    )


def test_the_new_backends_open_their_own_classes(pass_env):
    ctx = Context(env=pass_env)
    assert isinstance(open_vault(VaultOptions(), ctx), PassVault)
    assert isinstance(open_vault(VaultOptions(backend="secret-service"), ctx), SecretServiceVault)
    assert isinstance(open_vault(VaultOptions(backend="keyring"), ctx), SecretServiceVault)


def test_doctor_names_the_pass_store_without_claiming_it_was_unlocked(run_avault, pass_env, home: Path):
    _pass(pass_env, "insert", "-m", "-f", "work", stdin=go_item("work", CRED))
    r = run_avault("doctor", extra_env=pass_env)
    assert f"backend: pass store {home}/.password-store is readable (1 items)" in r.stdout + r.stderr


def test_a_swapped_pass_entry_is_not_used(run_avault, pass_env, aws_config):
    aws_config(CONFIG)
    _pass(pass_env, "insert", "-m", "-f", "work", stdin=go_item("prod", CRED))
    r = run_avault("export", "--no-session", "--format", "json", "work", extra_env=pass_env)
    assert (r.returncode, r.stdout) == (1, "")
    assert "holds the key 'prod', not 'work', so it is not used; remove it with 'pass rm work'" in r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_on_macos_keyring_is_the_keychain_and_only_the_default_keychain_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(sys, "platform", "darwin")
    ctx = Context(env={"PATH": "/nonexistent"})
    assert backend_name(VaultOptions(backend="keyring"), ctx) == "keychain"
    assert backend_name(VaultOptions(), ctx) == "keychain"  # the default on macOS
    assert backend_name(VaultOptions(backend="keychain", keychain="login"), ctx) == "keychain"
    with pytest.raises(
        VaultError, match=r"is 'aws-vault', but avault can use only your default keychain \('login'\)"
    ):
        backend_name(VaultOptions(backend="keychain", keychain="aws-vault"), ctx)
    with pytest.raises(
        VaultError,
        match=r"^backend 'secret-service' is not available on this machine; use one of: keychain, file, keyring",
    ):
        backend_name(VaultOptions(backend="secret-service"), ctx)


@pytest.mark.keyring
def test_on_the_bus_the_item_is_created_as_go_libsecret_creates_it(ss_env, tmp_path: Path):
    """What gnome-keyring does not report back (the content type), seen on the bus with dbus-monitor."""
    rule = "interface='org.freedesktop.Secret.Collection',member='CreateItem'"
    out = tmp_path / "monitor.txt"
    with out.open("w") as sink:
        monitor = subprocess.Popen(
            ["dbus-monitor", "--address", ss_env["DBUS_SESSION_BUS_ADDRESS"], rule], stdout=sink, env=ss_env
        )
        try:
            deadline = time.monotonic() + 10
            while "NameAcquired" not in out.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            vault = open_vault(VaultOptions(), Context(env=ss_env))
            vault.set(Item(key="wire", data=b'{"SecretAccessKey":"bus-canary"}', label="ignored label"))
            while '"application/json"' not in out.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            monitor.terminate()
            monitor.wait(timeout=10)
    call = out.read_text().split("member=CreateItem", 1)[1]
    flat = " ".join(call.split())
    assert 'string "org.freedesktop.Secret.Item.Label" variant string "wire"' in flat  # label = the key
    assert 'variant array [ dict entry( string "profile" string "wire" ) ]' in flat  # the only attribute
    assert 'string "application/json" } boolean true' in flat  # content type; replace = true
    assert "bus-canary" not in call
    assert base64.b64encode(b'{"SecretAccessKey":"bus-canary"}').hex() not in call.replace(
        " ", ""
    )  # sent encrypted


def test_migrate_backend_from_file_to_pass(run_avault, pass_env):
    keys = {"AWS_ACCESS_KEY_ID": "AKIAFILE", "AWS_SECRET_ACCESS_KEY": "file-secret"}
    r = run_avault(
        "add", "--env", "--no-add-config", "dev", extra_env={**pass_env, **keys, "AWS_VAULT_BACKEND": "file"}
    )
    assert r.returncode == 0, r.stderr
    r = run_avault("migrate-backend", "--from", "file", "--to", "pass", extra_env=pass_env)
    assert r.returncode == 0, r.stderr
    assert "Migrating dev... copied, verified" in r.stdout
    assert (
        json.loads(base64.b64decode(json.loads(_pass(pass_env, "show", "dev"))["Data"]))["SecretAccessKey"]
        == "file-secret"
    )


def test_pass_gets_the_terminal_for_pinentry(pass_env, tmp_path: Path):
    """pass's manual asks for GPG_TTY; avault sets it from its terminal when you have not."""
    import pexpect  # noqa: PLC0415 - only this test needs a pty

    log = tmp_path / "pass.env"
    wrapper = tmp_path / "logging-pass"
    wrapper.write_text(f'#!/bin/sh\nenv > {log}\nexec pass "$@"\n')
    wrapper.chmod(0o700)
    e = {k: v for k, v in pass_env.items() if k != "GPG_TTY"}
    e.update(AWS_VAULT_PASS_CMD=str(wrapper), AWS_ACCESS_KEY_ID="AKIATTY", AWS_SECRET_ACCESS_KEY="s")
    child = pexpect.spawn(
        "avault", ["add", "--env", "--no-add-config", "tty"], env=e, encoding="utf-8", timeout=30
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    tty = next(line.split("=", 1)[1] for line in log.read_text().splitlines() if line.startswith("GPG_TTY="))
    assert tty.startswith("/dev/pts/")


def test_imported_credentials_are_stored_not_trusted_like_added_ones(run_avault, pass_env, home: Path):
    (home / ".aws/credentials").write_text(
        "[imp]\naws_access_key_id = AKIAIMPORT\naws_secret_access_key = imp-secret\n"
    )
    r = run_avault("import", extra_env=pass_env)
    assert r.returncode == 0, r.stderr
    item = json.loads(_pass(pass_env, "show", "imp"))
    assert item["KeychainNotTrustApplication"] is True
