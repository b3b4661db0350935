"""Provider selection against aws-vault's README table, with a recording fake at the sts.py boundary."""

from __future__ import annotations

import io
import itertools
import json
import sys
from dataclasses import dataclass, field

import pytest

from avault.config.resolution import Flags, ProfileConfig
from avault.context import Context
from avault.creds import Credentials
from avault.errors import AvaultError
from avault.providers import Resolver, credentials_for
from avault.sessions import SessionKey
from avault.sts_api import Signer
from avault.vault.base import Item, MemoryVault

NOW = 1_700_000_000.0
SERIAL = "arn:aws:iam::111111111111:mfa/jonsmith"


@dataclass
class Call:
    op: str
    profile: str
    signer: str
    serial: str
    code: str
    duration: int
    role_arn: str = ""


@dataclass
class FakeSts:
    """Returns distinct credentials per call and records what was asked."""

    calls: list[Call] = field(default_factory=list)

    def _creds(self, duration: int) -> Credentials:
        n = len(self.calls) - 1
        return Credentials(f"ASIAFAKE{n:04d}", f"secret{n}", f"token{n}", NOW + duration)

    def get_session_token(self, signer: Signer, config: ProfileConfig, *, duration, serial, code):
        self.calls.append(
            Call("GetSessionToken", config.profile_name, signer.creds.access_key_id, serial, code, duration)
        )
        return self._creds(duration)

    def assume_role(self, signer: Signer, config: ProfileConfig, *, duration, serial, code, session_name):
        assert session_name
        self.calls.append(
            Call(
                "AssumeRole",
                config.profile_name,
                signer.creds.access_key_id,
                serial,
                code,
                duration,
                config.role_arn,
            )
        )
        return self._creds(duration)

    def assume_role_with_web_identity(self, config, *, token, duration, session_name):
        self.calls.append(Call("AssumeRoleWithWebIdentity", config.profile_name, "", "", token, duration))
        return self._creds(duration)


class RecordingMfa:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def code(self, serial: str, *, mfa_process: str = "", token: str = "") -> str:
        self.asked.append(serial)
        return "123456"


def _cfg(name: str, **kw) -> ProfileConfig:
    c = ProfileConfig(profile_name=name, in_config=True, **kw)
    c.assume_role_duration = c.assume_role_duration or 3600
    c.non_chained_get_session_token_duration = c.non_chained_get_session_token_duration or 3600
    c.chained_get_session_token_duration = c.chained_get_session_token_duration or 8 * 3600
    return c


def _chain(*configs: ProfileConfig) -> ProfileConfig:
    """configs[0] is the target; each next one is the previous one's source_profile."""
    for target, source in itertools.pairwise(configs):
        target.source_profile_name = source.profile_name
        target.source = source
        source.chained_from = target
    return configs[0]


def readme_config(name: str, flags: Flags) -> ProfileConfig:
    """aws-vault README: jonsmith, foo-readonly, foo-admin, bar-role1, bar-role2."""

    def mk(n: str, **kw) -> ProfileConfig:
        c = _cfg(n, no_session=flags.no_session, **kw)
        if flags.duration:
            c.assume_role_duration = flags.duration
            c.non_chained_get_session_token_duration = flags.duration
            c.chained_get_session_token_duration = flags.duration
        return c

    def jonsmith() -> ProfileConfig:
        return mk("jonsmith", mfa_serial=SERIAL)

    def role(n: str, mfa: bool) -> ProfileConfig:
        return mk(n, role_arn=f"arn:aws:iam::222222222222:role/{n}", mfa_serial=SERIAL if mfa else "")

    if name == "jonsmith":
        return jonsmith()
    if name == "foo-readonly":
        return _chain(role("foo-readonly", mfa=False), jonsmith())
    if name == "foo-admin":
        return _chain(role("foo-admin", mfa=True), jonsmith())
    if name == "bar-role2":
        return _chain(role("bar-role2", mfa=True), role("bar-role1", mfa=True), jonsmith())
    raise AssertionError(name)


def make_ctx(debug: bool = True) -> tuple[Context, io.StringIO]:
    err = io.StringIO()
    ctx = Context(env={}, stdout=io.StringIO(), stderr=err, clock=lambda: NOW, debug=debug)
    return ctx, err


def store_keys(vault: MemoryVault, profile: str) -> None:
    data = json.dumps({"AccessKeyID": "AKIAJONSMITH", "SecretAccessKey": "s3cr3t"}).encode()
    vault.set(Item(key=profile, data=data, label=f"aws-vault ({profile})"))


GST = "GetSessionToken"
AR = "AssumeRole"


# command | credential kind (outermost provider first) | calls (op, profile, with MFA) | cached types | MFA
README_TABLE = [
    pytest.param("jonsmith", Flags(no_session=True), ["stored"], [], [], False, id="jonsmith --no-session"),
    pytest.param(
        "jonsmith",
        Flags(),
        ["sts.GetSessionToken", "stored"],
        [(GST, "jonsmith", True)],
        [("sts.GetSessionToken", "jonsmith", SERIAL)],
        True,
        id="jonsmith",
    ),
    pytest.param(
        "foo-readonly",
        Flags(),
        ["sts.AssumeRole", "stored"],
        [(AR, "foo-readonly", False)],
        [],
        False,
        id="foo-readonly",
    ),
    pytest.param(
        "foo-admin",
        Flags(),
        ["sts.AssumeRole", "sts.GetSessionToken", "stored"],
        [(GST, "jonsmith", True), (AR, "foo-admin", False)],
        [("sts.GetSessionToken", "jonsmith", SERIAL)],
        True,
        id="foo-admin",
    ),
    pytest.param(
        "foo-admin",
        Flags(duration=7200),
        ["sts.AssumeRole", "stored"],
        [(AR, "foo-admin", True)],
        [("sts.AssumeRole", "foo-admin", SERIAL)],
        True,
        id="foo-admin --duration=2h",
    ),
    pytest.param(
        "bar-role2",
        Flags(),
        ["sts.AssumeRole", "sts.AssumeRole", "sts.GetSessionToken", "stored"],
        [(GST, "jonsmith", True), (AR, "bar-role1", False), (AR, "bar-role2", False)],
        [("sts.GetSessionToken", "jonsmith", SERIAL)],
        True,
        id="bar-role2",
    ),
    pytest.param(
        "bar-role2",
        Flags(no_session=True),
        ["sts.AssumeRole", "sts.AssumeRole", "stored"],
        [(AR, "bar-role1", True), (AR, "bar-role2", True)],
        [("sts.AssumeRole", "bar-role1", SERIAL), ("sts.AssumeRole", "bar-role2", SERIAL)],
        True,
        id="bar-role2 --no-session",
    ),
]


@pytest.mark.parametrize(("profile", "flags", "kinds", "calls", "cached", "mfa"), README_TABLE)
def test_readme_table(profile, flags, kinds, calls, cached, mfa):  # noqa: PLR0917 - one table row
    ctx, _err = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    sts, prompts = FakeSts(), RecordingMfa()
    resolver = Resolver(ctx, vault, sts=sts, mfa=prompts, no_session=flags.no_session)  # type: ignore[arg-type]
    config = readme_config(profile, flags)

    provider = resolver.provider_for(config)
    assert [p.kind for p in provider.chain() if type(p).__name__ != "CachedProvider"] == kinds
    creds = provider.retrieve()

    assert [(c.op, c.profile, bool(c.serial)) for c in sts.calls] == calls
    for c in sts.calls:
        assert (c.code == "123456") == bool(c.serial)
    sessions = sorted(
        (k.type, k.profile, k.mfa_serial) for k in map(SessionKey.parse, vault.keys()) if k is not None
    )
    assert sessions == sorted(cached)
    assert bool(prompts.asked) == mfa
    if not calls:
        assert creds.access_key_id == "AKIAJONSMITH"
        assert not creds.can_expire()
    else:
        assert creds.access_key_id == f"ASIAFAKE{len(calls) - 1:04d}"


def test_second_run_reuses_the_cache_and_asks_nothing():
    ctx, _ = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    sts, prompts = FakeSts(), RecordingMfa()
    first = (
        Resolver(ctx, vault, sts=sts, mfa=prompts)
        .provider_for(readme_config("foo-admin", Flags()))
        .retrieve()
    )
    sts2, prompts2 = FakeSts(), RecordingMfa()
    Resolver(ctx, vault, sts=sts2, mfa=prompts2).provider_for(readme_config("foo-admin", Flags())).retrieve()
    # The MFA'd session is reused; only the (uncached) chained AssumeRole runs again.
    assert [(c.op, c.signer) for c in sts2.calls] == [("AssumeRole", "ASIAFAKE0000")]
    assert prompts2.asked == []
    assert first.access_key_id == "ASIAFAKE0001"


def test_debug_lines_are_awsvaults(capsys):
    ctx, err = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    cfg = readme_config("bar-role2", Flags(duration=12 * 3600))
    Resolver(ctx, vault, sts=FakeSts(), mfa=RecordingMfa()).provider_for(cfg)  # type: ignore[arg-type]
    lines = [line.split(" ", 2)[2] for line in err.getvalue().splitlines()]
    assert lines == [
        "profile bar-role2: sourcing credentials from profile bar-role1",
        "profile bar-role1: sourcing credentials from profile jonsmith",
        "profile jonsmith: using stored credentials",
        "profile jonsmith: using GetSessionToken (with MFA)",
        "profile bar-role1: capping AssumeRole duration from 12h0m0s to AWS maximum 1h0m0s for role chaining",
        "profile bar-role1: using AssumeRole (chained MFA)",
        "profile bar-role2: capping AssumeRole duration from 12h0m0s to AWS maximum 1h0m0s for role chaining",
        "profile bar-role2: using AssumeRole (chained MFA)",
    ]


def test_skipping_reason_is_logged():
    ctx, err = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    Resolver(ctx, vault, sts=FakeSts()).provider_for(readme_config("foo-readonly", Flags()))  # type: ignore[arg-type]
    assert (
        "profile jonsmith: skipping GetSessionToken because profile 'foo-readonly' has no MFA serial defined"
        in err.getvalue()
    )


def test_role_options_reach_sts_and_chained_cap():
    ctx, _ = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    sts = FakeSts()
    cfg = readme_config("bar-role2", Flags(duration=3 * 3600))
    Resolver(ctx, vault, sts=sts, mfa=RecordingMfa()).provider_for(cfg).retrieve()  # type: ignore[arg-type]
    assert [c.duration for c in sts.calls] == [3 * 3600, 3600, 3600]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (Flags(duration=10 * 60), "GetSessionToken duration 10m0s is out of range"),
        (Flags(duration=37 * 3600), "GetSessionToken duration 37h0m0s is out of range"),
    ],
)
def test_duration_out_of_range_fails_before_any_call(flags, message):
    ctx, _ = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    sts = FakeSts()
    with pytest.raises(AvaultError, match=message):
        Resolver(ctx, vault, sts=sts).provider_for(readme_config("jonsmith", flags)).retrieve()  # type: ignore[arg-type]
    assert sts.calls == []


def test_assume_role_over_12h_is_rejected():
    ctx, _ = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    with pytest.raises(AvaultError, match="AssumeRole duration 13h0m0s is out of range"):
        Resolver(ctx, vault, sts=FakeSts()).provider_for(
            readme_config("foo-admin", Flags(duration=13 * 3600))
        )  # type: ignore[arg-type]


def test_missing_credentials_and_sso_hook():
    ctx, _ = make_ctx()
    r = Resolver(ctx, MemoryVault(), sts=FakeSts())  # type: ignore[arg-type]
    with pytest.raises(AvaultError, match="profile lonely: credentials missing"):
        r.provider_for(_cfg("lonely"))
    # The SSO hook is filled in (tests/unit/test_sso.py); without a role it says what is missing.
    with pytest.raises(AvaultError, match="has no sso_account_id or sso_role_name"):
        r.provider_for(_cfg("sso", sso_start_url="https://x.awsapps.com/start"))


def _script(tmp_path, body: str) -> str:
    p = tmp_path / "proc.py"
    p.write_text(body)
    return f"{sys.executable} {p}"


def test_credential_process_is_validated_and_cached(tmp_path):
    ctx, _ = make_ctx()
    vault = MemoryVault()
    good = json.dumps(
        {
            "Version": 1,
            "AccessKeyId": "ASIAPROC",
            "SecretAccessKey": "x",
            "SessionToken": "t",
            "Expiration": "2023-11-14T23:13:20.5+01:00",
        }
    )
    cmd = _script(tmp_path, f"print({good!r})")
    cfg = _cfg("proc", credential_process=cmd)
    creds = Resolver(ctx, vault, sts=FakeSts()).provider_for(cfg).retrieve()  # type: ignore[arg-type]
    assert creds.access_key_id == "ASIAPROC"
    assert creds.expiration == 1_700_000_000.5  # 22:13:20.5Z
    assert [SessionKey.parse(k).type for k in vault.keys()]  # noqa: SIM118 == ["credential_process"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import sys; sys.exit(3)", "credential_process command .* exited with status 3"),
        ("print('not json SECRETVALUE')", "invalid JSON format from command"),
        (
            'print(\'{"AccessKeyId": "A", "SecretAccessKey": "SECRETVALUE"}\')',
            r"JSON credential from command \".*\" missing the following fields: \[Expiration SessionToken\]$",
        ),
    ],
)
def test_credential_process_errors(tmp_path, body, message):
    ctx, _ = make_ctx()
    vault = MemoryVault()
    cfg = _cfg("proc", credential_process=_script(tmp_path, body))
    with pytest.raises(AvaultError, match=message) as info:
        Resolver(ctx, vault, sts=FakeSts()).provider_for(cfg).retrieve()  # type: ignore[arg-type]
    assert "SECRETVALUE" not in str(info.value)
    assert vault.keys() == []


def test_account_comes_from_config():
    ctx, _ = make_ctx()
    vault = MemoryVault()
    store_keys(vault, "jonsmith")
    r = Resolver(ctx, vault, sts=FakeSts(), mfa=RecordingMfa())  # type: ignore[arg-type]
    assert credentials_for(r, readme_config("bar-role2", Flags())).account_id == "222222222222"
    assert credentials_for(r, readme_config("jonsmith", Flags())).account_id == "111111111111"
