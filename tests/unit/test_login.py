"""The console sign-in pieces of avault.console, and the pure helpers of rotate, logout and server."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from avault import console, errors
from avault.commands.logout import logout_code, revoke_policy
from avault.creds import Credentials
from avault.iam import role_name_from_arn, user_name_from_access_denied, user_name_from_arn
from avault.server import CredentialCache, new_token

Q = urllib.parse.quote_plus


@pytest.mark.parametrize(
    ("region", "prefix", "dest"),
    [
        ("", "https://us-east-1.signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
        (
            "eu-west-1",
            "https://us-east-1.signin.aws.amazon.com/federation",
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
        ),
        (
            "cn-north-1",
            "https://signin.amazonaws.cn/federation",
            "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1",
        ),
        (
            "us-gov-west-1",
            "https://signin.amazonaws-us-gov.com/federation",
            "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            "eusc-de-east-1",
            "https://signin.amazonaws-eusc.eu/federation",
            "https://eusc-de-east-1.console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1",
        ),
    ],
)
def test_partition_urls(region, prefix, dest):
    assert console.federation_url(region, {}) == prefix
    assert console.destination(region) == dest
    url = console.login_url(console.federation_url(region, {}), console.destination(region), "T/k+n=")
    assert (
        url
        == f"{prefix}?Action=login&Issuer=aws-vault&Destination={Q(dest, safe='')}&SigninToken=T%2Fk%2Bn%3D"
    )


def test_path_needs_a_region_and_override_url():
    assert console.destination("", "s3/home") == "https://console.aws.amazon.com/"
    assert (
        console.destination("us-west-2", "s3/home")
        == "https://us-west-2.console.aws.amazon.com/s3/home?region=us-west-2"
    )
    env = {"AVAULT_FEDERATION_URL": "http://127.0.0.1:9/federation"}
    assert console.federation_url("cn-north-1", env) == "http://127.0.0.1:9/federation"
    # The destination still follows the region's partition.
    assert console.destination("cn-north-1").startswith("https://cn-north-1.console.amazonaws.cn/")


def test_auto_logout_wraps_the_unescaped_login_url_once():
    prefix = console.DEFAULT_FEDERATION
    dest = console.destination("eu-west-1")
    url = console.login_url(prefix, dest, "TOK+/", auto_logout=True)
    inner = f"{prefix}?Action=login&Issuer=aws-vault&Destination={dest}&SigninToken=TOK+/"
    assert url == "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri=" + Q(
        inner, safe=""
    )


def test_session_json_is_sorted_and_compact():
    creds = Credentials("ASIAX", "sec/ret", "tok")
    assert console.session_json(creds) == '{"sessionId":"ASIAX","sessionKey":"sec/ret","sessionToken":"tok"}'


def test_user_names_from_arns_and_access_denied():
    assert user_name_from_arn("arn:aws:iam::123456789012:user/team/alice") == "alice"
    assert user_name_from_arn("arn:aws:iam::123456789012:root") == "root"
    msg = "User: arn:aws:iam::123456789012:user/ops/bob is not authorized to perform: iam:GetUser on resource"
    assert user_name_from_access_denied(msg) == "bob"
    assert user_name_from_access_denied("something else") == ""
    assert role_name_from_arn("arn:aws:iam::123456789012:role/path/admin") == "admin"


@pytest.mark.parametrize(
    ("binary", "family"),
    [
        ("google-chrome", "chrome"),
        ("/usr/bin/chromium", "chrome"),
        ("brave-browser", "chrome"),
        ("microsoft-edge", "chrome"),
        ("firefox", "firefox"),
        ("/opt/librewolf/librewolf", "firefox"),
        ("lynx", ""),
    ],
)
def test_browser_family(binary, family):
    assert console.browser_family([binary]) == family


def test_isolated_commands(tmp_path: Path):
    env = {"BROWSER": "google-chrome", "XDG_DATA_HOME": str(tmp_path / "data")}
    cmd = console.isolated_command(env, tmp_path, "prod/admin", "https://x")
    d = tmp_path / "data/avault/browser/chrome/prod_admin"
    assert cmd == ["google-chrome", f"--user-data-dir={d}", "https://x"]
    assert d.is_dir()
    assert oct(d.stat().st_mode & 0o777) == "0o700"
    env["BROWSER"] = "firefox --new-window"
    cmd = console.isolated_command(env, tmp_path, "dev", "https://x")
    d = tmp_path / "data/avault/browser/firefox/dev"
    assert cmd == ["firefox", "--new-window", "--profile", str(d), "--no-remote", "https://x"]
    # No XDG_DATA_HOME: ~/.local/share.
    assert (
        console.profile_dir({}, tmp_path, "chrome", "..")
        == tmp_path / ".local/share/avault/browser/chrome/default"
    )


def test_isolation_needs_a_known_browser(tmp_path: Path):
    with pytest.raises(errors.LoginError, match="Chrome, Chromium, Brave, Edge or Firefox"):
        console.isolated_command({"BROWSER": "lynx", "PATH": str(tmp_path)}, tmp_path, "p", "https://x")


# -- logout / server helpers -------------------------------------------------------------------


def test_logout_code_only_for_the_current_profile():
    env = {"AVS_PROFILE": "prod", "AWS_VAULT": "prod", "AWS_REGION": "eu-west-1", "AVS_REGION": "eu-west-1"}
    code = logout_code("bash", "prod", env)
    assert "unset AWS_ACCESS_KEY_ID;" in code
    assert "unset AVS_PROFILE;" in code
    assert "unset AWS_REGION;" in code
    assert "AWS_CONTAINER" not in code
    assert logout_code("bash", "other", env) == ""
    env.update(AWS_REGION="us-east-1", AVS_SERVER_PID="42")
    code = logout_code("fish", "prod", env)
    assert "set -e AWS_REGION;" not in code
    assert "set -e AWS_CONTAINER_CREDENTIALS_FULL_URI;" in code
    assert "set -e AVS_SERVER_PID;" in code


def test_revoke_policy_shape():
    doc = revoke_policy("2024-01-02T03:04:05Z")
    assert json.loads(json.dumps(doc)) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-01-02T03:04:05Z"}},
            }
        ],
    }


def test_token_is_40_url_safe_chars():
    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20
    for t in tokens:
        assert len(t) == 40
        assert set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_credential_cache_refreshes_within_the_margin():
    now = [1000.0]
    fetched: list[float] = []

    def fetch() -> Credentials:
        fetched.append(now[0])
        return Credentials(f"ASIA{len(fetched)}", "s", "t", now[0] + 3600)

    cache = CredentialCache(fetch, now=lambda: now[0])
    assert cache.get().access_key_id == "ASIA1"
    now[0] += 3600 - 15 * 60 - 1  # 15m01s left: still served
    assert cache.get().access_key_id == "ASIA1"
    now[0] += 2  # 14m59s left: refreshed before the SDKs would worry
    assert cache.get().access_key_id == "ASIA2"
    assert len(fetched) == 2

    # Short-lived credentials refresh at half their lifetime, not on every request.
    short = CredentialCache(lambda: Credentials("A", "s", "t", now[0] + 900), now=lambda: now[0])
    first = short.get()
    now[0] += 400
    assert short.get() is first
    now[0] += 100
    assert short.get() is not first

    fixed = CredentialCache(fetch, now=lambda: now[0], margin=3599)
    one = fixed.get()
    now[0] += 1
    assert fixed.get().access_key_id != one.access_key_id
