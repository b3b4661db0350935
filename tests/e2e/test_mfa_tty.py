"""MFA prompts on a real pty while stdout is captured, with a recording proxy in front of moto."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fakes.recorder import Recorder

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.e2e

AVAULT = str(Path(sys.executable).parent / "avault")
SERIAL = "arn:aws:iam::123456789012:mfa/me"
CONFIG = f"""[profile me]
region = us-east-1
mfa_serial = {SERIAL}

[profile viaproc]
region = us-east-1
credential_process = {AVAULT} export --format json me
"""


@pytest.fixture
def proxied(moto, env, aws_config, run_avault):
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "me",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIAMFAUSER000000001", "AWS_SECRET_ACCESS_KEY": "x"},
    )
    assert r.returncode == 0, r.stderr
    rec = Recorder(moto.url)
    env["AWS_ENDPOINT_URL"] = rec.url
    yield rec
    rec.server.shutdown()


def spawn(env: dict[str, str], command: str):
    return pexpect.spawn(
        "bash",
        ["--noprofile", "--norc", "-c", command],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(30, 200),
    )


CAPTURED = f'out=$({AVAULT} export --format bash me); rc=$?; echo "GOT:${{#out}} RC:$rc"'


def session_files(home: Path) -> list[str]:
    d = home / ".awsvault/keys"
    return [p.name for p in d.iterdir() if p.name.count(",") == 3] if d.exists() else []


def test_prompt_on_the_tty_while_stdout_is_captured(proxied, env, home):
    child = spawn(env, CAPTURED)
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendline("654321")
    child.expect(r"GOT:(\d+) RC:(\d+)")
    assert child.match.group(2) == "0"
    assert int(child.match.group(1)) > 500  # the whole switch was captured, not printed
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["654321"]
    assert len(session_files(home)) == 1

    # Within the TTL nothing is asked and STS is not called again.
    child = spawn(env, CAPTURED)
    index = child.expect_exact(["Enter MFA code", "GOT:"])
    assert index == 1
    child.expect(r"(\d+) RC:0")
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["654321"]


def test_ctrl_c_at_the_prompt(proxied, env, home):
    # A non-interactive bash would die of the SIGINT itself; a trap keeps it alive to report
    # (children still get the default SIGINT disposition).
    child = spawn(env, "trap : INT; " + CAPTURED)
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendcontrol("c")
    child.expect(r"GOT:(\d+) RC:(\d+)")
    assert (child.match.group(1), child.match.group(2)) == ("0", "130")
    child.expect(pexpect.EOF)
    assert proxied.requests == []
    assert session_files(home) == []


def test_prompt_reaches_the_tty_under_aws_cli_credential_process(proxied, env, home):
    child = spawn(env, "aws sts get-caller-identity --profile viaproc --output json")
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendline("112233")
    child.expect('"Arn"')
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert proxied.token_codes() == ["112233"]


# -- the driver when none is chosen: the fork's rule (stdout not a terminal -> a GUI driver) --

# zenity cannot open a window here (no display): this stand-in records its argv and answers
# with a code, which is all avault sees of the real program.
FAKE_ZENITY = """#!/bin/sh
printf '%s\\n' "$@" > "$ZENITY_LOG"
echo 778899
"""


@pytest.fixture
def gui_path(env, tmp_path: Path) -> Path:
    bin_dir = tmp_path / "gui-bin"
    bin_dir.mkdir()
    tool = bin_dir / "zenity"
    tool.write_text(FAKE_ZENITY)
    tool.chmod(0o755)
    log = tmp_path / "zenity.log"
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    env["ZENITY_LOG"] = str(log)
    return log


def test_credential_process_uses_the_gui_driver_when_there_is_one(proxied, gui_path, env, home):
    """Under credential_process stdout is a pipe: zenity asks, not the terminal (the fork's choice)."""
    child = spawn(env, "aws sts get-caller-identity --profile viaproc --output json")
    index = child.expect_exact([f"Enter MFA code for {SERIAL}: ", '"Arn"'])
    assert index == 1, "the terminal was asked although zenity is available"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert proxied.token_codes() == ["778899"]
    assert gui_path.read_text().splitlines() == [
        "--entry",
        "--title",
        "aws-vault",
        "--text",
        f"Enter MFA code for {SERIAL}: ",
    ]


def test_the_avs_switch_keeps_the_terminal_prompt_with_a_gui_driver_present(proxied, gui_path, env):
    """`avs` captures stdout itself, at a terminal: the prompt stays on /dev/tty."""
    child = spawn(env, CAPTURED)
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendline("654321")
    child.expect(r"GOT:(\d+) RC:0")
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["654321"]
    assert not gui_path.exists()


def test_an_explicit_terminal_prompt_wins_over_the_gui(proxied, gui_path, env):
    command = f'out=$({AVAULT} export --prompt terminal --format json me); echo "RC:$?"'
    child = spawn(env, command)
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendline("135790")
    child.expect("RC:0")
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["135790"]
    assert not gui_path.exists()


def test_the_ecs_server_prefers_the_gui_driver(proxied, gui_path, env):
    """exec --ecs-server shares the terminal with its command: zenity asks (the fork's rule)."""
    child = spawn(env, f"{AVAULT} exec --ecs-server me -- sh -c 'echo SERVED'")
    index = child.expect_exact([f"Enter MFA code for {SERIAL}: ", "SERVED"])
    assert index == 1, "the terminal was asked although zenity is available"
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["778899"]
    assert gui_path.exists()


def test_avs_server_keeps_the_terminal_prompt_with_a_gui_driver_present(proxied, gui_path, env):
    """`avs --server` is still the shell's $(...) at a terminal: the prompt stays on /dev/tty."""
    command = (
        f"out=$({AVAULT} exec --ecs-server --background --format bash --watch-pid $$ me); "
        'eval "$out"; echo "PID:${AVS_SERVER_PID:-none}"; kill "$AVS_SERVER_PID"'
    )
    child = spawn(env, command)
    child.expect_exact(f"Enter MFA code for {SERIAL}: ")
    child.sendline("246810")
    child.expect(r"PID:(\d+)")
    child.expect(pexpect.EOF)
    assert proxied.token_codes() == ["246810"]
    assert not gui_path.exists()
