"""add, remove and clear through the real CLI, on the file vault and a real Secret Service."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from avault.context import Context
from avault.sessions import SessionKey
from avault.vault.base import Item
from avault.vault.file import FileVault
from avault.vault.select import VaultOptions, open_vault
from fixtures.keyring_service import start_secret_service

KEYS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalr/secret+key"}


def _vault(env: dict[str, str]) -> FileVault:
    return FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"])


def _snapshot(env: dict[str, str]) -> dict[str, bytes]:
    d = Path(env["AWS_VAULT_FILE_DIR"])
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.exists() else {}


def _session(profile: str, kind: str = "sts.GetSessionToken", exp: int = 4_000_000_000) -> Item:
    return Item(key=SessionKey(kind, profile, "", exp).encode(), data=b'{"AccessKeyId":"ASIA"}')


# -- add ----------------------------------------------------------------------------------------


def test_add_env_stores_credentials_and_config(run_avault, env, home: Path):
    r = run_avault("add", "--env", "work", extra_env=KEYS_ENV)
    assert r.returncode == 0, r.stderr
    # On stdout, as aws-vault prints it (nothing evals add's output).
    assert (r.stdout, r.stderr) == ('Added credentials to profile "work" in vault\n', "")
    item = _vault(env).get("work")
    assert item is not None
    assert json.loads(item.data) == {"AccessKeyID": "AKIAEXAMPLE", "SecretAccessKey": "wJalr/secret+key"}
    assert item.label == "aws-vault (work)"
    assert "[profile work]" in (home / ".aws/config").read_text()


def test_add_no_add_config_leaves_config_alone(run_avault, home: Path):
    assert run_avault("add", "--env", "--no-add-config", "work", extra_env=KEYS_ENV).returncode == 0
    assert not (home / ".aws/config").exists()


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_add_env_missing_value(run_avault, env, missing: str):
    e = {k: v for k, v in KEYS_ENV.items() if k != missing}
    r = run_avault("add", "--env", "work", extra_env=e)
    assert r.returncode == 1
    assert r.stderr == (
        f"avault: Missing value for {missing}; export AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY first, or leave out --env to be asked for them\n"
    )
    assert _snapshot(env) == {}


def test_add_refuses_a_profile_with_source_profile(run_avault, env, aws_config):
    aws_config("[profile base]\n\n[profile role]\nsource_profile=base\nrole_arn=arn:aws:iam::1:role/r\n")
    r = run_avault("add", "--env", "role", extra_env=KEYS_ENV)
    assert r.returncode == 1
    assert (
        "Your profile has a source_profile of base, adding credentials to role won't have any effect"
        in r.stderr
    )
    assert _snapshot(env) == {}


def test_add_deletes_stale_sessions_of_that_profile_only(run_avault, env):
    v = _vault(env)
    v.set(_session("work"))
    v.set(_session("work", "sts.AssumeRole"))
    v.set(_session("other"))
    r = run_avault("add", "--env", "--no-add-config", "work", extra_env=KEYS_ENV)
    assert r.returncode == 0, r.stderr
    assert "Deleted 2 existing sessions." in r.stdout
    assert sorted(_vault(env).keys()) == sorted([_session("other").key, "work"])


def _spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    return pexpect.spawn("avault", list(args), env=env, encoding="utf-8", timeout=20)


def test_add_interactive_prompts_and_mfa_section(env, home: Path):
    child = _spawn(env, "add", "work")
    child.expect_exact("Enter Access Key ID: ")
    child.sendline("AKIATTY")
    child.expect_exact("Enter Secret Access Key: ")
    child.sendline("tty-secret")
    child.expect_exact("Enter MFA Device ARN (If MFA is not enabled, leave this blank): ")
    child.sendline("arn:aws:iam::123456789012:mfa/me")
    child.expect_exact('Added credentials to profile "work" in vault')
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "tty-secret" not in (child.before or "")  # not echoed
    item = _vault(env).get("work")
    assert item is not None
    assert json.loads(item.data)["SecretAccessKey"] == "tty-secret"
    assert "mfa_serial=arn:aws:iam::123456789012:mfa/me" in (home / ".aws/config").read_text()


def test_add_new_vault_passphrase_asked_twice(env):
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    e.update(KEYS_ENV)
    child = _spawn(e, "add", "--env", "--no-add-config", "work")
    child.expect_exact("Enter a new passphrase for")
    child.sendline("new-pass")
    child.expect_exact("Enter the same passphrase again: ")
    child.sendline("new-pass")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    v = FileVault.from_context(
        Context(env={**env, "AWS_VAULT_FILE_PASSPHRASE": "new-pass"}), e["AWS_VAULT_FILE_DIR"]
    )
    assert v.get("work") is not None


def test_add_new_vault_passphrases_differ(env):
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    e.update(KEYS_ENV)
    child = _spawn(e, "add", "--env", "--no-add-config", "work")
    child.expect_exact("Enter a new passphrase for")
    child.sendline("one")
    child.expect_exact("Enter the same passphrase again: ")
    child.sendline("two")
    child.expect_exact("avault: the two passphrases differ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert _snapshot(env) == {}


@pytest.mark.parametrize("at", ["Enter Access Key ID: ", "Enter Secret Access Key: "])
def test_add_ctrl_c_at_prompt_writes_nothing(env, home: Path, at: str):
    child = _spawn(env, "add", "work")
    child.expect_exact("Enter Access Key ID: ")
    if at != "Enter Access Key ID: ":
        child.sendline("AKIA")
        child.expect_exact(at)
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _snapshot(env) == {}
    assert not Path(env["AWS_VAULT_FILE_DIR"]).exists()
    assert not (home / ".aws/config").exists()


# -- remove ---------------------------------------------------------------------------------------


def test_remove_force(run_avault, env):
    v = _vault(env)
    v.set(Item(key="work", data=b"{}"))
    v.set(_session("work"))
    r = run_avault("remove", "-f", "work")
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ("Deleted credentials.\n", "")
    assert _vault(env).keys() == [_session("work").key]  # sessions stay, as in aws-vault


def test_remove_missing_profile(run_avault, env):
    r = run_avault("rm", "-f", "nope")
    assert r.returncode == 1
    assert 'no credentials stored for profile "nope"' in r.stderr


@pytest.mark.parametrize(("answer", "deleted"), [("y", True), ("YES", True), ("n", False), ("", False)])
def test_remove_confirmation_on_the_tty(env, answer: str, deleted: bool):
    _vault(env).set(Item(key="work", data=b"{}"))
    child = _spawn(env, "remove", "work")
    child.expect_exact('Delete credentials for profile "work"? (y|N) ')
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (_vault(env).keys() == []) is deleted


def test_remove_sessions_only(run_avault, env):
    v = _vault(env)
    v.set(Item(key="work", data=b"{}"))
    v.set(_session("work"))
    v.set(_session("other"))
    r = run_avault("remove", "-s", "work")
    assert r.returncode == 0
    assert (r.stdout, r.stderr) == ("Deleted 1 sessions.\n", "")
    assert sorted(_vault(env).keys()) == sorted(["work", _session("other").key])


# -- clear ---------------------------------------------------------------------------------------


def _populate_for_clear(env) -> None:
    v = _vault(env)
    v.set(Item(key="work", data=b"{}"))
    v.set(Item(key="sso", data=b"{}"))
    v.set(_session("work"))
    v.set(_session("sso", "sso.GetRoleCredentials"))
    v.set(Item(key="oidc:https://corp.awsapps.com/start", data=b"{}"))
    v.set(Item(key="oidc:https://other.awsapps.com/start", data=b"{}"))
    v.set(Item(key="session,d29yaw,,1500000000", data=b"{}"))  # old format
    v.set(Item(key="work session (1500000000)", data=b"{}"))  # old format


def test_clear_all(run_avault, env):
    _populate_for_clear(env)
    r = run_avault("clear")
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ("Cleared 6 sessions.\n", "")
    assert sorted(_vault(env).keys()) == ["sso", "work"]


def test_clear_one_profile_with_sso_session(run_avault, env, aws_config):
    aws_config(
        "[profile sso]\nsso_session=corp\nsso_start_url=https://ignored.example/start\n"
        "sso_account_id=1\nsso_role_name=r\n\n"
        "[sso-session corp]\nsso_start_url=https://corp.awsapps.com/start\nsso_region=us-east-1\n"
    )
    _populate_for_clear(env)
    r = run_avault("clear", "sso")
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ("Cleared 2 sessions.\n", "")
    left = _vault(env).keys()
    assert "oidc:https://corp.awsapps.com/start" not in left
    assert "oidc:https://other.awsapps.com/start" in left
    assert _session("work").key in left


# -- the keyring backend through the CLI -----------------------------------------------------------


@pytest.mark.keyring
def test_add_and_remove_with_the_secret_service(run_avault, keyring_env):
    r = run_avault("add", "--env", "--no-add-config", "kr-work", extra_env={**keyring_env, **KEYS_ENV})
    assert r.returncode == 0, r.stderr
    v = open_vault(VaultOptions(), Context(env=keyring_env))  # keyring: secret-service on Linux
    assert "kr-work" in v.keys()  # noqa: SIM118
    item = v.get("kr-work")
    assert item is not None
    assert json.loads(item.data)["AccessKeyID"] == "AKIAEXAMPLE"
    r = run_avault("remove", "-f", "kr-work", extra_env=keyring_env)
    assert r.returncode == 0, r.stderr
    assert "kr-work" not in v.keys()  # noqa: SIM118


@pytest.mark.keyring
def test_locked_keyring_is_one_clear_line(run_avault, env, tmp_path: Path, secret_service):
    with start_secret_service(tmp_path / "locked", locked=True) as extra:
        e = {**env, **extra, "AWS_VAULT_BACKEND": "keyring", **KEYS_ENV}
        e["AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME"] = "login"  # the one with a password
        e.pop("DISPLAY", None)
        e.pop("WAYLAND_DISPLAY", None)
        r = run_avault("add", "--env", "--no-add-config", "work", extra_env=e, timeout=30)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith(
        "avault: the Secret Service collection 'login' is locked and could not be unlocked"
    )
    assert len(r.stderr.splitlines()) == 1


def test_absent_keyring_is_an_explicit_error_not_plaintext(run_avault, env, home: Path, tmp_path: Path):
    runtime = tmp_path / "empty-runtime"
    runtime.mkdir(mode=0o700)
    e = {**KEYS_ENV, "AWS_VAULT_BACKEND": "keyring", "XDG_RUNTIME_DIR": str(runtime)}
    r = run_avault("add", "--env", "--no-add-config", "work", extra_env=e, timeout=30)
    assert r.returncode == 1
    assert r.stderr.startswith("avault: no usable OS keyring: start a Secret Service")
    assert len(r.stderr.splitlines()) == 1
    # Nothing landed anywhere under HOME (keyrings.alt would write ~/.local/share/python_keyring).
    assert [p for p in home.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("backend", ["keyrings.alt.file.PlaintextKeyring", "keyring.backends.fail.Keyring"])
def test_plaintext_or_fail_backend_is_refused(run_avault, backend: str):
    e = {**KEYS_ENV, "AWS_VAULT_BACKEND": "keyring", "PYTHON_KEYRING_BACKEND": backend}
    r = run_avault("add", "--env", "--no-add-config", "work", extra_env=e)
    assert r.returncode == 1
    assert "does not keep secrets safely" in r.stderr
