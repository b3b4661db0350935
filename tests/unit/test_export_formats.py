"""export's output formats, byte for byte (aws-vault's env/json/ini, plus our shell switch)."""

from __future__ import annotations

import pytest

from avault.config.resolution import ProfileConfig
from avault.creds import Credentials
from avault.errors import AvaultError
from avault.switch import (
    NESTED_EXPORT,
    Resolved,
    check_nested,
    child_env,
    render_format,
    without_switch_region,
)

EXP = 1_587_035_787  # 2020-04-16T11:16:27Z


def resolved(
    *, token: bool = True, region: str = "eu-west-1", endpoint: str = "", account: str = ""
) -> Resolved:
    c = Credentials(
        "ASIAEXAMPLE",
        "se/cr+et",
        "tok'en" if token else "",
        float(EXP) if token else None,
        account,
    )
    cfg = ProfileConfig(profile_name="prod", region=region, endpoint_url=endpoint)
    return Resolved("prod", cfg, c)


def test_env():
    assert render_format("env", resolved(), {}) == (
        "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=se/cr+et\n"
        "AWS_SESSION_TOKEN=tok'en\n"
        "AWS_CREDENTIAL_EXPIRATION=2020-04-16T11:16:27Z\n"
        "AWS_REGION=eu-west-1\n"
        "AWS_DEFAULT_REGION=eu-west-1\n"
    )
    assert render_format("env", resolved(token=False, region=""), {}) == (
        "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=se/cr+et\n"
    )


@pytest.mark.parametrize("fmt", ["env", "ini"])
@pytest.mark.parametrize("bad", ["\n", "\r", "\0"])
def test_line_formats_refuse_line_breaks_and_nul(fmt, bad):
    with pytest.raises(
        AvaultError,
        match=rf"^the value of (AWS_REGION|region) holds a line break or NUL, which --format {fmt} .*--format json$",
    ):
        render_format(fmt, resolved(region=f"eu-west-1{bad}X=1"), {})
    assert render_format(fmt, resolved(region="eu-west-1"), {})  # the same without it


def test_export_env_quotes():
    assert render_format("export-env", resolved(), {}) == (
        "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
        "export AWS_SECRET_ACCESS_KEY=se/cr+et\n"
        "export AWS_SESSION_TOKEN='tok'\\''en'\n"
        "export AWS_CREDENTIAL_EXPIRATION=2020-04-16T11:16:27Z\n"
        "export AWS_REGION=eu-west-1\n"
        "export AWS_DEFAULT_REGION=eu-west-1\n"
    )


def test_json_is_credential_process_shape():
    assert render_format("json", resolved(), {}) == (
        "{\n"
        '  "Version": 1,\n'
        '  "AccessKeyId": "ASIAEXAMPLE",\n'
        '  "SecretAccessKey": "se/cr+et",\n'
        '  "SessionToken": "tok\'en",\n'
        '  "Expiration": "2020-04-16T11:16:27Z"\n'
        "}\n"
    )
    assert render_format("json", resolved(token=False), {}) == (
        '{\n  "Version": 1,\n  "AccessKeyId": "ASIAEXAMPLE",\n  "SecretAccessKey": "se/cr+et"\n}\n'
    )


def test_ini():
    assert render_format("ini", resolved(), {}) == (
        "[prod]\n"
        "aws_access_key_id=ASIAEXAMPLE\n"
        "aws_secret_access_key=se/cr+et\n"
        "aws_session_token=tok'en\n"
        "aws_credential_expiration=2020-04-16T11:16:27Z\n"
        "region=eu-west-1\n"
    )


UNSETS = (
    "unset AWS_VAULT;\nunset AWS_ACCESS_KEY_ID;\nunset AWS_SECRET_ACCESS_KEY;\nunset AWS_SESSION_TOKEN;\n"
    "unset AWS_SECURITY_TOKEN;\nunset AWS_CREDENTIAL_EXPIRATION;\nunset AWS_SESSION_EXPIRATION;\n"
    "unset AWS_CREDENTIAL_FILE;\nunset AWS_DEFAULT_PROFILE;\nunset AWS_PROFILE;\nunset AWS_SDK_LOAD_CONFIG;\n"
    "unset AVS_PROFILE;\nunset AVS_EXPIRES;\nunset AVS_ACCOUNT;\nunset AVS_REGION;\nunset AVS_ENDPOINT_URL;\n"
)


def test_bash_switch():
    out = render_format("bash", resolved(endpoint="http://127.0.0.1:5000", account="123456789012"), {})
    assert out == UNSETS + (
        "export AWS_VAULT=prod;\n"
        "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE;\n"
        "export AWS_SECRET_ACCESS_KEY=se/cr+et;\n"
        "export AWS_SESSION_TOKEN='tok'\\''en';\n"
        "export AWS_CREDENTIAL_EXPIRATION=2020-04-16T11:16:27Z;\n"
        "export AWS_SESSION_EXPIRATION=2020-04-16T11:16:27Z;\n"
        "export AWS_REGION=eu-west-1;\n"
        "export AWS_DEFAULT_REGION=eu-west-1;\n"
        "export AVS_REGION=eu-west-1;\n"
        "export AWS_ENDPOINT_URL=http://127.0.0.1:5000;\n"
        "export AVS_ENDPOINT_URL=http://127.0.0.1:5000;\n"
        "export AVS_PROFILE=prod;\n"
        f"export AVS_EXPIRES={EXP};\n"
        "export AVS_ACCOUNT=123456789012;\n"
    )
    assert render_format("zsh", resolved(endpoint="http://127.0.0.1:5000", account="123456789012"), {}) == out


def test_fish_switch_long_term_keys_no_region():
    out = render_format("fish", resolved(token=False, region=""), {})
    assert out == UNSETS.replace("unset ", "set -e ") + (
        "set -gx AWS_VAULT prod;\n"
        "set -gx AWS_ACCESS_KEY_ID ASIAEXAMPLE;\n"
        "set -gx AWS_SECRET_ACCESS_KEY se/cr+et;\n"
        "set -gx AVS_PROFILE prod;\n"
    )


def test_switch_unsets_region_only_when_a_previous_switch_set_it():
    prev = {"AWS_REGION": "us-west-2", "AVS_REGION": "us-west-2"}
    out = render_format("bash", resolved(region=""), prev)
    assert "unset AWS_REGION;\nunset AWS_DEFAULT_REGION;\n" in out
    users_own = {"AWS_REGION": "us-west-2", "AVS_REGION": "eu-west-1"}
    assert "AWS_REGION" not in render_format("bash", resolved(region=""), users_own)
    # A new region is set rather than unset.
    out = render_format("bash", resolved(region="eu-central-1"), prev)
    assert "unset AWS_REGION" not in out
    assert "export AWS_REGION=eu-central-1;" in out


def test_switch_region_is_not_taken_from_a_previous_switch():
    env = {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2", "AVS_REGION": "us-west-2", "X": "1"}
    assert without_switch_region(env) == {"AVS_REGION": "us-west-2", "X": "1"}
    mine = {"AWS_REGION": "eu-west-1", "AVS_REGION": "us-west-2"}
    assert without_switch_region(mine) == mine


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({}, False),
        ({"AWS_VAULT": "prod", "AVS_PROFILE": "prod"}, False),
        ({"AWS_VAULT": "prod"}, True),
        ({"AWS_VAULT": "prod", "AVS_PROFILE": "dev"}, True),
    ],
)
def test_nested_guard(env, refused):
    if refused:
        with pytest.raises(AvaultError, match="in an existing aws-vault subshell; 'exit' from the subshell"):
            check_nested(env, NESTED_EXPORT)
    else:
        check_nested(env, NESTED_EXPORT)


def test_exec_child_env():
    parent = {
        "PATH": "/bin",
        "AWS_PROFILE": "x",
        "AWS_SECURITY_TOKEN": "old",
        "AWS_SDK_LOAD_CONFIG": "1",
        "AVS_PROFILE": "dev",
        "AVS_EXPIRES": "1",
        "AVS_ACCOUNT": "1",
        "AVS_REGION": "us-west-2",
        "AWS_REGION": "us-west-2",
        "AWS_SESSION_TOKEN": "stale",
    }
    env = child_env(parent, resolved(token=False, region="", endpoint="http://e"))
    assert env == {
        "PATH": "/bin",
        "AWS_VAULT": "prod",
        "AWS_ENDPOINT_URL": "http://e",
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "se/cr+et",
    }
    env = child_env({}, resolved())
    assert env["AWS_CREDENTIAL_EXPIRATION"] == env["AWS_SESSION_EXPIRATION"] == "2020-04-16T11:16:27Z"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_SESSION_TOKEN"] == "tok'en"
