"""avault import: ~/.aws/credentials -> the vault, then (only if asked) out of the file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from avault.context import Context
from avault.vault.file import FileVault

# Three importable profiles, a duplicate section, CRLF line endings, comments, a
# temporary-credentials section and an unrelated key that must survive.
CREDS = (
    "# my keys\r\n"
    "[dev]\r\n"
    "aws_access_key_id = AKIADEVOLD0000000001\r\n"
    "aws_secret_access_key = dev-old-secret\r\n"
    "\r\n"
    "[staging]\r\n"
    "; staging comment\r\n"
    "aws_access_key_id=AKIASTAGING000000001\r\n"
    "aws_secret_access_key=staging-secret\r\n"
    "region = eu-west-1\r\n"
    "\r\n"
    "[temp]\r\n"
    "aws_access_key_id = ASIATEMP000000000001\r\n"
    "aws_secret_access_key = temp-secret\r\n"
    "aws_session_token = temp-token\r\n"
    "\r\n"
    "[ops]\r\n"
    "aws_access_key_id = AKIAOPS0000000000001\r\n"
    "aws_secret_access_key = ops-secret\r\n"
    "\r\n"
    "# the later [dev] wins\r\n"
    "[dev]\r\n"
    "aws_access_key_id = AKIADEVNEW0000000001\r\n"
    "aws_secret_access_key = dev-new-secret\r\n"
)
EXPECTED = {
    "dev": ("AKIADEVNEW0000000001", "dev-new-secret"),
    "staging": ("AKIASTAGING000000001", "staging-secret"),
    "ops": ("AKIAOPS0000000000001", "ops-secret"),
}


@pytest.fixture
def creds_file(home: Path) -> Path:
    p = home / ".aws" / "credentials"
    p.write_bytes(CREDS.encode())
    p.chmod(0o600)
    return p


def _stored(env: dict[str, str], profile: str) -> tuple[str, str] | None:
    item = FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"]).get(profile)
    if item is None:
        return None
    obj = json.loads(item.data)
    assert item.label == f"aws-vault ({profile})"
    return obj["AccessKeyID"], obj["SecretAccessKey"]


def _backups(p: Path) -> list[Path]:
    return sorted(p.parent.glob(p.name + ".avault-backup-*"))


def test_import_keeps_the_plaintext_by_default(env, creds_file: Path, run_avault, home: Path):
    r = run_avault("import")
    assert r.returncode == 0, r.stderr
    for profile, pair in EXPECTED.items():
        assert _stored(env, profile) == pair
    assert _stored(env, "temp") is None
    assert 'Skipped "temp": it holds temporary credentials' in r.stderr
    assert "[dev] appears 2 times" in r.stderr
    assert "(line 22) wins" in r.stderr
    assert "still in ~/.aws/credentials" in r.stderr
    assert "avault import --remove-from-file" in r.stderr
    assert creds_file.read_bytes() == CREDS.encode()  # untouched
    assert _backups(creds_file) == []
    config = (home / ".aws" / "config").read_text()
    for profile in EXPECTED:
        assert f"[profile {profile}]" in config
    assert "[profile temp]" not in config
    for _, secret in EXPECTED.values():
        assert secret not in r.stdout + r.stderr


def test_remove_from_file_backs_up_and_removes_only_the_imported_keys(env, creds_file: Path, run_avault):
    r = run_avault("import", "--remove-from-file")
    assert r.returncode == 0, r.stderr
    (backup,) = _backups(creds_file)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backup.read_bytes() == CREDS.encode()
    text = creds_file.read_bytes().decode()
    for key_id, secret in EXPECTED.values():
        assert key_id not in text
        assert secret not in text
    # Everything else stays, CRLF included.
    assert text == (
        "# my keys\r\n"
        "\r\n"
        "[staging]\r\n"
        "; staging comment\r\n"
        "region = eu-west-1\r\n"
        "\r\n"
        "[temp]\r\n"
        "aws_access_key_id = ASIATEMP000000000001\r\n"
        "aws_secret_access_key = temp-secret\r\n"
        "aws_session_token = temp-token\r\n"
        "\r\n"
        "\r\n"
        "# the later [dev] wins\r\n"
    )
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    assert "backup:" in r.stderr


def test_only_named_profiles(env, creds_file: Path, run_avault):
    r = run_avault(
        "import", "--from-credentials-file", str(creds_file), "--profile", "ops", "--remove-from-file"
    )
    assert r.returncode == 0, r.stderr
    assert _stored(env, "ops") == EXPECTED["ops"]
    assert _stored(env, "staging") is None
    text = creds_file.read_text()
    assert "ops-secret" not in text
    assert "staging-secret" in text
    assert "dev-new-secret" in text


def test_unknown_profile_and_missing_file(env, creds_file: Path, run_avault, tmp_path: Path):
    r = run_avault("import", "--profile", "nope")
    assert r.returncode == 1
    assert (
        r.stderr == 'avault: profile "nope" not found in ~/.aws/credentials; see the [names] in that file\n'
    )
    r = run_avault("import", "--from-credentials-file", str(tmp_path / "missing"))
    assert r.returncode == 1
    assert "does not exist" in r.stderr
    assert creds_file.read_bytes() == CREDS.encode()


def test_a_bad_line_is_named_never_quoted(env, home: Path, run_avault):
    p = home / ".aws" / "credentials"
    p.write_text("[dev]\naws_access_key_id = AKIA1\nthis-is-a-secret-ish-line\n")
    r = run_avault("import")
    assert r.returncode == 1
    assert "line 3" in r.stderr
    assert "secret-ish" not in r.stderr


@pytest.mark.e2e
def test_imported_profiles_export_against_moto(env, creds_file: Path, run_avault, moto):
    r = run_avault("import", "--remove-from-file")
    assert r.returncode == 0, r.stderr
    for profile in EXPECTED:
        r = run_avault("export", "--format", "json", profile)
        assert r.returncode == 0, (profile, r.stderr)
        out = json.loads(r.stdout)
        assert out["AccessKeyId"]
        assert out["SessionToken"]  # a GetSessionToken session made from the imported keys
