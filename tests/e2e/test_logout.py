"""``avault logout``: sessions really go (the next export calls STS), the shell is cleared, roles revoked."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from fakes.recorder import Recorder

pytestmark = pytest.mark.e2e

AVAULT = str(Path(sys.executable).parent / "avault")
ACCOUNT = "123456789012"
CONFIG = f"""[profile mfa]
region = us-east-1
mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/me

[profile base]
region = us-east-1

[profile r1]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/r1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile ssop]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = Admin
"""


@pytest.fixture
def setup(moto, env, aws_config, run_avault):
    aws_config(CONFIG)
    for profile in ("mfa", "base"):
        r = run_avault(
            "add",
            "--env",
            "--no-add-config",
            profile,
            extra_env={"AWS_ACCESS_KEY_ID": f"AKIA{profile.upper():0>16}", "AWS_SECRET_ACCESS_KEY": "x"},
        )
        assert r.returncode == 0, r.stderr
    counter = Recorder(moto.url)
    env["AWS_ENDPOINT_URL"] = counter.url
    yield counter
    counter.server.shutdown()


def test_next_export_calls_sts_again(setup, run_avault):
    assert run_avault("export", "-t", "123456", "mfa").returncode == 0
    assert run_avault("export", "-t", "123456", "mfa").returncode == 0
    assert setup.actions == ["GetSessionToken"]  # the second one came from the cache
    r = run_avault("logout", "mfa")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "Logged out of mfa: deleted 1 sessions." in r.stderr
    assert run_avault("export", "-t", "123456", "mfa").returncode == 0
    assert setup.actions == ["GetSessionToken", "GetSessionToken"]


def test_logout_clears_the_shell(setup, env):
    script = f"""
eval "$({AVAULT} export --format bash -t 123456 mfa)"
echo "before:$AWS_ACCESS_KEY_ID:$AVS_PROFILE:$AWS_REGION"
eval "$({AVAULT} logout --format bash)"
echo "after:${{AWS_ACCESS_KEY_ID-unset}}:${{AWS_SESSION_TOKEN-unset}}:${{AVS_PROFILE-unset}}:${{AWS_VAULT-unset}}:${{AWS_REGION-unset}}"
"""
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    before, after = r.stdout.strip().splitlines()
    assert before.startswith("before:")
    assert ":mfa:us-east-1" in before
    assert after == "after:unset:unset:unset:unset:unset"


def test_logout_of_another_profile_leaves_the_shell(setup, run_avault):
    r = run_avault("logout", "--format", "zsh", "base", extra_env={"AVS_PROFILE": "mfa", "AWS_VAULT": "mfa"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""


def test_role_logout_clears_the_chain_and_sso_tokens(setup, run_avault, home, monkeypatch):
    from avault.context import Context  # noqa: PLC0415
    from avault.vault.base import Item  # noqa: PLC0415
    from avault.vault.file import FileVault  # noqa: PLC0415

    assert run_avault("export", "-t", "123456", "mfa").returncode == 0
    vault = FileVault.from_context(Context.from_os(), str(home / ".awsvault/keys"))
    for key in ("oidc:https://corp.awsapps.com/start", "oidc:corp", "oidc:https://other/start"):
        vault.set(Item(key=key, data=b"{}"))
    # the token avault (and the AWS CLI) keep in ~/.aws/sso/cache, named by sha1(session name)
    import hashlib  # noqa: PLC0415

    cache = home / ".aws/sso/cache"
    cache.mkdir(parents=True)
    cli_token = cache / (hashlib.sha1(b"corp").hexdigest() + ".json")
    cli_token.write_text('{"startUrl": "https://corp.awsapps.com/start", "accessToken": "t"}')
    r = run_avault("logout", "ssop")
    assert r.returncode == 0, r.stderr
    assert "oidc:corp" in vault.keys()  # noqa: SIM118 - Vault.keys()
    assert cli_token.exists()
    r = run_avault("logout", "--sso", "ssop")
    assert r.returncode == 0, r.stderr
    assert "and 3 SSO tokens" in r.stderr
    tokens = [k for k in vault.keys() if k.startswith("oidc:")]  # noqa: SIM118 - Vault.keys()
    assert tokens == ["oidc:https://other/start"]
    assert not cli_token.exists()


pexpect = pytest.importorskip("pexpect")


def _role_policy(moto):
    import boto3  # noqa: PLC0415

    iam = boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    try:
        return iam.get_role_policy(RoleName="r1", PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None


def test_revoke_asks_first(setup, moto, env):
    import boto3  # noqa: PLC0415

    iam = boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    iam.create_role(
        RoleName="r1", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )

    child = pexpect.spawn(AVAULT, ["logout", "--revoke", "r1"], env=env, encoding="utf-8", timeout=30)
    child.expect_exact("Revoke every active session of role arn:aws:iam::123456789012:role/r1?")
    child.expect_exact("EVERY holder of the role")
    child.sendline("n")
    child.expect_exact("Nothing revoked.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _role_policy(moto) is None

    child = pexpect.spawn(AVAULT, ["logout", "--revoke", "r1"], env=env, encoding="utf-8", timeout=30)
    child.expect_exact("(y|N) ")
    child.sendline("y")
    child.expect_exact("Revoked sessions of role arn:aws:iam::123456789012:role/r1 issued before ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    doc = _role_policy(moto)
    if isinstance(doc, str):
        doc = json.loads(urllib.parse.unquote(doc))
    [statement] = doc["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == ["*"]
    assert statement["Resource"] == ["*"]
    stamp = statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
    assert len(stamp) == 20
    assert stamp.endswith("Z")


def test_revoke_needs_a_role(setup, run_avault):
    r = run_avault("logout", "--revoke", "-f", "base")
    assert r.returncode == 1
    assert "profile base has no role_arn" in r.stderr
