"""AWS_ENDPOINT_URL across switches, and `avs --server` / `avs --logout` (issue 9's shell side).

The endpoint tests use the fake helper; the server and logout ones run the real helper
against moto_server in interactive shells, like test_e2e_moto.py.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from fixtures.shells import PROMPT, run_shell, strip_ansi

pytestmark = pytest.mark.shells

LOCAL = "http://127.0.0.1:4566"


def _echo(shell: str, name: str) -> str:
    return f'echo "[${name}]"' if shell == "fish" else f'echo "[${{{name}-}}]"'


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_endpoint_of_one_profile_does_not_leak_into_the_next(shell: str, fake_env: dict[str, str]) -> None:
    export = "set -gx AWS_ENDPOINT_URL mine" if shell == "fish" else "export AWS_ENDPOINT_URL=mine"
    script = "\n".join(
        [
            "avs local",
            _echo(shell, "AWS_ENDPOINT_URL"),
            "avs dev",  # no endpoint: the one `avs local` set goes
            _echo(shell, "AWS_ENDPOINT_URL"),
            "avs local",
            "avs -u",  # avs -u removes it too
            _echo(shell, "AWS_ENDPOINT_URL"),
            export,  # the user's own is kept by both
            "avs dev",
            _echo(shell, "AWS_ENDPOINT_URL"),
            "avs -u",
            _echo(shell, "AWS_ENDPOINT_URL"),
        ]
    )
    r = run_shell(shell, script, fake_env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [f"[{LOCAL}]", "[]", "[]", "[mine]", "[mine]"]


# ---- avs --server / avs --logout against the real helper -----------------------------------

ACCOUNT = "123456789012"
CONFIG = f"""\
[profile dev]
region = us-east-1

[profile prod]
role_arn = arn:aws:iam::{ACCOUNT}:role/admin
source_profile = dev
region = us-east-1
"""


@pytest.fixture
def aws_env(moto, env: dict[str, str], aws_config, run_avault) -> dict[str, str]:
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEDEV000001", "AWS_SECRET_ACCESS_KEY": "s3cr3t/dev"},
    )
    assert r.returncode == 0, r.stderr
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_dead(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _server_pid(t, label: str) -> int:
    t.line(f"echo {label}=$AVS_SERVER_PID")
    pattern = rf"{label}=(\d+)"
    screen = t.wait_for(lambda s: re.search(pattern, strip_ansi(s)) is not None, timeout=20)
    return int(re.findall(pattern, strip_ansi(screen))[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_server_mode_prompt_aws_cli_unset_and_exit(shell: str, aws_env, tmux_shell) -> None:
    t = tmux_shell(shell, aws_env)
    t.line("avs --server prod")
    t.wait_for("aws:prod \u21c4", timeout=60)
    pid = _server_pid(t, "first")
    assert _alive(pid)
    # The aws CLI in this shell gets the role through the container endpoint: no keys here.
    t.line('echo "keys=[$AWS_ACCESS_KEY_ID]"; aws sts get-caller-identity --output text --query Arn')
    t.wait_for(f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/", timeout=60)
    assert "keys=[]" in t.capture()
    # A plain switch replaces the server; `avs -u` stops the new one.
    t.line("avs dev")
    t.wait_for(
        lambda s: "aws:dev" in [ln for ln in strip_ansi(s).splitlines() if PROMPT[shell] in ln][-1],
        timeout=60,
    )
    assert _wait_dead(pid), "the server of the replaced profile is still running"
    t.line('echo "uri=[$AWS_CONTAINER_CREDENTIALS_FULL_URI]"')
    t.wait_for("uri=[]")
    t.line("avs --server prod")
    t.wait_for(
        lambda s: "aws:prod \u21c4" in [ln for ln in strip_ansi(s).splitlines() if PROMPT[shell] in ln][-1],
        timeout=60,
    )
    pid = _server_pid(t, "second")
    t.line("avs -u")
    assert _wait_dead(pid), "avs -u left the server running"
    # Shell exit stops a server too.
    t.line("avs --server prod")
    t.wait_for(
        lambda s: "aws:prod \u21c4" in [ln for ln in strip_ansi(s).splitlines() if PROMPT[shell] in ln][-1],
        timeout=60,
    )
    pid = _server_pid(t, "third")
    t.line("exit")
    assert _wait_dead(pid), "the server outlived its shell"


@pytest.mark.e2e
@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_logout_clears_this_shell_and_the_cached_session(shell: str, aws_env, run_avault) -> None:
    status = "$status" if shell == "fish" else "$?"
    script = f"avs prod\navs --logout; echo rc={status}\n" + (
        'echo "left=[$AVS_PROFILE$AWS_SESSION_TOKEN]"\n'
        if shell == "fish"
        else 'echo "left=[${AVS_PROFILE-}${AWS_SESSION_TOKEN-}]"\n'
    )
    r = run_shell(shell, script, aws_env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-2:] == ["rc=0", "left=[]"], r.stderr
    assert "Logged out of prod" in r.stderr
    listing = run_avault("list", "--sessions")
    assert "prod" not in listing.stdout
