"""exec --profile-env / AWS_VAULT_PROFILE_ENV (the fork's): the command gets AWS_PROFILE, not
keys; credentials are fetched first; an SSO token reaches the AWS CLI's cache. moto for STS,
the fake IAM Identity Center portal, and the real aws CLI as the command."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from avault.context import Context
from avault.creds import format_rfc3339
from avault.vault.base import Item
from avault.vault.file import FileVault
from fixtures.sso import SSO_CONFIG, START_URL

pytestmark = pytest.mark.e2e

SHOW = 'echo "P=${AWS_PROFILE-none} K=${AWS_ACCESS_KEY_ID-none} T=${AWS_SESSION_TOKEN-none} V=$AWS_VAULT"'
CORP_KEY = hashlib.sha1(b"corp").hexdigest()


def session_keys(home: Path) -> list[str]:
    d = home / ".awsvault/keys"
    return sorted(p.name for p in d.iterdir() if p.name.count(",") == 3) if d.exists() else []


@pytest.fixture
def stored(moto, run_avault, aws_config):
    aws_config("[profile dev]\nregion = us-east-1\n\n[profile nokeys]\nregion = us-east-1\n")
    keys = {"AWS_ACCESS_KEY_ID": "AKIAPROFILEENV000001", "AWS_SECRET_ACCESS_KEY": "s"}
    r = run_avault("add", "--env", "--no-add-config", "dev", extra_env=keys)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize(
    ("args", "extra"), [(["--profile-env"], {}), ([], {"AWS_VAULT_PROFILE_ENV": "true"})]
)
def test_the_command_gets_aws_profile_and_no_keys(stored, run_avault, home, args, extra):
    r = run_avault("exec", *args, "dev", "--", "sh", "-c", SHOW, extra_env=extra)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "P=dev K=none T=none V=dev\n"
    # ...but the credentials were fetched first: the GetSessionToken session is cached.
    assert len(session_keys(home)) == 1


def test_without_it_the_keys_are_injected(stored, run_avault):
    r = run_avault("exec", "dev", "--", "sh", "-c", SHOW)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("P=none K=")
    assert "K=none" not in r.stdout


def test_credentials_are_validated_before_the_command_runs(stored, run_avault, tmp_path: Path):
    marker = tmp_path / "ran"
    r = run_avault("exec", "--profile-env", "nokeys", "--", "touch", str(marker))
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    assert "nokeys" in r.stderr
    assert not marker.exists()


def test_not_with_the_ecs_server(stored, run_avault):
    r = run_avault("exec", "--profile-env", "--ecs-server", "dev", "--", "true")
    assert (r.returncode, r.stderr) == (1, "avault: Can't use --profile-env with --ecs-server\n")


def test_sso_token_from_aws_vault_is_synced_for_the_aws_cli(moto, sso, aws_config, run_avault, env):
    """The token sits only in aws-vault's `oidc:` item (role credentials still cached): exec
    --profile-env writes it to ~/.aws/sso/cache, and the real aws CLI signs in with it."""
    aws_config(SSO_CONFIG)
    r = run_avault("export", "--format", "json", "sso-prod")
    assert r.returncode == 0, r.stderr
    cli_file = sso.cache_dir / f"{CORP_KEY}.json"
    token = json.loads(cli_file.read_text())["accessToken"]
    cli_file.unlink()
    vault = FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"])
    expires = time.time() + 3600
    inner = {"AccessToken": token, "ExpiresIn": 3600, "TokenType": "Bearer"}
    data = json.dumps({"Token": inner, "Expiration": format_rfc3339(expires)})
    vault.set(Item(key=f"oidc:{START_URL}", data=data.encode(), label="aws-vault oidc token"))

    command = ["aws", "sts", "get-caller-identity", "--output", "json"]
    # The aws CLI reaches the fake portal through the standard per-service endpoint variable.
    r = run_avault(
        "exec",
        "--profile-env",
        "sso-prod",
        "--",
        *command,
        extra_env={"AWS_ENDPOINT_URL_SSO": sso.portal.url},
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Account"]
    synced = json.loads(cli_file.read_text())
    assert synced["accessToken"] == token
    assert synced["startUrl"] == START_URL
    assert cli_file.stat().st_mode & 0o777 == 0o600
    assert sso.portal.device_authorizations == 1  # no new sign-in
    assert sso.portal.calls["GetRoleCredentials"] == 2  # ours (cached since) and the aws CLI's
