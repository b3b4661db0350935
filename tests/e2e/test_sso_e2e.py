"""SSO end to end: the real CLI, the fake IAM Identity Center portal, moto STS and the aws CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures.sso import DEV_ACCOUNT, PROD_ACCOUNT, SSO_CONFIG, START_URL

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AVAULT = str(Path(sys.executable).parent / "avault")
CORP_KEY = hashlib.sha1(b"corp").hexdigest()


def session_keys(home: Path) -> list[str]:
    d = home / ".awsvault/keys"
    return sorted(p.name for p in d.iterdir() if p.name.count(",") == 3) if d.exists() else []


def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
    )


def test_export_zsh_then_exec_and_a_role_on_top(moto, sso, aws_config, run_avault, home):
    aws_config(SSO_CONFIG)
    r = run_avault("export", "--format", "zsh", "sso-prod")
    assert r.returncode == 0, r.stderr
    assert "export AWS_ACCESS_KEY_ID=" in r.stdout
    assert "export AWS_VAULT=sso-prod;" in r.stdout
    assert f"export AVS_ACCOUNT={PROD_ACCOUNT};" in r.stdout
    assert "Opening the SSO authorization page" in r.stderr
    assert len(sso.browser_calls()) == 1
    assert sso.browser_calls()[0].startswith(f"{sso.portal.url}/device?user_code=")
    assert sso.portal.device_authorizations == 1
    # The token lives in the AWS CLI's cache; the role credentials in the vault's session cache.
    token = json.loads((sso.cache_dir / f"{CORP_KEY}.json").read_text())
    assert token["startUrl"] == START_URL
    assert token["refreshToken"]
    (key,) = session_keys(home)
    kind, b64_profile, b64_url, _exp = key.split(",")
    assert (kind, b64_profile) == ("sso.GetRoleCredentials", "c3NvLXByb2Q")  # aws-vault's key shape
    assert base64.urlsafe_b64decode(b64_url + "=" * (-len(b64_url) % 4)).decode() == START_URL

    r = run_avault("exec", "sso-prod", "--", "aws", "sts", "get-caller-identity", "--output", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Account"]
    r = run_avault("exec", "sso-admin", "--", "aws", "sts", "get-caller-identity", "--output", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Arn"] == f"arn:aws:sts::{PROD_ACCOUNT}:assumed-role/admin/avs-sso"
    # Every later call reused the cached role credentials: still one browser tab, one login.
    assert len(sso.browser_calls()) == 1
    assert sso.portal.device_authorizations == 1
    assert sso.portal.calls["GetRoleCredentials"] == 1


def test_credential_process_for_the_aws_cli(moto, sso, aws_config, run_avault):
    aws_config(
        SSO_CONFIG
        + f"\n[profile viaproc]\ncredential_process = {AVAULT} export --format json sso-prod\n"
        + "region = us-east-1\n"
    )
    r = run(sso.env, "aws", "sts", "get-caller-identity", "--profile", "viaproc", "--output", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Account"]
    assert len(sso.browser_calls()) == 1


def test_ten_parallel_exports_one_device_authorization(moto, sso, aws_config):
    aws_config(SSO_CONFIG)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(
            pool.map(lambda _i: run(sso.env, AVAULT, "export", "--format", "json", "sso-prod"), range(10))
        )
    for r in results:
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["Version"] == 1
    assert sso.portal.device_authorizations == 1
    assert sso.portal.calls["RegisterClient"] == 1
    assert len(sso.browser_calls()) == 1
    waited = [r for r in results if "waiting for the SSO login" in r.stderr]
    assert waited  # the others said why they paused


def test_refresh_token_is_used_before_any_browser(moto, sso, aws_config, run_avault, home):
    aws_config(SSO_CONFIG)
    assert run_avault("export", "--format", "json", "sso-prod").returncode == 0
    assert sso.portal.device_authorizations == 1
    # Nine hours later: the role credentials (1h) and the access token (8h) have expired.
    skew = {"AVAULT_TEST_CLOCK_SKEW": str(9 * 3600)}
    r = run_avault("export", "--format", "json", "sso-prod", extra_env=skew)
    assert r.returncode == 0, r.stderr
    assert sso.portal.device_authorizations == 1  # no new login
    assert len(sso.browser_calls()) == 1
    assert [name for name, body in sso.portal.requests if body.get("grantType") == "refresh_token"] == [
        "CreateToken"
    ]
    assert "Traceback" not in r.stderr


def test_user_never_approves(moto, sso, aws_config, run_avault, home):
    sso.portal.device_expires_in = 2
    sso.ignore_browser()
    aws_config(SSO_CONFIG)
    start = time.monotonic()
    r = run_avault("export", "--format", "json", "sso-prod")
    assert time.monotonic() - start < 20
    assert r.returncode == 1
    assert r.stdout == ""
    assert "was not approved in time" in r.stderr
    assert "run the command again" in r.stderr
    assert len(sso.browser_calls()) == 1
    assert not (sso.cache_dir / f"{CORP_KEY}.json").exists()
    assert session_keys(home) == []


def test_ctrl_c_while_waiting_for_approval(moto, sso, aws_config, home):
    sso.ignore_browser()
    aws_config(SSO_CONFIG)
    proc = subprocess.Popen(
        [AVAULT, "export", "--format", "zsh", "sso-prod"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=sso.env,
    )
    deadline = time.monotonic() + 20
    while not sso.browser_calls() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if not sso.browser_calls():
        proc.kill()
        raise AssertionError(f"the browser was never opened: {proc.communicate()[1]}")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert out == ""
    assert "avault: SSO login aborted" in err
    assert "Traceback" not in err
    assert not (sso.cache_dir / f"{CORP_KEY}.json").exists()
    assert session_keys(home) == []


def test_access_denied_to_the_role(moto, sso, aws_config, run_avault, home):
    sso.portal.forbidden.add((PROD_ACCOUNT, "AdministratorAccess"))
    aws_config(SSO_CONFIG)
    r = run_avault("export", "--format", "json", "sso-prod")
    assert r.returncode == 1
    assert r.stdout == ""
    assert (
        f"profile sso-prod: IAM Identity Center denied role AdministratorAccess in account {PROD_ACCOUNT}"
        in r.stderr
    )
    assert session_keys(home) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "[profile p]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = r\n",
            "names sso_session 'nope' but there is no [sso-session nope] section",
        ),
        (
            "[profile p]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
            "profile p uses SSO (https://x.awsapps.com/start) but has no sso_account_id or sso_role_name",
        ),
        (
            "[profile p]\nsso_start_url = https://x.awsapps.com/start\nsso_account_id = 1\nsso_role_name = r\n",
            "profile p uses SSO but has no sso_region",
        ),
    ],
)
def test_bad_sso_config(moto, sso, aws_config, run_avault, config, message):  # noqa: PLR0917 - pytest fixtures
    aws_config(config)
    r = run_avault("export", "--format", "json", "p")
    assert r.returncode == 1
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert sso.portal.calls == {}


def test_corrupt_cache_and_rejected_token(moto, sso, aws_config, run_avault):
    aws_config(SSO_CONFIG)
    sso.cache_dir.mkdir(parents=True)
    (sso.cache_dir / f"{CORP_KEY}.json").write_text("{not json")
    r = run_avault("export", "--format", "json", "sso-prod")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads((sso.cache_dir / f"{CORP_KEY}.json").read_text())["accessToken"]
    # The portal forgets every token (e.g. an admin signed the user out): dropped, signed in again.
    sso.portal.revoke_everything()
    r = run_avault("clear", "sso-prod")
    assert r.returncode == 0, r.stderr
    r = run_avault("export", "--format", "json", "sso-prod")
    # clear removed the token file too, so this is a plain new login, not a 401 retry.
    assert r.returncode == 0, r.stderr
    assert sso.portal.device_authorizations == 2


def test_portal_rejects_cached_token_once(moto, sso, aws_config, run_avault):
    aws_config(SSO_CONFIG)
    assert run_avault("export", "--format", "json", "sso-prod").returncode == 0
    sso.portal.revoke_everything()
    r = run_avault("export", "--format", "json", "sso-prod", extra_env={"AWS_MIN_TTL": "2h"})
    assert r.returncode == 0, r.stderr
    assert "rejected the cached SSO token for sso-session 'corp'" in r.stderr
    assert "signing in again" in r.stderr
    assert sso.portal.device_authorizations == 2
    assert len(sso.browser_calls()) == 2


def test_print_only_with_aws_vault_stdout(moto, sso, aws_config, run_avault):
    aws_config(SSO_CONFIG)
    sso.portal.device_expires_in = 2
    r = run_avault("export", "--format", "json", "sso-prod", extra_env={"AWS_VAULT_STDOUT": "true"})
    assert r.returncode == 1
    assert "Open the SSO authorization page in a browser (use Ctrl-C to abort)" in r.stderr
    assert f"{sso.portal.url}/device?user_code=" in r.stderr
    assert "Check that the page shows the code" in r.stderr
    assert sso.browser_calls() == []


def test_legacy_profile_and_list_and_clear(moto, sso, aws_config, run_avault, home):
    aws_config(SSO_CONFIG)
    r = run_avault("export", "--format", "json", "legacy")
    assert r.returncode == 0, r.stderr
    assert run_avault("export", "--format", "json", "sso-prod").returncode == 0
    legacy_key = hashlib.sha1(b"https://legacy.awsapps.com/start").hexdigest()
    assert (sso.cache_dir / f"{legacy_key}.json").exists()
    r = run_avault("list", "--sessions")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["oidc:corp", "oidc:legacy.awsapps.com"]
    assert sum(line.startswith("sso.GetRoleCredentials:") for line in lines) == 2
    r = run_avault("list")
    assert "oidc:corp, sso.GetRoleCredentials:" in r.stdout
    r = run_avault("clear", "legacy")
    assert r.returncode == 0, r.stderr
    assert "Cleared 2 sessions." in r.stdout
    assert not (sso.cache_dir / f"{legacy_key}.json").exists()
    assert (sso.cache_dir / f"{CORP_KEY}.json").exists()
    r = run_avault("clear")
    assert "Cleared 2 sessions." in r.stdout
    assert not (sso.cache_dir / f"{CORP_KEY}.json").exists()
    assert session_keys(home) == []
    assert DEV_ACCOUNT  # (legacy profile's account, used via the config)


def test_sso_accounts_and_write_config(moto, sso, aws_config, run_avault, home):
    aws_config(SSO_CONFIG)
    r = run_avault("sso", "accounts")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert rows == [
        [PROD_ACCOUNT, "prod", "AdministratorAccess"],
        [PROD_ACCOUNT, "prod", "ReadOnly"],
        [DEV_ACCOUNT, "dev", "Developer"],
    ]
    before = (home / ".aws/config").read_text()
    r = run_avault("sso", "accounts", "corp", "--write-config")
    assert r.returncode == 0, r.stderr
    assert (home / ".aws/config").read_text() == before  # dry run by default
    assert "would add [profile prod-ReadOnly]" in r.stderr
    assert "would add [profile dev-Developer]" in r.stderr
    assert "prod-AdministratorAccess" not in r.stderr  # sso-prod already has that role
    assert "--yes" in r.stderr
    r = run_avault("sso", "accounts", "--write-config", "--yes")
    assert r.returncode == 0, r.stderr
    text = (home / ".aws/config").read_text()
    assert text.startswith(before)
    assert (
        "[profile prod-ReadOnly]\nsso_session=corp\nsso_account_id=111111111111\n"
        "sso_role_name=ReadOnly\nregion=us-east-1\n"
    ) in text
    r = run_avault("sso", "accounts", "--write-config", "--yes")
    assert "nothing to add" in r.stderr
    assert (home / ".aws/config").read_text() == text
    assert sso.portal.device_authorizations == 1
    r = run_avault("export", "--format", "json", "dev-Developer")
    assert r.returncode == 0, r.stderr


def test_sso_accounts_unknown_session(sso, aws_config, run_avault):
    aws_config(SSO_CONFIG)
    r = run_avault("sso", "accounts", "nope")
    assert r.returncode == 1
    assert "no [sso-session nope] section" in r.stderr
    assert "known: corp" in r.stderr


FAST_PATH_PROBE = """
import runpy, sys
sys.argv = ["avault", "export", "--format", "zsh", "sso-prod"]
code = 0
try:
    runpy.run_module("avault", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "keyring", "s3transfer") or m == "avault.sso")
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
sys.exit(code)
"""


def test_cached_sso_export_imports_no_boto_and_no_sso_module(moto, sso, aws_config, run_avault):
    aws_config(SSO_CONFIG)
    assert run_avault("export", "--format", "json", "sso-prod").returncode == 0
    r = run(sso.env, sys.executable, "-c", FAST_PATH_PROBE)
    assert r.returncode == 0, r.stderr
    assert "HEAVY=\n" in r.stderr, r.stderr
    assert "export AWS_VAULT=sso-prod;" in r.stdout
    assert sso.portal.calls["GetRoleCredentials"] == 1


@pytest.mark.skipif(
    not (shutil.which("tmux") and shutil.which("zsh") and (ROOT / "shell/zsh/avs.zsh").exists()),
    reason="needs tmux, zsh and shell/zsh/avs.zsh",
)
def test_avs_in_a_real_zsh(moto, sso, aws_config, tmp_path):
    aws_config(SSO_CONFIG)
    zdot = tmp_path / "zdot"
    zdot.mkdir()
    (zdot / ".zshrc").write_text(f"PROMPT='ZSH> '\nsource {ROOT / 'shell/zsh/avs.zsh'}\n")
    env = {**sso.env, "ZDOTDIR": str(zdot), "TERM": "xterm-256color", "AVAULT_BIN": AVAULT}
    sock = f"avault-sso-{os.getpid()}"
    tmux = ["tmux", "-L", sock]
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "160",
            "-y",
            "40",
            "env",
            *[f"{k}={v}" for k, v in env.items()],
            "zsh",
            "-i",
        ],
        check=True,
        env=env,
    )
    try:

        def screen() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True, check=False
            ).stdout

        def wait_for(text: str, timeout: float = 30) -> str:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                out = screen()
                if text in out:
                    return out
                time.sleep(0.05)
            raise AssertionError(f"{text!r} not on screen:\n{screen()}")

        wait_for("ZSH>")
        subprocess.run([*tmux, "send-keys", "-t", "t", "avs sso-prod", "Enter"], check=True)
        subprocess.run(
            [*tmux, "send-keys", "-t", "t", 'echo "V=$AWS_VAULT A=$AVS_ACCOUNT"', "Enter"], check=True
        )
        wait_for(f"V=sso-prod A={PROD_ACCOUNT}")
        subprocess.run(
            [
                *tmux,
                "send-keys",
                "-t",
                "t",
                "aws sts get-caller-identity --output text --query Account",
                "Enter",
            ],
            check=True,
        )
        wait_for("123456789012")  # moto answers for its default account
        assert len(sso.browser_calls()) == 1
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
