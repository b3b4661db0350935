"""Tier 1: linters, and each shell sourcing the integration twice in strict mode."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path  # parametrize ids use it at run time

import pytest

from avault.commands import init
from avault.context import Context
from avault.errors import AvaultError
from avault.render import SWITCH_VARS
from fixtures.shells import ROOT, SHELL_DIR, SHELLS, SOURCE, STRICT, run_shell, skip_unless

pytestmark = pytest.mark.shells

BASH_FILES = [SHELL_DIR / "bash/avs.bash"]
ZSH_FILES = [SHELL_DIR / "zsh/avs.zsh", SHELL_DIR / "zsh/avault.plugin.zsh", SHELL_DIR / "zsh/_avault"]
FISH_FILES = sorted(SHELL_DIR.glob("fish/**/*.fish"))


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize("path", BASH_FILES, ids=lambda p: p.name)
def test_shellcheck_and_shfmt(path: Path) -> None:
    skip_unless("shellcheck", "shfmt")
    r = _run("shellcheck", "--enable=all", "--exclude=SC2250,SC2312,SC2154,SC2310,SC2311", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run("shfmt", "-d", "-i", "4", "-s", str(path))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("path", ZSH_FILES, ids=lambda p: p.name)
def test_zsh_parses_and_is_not_linted_as_bash(path: Path) -> None:
    skip_unless("zsh")
    r = _run("zsh", "-n", str(path))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    # scripts/test lints files with a sh-like shebang or a shellcheck directive as bash;
    # shellcheck has no zsh mode, so zsh files must carry neither.
    head = path.read_text()[:64]
    assert not head.startswith("#!")
    assert "shellcheck shell=" not in head


@pytest.mark.parametrize("path", FISH_FILES, ids=lambda p: str(p.relative_to(SHELL_DIR)))
def test_fish_syntax_and_indent(path: Path) -> None:
    skip_unless("fish", "fish_indent")
    # fish --no-execute exits 0 even on a syntax error (fish 3.6): stderr is the verdict.
    r = _run("fish", "--no-execute", str(path))
    assert (r.returncode, r.stderr) == (0, "")
    r = _run("fish_indent", "--check", str(path))
    assert r.returncode == 0, f"{path} is not fish_indent-formatted"


@pytest.mark.parametrize("shell", SHELLS)
def test_strict_mode_sourcing_twice_is_silent(shell: str, env: dict[str, str]) -> None:
    src = SOURCE[shell]
    script = f"source {src}\nsource {src}\n"
    r = run_shell(shell, script, env, load=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("shell", SHELLS)
def test_strict_mode_via_avault_init(shell: str, env: dict[str, str]) -> None:
    load = "avault init fish | source" if shell == "fish" else f'eval "$(avault init {shell})"'
    r = run_shell(shell, f"{load}\n{load}\n", env, load=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_zsh_plugin_strict_twice(env: dict[str, str]) -> None:
    plugin = SHELL_DIR / "zsh/avault.plugin.zsh"
    r = run_shell("zsh", f"source {plugin}; source {plugin}; (( ${{+functions[avs]}} ))", env, load=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("shell", SHELLS)
def test_non_interactive_shell_gets_functions_but_no_prompt_hook(shell: str, env: dict[str, str]) -> None:
    check = {
        "zsh": "(( ${+functions[avs]} )) && [[ ${precmd_functions-} != *__avs* ]] && echo ok",
        "bash": "[[ $(type -t avs) == function && ${PROMPT_COMMAND-} != *__avs* ]] && echo ok",
        "fish": "functions -q avs; and not functions -q __avs_orig_right_prompt; and echo ok",
    }[shell]
    r = run_shell(shell, check, env)
    assert r.stdout == "ok\n", r.stderr


def test_generated_files_are_up_to_date() -> None:
    """scripts/gen_completions.py --check: completion data, switch lists, fisher layout."""
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_completions.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr


def test_avault_init_fish_is_the_fisher_layout_joined(run_avault) -> None:
    """The fisher layout is the one fish source, committed once: init prints its files joined."""
    layout = SHELL_DIR / "fish"
    order = [
        layout / "conf.d/avault.fish",
        *sorted((layout / "functions").glob("*.fish")),
        layout / "completions/avault.fish",
    ]
    # Nothing else under shell/fish: no second copy of the integration (avs.fish was one).
    assert sorted(p for p in layout.rglob("*") if p.is_file()) == sorted(order)
    assert {"functions/avs.fish", "functions/avs_prompt.fish"} <= {str(p.relative_to(layout)) for p in order}
    r = run_avault("init", "fish")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "\n".join(p.read_text() for p in order)


# Each shell's hand-written part (outside the GENERATED blocks), in non-blank lines,
# comments included. Issue 13's target is at most 450 each (it was zsh 605, bash 836,
# fish 566); a ratchet: lower it when code moves out of the shells, never above 450.
HAND_WRITTEN_TARGET = 450
HAND_WRITTEN_BUDGET = {
    "zsh": 446,
    "bash": 436,
    "fish": 447,
}


def hand_written_lines(shell: str) -> int:
    files = sorted((SHELL_DIR / "fish").rglob("*.fish")) if shell == "fish" else [SOURCE[shell]]
    count = 0
    for path in files:
        generated = False
        for line in path.read_text().splitlines():
            if re.match(r"\s*# --- BEGIN GENERATED ", line):
                generated = True
            elif re.match(r"\s*# --- END GENERATED ", line):
                generated = False
            elif not generated and line.strip():
                count += 1
    return count


@pytest.mark.parametrize("shell", SHELLS)
def test_hand_written_shell_code_stays_within_budget(shell: str) -> None:
    assert HAND_WRITTEN_BUDGET[shell] <= HAND_WRITTEN_TARGET
    assert hand_written_lines(shell) <= HAND_WRITTEN_BUDGET[shell]


def _shell_switch_vars(shell: str) -> list[str]:
    text = SOURCE[shell].read_text()
    pattern = {
        "zsh": r"__avs_switch_vars=\(\n(.*?)\n\)",
        "bash": r"__avs_switch_vars=\((.*?)\)",
        "fish": r"set -l vars ([^\n]*)",
    }[shell]
    m = re.search(pattern, text, re.DOTALL)
    assert m, shell
    return m.group(1).split()


@pytest.mark.parametrize("shell", SHELLS)
def test_unset_list_matches_render_switch_vars(shell: str) -> None:
    assert _shell_switch_vars(shell) == list(SWITCH_VARS)


@pytest.mark.parametrize("shell", SHELLS)
def test_avault_init_prints_the_shell_file(shell: str, run_avault) -> None:
    r = run_avault("init", shell)
    assert r.returncode == 0, r.stderr
    assert r.stdout == SOURCE[shell].read_text()
    assert r.stderr == ""


def test_avault_init_detects_the_shell_with_shellingham(run_avault) -> None:
    skip_unless("bash")
    # shellingham looks at the parent processes: started from bash, init prints bash's file.
    env = dict(os.environ)
    r = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m avault init; true"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.stdout == SOURCE["bash"].read_text(), r.stderr


def test_avault_init_unknown_shell_lists_supported(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(init, "detect_shell", lambda: "tcsh")
    with pytest.raises(AvaultError, match=r"unsupported shell 'tcsh'; supported shells: zsh, bash, fish"):
        init.run(argparse.Namespace(shell=None), Context(env={}))


def test_avault_init_imports_nothing_heavy(env: dict[str, str]) -> None:
    code = (
        "import sys\nfrom avault.main import main\nmain(['init', 'zsh'])\n"
        "bad = [m for m in ('boto3', 'botocore', 'keyring') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert r.stderr == "[]"


def test_strict_runner_flags_are_the_documented_ones() -> None:
    assert STRICT["bash"][:6] == ["bash", "--noprofile", "--norc", "-e", "-u", "-o"]
