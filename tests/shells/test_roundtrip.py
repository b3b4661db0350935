"""Tier 2: eval render() output in each real shell and read every value back byte for byte.

A canary file proves that nothing in a value, a profile name or the prompt ran.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from fixtures.shells import SHELLS, install_fake_avault, run_shell

pytestmark = pytest.mark.shells


def hostile_values(canary: Path) -> dict[str, str]:
    c = str(canary)
    return {
        "AVS_T_QUOTES": "it's \"quoted\" 'twice'",
        "AVS_T_BACKSLASH": "a\\b\\\\c\\'d\\",
        "AVS_T_NEWLINES": "line1\nline2\n\nline4\n",
        "AVS_T_SUBST": f"$(touch {c})",
        "AVS_T_BACKTICK": f"`touch {c}`",
        "AVS_T_SEMI": f"x; touch {c}; y",
        "AVS_T_UTF8": "prod-ü-日本-🚀",
        "AVS_T_GLOB": "* ? [a] ~ {a,b}",
        "AVS_T_DOLLAR": "$HOME ${HOME} $((1+1)) %F{red}% \\e[31m",
        "AVS_T_DASH": "-n -e --",
        "AVS_T_EMPTY": "",
        "AVS_T_SPACES": "  leading and trailing  ",
        "AVS_T_BIG": ("0123456789abcdef" * 640)[:10240],
        "AVS_T_FISH": "\\' \\\\' end",
    }


DUMP = {
    "zsh": "for n in {names}; do if (( ${{+parameters[$n]}} )); then printf '%s=%s\\0' $n ${{(P)n}}; else printf '%s\\0' \"$n-unset\"; fi; done",
    "bash": 'for n in {names}; do if [[ -n ${{!n+x}} ]]; then printf \'%s=%s\\0\' "$n" "${{!n}}"; else printf \'%s\\0\' "$n-unset"; fi; done',
    "fish": "for n in {names}; if set -q $n; printf '%s=%s\\0' $n \"$$n\"; else; printf '%s\\0' $n-unset; end; end",
}


def read_dump(stdout: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in stdout.split("\0")[:-1]:
        if item.endswith("-unset") and "=" not in item:
            out[item[: -len("-unset")]] = None
        else:
            k, _, v = item.partition("=")
            out[k] = v
    return out


@pytest.mark.parametrize("shell", SHELLS)
def test_render_output_round_trips_byte_for_byte(shell: str, env: dict[str, str], tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    values: dict[str, str | None] = dict(hostile_values(canary))
    values["AVS_T_GONE"] = None  # set below, then unset by the rendered code
    data = tmp_path / "values.json"
    data.write_text(json.dumps(values))
    py = tmp_path / "render.py"
    py.write_text(
        f"import json, sys\nsys.path.insert(0, {str(Path(__file__).parents[2] / 'helper')!r})\n"
        "from avault.render import render\n"
        f"sys.stdout.write(render({shell!r}, json.load(open({str(data)!r}))))\n"
    )
    names = " ".join(values)
    if shell == "fish":
        script = (
            "set -gx AVS_T_GONE before\n"
            f"set -l out ({sys.executable} {py}); or exit 1\n"
            "printf '%s\\n' $out | source\n"
        )
    else:
        script = f'export AVS_T_GONE=before\nout=$({sys.executable} {py})\neval "$out"\n'
    r = run_shell(shell, script + DUMP[shell].format(names=names), env, load=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    got = read_dump(r.stdout)
    assert got == values
    assert not canary.exists()


HOSTILE_PROFILES = [
    "prod $(touch {c})",
    "`touch {c}`",
    "a'b\"c",
    "x;touch {c};y",
    "back\\slash\\n",
    "日本-prod",
    "%F{{blue}}%(?..x)\\[\\e[5m\\]",
    "-dash",
]


@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_profile_names_switch_show_and_complete_without_running(
    shell: str, env: dict[str, str], tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    names = [p.format(c=canary) for p in HOSTILE_PROFILES]
    bindir = tmp_path / "bin"
    db = install_fake_avault(bindir, {n: {"account": "123456789012"} for n in names})
    e = dict(env, PATH=f"{bindir}{os.pathsep}{env['PATH']}", FAKE_AVAULT_DB=str(db))
    config = "".join(f"[profile {n}]\nregion = us-east-1\n" for n in names)
    Path(env["AWS_CONFIG_FILE"]).write_text(config)
    (tmp_path / "names.json").write_text(json.dumps(names))
    # The profile names travel as data: one per line in a file the shell reads.
    (tmp_path / "names.txt").write_text("".join(n + "\n" for n in names if "\n" not in n))
    lst = tmp_path / "names.txt"
    if shell == "zsh":
        script = f"""
        setopt prompt_subst
        while IFS= read -r n; do
            avs -- "$n"
            printf '%s\\0' "$AVS_PROFILE"
            __avs_precmd
            print -P -- "$RPROMPT" >/dev/null
            avs_prompt_info >/dev/null
        done < {lst}
        unsetopt prompt_subst
        __avs_precmd; print -P -- "$RPROMPT" >/dev/null
        __avs_profiles; printf 'C%s\\0' "${{reply[@]}}"
        avp >/dev/null; avs -s >/dev/null
        """
    elif shell == "bash":
        script = f"""
        PS1='$ '
        while IFS= read -r n; do
            avs -- "$n"
            printf '%s\\0' "$AVS_PROFILE"
            __avs_prompt_command
            : "${{PS1@P}}"
            __avs_ps1 >/dev/null
        done < {lst}
        shopt -u promptvars
        __avs_prompt_command; : "${{PS1@P}}"
        COMP_WORDS=(avs ''); COMP_CWORD=1; __avs_complete_avs
        # what TAB inserts is shell text: read each word back the way the shell would
        for w in "${{COMPREPLY[@]}}"; do eval "printf 'C%s\\0' $w"; done
        avp >/dev/null; avs -s >/dev/null
        """
    else:
        script = f"""
        while read -l n
            avs -- $n; or exit 1
            printf '%s\\0' $AVS_PROFILE
            avs_prompt >/dev/null
        end < {lst}
        for c in (complete -C 'avs ')
            printf 'C%s\\0' $c
        end
        avp >/dev/null; avs -s >/dev/null
        """
    r = run_shell(shell, script, e)
    assert r.returncode == 0, r.stderr
    items = r.stdout.split("\0")[:-1]
    switched = [i for i in items if not i.startswith("C")]
    completed = {i[1:] for i in items if i.startswith("C")}
    assert switched == [n for n in names if "\n" not in n]
    assert completed >= set(names) - {n for n in names if n.startswith("-")}
    assert not canary.exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_prompt_shows_control_characters_as_question_marks(shell: str, env: dict[str, str]) -> None:
    setup = {
        "fish": "set -gx AVS_PROFILE (printf 'a\\nb\\033c' | string collect); avs_prompt",
        "zsh": "AVS_PROFILE=$'a\\nb\\ec'; avs_prompt_info",
        "bash": "AVS_PROFILE=$'a\\nb\\ec'; __avs_prompt_compute; printf %s \"$__avs_p2\"",
    }[shell]
    r = run_shell(shell, setup, env)
    assert "aws:a?b?c" in r.stdout, r.stdout + r.stderr
