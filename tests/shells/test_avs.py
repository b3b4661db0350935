"""The avs function, aliases, prompt and completion in each shell, against a fake helper.

Strict mode throughout (set -euo pipefail / fish --private). The prompt tests include
the one that proves the zsh and bash hooks start no process.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from fixtures.shells import SHELLS, gen_completions, run_shell

pytestmark = pytest.mark.shells

CONFIG = """\
[default]
region = us-east-1

[profile dev]
region = eu-west-1

[sso-session corp]
sso_region = eu-west-1

[profile staging]
role_arn = arn:aws:iam::222222222222:role/deploy
source_profile = dev

[profile prod]
role_arn = arn:aws:iam::333333333333:role/admin
source_profile = dev

[services local]
s3 =
  endpoint_url = http://localhost

[profile dev]
output = json
"""


def ok(shell: str) -> str:
    """`|| true`-style suffix that keeps a failing command from ending a strict shell."""
    return "; or true" if shell == "fish" else " || true"


def status(shell: str) -> str:
    return "$status" if shell == "fish" else "$?"


def var(shell: str, name: str) -> str:
    return f'"${name}"' if shell == "fish" else f'"${{{name}-}}"'


@pytest.mark.parametrize("shell", SHELLS)
def test_switch_sets_the_helpers_vars_and_passes_flags(shell: str, fake_env: dict[str, str]) -> None:
    r = run_shell(
        shell,
        f"avs prod -d 2h -t 123456 -n --region eu-west-2\n"
        f"echo {var(shell, 'AVS_PROFILE')} {var(shell, 'AWS_VAULT')} {var(shell, 'AVS_ACCOUNT')} {var(shell, 'AWS_SESSION_TOKEN')}",
        fake_env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "prod prod 333333333333 token-prod\n"
    argv = json.loads(Path(fake_env["FAKE_AVAULT_LOG"]).read_text().splitlines()[-1])
    assert argv == [
        "export", "--format", shell, "-d", "2h", "-t", "123456", "-n", "--region", "eu-west-2", "--", "prod",
    ]  # fmt: skip


@pytest.mark.parametrize("shell", SHELLS)
def test_failure_keeps_the_previous_profile_and_returns_non_zero(
    shell: str, fake_env: dict[str, str]
) -> None:
    r = run_shell(
        shell,
        f"avs dev\navs no-such-profile{ok(shell)}\navs no-such-profile; echo rc={status(shell)}\n"
        if shell == "fish"
        else "avs dev\nif avs no-such-profile; then echo switched; else echo rc=$?; fi\n"
        "if avs mfa-fails; then echo switched; else echo rc=$?; fi\n",
        fake_env,
    )
    script_tail = (
        f"echo {var(shell, 'AVS_PROFILE')} {var(shell, 'AWS_ACCESS_KEY_ID')} {var(shell, 'AWS_REGION')}"
    )
    r = run_shell(
        shell,
        (
            "avs dev\navs no-such-profile; echo rc=$status\navs mfa-fails; echo rc=$status\n"
            if shell == "fish"
            else "avs dev\nif avs no-such-profile; then echo switched; else echo rc=$?; fi\n"
            "if avs mfa-fails; then echo switched; else echo rc=$?; fi\n"
        )
        + script_tail,
        fake_env,
    )
    assert r.stdout == "rc=1\nrc=1\ndev ASIAFAKEDEV eu-west-1\n", r.stderr
    assert "profile 'no-such-profile' not found" in r.stderr
    assert "MFA failed" in r.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_dash_switches_back_and_unset_clears_everything(shell: str, fake_env: dict[str, str]) -> None:
    names = "AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION AWS_REGION AWS_DEFAULT_REGION"
    if shell == "fish":
        left = f"for n in {names}; set -q $n; and echo LEFT $n; end"
    elif shell == "zsh":
        left = f"for n in {names}; do (( ${{+parameters[$n]}} )) && echo LEFT $n; done; true"
    else:
        left = f"for n in {names}; do [[ -n ${{!n+x}} ]] && echo LEFT $n; done; true"
    r = run_shell(
        shell,
        f"avs dev\navs prod\navs -\necho {var(shell, 'AVS_PROFILE')} {var(shell, 'AWS_REGION')}\n"
        f"avs -\necho {var(shell, 'AVS_PROFILE')}\navs -u\n{left}\n"
        f"avs -\necho back {var(shell, 'AVS_PROFILE')}\n",
        fake_env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "dev eu-west-1\nprod\nback prod\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_unset_keeps_a_region_the_user_set(shell: str, fake_env: dict[str, str]) -> None:
    setreg = "set -gx AWS_REGION ap-south-1" if shell == "fish" else "export AWS_REGION=ap-south-1"
    r = run_shell(shell, f"{setreg}\navs prod\navs -u\necho {var(shell, 'AWS_REGION')}", fake_env)
    assert r.stdout == "ap-south-1\n", r.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_status_shows_profile_account_and_time_left(shell: str, fake_env: dict[str, str]) -> None:
    r = run_shell(shell, "avs prod\navs\navs -s", fake_env)
    assert r.returncode == 0, r.stderr
    block = r.stdout.split("profile  prod\n")
    assert len(block) == 3
    assert re.search(
        r"account  333333333333\nexpires  in 7h59m \(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\n", r.stdout
    )
    none = run_shell(shell, f"avs -s{ok(shell)}", fake_env)
    assert "no profile active" in none.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_missing_avault_says_how_to_install(shell: str, env: dict[str, str]) -> None:
    e = dict(env, PATH="/usr/bin:/bin")
    script = "avs prod; echo rc=$status" if shell == "fish" else "if avs prod; then :; else echo rc=$?; fi"
    r = run_shell(shell, script, e)
    assert r.stdout == "rc=127\n"
    assert r.stderr == "avault: not found on PATH; run ./install.sh or pip install avault\n"


@pytest.mark.parametrize("shell", ["zsh", "bash"])
def test_an_avs_alias_is_replaced_with_a_notice(shell: str, fake_env: dict[str, str]) -> None:
    alias = "alias avs='aws-vault server'\nalias ave='aws-vault exec'\n"
    if shell == "bash":
        alias = "shopt -s expand_aliases\n" + alias
    r = run_shell(
        shell,
        f"{alias}source {Path(__file__).parents[2]}/shell/{shell}/avs.{shell}\navs prod\necho $AVS_PROFILE",
        fake_env,
        load=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "prod\n"
    assert r.stderr.count("\n") == 1
    assert "replaced" in r.stderr
    assert "avs" in r.stderr


def test_zsh_eval_of_init_with_an_alias_defined(fake_env: dict[str, str]) -> None:
    """eval parses the whole string first in zsh: the alias must not break the definition."""
    r = run_shell(
        "zsh",
        "alias avs='aws-vault server'\neval \"$(avault init zsh)\"\navs prod\necho $AVS_PROFILE",
        fake_env,
        load=False,
    )
    assert r.stdout == "prod\n", r.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_avr_refreshes_the_current_profile(shell: str, fake_env: dict[str, str]) -> None:
    r = run_shell(
        shell, f"avs staging\navr\necho {var(shell, 'AVS_PROFILE')} {var(shell, 'AVS_PREVIOUS')}", fake_env
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["staging"]
    calls = Path(fake_env["FAKE_AVAULT_LOG"]).read_text().splitlines()
    assert [json.loads(c)[-1] for c in calls] == ["staging", "staging"]


@pytest.mark.parametrize("shell", SHELLS)
def test_avr_with_nothing_to_refresh_says_why(shell: str, fake_env: dict[str, str]) -> None:
    """The messages are avault's (avault avs avr); no export is asked for."""
    served = {"fish": "set -gx AVS_PROFILE dev; set -gx AVS_SERVER_PID 1"}.get(
        shell, "export AVS_PROFILE=dev AVS_SERVER_PID=1"
    )
    r = run_shell(shell, "avr", fake_env, strict=False)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "avr: no profile active; switch with 'avs PROFILE'\n"
    r = run_shell(shell, f"{served}\navr", fake_env)
    assert (r.returncode, r.stdout) == (0, "")
    assert r.stderr == "avr: the credential server refreshes dev by itself\n"
    calls = Path(fake_env["FAKE_AVAULT_LOG"]).read_text().splitlines()
    assert [json.loads(c)[0] for c in calls] == ["avs", "avs"]


@pytest.mark.parametrize("shell", SHELLS)
def test_alias_functions_call_avault(shell: str, fake_env: dict[str, str]) -> None:
    o = ok(shell)
    r = run_shell(shell, f"av list --profiles >/dev/null{o}\nave prod -- true{o}\navsh dev{o}\n", fake_env)
    calls = [json.loads(c) for c in Path(fake_env["FAKE_AVAULT_LOG"]).read_text().splitlines()]
    assert calls[0] == ["list", "--profiles"]
    assert calls[1][:2] == ["exec", "prod"]
    assert calls[2][:3] == ["exec", "dev", "--"]
    del r


@pytest.mark.parametrize("shell", SHELLS)
def test_avp_lists_profiles_and_roles_from_aws_config_file(
    shell: str, env: dict[str, str], tmp_path: Path
) -> None:
    cfg = tmp_path / "elsewhere.ini"
    cfg.write_text(CONFIG)
    e = dict(env, AWS_CONFIG_FILE=str(cfg))
    r = run_shell(shell, "avp", e)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert rows == [
        ["default", "-"],
        ["dev", "-"],
        ["staging", "arn:aws:iam::222222222222:role/deploy"],
        ["prod", "arn:aws:iam::333333333333:role/admin"],
    ]


COMPLETE = {
    # Each prints one candidate per line for the given command line.
    "zsh": None,  # zsh's compsys needs a terminal: see test_interactive.py; here the parser
    "bash": "COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); {fn}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
    "fish": "complete -C '{line}' | string replace -r '\\t.*' ''",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_profiles_for_completion_skip_sso_sessions_and_duplicates(shell: str, env: dict[str, str]) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    script = {
        "zsh": "__avs_profiles; print -l -- $reply",
        "bash": "COMP_WORDS=(avs ''); COMP_CWORD=1; __avs_complete_avs; printf '%s\\n' \"${COMPREPLY[@]}\"",
        "fish": "complete -C 'avs ' | string replace -r '\\t.*' ''",
    }[shell]
    r = run_shell(shell, script, env)
    assert sorted(r.stdout.split()) == ["default", "dev", "prod", "staging"], r.stderr


@pytest.mark.parametrize("shell", ["bash", "fish"])
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("avault e", {"exec", "export"}),
        ("avault export --format z", {"zsh"}),
        ("avault init f", {"fish"}),
        ("avault --backend k", {"keychain", "keyring"}),
        ("avault --backend p", {"pass"}),
        ("avault exec p", {"prod"}),
        ("ave s", {"staging"}),
        ("avs s", {"staging"}),
        ("avsh d", {"default", "dev"}),
        ("avault export --re", {"--region"}),
    ],
)
def test_completion_of_subcommands_flags_and_profiles(
    shell: str, line: str, expected: set[str], env: dict[str, str]
) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    if shell == "bash":
        words = line.split(" ")
        fn = {
            "avault": "__avs_complete_avault",
            "ave": "__avs_complete_ave",
            "avs": "__avs_complete_avs",
            "avsh": "__avs_complete_avs",
        }[words[0]]
        quoted = " ".join(f"'{w}'" for w in words)
        script = COMPLETE["bash"].format(words=quoted, fn=fn)  # type: ignore[union-attr]
    else:
        script = COMPLETE["fish"].format(line=line)  # type: ignore[union-attr]
    r = run_shell(shell, script, env)
    assert set(r.stdout.split()) == expected, r.stderr


def _expanded(shell: str, env: dict[str, str]) -> dict[str, list[str]]:
    """Each command's completion data as the shell holds it once the file is loaded."""
    gen = gen_completions()
    _top, commands = gen.model()
    if shell == "zsh":
        names = ["__avs_gen_top", *(gen.zsh_args_name(c) for c in commands)]
        script = "".join(f'print -r -- "== {n}"; print -rl -- "${{{n}[@]}}"; ' for n in names)
    elif shell == "bash":
        words = ["''", *(c.name for c in commands)]
        script = "".join(
            f'__avs_gen_spec {w}; printf "== %s\\n%s\\n%s\\n" {w} "$__avs_flags" "$__avs_vflags"; '
            for w in words
        )
    else:
        script = "".join(
            f"echo '== {c.name}'; complete -C 'avault {c.name} --' | string replace -r '\\t.*' ''; "
            for c in commands
        )
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stderr
    out: dict[str, list[str]] = {}
    for block in r.stdout.split("== ")[1:]:
        name, *lines = block.splitlines()
        out[name] = lines
    return out


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_data_expands_to_each_commands_own_options(shell: str, env: dict[str, str]) -> None:
    """However the data is laid out, loaded it is each command's options (zsh and bash: in order)."""
    gen = gen_completions()
    top, commands = gen.model()
    got = _expanded(shell, env)
    for c in [gen.Command(name="", aliases=[], help="", options=top), *commands]:
        if shell == "zsh":
            name = gen.zsh_args_name(c) if c.name else "__avs_gen_top"
            assert got[name] == gen.zsh_option_specs(c.options) + (gen.zsh_operand_specs(c) if c.name else [])
        elif shell == "bash":
            flags = " ".join(s for o in c.options for s in o.strings)
            vflags = " ".join(s for o in c.options if o.takes_value for s in o.strings)
            assert got[c.name] == [flags, f" {vflags} "], c.name
        elif c.name:
            # fish: whatever it offers for `avault CMD --` is CMD's long options and avault's own.
            longs = {s for o in [*top, *c.options] for s in o.strings if s.startswith("--")}
            assert set(got[c.name]) == longs, c.name


# ---- prompt --------------------------------------------------------------------

PROMPT_SEGMENT = {
    "zsh": '__avs_precmd; print -r -- "$RPROMPT"',
    "bash": "PS1='$ '; __avs_prompt_command; printf '%s\\n' \"${PS1@P}\"",
    "fish": "avs_prompt; echo",
}


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("profile", "ttl", "colour", "left"),
    [
        ("prod", 3 * 3600 + 5 * 60 + 30, "red", "3h5m"),
        ("my-staging", 47 * 60 + 30, "yellow", "47m"),
        ("dev", 9 * 60 + 30, "green", "!9m"),
        ("dev", -5, "green", "expired"),
    ],
)
def test_prompt_segment_colour_and_countdown(  # noqa: PLR0917 - parametrized
    shell: str, profile: str, ttl: int, colour: str, left: str, env: dict[str, str]
) -> None:
    setv = {
        "fish": "set -gx AVS_PROFILE {p}; set -gx AVS_ACCOUNT 123456789012; set -gx AVS_EXPIRES (math (date +%s) + {t})",
        "zsh": "export AVS_PROFILE={p} AVS_ACCOUNT=123456789012 AVS_EXPIRES=$(( EPOCHSECONDS + {t} ))",
        "bash": "export AVS_PROFILE={p} AVS_ACCOUNT=123456789012 AVS_EXPIRES=$(( EPOCHSECONDS + {t} ))",
    }[shell].format(p=profile, t=ttl)
    r = run_shell(shell, f"{setv}\n{PROMPT_SEGMENT[shell]}", env)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    if shell == "zsh":
        assert out.startswith(f"%F{{{colour}}}aws:{profile}(123456789012) "), out
    else:
        code = {"red": "31", "yellow": "33", "green": "32"}[colour]
        assert f"\x1b[{code}maws:{profile}(123456789012) " in out, repr(out)
    assert left in out
    if left.startswith("!"):
        assert ("magenta" in out) if shell == "zsh" else ("\x1b[35m" in out or "\x1b[1m" in out)


@pytest.mark.parametrize("shell", SHELLS)
def test_prompt_classes_and_switch_off(shell: str, env: dict[str, str]) -> None:
    classes = {
        "zsh": "AVS_PROMPT_CLASSES=('acme-*' blue '*' cyan)",
        "bash": "AVS_PROMPT_CLASSES='acme-*=blue *=cyan'",
        "fish": "set -g AVS_PROMPT_CLASSES 'acme-*' blue '*' cyan",
    }[shell]
    setp = "set -gx AVS_PROFILE acme-prod" if shell == "fish" else "export AVS_PROFILE=acme-prod"
    off = "set -g AVS_PROMPT 0" if shell == "fish" else "AVS_PROMPT=0"
    r = run_shell(shell, f"{classes}\n{setp}\n{PROMPT_SEGMENT[shell]}\n{off}\n{PROMPT_SEGMENT[shell]}", env)
    first, second = r.stdout.splitlines()[:2]
    assert ("%F{blue}aws:acme-prod" in first) if shell == "zsh" else ("\x1b[34maws:acme-prod" in first)
    assert "acme-prod" not in second


def test_zsh_prompt_subst_uses_a_reference_and_survives_a_theme(env: dict[str, str]) -> None:
    r = run_shell(
        "zsh",
        "setopt prompt_subst; export AVS_PROFILE=prod AVS_EXPIRES=$((EPOCHSECONDS+600+90))\n"
        "RPROMPT='%~'; __avs_precmd; print -r -- \"$RPROMPT\"\n"
        '__avs_precmd; print -r -- "$RPROMPT"\n'
        'RPROMPT=\'theme\'; __avs_precmd; print -r -- "$RPROMPT"; print -P -- "$RPROMPT"\n'
        'AVS_PROMPT=0; __avs_precmd; print -r -- "$RPROMPT"',
        env,
    )
    lines = r.stdout.splitlines()
    assert lines[:3] == ["${__avs_seg}%~", "${__avs_seg}%~", "${__avs_seg}theme"], r.stderr
    assert "aws:prod 11m" in lines[3]
    assert lines[4] == "theme"


@pytest.mark.parametrize("shell", ["zsh", "bash"])
def test_prompt_hook_starts_no_process(shell: str, env: dict[str, str]) -> None:
    """With PATH empty any command lookup fails, and the PID counter shows any fork."""
    body = {
        "zsh": "__avs_precmd; s=${(%)RPROMPT}",
        "bash": "__avs_prompt_command; s=${PS1@P}",
    }[shell]
    script = (
        "export AVS_PROFILE=prod AVS_ACCOUNT=123456789012 AVS_EXPIRES=$((EPOCHSECONDS + 7*3600 + 59*60 + 30))\n"
        "PS1='$ '; RPROMPT=''\n"
        + ("setopt prompt_subst\n" if shell == "zsh" else "")
        + "sleep 0 & wait; first=$!\n"
        "saved=$PATH; PATH=''; hash -r\n"
        f"for ((i = 0; i < 1000; i++)); do {body}; done\n"
        "PATH=$saved\n"
        "sleep 0 & wait; last=$!\n"
        'echo "forks=$((last - first - 1))"\n'
        f"{body}\n" + ('print -r -- "${__avs_seg}"\n' if shell == "zsh" else "printf '%s\\n' \"$s\"\n")
    )
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    forks = int(re.search(r"forks=(-?\d+)", r.stdout).group(1))  # type: ignore[union-attr]
    # Other processes on the machine also take PIDs; a fork per prompt would add 1000.
    assert forks < 200, r.stdout
    assert "aws:prod(123456789012)" in r.stdout
    assert "7h59m" in r.stdout


# What each framework defines that the step-aside check looks at (stand-ins: the real
# frameworks are in test_frameworks.py; here only the cost of the check is measured).
THEMES = {
    "zsh": "setopt prompt_subst; function spaceship_aws { : }; SPACESHIP_PROMPT_ORDER=(dir aws)\n"
    "function aws_prompt_info { : }; PS1='$(aws_prompt_info) $ '\n",
    "bash": "STARSHIP_SHELL=bash; starship_precmd() { :; }\n",
}


@pytest.mark.parametrize("shell", ["zsh", "bash"])
def test_theme_check_starts_no_process_and_steps_aside(shell: str, env: dict[str, str]) -> None:
    """The hook's theme check, run 1000 times with a theme that shows AWS: no fork, and
    avault's segment is left out (AVS_PROMPT=1 brings it back)."""
    body = {"zsh": "__avs_precmd; s=${__avs_seg}", "bash": "__avs_prompt_command; s=${PS1@P}"}[shell]
    script = (
        "export AVS_PROFILE=prod AVS_EXPIRES=$((EPOCHSECONDS + 3600))\n"
        "PS1='$ '; RPROMPT=''\n" + THEMES[shell] + "sleep 0 & wait; first=$!\n"
        "saved=$PATH; PATH=''; hash -r\n"
        f"for ((i = 0; i < 1000; i++)); do {body}; done\n"
        "PATH=$saved\n"
        "sleep 0 & wait; last=$!\n"
        'echo "forks=$((last - first - 1)) seg=[$s]"\n'
        f"AVS_PROMPT=1; {body}\n"
        'echo "forced=[$s]"\n'
    )
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stderr
    forks = int(re.search(r"forks=(-?\d+)", r.stdout).group(1))  # type: ignore[union-attr]
    assert forks < 200, r.stdout
    aside, forced = r.stdout.split("forced=", 1)
    assert "seg=[" in aside
    assert "aws:prod" not in aside
    assert "aws:prod" in forced


def test_bash_hook_preserves_status_and_user_prompt_command(env: dict[str, str]) -> None:
    r = run_shell(
        "bash",
        "PROMPT_COMMAND='echo user-hook'; PS1='$ '\n"
        "source shell/bash/avs.bash\n"  # relative path resolved below via cwd
        "echo",
        env,
    )
    del r
    script = (
        "set +e; export AVS_PROFILE=dev\n"
        "PS1='[$?] $ '\n"
        "(exit 7); __avs_prompt_command; echo rc=$?\n"
        "printf '%s\\n' \"${PS1@P}\" | cat -v\n"
    )
    r = run_shell("bash", script, env)
    assert "rc=7" in r.stdout
    assert "aws:dev" in r.stdout


def test_bash_prompt_command_is_appended_once_interactively(env: dict[str, str], tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    src = Path(__file__).parents[2] / "shell/bash/avs.bash"
    rc.write_text(f"PROMPT_COMMAND='echo mine'\nsource {src}\nsource {src}\n")
    r = run_shell(
        "bash",
        "",
        env,
        load=False,
        strict=False,
    )
    r = subprocess.run(
        ["bash", "--noprofile", "--rcfile", str(rc), "-i"],
        input='printf "<%s>" "$PROMPT_COMMAND"\nexit\n',
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=20,
    )
    assert "<echo mine\n__avs_prompt_command>" in r.stdout, r.stdout + r.stderr


def test_bash_prompt_degrades_without_a_clock(env: dict[str, str]) -> None:
    """bash 3.2: no EPOCHSECONDS and no printf %(%s)T: profile shown, no countdown."""
    r = run_shell(
        "bash",
        "__avs_clock=''; unset EPOCHSECONDS; export AVS_PROFILE=prod AVS_EXPIRES=99999999999\n"
        '__avs_prompt_compute; printf \'<%s%s>\\n\' "$__avs_p2" "$__avs_p4"',
        env,
    )
    assert r.stdout == "<aws:prod >\n", r.stderr
