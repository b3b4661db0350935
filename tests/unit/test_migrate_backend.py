"""migrate-backend between the file vault and a REAL Secret Service, both ways."""

from __future__ import annotations

import json

import pytest

from avault.context import Context
from avault.vault.base import Item
from avault.vault.file import FileVault
from avault.vault.select import VaultOptions, open_vault

pytestmark = pytest.mark.keyring

CRED = b'{"AccessKeyID":"AKIAMIGRATE%d","SecretAccessKey":"secret-%d"}'
SESSION = "sts.GetSessionToken,ZGV2,,4102444800"


def _file(env):
    return FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"])


def _keyring(env):
    return open_vault(VaultOptions(backend="keyring"), Context(env=env))


@pytest.fixture
def stores(keyring_env):
    kr = _keyring(keyring_env)
    for key in kr.keys():  # noqa: SIM118 - a Vault; the Secret Service is shared by the session
        kr.delete(key)
    fv = _file(keyring_env)
    for i, name in enumerate(("dev", "ops"), 1):
        fv.set(Item(key=name, data=CRED % (i, i), label=f"aws-vault ({name})"))
    fv.set(Item(key=SESSION, data=b'{"AccessKeyId":"ASIA"}'))
    fv.set(Item(key="oidc:https://x.awsapps.com/start", data=b"{}"))
    yield keyring_env
    for key in kr.keys():  # noqa: SIM118 - a Vault
        kr.delete(key)


def test_file_to_keyring_copies_credentials_only_and_verifies(stores, run_avault):
    r = run_avault("migrate-backend", "--from", "file", "--to", "keyring")
    assert r.returncode == 0, r.stderr
    assert "Migrating dev... copied, verified\n" in r.stdout
    assert "Migrating ops... copied, verified\n" in r.stdout
    assert "Migration summary:" in r.stdout
    assert "  copied: 2" in r.stdout
    kr = _keyring(stores)
    assert sorted(kr.keys()) == ["dev", "ops"]
    item = kr.get("dev")
    assert item is not None
    assert json.loads(item.data)["SecretAccessKey"] == "secret-1"
    assert item.label == "aws-vault (dev)"
    assert "dev" in _file(stores).keys()  # noqa: SIM118 - source kept
    assert "secret-1" not in r.stderr + r.stdout
    assert r.stderr == ""


def test_dry_run_changes_nothing(stores, run_avault):
    r = run_avault("migrate-backend", "--from", "file", "--to", "keyring", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.splitlines() == [
        "Would migrate 2 credential profile(s) from file to keyring:",
        "  dev",
        "  ops",
        "",
        "No changes made.",
    ]
    assert _keyring(stores).keys() == []


def test_skip_then_overwrite_then_delete_source_and_back(stores, run_avault):
    kr = _keyring(stores)
    kr.set(
        Item(key="dev", data=b'{"AccessKeyID":"AKIAOLD","SecretAccessKey":"old"}', label="aws-vault (dev)")
    )
    r = run_avault("migrate-backend", "--from", "file", "--to", "keyring")
    assert "Migrating dev... skipped, already exists in destination\n" in r.stdout
    assert "  skipped: 1" in r.stdout
    assert json.loads(kr.get("dev").data)["AccessKeyID"] == "AKIAOLD"
    r = run_avault("migrate-backend", "--from", "file", "--to", "keyring", "--overwrite", "--delete-source")
    assert r.returncode == 0, r.stderr
    assert "Migrating dev... overwritten, verified, deleted source\n" in r.stdout
    assert "Migrating ops... overwritten, verified, deleted source\n" in r.stdout
    assert "  deleted from source: 2" in r.stdout
    assert json.loads(kr.get("dev").data)["AccessKeyID"] == "AKIAMIGRATE1"
    left = _file(stores).keys()
    assert "dev" not in left
    assert "ops" not in left
    assert SESSION in left  # sessions are never migrated nor deleted
    # And back: keyring -> file, one profile.
    r = run_avault("migrate-backend", "--from", "keyring", "--to", "file", "--profile", "ops")
    assert r.returncode == 0, r.stderr
    assert "Migrating ops... copied, verified\n" in r.stdout
    assert json.loads(_file(stores).get("ops").data)["SecretAccessKey"] == "secret-2"
    assert sorted(kr.keys()) == ["dev", "ops"]


def test_errors(stores, run_avault):
    r = run_avault("migrate-backend", "--from", "keyring", "--to", "secret-service")
    assert r.returncode == 1
    assert r.stderr == "avault: source and destination backends must differ\n"
    r = run_avault("migrate-backend", "--from", "file", "--to", "keyring", "--profile", "nope")
    assert r.returncode == 1
    assert r.stderr == 'avault: profile "nope" not found in source backend\n'
