"""aws-vault's smaller command surface, through the real CLI: version, the hidden proxy,
--prompt validation on every command, and list's combinable flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from avault import __version__
from avault.cli import build_parser
from avault.context import Context
from avault.sessions import SessionKey
from avault.vault.base import Item
from avault.vault.file import FileVault
from fixtures.shells import gen_completions

VERSION_LINE = f"avault {__version__}\n"


# -- version ---------------------------------------------------------------------------------


def test_version_command_prints_the_version_on_stdout(run_avault):
    r = run_avault("version")
    assert (r.returncode, r.stdout, r.stderr) == (0, VERSION_LINE, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["-v"],
        ["exec", "--version"],
        ["list", "--version"],
        ["export", "--format", "zsh", "--version"],
        ["export", "--version", "prod"],
        ["login", "prod", "--version"],
        ["sso", "accounts", "--version"],
        ["--debug", "clear", "--version"],
    ],
)
def test_version_flag_anywhere_on_the_line(run_avault, argv: list[str]):
    r = run_avault(*argv)
    assert (r.returncode, r.stdout, r.stderr) == (0, VERSION_LINE, "")


def test_version_after_exec_dashdash_belongs_to_the_command(run_avault, env):
    """`exec P -- cmd --version` runs cmd --version; avault does not answer it."""
    r = run_avault("exec", "nope", "--", "true", "--version")
    assert r.stdout == ""
    assert r.returncode != 0
    assert "nope" in r.stderr


# -- proxy / server (hidden) -----------------------------------------------------------------


@pytest.mark.parametrize("argv", [["proxy"], ["server"], ["proxy", "--stop"]])
def test_proxy_is_refused_in_one_line_pointing_to_the_ecs_server(run_avault, argv: list[str]):
    r = run_avault(*argv)
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("avault: proxy: the EC2 metadata proxy is not supported")
    assert "avault exec --ecs-server" in r.stderr


def test_proxy_is_hidden_from_help_and_completions(run_avault):
    r = run_avault("--help")
    assert r.returncode == 0
    assert "proxy" not in r.stdout
    assert "server  " not in r.stdout
    _top, commands = gen_completions().model()
    names = {c.name for c in commands} | {a for c in commands for a in c.aliases}
    assert "version" in names
    assert "proxy" not in names
    assert "server" not in names


def test_parser_knows_the_hidden_commands():
    ns = build_parser().parse_args(["server"])
    assert ns.module == "proxy"


# -- list: the only-flags combine as the fork's do (credentials, then profiles, then sessions) --


@pytest.fixture
def listing(env, aws_config):
    aws_config("[profile work]\nregion = eu-west-1\n[profile play]\n")
    v = FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"])
    v.set(Item(key="work", data=b"{}"))
    v.set(Item(key="orphan", data=b"{}"))
    v.set(Item(key=SessionKey("sts.GetSessionToken", "work", "", 4_000_000_000).encode(), data=b"{}"))
    return env


@pytest.mark.parametrize(
    ("flags", "shows"),
    [
        (["--profiles", "--credentials"], "credentials"),
        (["--credentials", "--profiles"], "credentials"),
        (["--sessions", "--credentials"], "credentials"),
        (["--profiles", "--sessions"], "profiles"),
        (["--profiles", "--sessions", "--credentials"], "credentials"),
    ],
)
def test_list_only_flags_combine_as_the_fork(run_avault, listing, flags: list[str], shows: str):
    expected = {"credentials": ["orphan", "work"], "profiles": ["work", "play"]}[shows]
    r = run_avault("list", *flags)
    assert (r.returncode, r.stderr) == (0, "")
    assert sorted(r.stdout.splitlines()) == sorted(expected)


# -- --prompt / AWS_VAULT_PROMPT: validated on every command, as kingpin's app.Validate does --


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--prompt", "bogus"],
        ["--prompt=bogus", "list", "--profiles"],
        ["clear", "--prompt", "bogus"],
        ["add", "--env", "--prompt", "bogus", "work"],
        ["remove", "-f", "--prompt", "bogus", "work"],
        ["export", "--prompt", "bogus", "work"],
        ["export", "--format", "zsh", "--prompt", "zenity", "--", "work"],  # not on PATH here
        ["pick", "--prompt", "bogus"],
        ["doctor", "--prompt", "bogus"],
    ],
)
def test_a_bad_prompt_driver_is_refused_by_every_command(run_avault, listing, argv: list[str]):
    before = sorted(p.name for p in Path(listing["AWS_VAULT_FILE_DIR"]).iterdir())
    r = run_avault(*argv, extra_env={"AWS_ACCESS_KEY_ID": "AKIANEW", "AWS_SECRET_ACCESS_KEY": "s"})
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [r.stderr.rstrip("\n")]  # one line
    assert "--prompt value must be one of terminal, got '" in r.stderr
    assert sorted(p.name for p in Path(listing["AWS_VAULT_FILE_DIR"]).iterdir()) == before


def test_the_prompt_env_var_is_validated_too(run_avault, listing):
    r = run_avault("list", "--credentials", extra_env={"AWS_VAULT_PROMPT": "pass"})
    assert r.returncode == 1
    assert "mfa_process = pass otp" in r.stderr
    r = run_avault("list", "--credentials", extra_env={"AWS_VAULT_PROMPT": "terminal"})
    assert (r.returncode, r.stdout) == (0, "orphan\nwork\n")


def test_the_drivers_listed_are_those_on_path(run_avault, listing, tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("zenity", "kdialog"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\nexit 0\n")
        tool.chmod(0o755)
    path = f"{bin_dir}:{listing['PATH']}"
    r = run_avault("list", "--prompt", "ykman", extra_env={"PATH": path})
    assert r.returncode == 1
    assert "must be one of kdialog,terminal,zenity, got 'ykman'" in r.stderr
    r = run_avault("list", "--credentials", "--prompt", "zenity", extra_env={"PATH": path})
    assert (r.returncode, r.stdout) == (0, "orphan\nwork\n")


# -- exec -j / --json: aws-vault's hidden credential_process spelling -------------------------


@pytest.mark.parametrize("flag", ["-j", "--json"])
def test_exec_json_prints_credential_process_json(run_avault, listing, flag: str):
    v = FileVault.from_context(Context(env=listing), listing["AWS_VAULT_FILE_DIR"])
    v.set(Item(key="work", data=b'{"AccessKeyID":"AKIAJSONFLAG0001","SecretAccessKey":"sk"}'))
    r = run_avault("exec", flag, "-n", "work")
    assert (r.returncode, r.stderr) == (0, "")
    assert (
        r.stdout == '{\n  "Version": 1,\n  "AccessKeyId": "AKIAJSONFLAG0001",\n  "SecretAccessKey": "sk"\n}\n'
    )


def test_version_inside_exec_command_belongs_to_the_command():
    """`exec P aws --version` (no `--`): the command's own flag, not avault's."""
    assert build_parser().parse_args(["exec", "dev", "aws", "--version"]).cmd == ["aws", "--version"]
