"""Errors that say how to fix them (issue 17), through the real ``avault`` console script.

Every test here runs the installed CLI as a process and asserts the wording a user sees:
one line on stderr, ``avault: what failed; how to fix it``, nothing on stdout.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

KEYS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000017", "AWS_SECRET_ACCESS_KEY": "not-a-real-secret"}
ROLE = "arn:aws:iam::123456789012:role/{}"


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode != 0, r.stdout
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("avault: ")
    return lines[0]


@pytest.fixture
def elsewhere(home: Path, env: dict[str, str]) -> Path:
    """AWS_CONFIG_FILE away from ~/.aws/config, still under HOME (so it is shown with ~)."""
    path = home / "dotfiles" / "aws-config"
    path.parent.mkdir()
    env["AWS_CONFIG_FILE"] = str(path)
    return path


# -- 1. "credentials missing" says what would work ---------------------------------------------


def test_no_stored_keys_says_add_or_import(aws_config, run_avault):
    aws_config("[profile plain]\nregion = eu-west-1\n")
    line = one_line_error(run_avault("export", "plain"))
    assert line.startswith("avault: profile plain: credentials missing")
    assert "'avault add plain'" in line
    assert "'avault import'" in line


def test_a_missing_source_profile_is_named(aws_config, run_avault):
    aws_config(f"[profile app]\nrole_arn = {ROLE.format('app')}\nsource_profile = keys-typo\n")
    line = one_line_error(run_avault("export", "app"))
    assert "profile app: credentials missing" in line
    assert "source_profile keys-typo is not in ~/.aws/config" in line
    assert "fix source_profile in [profile app]" in line


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ("Ec2InstanceMetadata", "run the AWS CLI without avault"),
        ("EcsContainer", "run the AWS CLI without avault"),
        ("Environment", "'avault add --env ci'"),
    ],
)
def test_credential_source_says_it_is_unsupported_and_what_instead(aws_config, run_avault, value, fix):
    aws_config(f"[profile ci]\nrole_arn = {ROLE.format('ci')}\ncredential_source = {value}\n")
    line = one_line_error(run_avault("export", "ci"))
    assert f"credential_source = {value}, which aws-vault does not support" in line
    assert fix in line


def test_unreadable_web_identity_token_file_says_what_to_fix(aws_config, run_avault):
    aws_config(
        f"[profile pod]\nrole_arn = {ROLE.format('pod')}\nweb_identity_token_file = /nonexistent/token\n"
    )
    line = one_line_error(run_avault("export", "pod"))
    assert "cannot read web_identity_token_file '/nonexistent/token' (No such file or directory)" in line
    assert line.endswith("; fix the path, or run avault where that token is mounted")


# -- 2. source_profile = itself: add and export agree -------------------------------------------

SELF = f"[profile solo]\nregion = us-east-1\nrole_arn = {ROLE.format('solo')}\nsource_profile = solo\n"


def test_self_sourced_profile_export_says_it_needs_its_own_keys(aws_config, run_avault):
    aws_config(SELF)
    line = one_line_error(run_avault("export", "solo"))
    assert "its source_profile names itself, which aws-vault ignores" in line
    assert "'avault add solo'" in line


def test_self_sourced_profile_add_stores_keys_that_export_uses(moto, aws_config, run_avault):
    aws_config(SELF)
    r = run_avault("add", "--env", "solo", extra_env=KEYS_ENV)
    assert r.returncode == 0, r.stderr
    assert "names itself as source_profile, which aws-vault ignores" in r.stderr
    assert "assuming its role_arn with them" in r.stderr
    r = run_avault("--debug", "export", "--format", "json", "solo")
    assert r.returncode == 0, r.stderr
    assert "profile solo: using stored credentials" in r.stderr
    assert "profile solo: using AssumeRole" in r.stderr


def test_add_to_a_role_names_the_source_to_add_to(aws_config, run_avault):
    aws_config(f"[profile keys]\n\n[profile role]\nsource_profile = keys\nrole_arn = {ROLE.format('r')}\n")
    line = one_line_error(run_avault("add", "--env", "role", extra_env=KEYS_ENV))
    assert line.endswith("won't have any effect; add them to keys instead: avault add keys")


# -- 3. the SSO connection error names the knob that set the endpoint ---------------------------

SSO = """[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 123456789012
sso_role_name = Dev
"""


def closed_port_url() -> str:
    from fixtures.moto import free_port  # noqa: PLC0415

    return f"http://127.0.0.1:{free_port()}"


def test_sso_unreachable_names_aws_endpoint_url(aws_config, run_avault):
    aws_config(SSO)
    line = one_line_error(run_avault("export", "sso", extra_env={"AWS_ENDPOINT_URL": closed_port_url()}))
    assert "could not connect to IAM Identity Center" in line
    assert "or AWS_ENDPOINT_URL, which set that endpoint" in line
    assert "AVAULT_SSO_ENDPOINT_URL" not in line


def test_sso_unreachable_names_the_config_key(elsewhere, run_avault):
    elsewhere.write_text(SSO + f"endpoint_url = {closed_port_url()}\n")
    line = one_line_error(run_avault("export", "sso"))
    assert "or endpoint_url in ~/dotfiles/aws-config, which set that endpoint" in line
    assert "AVAULT_SSO_ENDPOINT_URL" not in line


def test_sso_unreachable_names_the_test_hook_when_it_is_set(aws_config, run_avault):
    aws_config(SSO)
    line = one_line_error(
        run_avault("export", "sso", extra_env={"AVAULT_SSO_ENDPOINT_URL": closed_port_url()})
    )
    assert "or AVAULT_SSO_ENDPOINT_URL, which set that endpoint" in line


# -- 4. messages name the config file really in use ---------------------------------------------


def test_unknown_profile_names_aws_config_file(elsewhere, run_avault):
    elsewhere.write_text("[profile real]\nregion = eu-west-1\n")
    line = one_line_error(run_avault("export", "typo"))
    assert "not found in ~/dotfiles/aws-config" in line
    assert ".aws/config" not in line


def test_unknown_profile_outside_home_is_shown_in_full(tmp_path, env, run_avault):
    path = tmp_path / "shared-config"
    path.write_text("[profile real]\n")
    line = one_line_error(run_avault("export", "typo", extra_env={"AWS_CONFIG_FILE": str(path)}))
    assert f"not found in {path} " in line


def test_mfa_cannot_prompt_names_aws_config_file(elsewhere, env, run_avault):
    elsewhere.write_text("[profile mfa]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    assert run_avault("add", "--env", "mfa", extra_env=KEYS_ENV).returncode == 0
    r = run_avault("export", "mfa", no_tty=True)
    line = one_line_error(r)
    assert line.startswith("avault: cannot prompt: no terminal")
    assert line.endswith("pass -t CODE or set mfa_process in ~/dotfiles/aws-config")


def test_prompt_pass_names_aws_config_file(elsewhere, run_avault):
    elsewhere.write_text("[profile p]\ncredential_process = /bin/false\n")
    line = one_line_error(run_avault("export", "--prompt", "pass", "p"))
    assert "to profiles in your ~/dotfiles/aws-config file." in line
    assert ".aws/config" not in line


def test_nul_byte_error_does_not_blame_a_file_not_in_use(elsewhere, run_avault):
    script = elsewhere.parent / "creds.sh"
    script.write_text(
        '#!/bin/sh\necho \'{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"x",'
        '"SessionToken":"t","Expiration":"2999-01-01T00:00:00Z"}\'\n'
    )
    script.chmod(0o700)
    elsewhere.write_bytes(f"[profile p]\nregion = us-east-1\x00\ncredential_process = {script}\n".encode())
    line = one_line_error(run_avault("export", "--format", "zsh", "p"))
    assert "NUL byte" in line
    assert ".aws/config" not in line


# -- 5. --debug prints each line once per run ---------------------------------------------------


def test_debug_lines_are_printed_once_for_a_chain(aws_config, run_avault):
    aws_config(
        f"[profile a]\nrole_arn = {ROLE.format('a')}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ROLE.format('b')}\nsource_profile = c\n"
        "[profile c]\nregion = eu-west-1\n"
    )
    r = run_avault("--debug", "export", "a", extra_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
    assert r.returncode == 1
    assert r.stderr.count("Using endpoint_url 'http://127.0.0.1:1' from AWS_ENDPOINT_URL") == 1
    assert r.stderr.count("Profile 'default' missing in config file") == 1
    # The per-profile lines are still there, one per profile.
    assert "profile a: sourcing credentials from profile b" in r.stderr
    assert "profile b: sourcing credentials from profile c" in r.stderr


# -- 6. [ default ] keeps its raw name ----------------------------------------------------------

SPACED = """[ default ]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/wrong

[profile cp]
credential_process = {script}
"""


def test_spaced_default_header_is_not_the_default_profile(home, aws_config, run_avault):
    script = home / "creds.sh"
    script.write_text(
        '#!/bin/sh\necho \'{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"x",'
        '"SessionToken":"t","Expiration":"2999-01-01T00:00:00Z"}\'\n'
    )
    script.chmod(0o700)
    aws_config(SPACED.format(script=script))
    r = run_avault("list", "--profiles")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["cp"]
    r = run_avault("export", "--format", "json", "cp")
    assert r.returncode == 0, r.stderr
    r = run_avault("export", "cp")
    assert r.returncode == 0, r.stderr
    assert "eu-west-1" not in r.stdout  # the region of [ default ] is not inherited
    line = one_line_error(run_avault("export", "default"))
    assert "profile 'default' not found in ~/.aws/config" in line


def test_doctor_warns_about_a_spaced_header(aws_config, run_avault):
    aws_config("[ default ]\nregion = eu-west-1\n\n[profile  x ]\n[ profile y]\nregion = us-east-1\n")
    r = run_avault("doctor", extra_env={"AWS_ENDPOINT_URL": closed_port_url()})  # its clock check stays local
    assert "Traceback" not in r.stderr
    assert (
        "section [ default ] has spaces inside its brackets, so aws-vault, the AWS CLI and avault "
        "ignore it (it is not [default]); write it as [default]"
    ) in r.stdout
    assert "section [ profile y] has spaces inside its brackets" in r.stdout
    assert "[profile  x ]" not in r.stdout  # spaces after "profile " are fine (the name is x)
