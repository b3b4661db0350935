"""avault doctor: one line per check, a fix on every FAIL line, non-zero when anything is wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import avault_cmd

pytestmark = pytest.mark.e2e

HEALTHY = """\
[profile dev]
region = us-east-1
output = json

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod
"""


@pytest.fixture
def healthy(moto, run_avault, aws_config, home: Path):
    aws_config(HEALTHY)
    r = run_avault(
        "add",
        "--env",
        "dev",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000001", "AWS_SECRET_ACCESS_KEY": "s3cr3t"},
    )
    assert r.returncode == 0, r.stderr
    (home / ".zshrc").write_text('eval "$(avault init zsh)"\n')
    return home


def lines(stdout: str, level: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(level)]


def test_healthy_setup_passes(healthy, run_avault) -> None:
    # What `avs --doctor` passes after checking each piece in an interactive zsh.
    r = run_avault("doctor", "--shell", "zsh", extra_env={"AVS_DOCTOR": "zsh avs prompt completion"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert lines(r.stdout, "FAIL") == []
    text = r.stdout
    assert "unlocked by AWS_VAULT_FILE_PASSPHRASE" in text
    assert "2 profiles resolve" in text
    assert "the zsh integration is loaded (avs, prompt segment, completion)" in text
    assert "within" in text  # the clock check reached moto's Date header
    assert "holds no long-term keys" in text or "no ~/.aws/credentials" in text


def test_each_problem_is_one_fail_line_with_a_fix(healthy, run_avault, aws_config, home: Path) -> None:
    aws_config(
        HEALTHY
        + "\n[profile typo]\nsource_profile = dev\nrole_arn = arn:aws:iam::1:role/x\nrgion = eu-west-1\n"
        + "\n[profile orphan]\nsource_profile = nosuch\nrole_arn = arn:aws:iam::1:role/y\n"
        + "\n[profile nokeys]\nregion = us-east-1\n"
        + "\n[profile loop1]\ninclude_profile = loop2\n\n[profile loop2]\ninclude_profile = loop1\n"
    )
    (home / ".awsvault/keys").chmod(0o755)
    (home / ".aws/credentials").write_text("[old]\naws_access_key_id = AKIAOLD\naws_secret_access_key = x\n")
    (home / ".zshrc").unlink()
    r = run_avault("doctor", extra_env={"AVAULT_TEST_CLOCK_SKEW": "3600"})
    assert r.returncode == 1
    fails = lines(r.stdout, "FAIL")
    joined = "\n".join(fails)
    assert "chmod 700" in joined
    assert "unknown key(s) rgion" in joined
    assert "source_profile 'nosuch' does not exist" in joined
    assert "profile 'nokeys' has no credentials" in joined
    assert "avault add nokeys" in joined
    assert "Loop detected" in joined
    assert "avault import --remove-from-file" in joined
    assert "no shell integration found" in joined
    assert "ahead of STS" in joined
    # one line each, and nothing secret
    assert all(line.count("\n") == 0 for line in fails)
    assert "s3cr3t" not in r.stdout + r.stderr
    assert "doctor found" in r.stderr


def test_locked_file_vault_is_a_note_not_a_failure(healthy, run_avault, env) -> None:
    # set-but-empty still counts as a passphrase, as in aws-vault
    r = run_avault("doctor", "--shell", "bash", extra_env={"AWS_VAULT_FILE_PASSPHRASE": ""})
    assert "unlocked by AWS_VAULT_FILE_PASSPHRASE" in r.stdout
    # unset: no command, no agent -> a note saying how to be asked once per login
    locked = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    locked["AVAULT_AGENT"] = "0"
    r = subprocess.run(
        [*avault_cmd(), "doctor", "--shell", "bash"],
        env=locked,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert "is locked: you will be asked" in r.stdout
    assert "AVAULT_AGENT=1" in r.stdout
    assert r.returncode == 0, r.stdout


def test_offline_clock_check_is_skipped(healthy, run_avault) -> None:
    r = run_avault("doctor", "--shell", "zsh", extra_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert "clock: skipped" in r.stdout
    assert r.returncode == 0, r.stdout


def test_alias_clash_is_reported(healthy, run_avault) -> None:
    r = run_avault("doctor", "--shell", "zsh", "--alias-clash")
    assert "zsh-aws-vault's alias" in r.stdout
