"""Fuzzing with hypothesis: only AvaultError (or the parser's documented error) ever escapes.

Targets: the config parser and resolver, the session-key parser, the vault item JSON
decoder, the JWE header/token reader, RFC 3339 and Go durations, the credential_process
JSON reader, and ``avault.main.main`` itself fed a fuzzed ~/.aws/config (no traceback,
no "internal error"). About 11,000 generated inputs by default; AVAULT_SLOW_TESTS=1 runs
ten times as many.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avault import config, errors
from avault.context import Context
from avault.creds import Credentials, parse_credential_process_output, parse_rfc3339
from avault.durations import parse_go_duration
from avault.errors import AvaultError, ConfigError, ItemCorrupt
from avault.main import main
from avault.sessions import SESSION_TYPES, SessionKey, is_credential_key, is_session_key
from avault.vault import jwe
from avault.vault.base import Item

from .conftest import record, scaled

N = scaled(1, 10)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples * N)


FUZZ = settings(
    max_examples=1000 * N,
    deadline=None,
    derandomize=True,  # reproducible: the same inputs every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# -- strategies -----------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "=",
        ":",
        "#",
        ";",
        "[",
        "]",
        '"',
        "'",
        "\\",
        "\x00",
        "\r",
        "\x0b",
        "\ufeff",
        "\u2028",
        "\udcff",
        "%",
        "$(x)",
        "`x`",
        "9" * 5000,
        "[" * 3000,
        "-",
        ".",
        ",",
        "é",
        "😀",
    ]
)
TEXT = st.one_of(st.text(max_size=40), NASTY, st.text(alphabet=string.printable, max_size=40))
NAMES = st.sampled_from(["a", "b", "c", "default", "dev", "prod", "x y", "p%2F", "s"])
KEYS = st.sampled_from([*sorted(config.PROFILE_KEYS), "sso_registration_scopes", "Region", "ROLE_ARN", ""])
VALUES = st.one_of(
    NAMES,
    TEXT,
    st.sampled_from(
        ["3600", "0", "-1", "1" * 20, "1h", "k=v,k2=v2", "k", ",", "arn:aws:iam::123456789012:role/r"]
    ),
)


@st.composite
def config_lines(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        prefix = draw(st.sampled_from(["profile ", "sso-session ", "", "profile  ", "PROFILE ", "default"]))
        name = "" if prefix == "default" else draw(NAMES)
        tail = draw(st.sampled_from(["", " # c", " ;c", "x", " ]"]))
        return f"{draw(st.sampled_from(['', ' ']))}[{prefix}{name}]{tail}"
    if kind <= 7:
        sep = draw(st.sampled_from(["=", " = ", ":", " : ", "= "]))
        indent = draw(st.sampled_from(["", "", "  ", "\t"]))
        comment = draw(st.sampled_from(["", " # c", "#x", " ;c"]))
        return f"{indent}{draw(KEYS)}{sep}{draw(VALUES)}{comment}"
    return draw(TEXT)


CONFIG_TEXT = st.one_of(st.lists(config_lines(), max_size=25).map("\n".join), st.text(max_size=200))


# -- config -------------------------------------------------------------------------------

_counts: dict[str, int] = {}


def _count(name: str) -> None:
    _counts[name] = _counts.get(name, 0) + 1


def _resolve_all(text: str, env: dict[str, str]) -> list[str]:
    """Parse and resolve every profile; returns what was resolved (ConfigError allowed)."""
    cfg = config.ConfigFile(Path("/fuzz/config"), text, display="~/.aws/config")
    slow = config.ConfigFile(Path("/fuzz/config"), text, display="~/.aws/config", fast=False)
    assert cfg.profile_names() == slow.profile_names()
    out = []
    for name in [*cfg.profile_names(), "default", "missing"]:
        assert cfg.section(name) == slow.section(name), name
        try:
            p = config.resolve(name, cfg, env)
        except ConfigError:
            continue
        out.append(p.profile_name)
    return out


@fuzz(2000)
@given(
    text=CONFIG_TEXT,
    env=st.dictionaries(
        st.sampled_from(
            ["AWS_REGION", "AWS_ASSUME_ROLE_TTL", "AWS_SESSION_TAGS", "AWS_ROLE_ARN", "AWS_SESSION_TOKEN_TTL"]
        ),
        VALUES,
        max_size=3,
    ),
)
def _config_parser_and_resolver(text: str, env: dict[str, str]) -> None:
    _count("config")
    with contextlib.suppress(ConfigError):
        _resolve_all(text, env)


def test_config_chains_deeper_than_the_stack_are_a_config_error() -> None:
    """Regression: 3,000-deep include/source chains raised RecursionError (internal error)."""
    for key in ("include_profile", "source_profile"):
        text = "".join(f"[profile p{i}]\n{key} = p{i + 1}\n" for i in range(3000))
        with pytest.raises(ConfigError, match="longer than"):
            config.resolve("p0", config.ConfigFile(Path("/c"), text), {})


def test_huge_durations_are_refused_not_crashes() -> None:
    """Regression: a 5,000-digit duration_seconds raised ValueError, a 400-digit TTL OverflowError."""
    cfg = config.ConfigFile(Path("/c"), "[profile a]\nduration_seconds = " + "1" * 5000 + "\n")
    with pytest.raises(ConfigError, match="whole number"):
        config.resolve("a", cfg, {})
    ok = config.ConfigFile(Path("/c"), "[profile a]\n")
    assert config.resolve("a", ok, {"AWS_ASSUME_ROLE_TTL": "9" * 400 + "h"}).assume_role_duration == 3600
    assert parse_go_duration("9" * 400 + "h") is None
    assert parse_go_duration("2562047h") is not None  # Go's maximum is ~2562047h47m
    assert parse_go_duration("2562048h") is None


@FUZZ
@given(st.text(max_size=60))
def _durations_never_raise(text: str) -> None:
    _count("durations")
    v = parse_go_duration(text)
    assert v is None or not math.isnan(v)


# -- session keys ----------------------------------------------------------------------


@FUZZ
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda a, b, c, d: f"{a},{b},{c},{d}",
            st.sampled_from(SESSION_TYPES),
            TEXT,
            TEXT,
            st.text(alphabet="0123456789\n", max_size=12),
        ),
    )
)
def _session_key_parser(text: str) -> None:
    _count("session-key")
    parsed = SessionKey.parse(text)
    is_session_key(text)
    is_credential_key(text)
    if parsed is not None:
        assert "\n" not in text.rsplit(",", 1)[-1]


@FUZZ
@given(
    st.sampled_from(SESSION_TYPES),
    st.text(min_size=1, max_size=30).filter(lambda s: s),
    st.one_of(st.just(""), st.text(max_size=30)),
    st.integers(0, 2**40),
)
def _session_key_round_trip(kind: str, profile: str, serial: str, expiry: int) -> None:
    _count("session-key")
    key = SessionKey(kind, profile, serial, expiry)
    assert SessionKey.parse(key.encode()) == key


def test_session_key_refuses_a_trailing_newline_and_round_trips_non_utf8() -> None:
    """Regressions: '$' matched before a final newline; a surrogate-escaped profile crashed b64()."""
    assert SessionKey.parse("sts.AssumeRole,YQ,,123\n") is None
    key = SessionKey("sts.AssumeRole", "\udcff\udcfe", "", 5)
    assert SessionKey.parse(key.encode()) == key


# -- vault items and JWE ---------------------------------------------------------------

JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=5,
)
ITEM_DICTS = st.fixed_dictionaries(
    {},
    optional={
        "Key": st.one_of(TEXT, JSONISH),
        "Data": st.one_of(st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()), TEXT, JSONISH),
        "Label": JSONISH,
        "Description": JSONISH,
        "KeychainNotTrustApplication": JSONISH,
    },
)


@fuzz(1500)
@given(
    st.one_of(
        st.binary(max_size=200),
        ITEM_DICTS.map(lambda d: json.dumps(d).encode()),
        st.sampled_from([b"[" * 100000, b"{" * 50000, b'{"Key":"a","Data":"' + b"A" * 10 + b'"}']),
    )
)
def _item_decoder(raw: bytes) -> None:
    _count("item-json")
    try:
        item = Item.from_json(raw, where="fuzzed")
    except ItemCorrupt:
        return
    with contextlib.suppress(ItemCorrupt):
        item.json_data()
    assert Item.from_json(item.to_json(), where="again") == item


@FUZZ
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(st.text(alphabet=string.ascii_letters + "-_=.+/", max_size=30), min_size=5, max_size=5).map(
            ".".join
        ),
        st.builds(
            lambda h, rest: jwe.b64url_encode(h) + rest,
            st.one_of(
                st.binary(max_size=60),
                ITEM_DICTS.map(lambda d: json.dumps(d).encode()),
                st.just(b"[" * 100000),
                st.fixed_dictionaries(
                    {"alg": st.just(jwe.ALG), "enc": st.just(jwe.ENC), "p2c": JSONISH, "p2s": TEXT}
                ).map(lambda d: json.dumps(d).encode()),
            ),
            st.just(".AAAA.AAAA.AAAA.AAAA"),
        ),
    )
)
def _jwe_reader(token: str) -> None:
    _count("jwe")
    try:
        jwe.parse_header(token)
        jwe.decrypt_with(token, lambda _s, _n: b"\x00" * 16)
    except errors.JWEError:
        pass


# -- timestamps and credential_process ---------------------------------------------------


@FUZZ
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}{}".format,
            st.integers(0, 9999),
            st.integers(0, 13),
            st.integers(0, 32),
            st.sampled_from("Tt "),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
            st.sampled_from(["", ".5", ".123456789", "." + "9" * 30]),
            st.sampled_from(["Z", "z", "+00:00", "-08:00", "+2359", "+24:00", "-00:60", ""]),
        ),
    )
)
def _rfc3339(text: str) -> None:
    _count("rfc3339")
    with contextlib.suppress(ValueError):
        parse_rfc3339(text)


CP_DICTS = st.fixed_dictionaries(
    {},
    optional={
        "Version": JSONISH,
        "AccessKeyId": st.one_of(TEXT, JSONISH),
        "SecretAccessKey": st.one_of(TEXT, JSONISH),
        "SessionToken": st.one_of(TEXT, JSONISH),
        "Expiration": st.one_of(
            TEXT,
            JSONISH,
            st.sampled_from(
                ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123456789+02:00", "2026-02-30T00:00:00Z"]
            ),
        ),
        "AccountId": JSONISH,
    },
)


@fuzz(1500)
@given(
    st.one_of(st.binary(max_size=200), CP_DICTS.map(lambda d: json.dumps(d).encode()), st.just(b"[" * 100000))
)
def _credential_process_reader(raw: bytes) -> None:
    _count("credential_process")
    try:
        c = parse_credential_process_output("fuzz", raw)
    except AvaultError as exc:
        leaked = len(raw) >= 8 and raw.decode("utf-8", "replace")[:40] in str(exc)
        assert not leaked
        return
    assert isinstance(c, Credentials)
    assert c.expiration is not None


# -- the real CLI, in process ------------------------------------------------------------


@settings(
    max_examples=300 * N,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=CONFIG_TEXT,
    command=st.sampled_from(
        [
            ["export", "--format", "json", "-n", "a"],
            ["export", "--format", "zsh", "-n", "dev"],
            ["list"],
            ["list", "--profiles"],
            ["export", "-n", "default"],
        ]
    ),
)
def _main_never_prints_a_traceback(text: str, command: list[str], rel_env: dict[str, str]) -> None:
    _count("main")
    Path(rel_env["AWS_CONFIG_FILE"]).write_text(text, encoding="utf-8", errors="surrogateescape")
    out, err = io.StringIO(), io.StringIO()
    env = dict(rel_env, AWS_ACCESS_KEY_ID="AKIAFUZZ", AWS_SECRET_ACCESS_KEY="fuzzsecret")
    rc = main(command, Context(env, stdout=out, stderr=err, stdin=io.StringIO()))
    assert "Traceback" not in err.getvalue()
    assert "internal error" not in err.getvalue(), err.getvalue()
    assert rc in (0, 1), err.getvalue()
    if rc:
        assert out.getvalue() == ""
        assert err.getvalue().startswith("avault: ")


@pytest.mark.parametrize(
    "target",
    [
        _config_parser_and_resolver,
        _durations_never_raise,
        _session_key_parser,
        _session_key_round_trip,
        _item_decoder,
        _jwe_reader,
        _rfc3339,
        _credential_process_reader,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_fuzz(target) -> None:
    """Run one hypothesis target and record how many inputs it was fed."""
    before = sum(_counts.values())
    target()
    n = sum(_counts.values()) - before
    record("fuzzing (hypothesis)", corpus=n, operations=n)
    assert n > 0


def test_main_never_prints_a_traceback(rel_env: dict[str, str]) -> None:
    before = sum(_counts.values())
    _main_never_prints_a_traceback(rel_env=rel_env)
    n = sum(_counts.values()) - before
    record("fuzzing: main() on fuzzed config", corpus=n, operations=n)
    assert n > 0
