"""``avault list``: aws-vault's table and one-per-line outputs, from vault keys only."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

import avault.vault.select
from avault.commands.list import format_table
from avault.context import Context
from avault.main import main
from avault.sessions import SessionKey
from avault.vault.base import Item, MemoryVault, Vault

T = 1_700_000_000.0

CONFIG = """\
[default]
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

[profile jonsmith]
mfa_serial = arn:aws:iam::111111111111:mfa/jonsmith

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = jonsmith

[profile sso]
sso_session = corp

[profile legacy-sso]
sso_start_url = https://legacy.example.com:8443/start
"""


class NoSecretsVault(MemoryVault):
    """Fails the test if list reads an item: listing must never need a passphrase."""

    def get(self, key: str) -> Item | None:
        raise AssertionError(f"list read {key!r}")


def session(kind: str, profile: str, left: int, serial: str = "") -> str:
    return SessionKey(kind, profile, serial, int(T) + left).encode()


@pytest.fixture
def vault(monkeypatch) -> MemoryVault:
    v = NoSecretsVault()
    for key in [
        "jonsmith",
        session("sts.GetSessionToken", "jonsmith", 7 * 3600 + 59 * 60 + 12, "arn:mfa"),
        session("sts.AssumeRole", "admin", 21 * 60 + 38, "arn:mfa"),
        session("sts.AssumeRole", "admin", -5),  # expired: not shown
        "orphan-creds",
        session("sts.GetSessionToken", "gone", 59),
        "oidc:https://corp.awsapps.com/start",
        "oidc:https://other.example.com/start",
        "oidc:https://legacy.example.com:8443/start",
        "session:old:format:12345",  # old-format session key: neither credential nor session
    ]:
        v.set(Item(key, b"{}"))

    def open_vault(args, ctx) -> Vault:
        return v

    monkeypatch.setattr(avault.vault.select, "open_vault", open_vault)
    return v


def run_list(env, *flags: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(env=env, stdout=out, stderr=err, clock=lambda: T)
    code = main(["list", *flags], ctx)
    return code, out.getvalue(), err.getvalue()


def test_table_exact_bytes(env, aws_config, vault):
    aws_config(CONFIG)
    code, out, err = run_list(env)
    assert (code, err) == (0, "")
    w = 25
    long = "sts.GetSessionToken:7h59m12s"
    wide = len("oidc:other.example.com") + 2
    assert wide < w < len(long) + 2
    w3 = len(long) + 2
    rows = [
        ("Profile", "Credentials", "Sessions"),
        ("=======", "===========", "========"),
        ("default", "-", "-"),
        ("jonsmith", "jonsmith", long),
        ("admin", "-", "sts.AssumeRole:21m38s"),
        ("sso", "-", "oidc:corp"),
        ("legacy-sso", "-", "oidc:legacy.example.com:8443"),
        ("-", "orphan-creds", "-"),
        ("-", "-", "oidc:other.example.com"),
        ("-", "-", "sts.GetSessionToken:59s"),
    ]
    expected = "".join(f"{a:<{w}}{b:<{w}}{c:<{w3}}\n" for a, b, c in rows)
    assert out == expected
    # Spot-check the literal shape aws-vault documents (every column padded, even the last).
    assert out.splitlines()[0] == "Profile                  Credentials              Sessions" + " " * 22
    assert (
        out.splitlines()[3]
        == "jonsmith                 jonsmith                 sts.GetSessionToken:7h59m12s  "
    )


def test_ls_alias_and_comma_joined_sessions(env, aws_config, vault):
    aws_config(CONFIG)
    vault.set(Item(session("sts.GetSessionToken", "admin", 3600), b"{}"))
    _, out, _ = run_list(env)
    admin = next(line for line in out.splitlines() if line.startswith("admin "))
    assert "sts.AssumeRole:21m38s, sts.GetSessionToken:1h0m0s" in admin
    out2 = io.StringIO()
    assert main(["ls"], Context(env=env, stdout=out2, clock=lambda: T)) == 0
    assert out2.getvalue() == out


def test_profiles_in_file_order(env, aws_config, vault):
    aws_config(CONFIG)
    code, out, _ = run_list(env, "--profiles")
    assert code == 0
    assert out == "default\njonsmith\nadmin\nsso\nlegacy-sso\n"


def test_profiles_never_opens_the_vault(env, aws_config, monkeypatch):
    aws_config("[profile b]\n[profile a]\n[default]\n[profile b]\n")

    def boom(args, ctx):
        raise AssertionError("opened the vault")

    monkeypatch.setattr(avault.vault.select, "open_vault", boom)
    assert run_list(env, "--profiles")[1] == "b\na\n"


def test_credentials(env, aws_config, vault):
    aws_config(CONFIG)
    _, out, _ = run_list(env, "--credentials")
    assert out == "jonsmith\norphan-creds\n"


def test_sessions_oidc_first(env, aws_config, vault):
    aws_config(CONFIG)
    _, out, _ = run_list(env, "--sessions")
    assert out.splitlines() == [
        "oidc:corp",
        "oidc:other.example.com",
        "oidc:legacy.example.com:8443",
        "sts.GetSessionToken:7h59m12s",
        "sts.AssumeRole:21m38s",
        "sts.GetSessionToken:59s",
    ]


def test_empty_vault_and_config(env, monkeypatch):
    monkeypatch.setattr(avault.vault.select, "open_vault", lambda args, ctx: MemoryVault())
    _, out, _ = run_list(env)
    assert out == (
        "Profile                  Credentials              Sessions                 \n"
        "=======                  ===========              ========                 \n"
    )
    assert run_list(env, "--sessions")[1] == ""


def test_bad_config_is_one_line_error(env, aws_config, vault):
    aws_config("[profile a\n")
    code, out, err = run_list(env)
    assert code == 1
    assert out == ""
    assert (
        err == "avault: ~/.aws/config line 1: a section header has no closing ']'; fix or remove that line\n"
    )


def test_format_table_wide_first_column():
    name = "x" * 30
    assert format_table([(name, "-")]) == f"{name}  {'-':<25}\n"


def test_list_with_the_real_file_backend(run_avault, aws_config, home):
    pytest.importorskip("avault.vault.file")
    aws_config("[profile a]\nregion = r\n[profile b]\n")
    r = run_avault("list")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[2:] == [f"{'a':<25}{'-':<25}{'-':<25}", f"{'b':<25}{'-':<25}{'-':<25}"]
    r = run_avault("list", "--profiles", extra_env={"AWS_VAULT_FILE_PASSPHRASE": ""})
    assert r.stdout == "a\nb\n"


def test_list_profiles_imports_little(env, aws_config):
    aws_config("[profile a]\n")
    code = (
        "import sys; from avault.main import main; rc = main(['list', '--profiles']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'keyring', 'cryptography') or m.startswith('avault.vault')), "
        "file=sys.stderr)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert r.stdout == "a\n"
    assert r.stderr.strip() == "[]"
