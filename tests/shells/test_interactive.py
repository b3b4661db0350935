"""Tier 3: real interactive shells in tmux: prompt segment, TAB completion, oh-my-zsh.

These use the fake helper; test_e2e_moto.py repeats the switch with the real one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures.shells import CONFIG, PROMPT, ROOT, SHELLS, oh_my_zsh_with_avault, strip_ansi, unpack_testdata

pytestmark = pytest.mark.shells


def _reset(t, shell: str) -> None:
    """Abandon the command line and wait for an empty prompt."""
    t.send("C-u" if shell == "fish" else "C-c")

    def empty_prompt(screen: str) -> bool:
        lines = [ln for ln in strip_ansi(screen).splitlines() if ln.strip()]
        return (
            bool(lines)
            and lines[-1].strip().startswith(PROMPT[shell])
            and lines[-1].split(">", 1)[1].strip() in {"", "^C"}
        )

    t.wait_for(empty_prompt)
    if shell != "fish":
        t.line("")
        t.wait_for(lambda s: [ln for ln in s.splitlines() if ln.strip()][-1].strip() == PROMPT[shell])


def _prompt_line(screen: str, shell: str) -> str:
    lines = [ln for ln in screen.splitlines() if PROMPT[shell] in strip_ansi(ln)]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("shell", SHELLS)
def test_switch_shows_segment_in_colour_and_unset_clears_it(shell: str, fake_env, tmux_shell) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell(shell, fake_env)
    t.line("avs prod")
    screen = t.wait_for("aws:prod(333333333333) 7h59m")
    line = _prompt_line(screen, shell)
    assert "aws:prod(333333333333) 7h59m" in line
    colored = t.capture(escapes=True)
    assert "\x1b[31maws:prod(333333333333)" in colored
    t.line("avs -u")
    t.wait_for(lambda s: strip_ansi(s).rstrip().splitlines()[-1].strip() == PROMPT[shell])


@pytest.mark.parametrize("shell", SHELLS)
def test_unknown_profile_keeps_previous_and_sets_status(shell: str, fake_env, tmux_shell) -> None:
    t = tmux_shell(shell, fake_env)
    t.line("avs dev")
    t.wait_for("aws:dev(111111111111)")
    t.line("avs nope")
    t.wait_for("profile 'nope' not found")
    t.line("echo rc=" + ("$status" if shell == "fish" else "$?") + " now=$AVS_PROFILE")
    t.wait_for("rc=1 now=dev")
    t.line("avs staging")
    t.wait_for("aws:staging(222222222222)")
    t.line("avs -")
    t.wait_for(lambda s: "aws:dev(" in _prompt_line(s, shell))


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_completes_profiles_and_subcommands(shell: str, fake_env, tmux_shell) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell(shell, fake_env)
    t.send("avs ", "Tab")
    if shell == "bash":
        t.send("Tab")
    screen = t.wait_for("staging")
    assert "dev" in screen
    assert "prod" in screen
    assert "corp" not in screen
    _reset(t, shell)
    t.send("avs st", "Tab")
    t.wait_for(lambda s: "avs staging" in s)
    _reset(t, shell)
    t.send("avault e", "Tab")
    t.wait_for("avault ex")
    t.send("Tab")
    if shell == "bash":
        t.send("Tab")
    screen = t.wait_for("export")
    assert "exec" in screen


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_completes_shared_and_own_flags_of_a_command(shell: str, fake_env, tmux_shell) -> None:
    """A flag from a run several commands share (session, backend), and a command's own."""
    t = tmux_shell(shell, fake_env)
    for typed, want in [
        ("avault export --reg", "avault export --region"),
        ("avault login --backe", "avault login --backend"),
        ("avault exec --profile-e", "avault exec --profile-env"),
    ]:
        t.send(typed, "Tab")
        t.wait_for(lambda s, want=want: want in s)
        _reset(t, shell)


def test_oh_my_zsh_plugin_resolves_the_avs_alias_clash(fake_env, tmux_shell, tmp_path: Path) -> None:
    if not shutil.which("zsh"):
        pytest.skip("zsh not installed")
    zsh_dir = oh_my_zsh_with_avault(tmp_path / "omz")
    their = unpack_testdata("zsh-aws-vault-*.tar.gz", tmp_path / "omz")
    shutil.copytree(their, zsh_dir / "custom/plugins/zsh-aws-vault")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    env = dict(fake_env, ZSH=str(zsh_dir))
    init = (
        "zstyle ':omz:update' mode disabled\n"
        "ZSH_THEME=robbyrussell\n"
        "ZSH_COMPDUMP=$ZDOTDIR/.zcompdump-omz\n"
        "plugins=(git aws zsh-aws-vault avault)\n"
        "source $ZSH/oh-my-zsh.sh 2>$ZDOTDIR/omz.err\n"
        "cat $ZDOTDIR/omz.err\n"
        "PROMPT='ZSH> '\n"
    )
    t = tmux_shell("zsh", env, init=init)
    screen = t.wait_for("ZSH>")
    assert "replaced alias avs='aws-vault server'" in screen
    t.line("avs prod")
    # The aws plugin's prompt shows the profile; our segment steps aside.
    t.wait_for("<aws:prod>")
    t.send("avs ", "Tab")
    screen = t.wait_for("staging")
    assert "dev" in screen
    t.send("C-c")
    # zsh drops typeahead when it handles Ctrl-C: type only once the new prompt is empty.
    t.wait_for(
        lambda s: (
            [ln for ln in strip_ansi(s).splitlines() if ln.strip()][-1].split("ZSH>", 1)[-1].split()[:1]
            in ([], ["<aws:prod>"])
        )
    )
    t.send("avault e", "Tab")
    t.wait_for("avault ex")


def test_oh_my_zsh_theme_prompt_keeps_segment(fake_env, tmux_shell, tmp_path: Path) -> None:
    """robbyrussell's PROMPT (prompt_subst on) plus our RPROMPT reference."""
    zsh_dir = oh_my_zsh_with_avault(tmp_path / "omz")
    env = dict(fake_env, ZSH=str(zsh_dir))
    init = (
        "zstyle ':omz:update' mode disabled\nZSH_THEME=robbyrussell\n"
        "ZSH_COMPDUMP=$ZDOTDIR/.zcompdump-omz\nplugins=(git avault)\n"
        'source $ZSH/oh-my-zsh.sh\nPROMPT="ZSH> $PROMPT"\n'
    )
    t = tmux_shell("zsh", env, init=init)
    t.line("avs staging")
    t.wait_for("aws:staging(222222222222)")
    colored = t.capture(escapes=True)
    assert "\x1b[33maws:staging" in colored


def test_fisher_layout_loads_from_conf_d(fake_env, tmux_shell, tmp_path: Path) -> None:
    """Copy conf.d/, functions/ and completions/ like fisher does, with no init line."""
    if not shutil.which("fish"):
        pytest.skip("fish not installed")
    cfg = tmp_path / "rc-fish" / "fish"
    for sub in ("conf.d", "functions", "completions"):
        shutil.copytree(ROOT / "shell/fish" / sub, cfg / sub, dirs_exist_ok=True)
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell("fish", fake_env, init="# loaded from conf.d")
    t.line("avs prod")
    t.wait_for("aws:prod(333333333333) 7h59m")
    t.send("avault ex", "Tab")
    t.wait_for("export")


def test_zsh_completion_file_alone_after_compinit(fake_env, tmux_shell, tmp_path: Path) -> None:
    """Source avs.zsh BEFORE compinit, with _avault on fpath: compinit registers it."""
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = (
        f"source {ROOT}/shell/zsh/avault.plugin.zsh\n"
        "autoload -Uz compinit && compinit -u -d $ZDOTDIR/.zcompdump2\n"
    )
    t = tmux_shell("zsh", fake_env, init=init)
    t.send("avs ", "Tab")
    t.wait_for("staging")


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_then_enter_on_a_hostile_profile_name_runs_nothing(
    shell: str, fake_env, tmux_shell, tmp_path: Path
) -> None:
    """A profile named like a command is inserted quoted: Enter switches, it runs nothing.

    The fake helper knows no such profile, so the switch itself fails; what matters is
    that the canary is never created and avs received the name as one argument.
    """
    canary = tmp_path / "canary"
    name = f"zz;touch {canary}"
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG + f"\n[profile {name}]\nregion = us-east-1\n")
    log = tmp_path / "argv.log"
    t = tmux_shell(shell, {**fake_env, "FAKE_AVAULT_LOG": str(log)})
    t.send("avs zz", "Tab")
    t.wait_for(lambda s: "touch" in s)  # the name was inserted on the command line
    t.send("Enter")
    t.wait_for(lambda s: log.exists() and '"export"' in log.read_text())
    t.line("echo done-$?")
    t.wait_for("done-")
    assert not canary.exists(), "the completed name ran as a command"
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    export = next(c for c in calls if c[0] == "export")
    assert export[-1] == name  # one argument, exactly the name
