"""`avs` with no argument opens the profile picker (`avault pick`) in interactive shells.

Real tmux sessions: the menu is drawn on the terminal, keys are typed into it, and the
prompt shows where we ended up. The first test uses the real helper against moto_server;
the others the fake helper (which hands `pick` to the real avault).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fixtures.shells import PROMPT, SHELLS, strip_ansi

pytestmark = pytest.mark.shells

STATUS = {"zsh": "$?", "bash": "$?", "fish": "$status"}
CONFIG = """\
[profile dev]
region = us-east-1

[profile staging]
region = us-east-1

[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev
region = us-east-1
"""


def _prompt_line(screen: str, shell: str) -> str:
    lines = [ln for ln in strip_ansi(screen).splitlines() if PROMPT[shell] in ln]
    return lines[-1] if lines else ""


def _menu_open(screen: str) -> bool:
    return "avs> " in screen and "number+Enter picks" in screen


@pytest.fixture
def aws_env(moto, env: dict[str, str], aws_config, run_avault) -> dict[str, str]:
    aws_config(CONFIG)
    for profile, key in (("dev", "AKIAEXAMPLEDEV000001"), ("staging", "AKIAEXAMPLESTG000001")):
        r = run_avault(
            "add",
            "--env",
            "--no-add-config",
            profile,
            extra_env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "s3cr3t/" + profile},
        )
        assert r.returncode == 0, r.stderr
    return dict(env, AVS_PICKER="builtin")


@pytest.mark.e2e
@pytest.mark.parametrize("shell", SHELLS)
def test_avs_alone_opens_the_menu_and_typing_filters_then_enter_switches(
    shell: str, aws_env, tmux_shell
) -> None:
    t = tmux_shell(shell, aws_env)
    t.line("avs")
    screen = t.wait_for(_menu_open, timeout=30)
    rows = [ln.split() for ln in screen.splitlines() if ln.lstrip("> ")[:1].isdigit()]
    assert [r[-5:] for r in rows] == [
        ["1", "dev", "-", "-", "us-east-1"],
        ["2", "staging", "-", "-", "us-east-1"],
        ["3", "prod", "123456789012", "admin", "us-east-1"],
    ], screen
    t.send("stag")
    t.wait_for(lambda s: "avs> stag" in s and "1/3" in s)
    t.send("Enter")
    t.wait_for(lambda s: "aws:staging" in _prompt_line(s, shell), timeout=60)
    # The menu erased itself.
    assert "number+Enter picks" not in t.capture()
    t.line('echo "key=$AWS_ACCESS_KEY_ID"')
    t.wait_for(lambda s: "key=A" in s, timeout=20)


@pytest.mark.parametrize("shell", SHELLS)
def test_ctrl_c_in_the_menu_leaves_the_shell_unchanged(shell: str, fake_env, tmux_shell) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell(shell, dict(fake_env, AVS_PICKER="builtin"))
    t.line("avs dev")
    t.wait_for(lambda s: "aws:dev" in _prompt_line(s, shell))
    t.line("avs")
    t.wait_for(_menu_open)
    t.send("pro")
    t.wait_for("avs> pro")
    t.send("C-c")
    t.wait_for(lambda s: "number+Enter picks" not in s)
    t.line(f"echo rc={STATUS[shell]} now=$AVS_PROFILE key=$AWS_ACCESS_KEY_ID")
    t.wait_for("rc=130 now=dev key=ASIAFAKEDEV")


@pytest.mark.parametrize("shell", ["zsh", "bash"])
def test_most_recently_used_profile_comes_first_and_a_number_picks(shell: str, fake_env, tmux_shell) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell(shell, dict(fake_env, AVS_PICKER="builtin"))
    t.line("avs prod")
    t.wait_for(lambda s: "aws:prod" in _prompt_line(s, shell))
    recent = Path(fake_env["XDG_STATE_HOME"]) / "avault/recent"
    assert recent.read_text() == "prod\n"
    assert oct(recent.stat().st_mode & 0o777) == "0o600"
    t.line("avs")
    screen = t.wait_for(_menu_open)
    rows = [ln for ln in screen.splitlines() if ln.lstrip("> ")[:1].isdigit()]
    assert rows[0].startswith("> 1 prod"), screen  # first, and highlighted
    t.send("3")  # file order after prod: dev (2), staging (3)
    t.send("Enter")
    t.wait_for(lambda s: "aws:staging" in _prompt_line(s, shell))
    assert recent.read_text() == "prod\nstaging\n"


def test_non_interactive_avs_alone_still_prints_the_status(fake_env, tmux_shell) -> None:
    """`$(avs)` (stdout not a terminal) and AVS_PICKER=none print the status, no menu."""
    t = tmux_shell("bash", fake_env)
    t.line("avs dev")
    t.wait_for(lambda s: "aws:dev" in _prompt_line(s, "bash"))
    t.line("x=$(avs); echo \"got=${x%%$'\\n'*}\"")
    t.wait_for("got=profile  dev")
    t.line("AVS_PICKER=none avs")
    t.wait_for("account  111111111111")


FAKE_FZF = """#!{python}
import os, sys
lines = sys.stdin.read().splitlines()
open(os.environ["FAKE_FZF_LOG"], "w").write("\\n".join(lines))
print(next(line for line in lines if " prod " in line))
"""


def test_fzf_is_used_when_installed(fake_env, tmux_shell, tmp_path: Path) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    bindir = tmp_path / "fzfbin"
    bindir.mkdir()
    (bindir / "fzf").write_text(FAKE_FZF.format(python=sys.executable))
    (bindir / "fzf").chmod(0o755)
    log = tmp_path / "fzf.log"
    env = dict(fake_env, PATH=f"{bindir}{os.pathsep}{fake_env['PATH']}", FAKE_FZF_LOG=str(log))
    t = tmux_shell("zsh", env)
    t.line("avs")
    t.wait_for(lambda s: "aws:prod(333333333333)" in _prompt_line(s, "zsh"), timeout=30)
    fed = log.read_text().splitlines()
    assert [line.split("\t")[1].split()[:2] for line in fed] == [
        ["1", "dev"],
        ["2", "staging"],
        ["3", "prod"],
    ]
