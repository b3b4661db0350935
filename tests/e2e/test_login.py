"""``avault login`` against moto (credentials) and a local fake of the sign-in service."""

from __future__ import annotations

import html
import json
import time
import urllib.parse
from pathlib import Path

import pytest

from fakes.federation import TOKEN, FakeFederation

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
Q = urllib.parse.quote_plus
CONFIG = f"""[profile base]
region = us-east-1

[profile r1]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/r1

[profile alice]
region = eu-west-1
"""


def iam(moto):
    import boto3  # noqa: PLC0415

    return boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def add_keys(run_avault, profile: str, key: str, secret: str) -> None:
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        profile,
        extra_env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret},
    )
    assert r.returncode == 0, r.stderr


@pytest.fixture
def fed(env):
    fake = FakeFederation()
    env["AVAULT_FEDERATION_URL"] = fake.url
    yield fake
    fake.close()


@pytest.fixture
def setup(moto, aws_config, run_avault):
    aws_config(CONFIG)
    add_keys(run_avault, "base", "AKIABASE000000000001", "base-secret")
    client = iam(moto)
    client.create_user(UserName="alice")
    key = client.create_access_key(UserName="alice")["AccessKey"]
    add_keys(run_avault, "alice", key["AccessKeyId"], key["SecretAccessKey"])
    return key


def expected(prefix: str, dest: str) -> str:
    return f"{prefix}?Action=login&Issuer=aws-vault&Destination={Q(dest, safe='')}&SigninToken={Q(TOKEN, safe='')}\n"


def test_role_credentials_are_used_as_they_are(setup, fed, run_avault):
    r = run_avault("login", "-s", "r1")
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected(
        fed.url, "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    )
    [raw] = fed.sessions()
    session = json.loads(raw)
    assert list(session) == ["sessionId", "sessionKey", "sessionToken"]
    assert raw == json.dumps(session, separators=(",", ":"), sort_keys=True)
    assert session["sessionId"].startswith("ASIA")
    assert session["sessionToken"]
    assert "base-secret" not in raw
    assert TOKEN not in r.stderr


def test_iam_user_goes_through_federation(setup, fed, run_avault, home):
    r = run_avault("login", "--stdout", "alice", extra_env={"AWS_REGION": ""})  # the profile's region
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected(
        fed.url, "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    )
    [raw] = fed.sessions()
    session = json.loads(raw)
    assert session["sessionId"] != setup["AccessKeyId"]
    assert session["sessionKey"] != setup["SecretAccessKey"]
    assert session["sessionToken"]  # GetFederationToken credentials, not the user's keys
    # GetSessionToken is off for the target: nothing was cached for alice.
    assert not [p for p in (home / ".awsvault/keys").iterdir() if p.name.count(",") == 3]


@pytest.mark.parametrize(
    ("args", "dest"),
    [
        (
            ["--region", "cn-north-1"],
            "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1",
        ),
        (
            ["--region", "us-gov-west-1", "--path", "s3/home"],
            "https://us-gov-west-1.console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1",
        ),
        (
            ["--region", "eusc-de-east-1"],
            "https://eusc-de-east-1.console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1",
        ),
        (
            ["--region", "us-west-2", "--path", "ec2/home"],
            "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2",
        ),
    ],
)
def test_region_and_path(setup, fed, run_avault, args, dest):
    r = run_avault("login", "-s", *args, "r1")
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected(fed.url, dest)


def test_no_region_uses_the_global_console_and_ignores_path(setup, fed, run_avault, aws_config):
    aws_config(CONFIG.replace("region = us-east-1\n", ""))
    r = run_avault("login", "-s", "--path", "s3/home", "r1", extra_env={"AWS_REGION": ""})
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected(fed.url, "https://console.aws.amazon.com/")


def test_auto_logout(setup, fed, run_avault):
    r = run_avault("login", "-s", "-a", "r1")
    assert r.returncode == 0, r.stderr
    dest = "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    inner = f"{fed.url}?Action=login&Issuer=aws-vault&Destination={dest}&SigninToken={TOKEN}"
    assert (
        r.stdout
        == f"https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri={Q(inner, safe='')}\n"
    )


def test_env_credentials_after_avs(setup, fed, run_avault):
    """`avl` right after `avs r1`: no profile, the shell's keys."""
    r = run_avault("export", "--format", "json", "r1")
    assert r.returncode == 0, r.stderr
    creds = json.loads(r.stdout)
    shell = {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
        "AWS_VAULT": "r1",
        "AVS_PROFILE": "r1",
        "AWS_REGION": "us-east-1",
    }
    r = run_avault("login", "-s", extra_env=shell)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected(
        fed.url, "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    )
    assert json.loads(fed.sessions()[0])["sessionId"] == creds["AccessKeyId"]


def test_no_profile_and_no_env_credentials(fed, run_avault, env):
    r = run_avault("login", "-s")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "no profile given and no AWS credentials in the environment" in r.stderr
    assert fed.requests == []


def _recorder(bin_dir: Path, name: str, out: Path) -> Path:
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    script.write_text(
        f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {out}.tmp && mv {out}.tmp {out}\n'
    )
    script.chmod(0o755)
    return script


def _wait_for(path: Path) -> list[str]:
    deadline = time.monotonic() + 10
    while not path.exists():
        assert time.monotonic() < deadline, "the browser was not started"
        time.sleep(0.05)
    return path.read_text().splitlines()


def _page_target(file_url: str) -> str:
    """The URL the sign-in page sends the browser to (the browser itself gets only the page)."""
    assert file_url.startswith("file:///")
    text = Path(urllib.parse.unquote(urllib.parse.urlsplit(file_url).path)).read_text()
    return html.unescape(text.split('http-equiv="refresh" content="0;url=', 1)[1].split('"', 1)[0])


def test_browser_gets_the_url(setup, fed, run_avault, tmp_path):
    out = tmp_path / "argv"
    browser = _recorder(tmp_path / "bin", "my-browser", out)
    r = run_avault("login", "r1", extra_env={"BROWSER": str(browser)})
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert TOKEN not in r.stderr
    dest = "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
    [page] = _wait_for(out)
    assert TOKEN not in page
    assert _page_target(page) == expected(fed.url, dest).strip()


@pytest.mark.parametrize(
    ("name", "flags"),
    [("google-chrome", ["--user-data-dir={d}"]), ("firefox", ["--profile", "{d}", "--no-remote"])],
)
def test_isolated_browser_profile(setup, fed, run_avault, tmp_path, home, name, flags):  # noqa: PLR0917 - fixtures
    out = tmp_path / "argv"
    browser = _recorder(tmp_path / "bin", name, out)
    data = home / ".local/share"
    r = run_avault("login", "--browser-profile", "work", "r1", extra_env={"BROWSER": str(browser)})
    assert r.returncode == 0, r.stderr
    family = "firefox" if name == "firefox" else "chrome"
    d = data / "avault/browser" / family / "work"
    argv = _wait_for(out)
    assert argv[:-1] == [f.format(d=d) for f in flags]
    assert _page_target(argv[-1]).startswith(fed.url + "?Action=login&")
    assert d.is_dir()

    # AVS_LOGIN_ISOLATED=1: one browser profile per AWS profile.
    out.unlink()
    r = run_avault("login", "alice", extra_env={"BROWSER": str(browser), "AVS_LOGIN_ISOLATED": "1"})
    assert r.returncode == 0, r.stderr
    assert str(data / "avault/browser" / family / "alice") in "\n".join(_wait_for(out))


def test_signin_refused(setup, fed, run_avault):
    fed.status = 400
    r = run_avault("login", "-s", "r1")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Call to getSigninToken failed with 400" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_signin_without_token(setup, fed, run_avault):
    fed.body = b'{"Nope": 1}'
    r = run_avault("login", "-s", "r1")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Expected a response with SigninToken" in r.stderr


def test_credentials_that_cannot_federate(moto, fed, aws_config, run_avault):
    client = iam(moto)
    client.create_user(UserName="admin")
    client.put_user_policy(
        UserName="admin",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    client.create_user(UserName="nobody")
    key = client.create_access_key(UserName="nobody")["AccessKey"]
    aws_config("[profile nobody]\nregion = us-east-1\n")
    add_keys(run_avault, "nobody", key["AccessKeyId"], key["SecretAccessKey"])
    moto.enable_auth()
    r = run_avault("login", "-s", "nobody")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "login nobody: these credentials cannot federate" in r.stderr
    assert "AccessDenied" in r.stderr
    assert key["SecretAccessKey"] not in r.stderr
    assert fed.requests == []
