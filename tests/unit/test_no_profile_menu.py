"""No profile given to exec, export, login or rotate: the menu at a terminal (the fork's
picker), the usual one-line error elsewhere. Real processes on a real pty (pexpect)."""

from __future__ import annotations

import json

import pexpect
import pytest

from avault.context import Context
from avault.vault.base import Item
from avault.vault.file import FileVault

CONFIG = "[profile dev]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n"
MENU = "number+Enter picks"


@pytest.fixture
def two_profiles(env, aws_config):
    aws_config(CONFIG)
    v = FileVault.from_context(Context(env=env), env["AWS_VAULT_FILE_DIR"])
    for name in ("dev", "prod"):
        keys = {"AccessKeyID": f"AKIA{name.upper()}KEY00000", "SecretAccessKey": f"{name}-secret"}
        v.set(Item(key=name, data=json.dumps(keys).encode(), label=f"aws-vault ({name})"))
    env["AVS_PICKER"] = "builtin"
    env.pop("AWS_PROFILE", None)
    return env


def _spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    return pexpect.spawn("avault", list(args), env=env, encoding="utf-8", timeout=20, dimensions=(30, 120))


def test_exec_without_a_profile_opens_the_menu_and_runs_as_the_choice(two_profiles):
    child = _spawn(two_profiles, "exec", "-n", "--", "sh", "-c", 'echo "RAN AS $AWS_VAULT $AWS_REGION"')
    child.expect_exact(MENU)
    child.send("prod")
    child.send("\r")
    child.expect(r"RAN AS (\S+) (\S+)")
    assert child.match.group(1) == "prod"
    assert child.match.group(2) == "eu-west-1"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_export_without_a_profile_opens_the_menu(two_profiles):
    child = _spawn(two_profiles, "export", "-n")
    child.expect_exact(MENU)
    child.send("dev\r")
    child.expect("AWS_ACCESS_KEY_ID=(\\S+)")
    assert child.match.group(1) == "AKIADEVKEY00000"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("command", [["login", "-s"], ["rotate"], ["exec", "-n"], ["export"]])
def test_escape_in_the_menu_does_nothing_and_exits_130(two_profiles, command: list[str]):
    child = _spawn(two_profiles, *command)
    child.expect_exact(MENU)
    child.send("\x1b")
    child.expect_exact(f"avault: {command[0]}: no profile chosen; run 'avault {command[0]} PROFILE'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["exec", "-n"], "avault: no profile given; run 'avault exec PROFILE' or set AWS_PROFILE\n"),
        (["export"], "avault: no profile given; run 'avault export PROFILE' or set AWS_PROFILE\n"),
        (["rotate"], "avault: no profile given; run 'avault rotate PROFILE'\n"),
        (
            ["login", "-s"],
            (
                "avault: no profile given and no AWS credentials in the environment; "
                "run 'avault login PROFILE', or switch first with 'avs PROFILE'\n"
            ),
        ),
    ],
)
def test_without_a_terminal_it_is_the_one_line_error(run_avault, two_profiles, command, message):
    r = run_avault(*command)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", message)


def test_avs_picker_none_keeps_the_error_at_a_terminal(two_profiles):
    child = _spawn(dict(two_profiles, AVS_PICKER="none"), "export")
    child.expect_exact("avault: no profile given; run 'avault export PROFILE' or set AWS_PROFILE")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
