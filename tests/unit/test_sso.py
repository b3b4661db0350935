"""avault.sso in process: the device flow, refresh, the token cache and its interop, against the fake portal.

botocore talks real HTTP to tests/fakes/sso_portal.py; sleeping is virtual, and the "browser"
is ``portal.approve_url`` unless a test says otherwise.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import stat
import time
from pathlib import Path

import pytest

from avault import errors
from avault.config.resolution import ProfileConfig
from avault.context import Context
from avault.errors import AvaultError, Interrupted
from avault.providers import CachedProvider, Resolver
from avault.sso.cache import Token, TokenCache
from avault.sso.device import SPIN_STEP, SsoLogin, is_headless, open_browser, role_credentials
from avault.sso.target import ENDPOINT_VAR, SsoTarget
from avault.vault.base import Item, MemoryVault
from fakes.sso_portal import SsoPortal
from fixtures.sso import PROD_ACCOUNT, START_URL

SESSION = SsoTarget(START_URL, "us-east-1", "corp", ("sso:account:access",))
CORP_KEY = hashlib.sha1(b"corp").hexdigest()


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


class VirtualTime:
    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def monotonic(self) -> float:
        return self.t


@pytest.fixture
def portal():
    p = SsoPortal().start()
    yield p
    p.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def make_ctx(
    home: Path, portal: SsoPortal, *, skew: float = 0.0, stderr: io.StringIO | None = None
) -> Context:
    env = {"HOME": str(home), ENDPOINT_VAR: portal.url, "DISPLAY": ":0"}
    return Context(
        env=env,
        stdout=io.StringIO(),
        stderr=stderr or io.StringIO(),
        clock=lambda: time.time() + skew,
        debug=True,
    )


def make_login(ctx: Context, portal: SsoPortal, *, opener=None, clock: VirtualTime | None = None, **kw):
    clock = clock or VirtualTime()
    opened: list[str] = []

    def default_opener(url: str) -> bool:
        opened.append(url)
        return portal.approve_url(url)

    login = SsoLogin(
        ctx,
        kw.pop("target", SESSION),
        opener=opener or default_opener,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **kw,
    )
    return login, opened


def cache_file(home: Path, key: str = CORP_KEY) -> Path:
    return home / ".aws/sso/cache" / f"{key}.json"


def sso_config(**kw) -> ProfileConfig:
    values = {
        "sso_session": "corp",
        "sso_start_url": START_URL,
        "sso_region": "us-east-1",
        "sso_account_id": PROD_ACCOUNT,
        "sso_role_name": "AdministratorAccess",
    }
    values.update(kw)
    return ProfileConfig(profile_name="sso-prod", in_config=True, **values)


# -- keys and labels ---------------------------------------------------------------------------


def test_cache_keys_match_the_aws_cli():
    assert SESSION.token_key == CORP_KEY
    legacy = SsoTarget(START_URL, "us-east-1")
    assert legacy.token_key == hashlib.sha1(START_URL.encode()).hexdigest()
    # AWS CLI v2 SSOTokenFetcher._registration_cache_key, computed independently:
    args = {
        "region": "us-east-1",
        "scopes": ["sso:account:access"],
        "session_name": "corp",
        "startUrl": START_URL,
        "tool": "botocore",
    }
    expected = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
    assert SESSION.registration_key == expected
    assert SESSION.label == "oidc:corp"
    assert (
        SsoTarget("https://d-123.awsapps.com:8443/start", "eu-west-1").label == "oidc:d-123.awsapps.com:8443"
    )


def test_scopes_default_and_parse():
    assert SsoTarget.from_profile(sso_config()).scopes == ("sso:account:access",)
    cfg = sso_config(sso_registration_scopes=" sso:account:access , codewhisperer:completions ,")
    assert SsoTarget.from_profile(cfg).scopes == ("sso:account:access", "codewhisperer:completions")


# -- the device flow ---------------------------------------------------------------------------


def test_device_flow_writes_a_cli_compatible_cache(home, portal):
    ctx = make_ctx(home, portal)
    login, opened = make_login(ctx, portal)
    token, cached = login.token()
    assert not cached
    assert len(opened) == 1
    assert portal.device_authorizations == 1
    register = next(body for name, body in portal.requests if name == "RegisterClient")
    assert register == {"clientName": "avault", "clientType": "public", "scopes": ["sso:account:access"]}

    path = cache_file(home)
    data = json.loads(path.read_text())
    assert set(data) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert data["startUrl"] == START_URL
    assert data["region"] == "us-east-1"
    assert data["accessToken"] == token.access_token
    assert data["expiresAt"].endswith("Z")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    reg = json.loads(cache_file(home, SESSION.registration_key).read_text())
    assert reg["clientId"] == data["clientId"]
    assert reg["scopes"] == ["sso:account:access"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".avault-tmp")]

    # Reused as is: no further calls.
    before = sum(portal.calls.values())
    again, cached = login.token()
    assert cached
    assert again.access_token == token.access_token
    assert sum(portal.calls.values()) == before


def test_slow_down_adds_five_seconds_and_keeps_polling(home, portal):
    portal.slow_down_once = True
    clock = VirtualTime()
    approved = []

    def late_opener(url: str) -> bool:
        approved.append(url)
        return True  # the user approves only after the first poll (see below)

    ctx = make_ctx(home, portal)
    login, _ = make_login(ctx, portal, opener=late_opener, clock=clock)
    real_create = login.api.create_token
    polls = []

    def create_token(*a, **kw):
        polls.append(clock.t)
        if len(polls) == 2:
            portal.approve_url(approved[0])
        return real_create(*a, **kw)

    login.api.create_token = create_token  # type: ignore[method-assign]
    token, _ = login.token()
    assert token.access_token
    # interval 1 -> SlowDown -> 6 s between polls from then on.
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert gaps[0] == pytest.approx(6)
    assert portal.calls["CreateToken"] >= 2


def test_never_approved_times_out_with_a_clear_message(home, portal):
    portal.device_expires_in = 30
    ctx = make_ctx(home, portal)
    login, _ = make_login(ctx, portal, opener=lambda _url: True)
    with pytest.raises(errors.SsoError, match=r"was not approved in time .*run the command again"):
        login.token()
    assert not cache_file(home).exists()


def test_denied_in_the_browser(home, portal):
    ctx = make_ctx(home, portal)

    def deny(url: str) -> bool:
        code = url.split("user_code=")[1]
        return portal.approve(code, deny=True)

    login, _ = make_login(ctx, portal, opener=deny)
    with pytest.raises(errors.SsoError, match="was denied in the browser"):
        login.token()


def test_ctrl_c_aborts_cleanly(home, portal):
    ctx = make_ctx(home, portal)

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    login = SsoLogin(ctx, SESSION, opener=lambda _u: True, sleep=interrupt)
    with pytest.raises(Interrupted) as info:
        login.token()
    assert info.value.exit_code == 130
    assert not cache_file(home).exists()


def test_spinner_only_on_a_tty(home, portal):
    err = TtyStringIO()
    ctx = make_ctx(home, portal, stderr=err)
    clock = VirtualTime()
    state = {"n": 0}

    def opener(url: str) -> bool:
        state["url"] = url
        return True

    login, _ = make_login(ctx, portal, opener=opener, clock=clock)
    real = login.api.create_token

    def create_token(*a, **kw):
        state["n"] += 1
        if state["n"] == 2:
            portal.approve_url(state["url"])
        return real(*a, **kw)

    login.api.create_token = create_token  # type: ignore[method-assign]
    login.token()
    out = err.getvalue()
    assert "Waiting for approval in the browser (" in out
    assert "s left, Ctrl-C to abort)" in out
    assert out.endswith("\r\033[K") or "\r\033[K" in out
    assert all(s <= SPIN_STEP + 1e-9 for s in clock.sleeps)


def test_print_only_never_opens_a_browser(home, portal):
    ctx = make_ctx(home, portal)
    ctx.tty_path = os.devnull
    portal.device_expires_in = 3
    login, opened = make_login(ctx, portal, print_only=True)
    with pytest.raises(errors.SsoError):
        login.token()
    assert opened == []
    err = ctx.stderr.getvalue()  # type: ignore[attr-defined]
    assert "Open the SSO authorization page in a browser (use Ctrl-C to abort)" in err
    assert f"{portal.url}/device?user_code=" in err


def test_headless_detection():
    assert is_headless({}, "linux")
    assert not is_headless({"DISPLAY": ":0"}, "linux")
    assert not is_headless({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not is_headless({"BROWSER": "lynx"}, "linux")
    assert not is_headless({}, "darwin")


def test_browser_env_is_honoured(tmp_path):
    log = tmp_path / "log"
    script = tmp_path / "b"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    script.chmod(0o755)
    assert open_browser(
        {"BROWSER": f"/nonexistent/browser:{script} --new-tab %s", "PATH": "/usr/bin:/bin"}, "http://x/y?z=1"
    )
    deadline = time.monotonic() + 5
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert log.read_text() == "--new-tab http://x/y?z=1\n"
    assert not open_browser({"BROWSER": "/nonexistent/a:/nonexistent/b"}, "http://x")


# -- refresh, corruption, skew, interop ---------------------------------------------------------


def _login_once(home, portal) -> Token:
    ctx = make_ctx(home, portal)
    login, _ = make_login(ctx, portal)
    return login.token()[0]


def test_expired_access_token_is_refreshed_without_a_browser(home, portal):
    first = _login_once(home, portal)
    ctx = make_ctx(home, portal, skew=9 * 3600)  # the 8h token has expired
    login, opened = make_login(ctx, portal)
    token, cached = login.token()
    assert not cached
    assert opened == []
    assert portal.device_authorizations == 1
    assert token.access_token != first.access_token
    grants = [b.get("grantType") for n, b in portal.requests if n == "CreateToken"]
    assert grants[-1] == "refresh_token"
    saved = json.loads(cache_file(home).read_text())
    assert saved["accessToken"] == token.access_token
    assert saved["refreshToken"] != first.refresh_token


def test_failed_refresh_falls_back_to_the_browser(home, portal):
    _login_once(home, portal)
    portal.revoke_everything()
    ctx = make_ctx(home, portal, skew=9 * 3600)
    login, opened = make_login(ctx, portal)
    login.token()
    assert len(opened) == 1
    assert portal.device_authorizations == 2
    assert portal.calls["RegisterClient"] == 1  # the registration was reused


def test_corrupt_cache_is_treated_as_absent_and_rewritten(home, portal):
    path = cache_file(home)
    path.parent.mkdir(parents=True)
    for junk in ("{not json", "[]", '{"accessToken": 5}', ""):
        path.write_text(junk)
        ctx = make_ctx(home, portal)
        login, opened = make_login(ctx, portal)
        token, _ = login.token()
        assert json.loads(path.read_text())["accessToken"] == token.access_token
        assert len(opened) == 1


def test_clock_skew_past_expiry_without_refresh_token_logs_in_again(home, portal):
    portal.issue_refresh_tokens = False
    _login_once(home, portal)
    ctx = make_ctx(home, portal, skew=30 * 24 * 3600)
    login, opened = make_login(ctx, portal)
    token, _ = login.token()
    assert token.access_token
    assert len(opened) == 1


def test_a_token_from_aws_sso_login_is_used(home, portal):
    """A cache file in the AWS CLI v2 shape (as `aws sso login` writes for an sso-session)."""
    cid, secret = portal.register_out_of_band(["sso:account:access"])
    access = portal.issue_token()
    path = cache_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "startUrl": START_URL,
                "region": "us-east-1",
                "accessToken": access,
                "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200)),
                "clientId": cid,
                "clientSecret": secret,
                "registrationExpiresAt": "2099-01-01T00:00:00Z",
                "refreshToken": portal.issue_refresh_token(cid),
            }
        )
    )
    ctx = make_ctx(home, portal)
    creds = role_credentials(ctx, sso_config(), login=make_login(ctx, portal)[0])
    assert creds.account_id == PROD_ACCOUNT
    assert portal.device_authorizations == 0
    assert portal.calls["RegisterClient"] == 0
    assert creds.expiration is not None
    assert abs(creds.expiration - (time.time() + 3600)) < 60  # epoch ms -> seconds


def test_legacy_cli_token_without_registration_and_old_time_format(home, portal):
    access = portal.issue_token()
    legacy = SsoTarget(START_URL, "us-east-1")
    path = cache_file(home, legacy.token_key)
    path.parent.mkdir(parents=True)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 7200))
    path.write_text(
        json.dumps(
            {"startUrl": START_URL, "region": "us-east-1", "accessToken": access, "expiresAt": expires}
        )
    )
    ctx = make_ctx(home, portal)
    login, opened = make_login(ctx, portal, target=legacy)
    assert login.token()[0].access_token == access
    assert opened == []


def test_our_cache_file_loads_in_botocore(home, portal, monkeypatch):
    import botocore.session  # noqa: PLC0415 - the only test that needs botocore's own reader
    from botocore.credentials import JSONFileCache  # noqa: PLC0415
    from botocore.tokens import SSOTokenProvider  # noqa: PLC0415

    token = _login_once(home, portal)
    config = home / "config"
    config.write_text(
        f"[profile sso-prod]\nsso_session = corp\n\n[sso-session corp]\nsso_start_url = {START_URL}\n"
        "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = botocore.session.Session(profile="sso-prod")
    cache = JSONFileCache(str(home / ".aws/sso/cache"))
    provider = SSOTokenProvider(session, cache=cache, profile_name="sso-prod")
    frozen = provider.load_token().get_frozen_token()
    assert frozen.token == token.access_token


def test_aws_vault_oidc_item_is_read(home, portal):
    access = portal.issue_token()
    vault = MemoryVault()
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))
    data = {"Token": {"AccessToken": access, "ExpiresIn": 7200, "TokenType": "Bearer"}, "Expiration": expires}
    vault.set(Item(key=f"oidc:{START_URL}", data=json.dumps(data).encode()))
    ctx = make_ctx(home, portal)
    login, opened = make_login(ctx, portal, vault=vault)
    assert login.token()[0].access_token == access
    assert opened == []


# -- role credentials --------------------------------------------------------------------------


def test_rejected_cached_token_is_dropped_and_refreshed_once(home, portal):
    _login_once(home, portal)
    portal.revoke_access_tokens()  # the refresh token still works
    ctx = make_ctx(home, portal)
    login, opened = make_login(ctx, portal)
    creds = role_credentials(ctx, sso_config(), login=login)
    assert creds.access_key_id.startswith("ASIA")
    assert opened == []
    err = ctx.stderr.getvalue()  # type: ignore[attr-defined]
    assert err.count("rejected the cached SSO token for sso-session 'corp'") == 1
    assert portal.calls["GetRoleCredentials"] == 2


def test_rejected_token_without_refresh_opens_the_browser_once(home, portal):
    portal.issue_refresh_tokens = False
    _login_once(home, portal)
    portal.revoke_access_tokens()
    ctx = make_ctx(home, portal)
    login, opened = make_login(ctx, portal)
    role_credentials(ctx, sso_config(), login=login)
    assert len(opened) == 1


def test_a_fresh_token_rejected_is_an_error_not_a_loop(home, portal):
    ctx = make_ctx(home, portal)
    login, _ = make_login(ctx, portal)
    real = login.api.get_role_credentials

    def always_401(*a, **kw):
        portal.revoke_everything()
        return real(*a, **kw)

    login.api.get_role_credentials = always_401  # type: ignore[method-assign]
    with pytest.raises(errors.ApiError, match="UnauthorizedException"):
        role_credentials(ctx, sso_config(), login=login)
    assert portal.device_authorizations == 1


def test_forbidden_role(home, portal):
    portal.forbidden.add((PROD_ACCOUNT, "AdministratorAccess"))
    ctx = make_ctx(home, portal)
    with pytest.raises(AvaultError, match=f"denied role AdministratorAccess in account {PROD_ACCOUNT}"):
        role_credentials(ctx, sso_config(), login=make_login(ctx, portal)[0])


def test_unreachable_portal(home, portal):
    ctx = make_ctx(home, portal)
    ctx.env = {**ctx.env, ENDPOINT_VAR: "http://127.0.0.1:9"}  # type: ignore[misc]
    login, _ = make_login(ctx, portal)
    with pytest.raises(
        errors.SsoError, match=r"could not connect to IAM Identity Center OIDC at http://127\.0\.0\.1:9"
    ):
        login.token()


# -- the provider hook -------------------------------------------------------------------------


def test_provider_is_cached_by_start_url_and_validates_the_profile(home, portal):
    ctx = make_ctx(home, portal)
    r = Resolver(ctx, MemoryVault())
    provider = r.provider_for(sso_config())
    assert isinstance(provider, CachedProvider)
    assert provider.kind == "sso.GetRoleCredentials"
    assert provider.serial == START_URL
    with pytest.raises(AvaultError, match="has no sso_role_name; add sso_role_name"):
        r.provider_for(sso_config(sso_role_name=""))
    with pytest.raises(AvaultError, match=r"has no sso_region; add it to \[sso-session corp\]"):
        r.provider_for(sso_config(sso_region=""))


def test_token_cache_locks_and_lists(home, portal):
    ctx = make_ctx(home, portal)
    cache = TokenCache.for_context(ctx)
    waited = []
    with cache.lock("k", on_wait=lambda: waited.append(1)):
        assert (cache.directory / "k.lock").exists()
    assert waited == []
    assert cache.read("missing") is None
    assert cache.remove("missing") is False


def test_write_config_profile_names():
    from avault.commands.sso_accounts import profile_name  # noqa: PLC0415

    assert profile_name("prod", "111111111111", "ReadOnly") == "prod-ReadOnly"
    assert profile_name("Team [A] Prod", "1", "Admin") == "Team-A-Prod-Admin"
    assert profile_name("", "222222222222", "Dev") == "222222222222-Dev"
