"""~/.aws/config parsing and aws-vault's profile loading algorithm (avault.config)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avault.config.ini import ConfigFile
from avault.config.paths import config_path
from avault.config.resolution import (
    DEFAULT_CHAINED_SESSION_DURATION,
    DEFAULT_SESSION_DURATION,
    Flags,
    ensure_profile_exists,
    resolve,
)
from avault.errors import ConfigError

HOME = Path("/home/me")


def cfg(text: str, *, fast: bool = True) -> ConfigFile:
    return ConfigFile(HOME / ".aws/config", text, display="~/.aws/config", fast=fast)


def one_line_error(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    assert "; " in msg  # what failed; how to fix
    return msg


# -- location -------------------------------------------------------------------


def test_config_path_env_wins_else_home():
    assert config_path({}, HOME) == HOME / ".aws/config"
    assert config_path({"AWS_CONFIG_FILE": "/etc/awsconf"}, HOME) == Path("/etc/awsconf")
    assert config_path({"AWS_CONFIG_FILE": "~/x/config"}, HOME) == HOME / "x/config"
    assert config_path({"AWS_CONFIG_FILE": ""}, HOME) == HOME / ".aws/config"


def test_missing_file_is_empty_and_not_created(tmp_path):
    path = tmp_path / "nope/.aws/config"
    c = ConfigFile.load(path, home=tmp_path)
    assert c.profile_names() == []
    assert not path.exists()
    assert not path.parent.exists()


def test_unreadable_path_is_config_error(tmp_path):
    path = tmp_path / "config"
    path.mkdir()
    with pytest.raises(ConfigError) as exc:
        ConfigFile.load(path, home=tmp_path)
    assert "~/config" in one_line_error(exc)


# -- parsing --------------------------------------------------------------------

SAMPLE = """\
# full-line comment
; another
[default]
region = us-east-1
output = json

[profile jonsmith]
MFA_Serial = arn:aws:iam::111111111111:mfa/jonsmith   # inline comment
Region: eu-west-1 ; inline too
s3 =
    max_concurrent_requests = 20
    region = should-not-leak

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start#/
sso_region = eu-central-1

[unknown thing]
x = 1

[profile sso]
  sso_session = corp
  sso_start_url=https://inline.example/start#frag
quoted = "a value"
[profile jonsmith]
external_id = later
"""


@pytest.mark.parametrize("fast", [True, False])
def test_sections_keys_comments(fast):
    c = cfg(SAMPLE, fast=fast)
    assert c.profile_names() == ["default", "jonsmith", "sso"]
    assert c.section("jonsmith") == {
        "mfa_serial": "arn:aws:iam::111111111111:mfa/jonsmith",
        "region": "eu-west-1",
        "s3": "",
        "external_id": "later",  # a repeated section merges
    }
    sso = c.section("sso")
    assert sso is not None
    assert sso["sso_start_url"] == "https://inline.example/start#frag"  # '#' without a space stays
    assert sso["quoted"] == "a value"
    assert c.sso_session("corp") == {
        "sso_start_url": "https://corp.awsapps.com/start#/",
        "sso_region": "eu-central-1",
    }
    assert c.sso_session("nope") is None
    assert c.unrecognised_sections == ["unknown thing"]
    assert c.section("unknown thing") is None
    assert not c.has_profile("corp")


def test_fast_path_is_taken_for_plain_files_and_matches():
    c = cfg(SAMPLE)
    assert c._profiles.parsed == {}  # nothing parsed until asked
    assert c.section("jonsmith") == cfg(SAMPLE, fast=False).section("jonsmith")


def test_duplicate_section_later_key_wins():
    c = cfg("[profile a]\nregion = one\n[profile b]\n[profile a]\nregion = two\n")
    assert c.section("a") == {"region": "two"}
    assert c.profile_names() == ["a", "b"]


def test_section_names_are_case_sensitive_keys_are_not():
    c = cfg("[Default]\nregion=x\n[DEFAULT]\nregion=y\n[profile A]\nROLE_ARN=r\n")
    assert c.profile_names() == ["A"]
    assert c.section("A") == {"role_arn": "r"}
    assert c.section("a") is None
    assert not c.has_profile("default")


def test_default_listed_only_when_it_sets_a_known_key():
    assert cfg("[default]\n[profile a]\n").profile_names() == ["a"]
    assert cfg("[default]\noutput = json\n").profile_names() == []
    assert cfg("[default]\nregion = x\n").profile_names() == ["default"]
    assert cfg("[default]\n").has_profile("default")


def test_keys_before_any_section_are_ignored():
    c = cfg("region = x\n[profile a]\n")
    assert c.section("a") == {}
    assert c.profile_names() == ["a"]


def test_crlf_and_bom():
    c = cfg("\ufeff[profile a]\r\nregion = x\r\n")
    assert c.section("a") == {"region": "x"}


def test_continuation_line_is_accepted():
    c = cfg("[profile a]\ncredential_process = run\n    --flag\nregion = x\n")
    assert c.section("a") == {"credential_process": "run", "region": "x"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[profile a]\nregion = x\nthis is not valid\n", 3),
        ("[profile a\n", 1),
        ("[profile a] trailing\n", 1),
        ("\n\n[profile a]\n= value\n", 4),
        ("justtext\n", 1),
    ],
)
@pytest.mark.parametrize("fast", [True, False])
def test_malformed_line_is_one_line_config_error(text, line, fast):
    with pytest.raises(ConfigError) as exc:
        cfg(text, fast=fast)
    msg = one_line_error(exc)
    assert msg.startswith(f"~/.aws/config line {line}: ")
    assert msg.endswith("; fix or remove that line")


def test_malformed_line_message_never_quotes_the_line():
    with pytest.raises(ConfigError) as exc:
        cfg("[profile a]\nwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n")
    assert "wJalr" not in str(exc.value)


def test_malformed_config_through_cli_is_one_line(run_avault, aws_config):
    aws_config("[profile a]\nnot a key value line\n")
    r = run_avault("list", "--profiles")
    assert r.returncode == 1
    assert r.stdout == ""
    assert (
        r.stderr
        == "avault: ~/.aws/config line 2: expected 'key = value', a [section] header or a comment; fix or remove that line\n"
    )


printable = st.text(
    alphabet=st.sampled_from(list("[]=:#; \t\r\nab-_/\"'\ufeff\x85\u2028é")) | st.characters(),
    max_size=200,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(printable)
def test_parser_only_ever_raises_config_error_and_paths_agree(text):
    try:
        slow = cfg(text, fast=False)
    except ConfigError:
        slow = None
    try:
        fast = cfg(text)
        names = fast.profile_names()
        for name in names:
            resolve(name, fast, {}, Flags())
    except ConfigError:
        fast = None
    if slow is None or fast is None:
        return  # (fast may defer to slow, so both raise; resolve may reject bad tags)
    assert names == slow.profile_names()
    for name in names:
        assert fast.section(name) == slow.section(name)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("h") / "config"
    path.write_bytes(data)
    try:
        c = ConfigFile.load(path, home=path.parent)
        for name in c.profile_names():
            resolve(name, c, {}, Flags())
    except ConfigError:
        pass


# -- resolve --------------------------------------------------------------------


def test_defaults_and_in_config():
    c = cfg("[profile a]\n")
    p = resolve("a", c, {}, Flags())
    assert p.in_config
    assert p.assume_role_duration == DEFAULT_SESSION_DURATION
    assert p.get_federation_token_duration == DEFAULT_SESSION_DURATION
    assert p.non_chained_get_session_token_duration == DEFAULT_SESSION_DURATION
    assert p.chained_get_session_token_duration == DEFAULT_CHAINED_SESSION_DURATION
    assert not resolve("ghost", c, {}, Flags()).in_config


def test_flags_are_the_base_and_duration_sets_three():
    c = cfg("[profile a]\nregion = file-region\nduration_seconds = 900\n")
    p = resolve("a", c, {}, Flags(region="flag-region", duration=7200, mfa_token="123456"))
    assert p.region == "flag-region"
    assert p.mfa_token == "123456"
    assert p.assume_role_duration == 7200
    assert p.non_chained_get_session_token_duration == 7200
    assert p.chained_get_session_token_duration == 7200
    assert p.get_federation_token_duration == DEFAULT_SESSION_DURATION


def test_duration_seconds_applies_to_assume_role_only():
    p = resolve("a", cfg("[profile a]\nduration_seconds = 900\n"), {}, Flags())
    assert p.assume_role_duration == 900
    assert p.non_chained_get_session_token_duration == DEFAULT_SESSION_DURATION


def test_bad_duration_seconds_is_config_error():
    with pytest.raises(ConfigError) as exc:
        resolve("a", cfg("[profile a]\nduration_seconds = 1h\n"), {}, Flags())
    assert "duration_seconds in profile 'a'" in one_line_error(exc)


def test_env_region_beats_file_and_aws_region_beats_default_region():
    c = cfg("[profile a]\nregion = file\n")
    assert resolve("a", c, {}, Flags()).region == "file"
    env = {"AWS_DEFAULT_REGION": "dflt", "AWS_REGION": "reg"}
    assert resolve("a", c, env, Flags()).region == "reg"
    assert resolve("a", c, {"AWS_DEFAULT_REGION": "dflt"}, Flags()).region == "dflt"
    assert resolve("a", c, env, Flags(region="flag")).region == "flag"


def test_env_overlays_for_every_profile():
    c = cfg(
        "[profile a]\nsts_regional_endpoints = legacy\nendpoint_url = http://file\nmfa_serial = file-serial\n"
    )
    env = {
        "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        "AWS_ENDPOINT_URL": "http://env",
        "AWS_MFA_SERIAL": "env-serial",
    }
    p = resolve("a", c, env, Flags())
    assert (p.sts_regional_endpoints, p.endpoint_url, p.mfa_serial) == (
        "regional",
        "http://env",
        "env-serial",
    )


def test_ttl_env_vars_are_go_durations_and_bad_ones_are_ignored():
    c = cfg("[profile a]\nduration_seconds = 900\n")
    env = {
        "AWS_ASSUME_ROLE_TTL": "2h",
        "AWS_SESSION_TOKEN_TTL": "90m",
        "AWS_CHAINED_SESSION_TOKEN_TTL": "12h",
        "AWS_FEDERATION_TOKEN_TTL": "43200s",
    }
    p = resolve("a", c, env, Flags())
    assert p.assume_role_duration == 7200  # env beats duration_seconds
    assert p.non_chained_get_session_token_duration == 5400
    assert p.chained_get_session_token_duration == 12 * 3600
    assert p.get_federation_token_duration == 43200
    bad = dict.fromkeys(env, "forever")
    p = resolve("a", c, bad, Flags())
    assert p.assume_role_duration == 900
    assert p.non_chained_get_session_token_duration == DEFAULT_SESSION_DURATION
    assert p.chained_get_session_token_duration == DEFAULT_CHAINED_SESSION_DURATION


def test_target_only_env_vars_do_not_reach_the_source():
    c = cfg("[profile base]\n[profile role]\nsource_profile = base\n")
    env = {
        "AWS_ROLE_ARN": "arn:env",
        "AWS_ROLE_SESSION_NAME": "sess",
        "AWS_SESSION_TAGS": "a = 1 , b=2",
        "AWS_TRANSITIVE_TAGS": "a, ,b",
        "AWS_SOURCE_IDENTITY": "me",
        "AWS_REGION": "r",
    }
    p = resolve("role", c, env, Flags())
    assert p.role_arn == "arn:env"
    assert p.role_session_name == "sess"
    assert p.session_tags == {"a": "1", "b": "2"}
    assert p.transitive_session_tags == ["a", "b"]
    assert p.source_identity == "me"
    assert p.source is not None
    src = p.source
    assert (src.role_arn, src.role_session_name, src.session_tags, src.source_identity) == ("", "", {}, "")
    assert src.transitive_session_tags == []
    assert src.region == "r"  # the general overlays do apply


def test_bad_session_tags_env_is_config_error():
    with pytest.raises(ConfigError) as exc:
        resolve("a", cfg("[profile a]\n"), {"AWS_SESSION_TAGS": "novalue"}, Flags())
    assert "AWS_SESSION_TAGS" in one_line_error(exc)


def test_first_writer_wins_then_default_fallback():
    c = cfg("[default]\nregion = d\nmfa_serial = dserial\nrole_arn = drole\n[profile a]\nregion = a\n")
    p = resolve("a", c, {}, Flags())
    assert (p.region, p.mfa_serial, p.role_arn) == ("a", "dserial", "drole")


def test_include_profile_replaces_default_for_that_step():
    c = cfg(
        "[default]\nregion = d\nexternal_id = dx\n"
        "[profile base]\nregion = b\nmfa_serial = bserial\n"
        "[profile a]\ninclude_profile = base\n"
    )
    p = resolve("a", c, {}, Flags())
    assert p.include_profile == "base"
    assert p.region == "b"  # from the include, not from default
    assert p.mfa_serial == "bserial"  # mfa_serial IS inherited through include_profile
    assert p.external_id == "dx"  # the included profile still falls back to default


def test_mfa_serial_not_inherited_from_source_but_mfa_process_is():
    c = cfg(
        "[profile base]\nmfa_serial = serial\nmfa_process = otp base\n"
        "[profile role]\nrole_arn = arn:r\nsource_profile = base\n"
    )
    p = resolve("role", c, {}, Flags())
    assert p.mfa_serial == ""
    assert p.mfa_process == "otp base"
    assert p.source is not None
    assert p.source.profile_name == "base"
    assert p.source.chained_from is p
    assert p.source.is_chained()
    assert p.source.get_session_token_duration() == DEFAULT_CHAINED_SESSION_DURATION
    assert not p.is_chained()


def test_source_chain_hydrates_recursively():
    c = cfg(
        "[profile a]\n[profile b]\nsource_profile = a\nrole_arn = rb\n"
        "[profile c]\nsource_profile = b\nrole_arn = rc\n"
    )
    p = resolve("c", c, {}, Flags())
    assert p.source is not None
    assert p.source.source is not None
    assert p.source.source.profile_name == "a"
    assert p.source.source.source is None


def test_self_referencing_source_profile_is_cleared():
    p = resolve("a", cfg("[profile a]\nsource_profile = a\n"), {}, Flags())
    assert p.source_profile_name == ""
    assert p.source is None


def test_include_loop_is_config_error():
    c = cfg("[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n")
    with pytest.raises(ConfigError) as exc:
        resolve("a", c, {}, Flags())
    assert one_line_error(exc).startswith("Loop detected in config file for profile 'a'; ")


def test_default_including_back_is_a_loop():
    c = cfg("[default]\ninclude_profile = a\n[profile a]\n")
    with pytest.raises(ConfigError, match="Loop detected in config file for profile 'a'"):
        resolve("a", c, {}, Flags())


def test_source_profile_loop_is_config_error():
    c = cfg("[profile a]\nsource_profile = b\n[profile b]\nsource_profile = a\n")
    with pytest.raises(ConfigError) as exc:
        resolve("a", c, {}, Flags())
    assert "Loop detected in source_profile chain for profile 'a'" in one_line_error(exc)


def test_sso_session_values_win_over_inline_ones():
    c = cfg(
        "[sso-session corp]\nsso_start_url = https://session/start\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "[profile base]\nsso_session = corp\n"
        "[profile a]\nsso_start_url = https://inline/start\nsso_region = us-east-1\n"
        "include_profile = base\n"
    )
    p = resolve("a", c, {}, Flags())
    assert p.sso_session == "corp"
    assert p.sso_start_url == "https://session/start"  # overwrites the earlier inline value
    assert p.sso_region == "eu-west-1"
    assert p.sso_registration_scopes == "sso:account:access"
    assert c.resolved_sso_start_url("a") == "https://inline/start"  # one section only
    assert c.resolved_sso_start_url("base") == "https://session/start"


def test_sso_session_without_region_falls_back_to_inline():
    c = cfg("[sso-session s]\nsso_start_url = u\n[profile a]\nsso_session = s\nsso_region = r\n")
    p = resolve("a", c, {}, Flags())
    assert (p.sso_start_url, p.sso_region) == ("u", "r")


def test_unknown_sso_session_is_config_error():
    with pytest.raises(ConfigError) as exc:
        resolve("a", cfg("[profile a]\nsso_session = nope\n"), {}, Flags())
    msg = one_line_error(exc)
    assert "sso_session 'nope'" in msg
    assert "[sso-session nope]" in msg


def test_session_tags_parsing():
    p = resolve("a", cfg("[profile a]\nsession_tags = k1 = v1 , k2=v2=x\n"), {}, Flags())
    assert p.session_tags == {"k1": "v1", "k2": "v2=x"}
    p = resolve("a", cfg("[profile a]\ntransitive_session_tags = k1, ,k2,\n"), {}, Flags())
    assert p.transitive_session_tags == ["k1", "k2"]


@pytest.mark.parametrize("tags", ["k1", "k1=v1,", "k1=v1,,k2=v2", "k1=v1,k2"])
def test_bad_session_tags_is_config_error(tags):
    with pytest.raises(ConfigError) as exc:
        resolve("a", cfg(f"[profile a]\nsession_tags = {tags}\n"), {}, Flags())
    assert one_line_error(exc) == (
        "session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]; fix session_tags in profile 'a'"
    )


def test_log_receives_debug_lines():
    lines: list[str] = []
    resolve("ghost", cfg(""), {"AWS_REGION": "r"}, Flags(), log=lines.append)
    assert "Profile 'ghost' missing in config file" in lines
    assert any("AWS_REGION" in line for line in lines)


# -- missing-profile guard ------------------------------------------------------


def test_ensure_profile_exists():
    c = cfg("[profile a]\n[default]\n")
    ensure_profile_exists("a", c, [])
    ensure_profile_exists("default", c, [])
    ensure_profile_exists("stored", c, ["stored"])
    ensure_profile_exists("default", cfg(""), ["default"])
    with pytest.raises(ConfigError) as exc:
        ensure_profile_exists("typo", c, ["other"])
    msg = one_line_error(exc)
    assert msg.startswith("profile 'typo' not found in ~/.aws/config and no stored credentials exist for it")
    with pytest.raises(ConfigError):
        ensure_profile_exists("default", cfg(""), [])


# -- writing --------------------------------------------------------------------


def test_add_profile_appends_atomically(tmp_path):
    home = tmp_path / "home"
    path = home / ".aws/config"
    c = ConfigFile.load(path, home=home)
    c.add_profile("work", {"mfa_serial": "arn:aws:iam::1:mfa/me"})
    assert path.read_text() == "[profile work]\nmfa_serial=arn:aws:iam::1:mfa/me\n"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert c.has_profile("work")
    c.add_profile("default", {})
    c2 = ConfigFile.load(path, home=home)
    c2.add_profile("x", {"region": "r"})
    assert path.read_text() == (
        "[profile work]\nmfa_serial=arn:aws:iam::1:mfa/me\n\n[default]\n\n[profile x]\nregion=r\n"
    )
    assert ConfigFile.load(path).section("x") == {"region": "r"}
    assert [p.name for p in path.parent.iterdir()] == ["config"]  # no temp files left


def test_add_profile_keeps_existing_bytes_and_mode_and_symlink(tmp_path):
    real = tmp_path / "dotfiles/aws-config"
    real.parent.mkdir()
    real.write_text("# mine\n[profile a]\nregion = x")  # no trailing newline
    real.chmod(0o640)
    link = tmp_path / "config"
    link.symlink_to(real)
    ConfigFile.load(link).add_profile("b", {"region": "y"})
    assert link.is_symlink()
    assert real.read_text() == "# mine\n[profile a]\nregion = x\n\n[profile b]\nregion=y\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["", "a]b", "a\nb", " a"])
def test_add_profile_rejects_bad_names(tmp_path, name):
    with pytest.raises(ConfigError):
        ConfigFile.load(tmp_path / "config").add_profile(name, {})


# -- import cost ----------------------------------------------------------------


def test_import_pulls_in_nothing_heavy():
    code = (
        "import avault.config, sys; "
        "print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('boto3', 'botocore', 'keyring', 'cryptography', 'configparser'))))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert r.stdout.strip() == ""


@pytest.mark.parametrize("fast", [True, False])
def test_a_spaced_header_keeps_its_raw_name(fast: bool):
    c = cfg(
        "[ default ]\nregion = eu-west-1\n[default ]\nregion = x\n[profile  p ]\nregion = us-east-1\n",
        fast=fast,
    )
    assert not c.has_profile("default")
    assert c.unrecognised_sections == [" default ", "default "]
    assert c.profile_names() == ["p"]  # spaces after "profile " still end in the name p
    assert resolve("p", c, {}).region == "us-east-1"


def test_debug_lines_are_logged_once_per_resolve():
    lines: list[str] = []
    c = cfg("[profile a]\nsource_profile = b\n[profile b]\nsource_profile = c\n[profile c]\n")
    resolve("a", c, {"AWS_REGION": "eu-west-1"}, log=lines.append)
    assert lines.count("Using region 'eu-west-1' from AWS_REGION") == 1
    assert lines.count("Profile 'default' missing in config file") == 1
    assert len(lines) == len(set(lines))
