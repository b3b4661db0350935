"""Profile completion is cached per shell and re-read only when the config changes.

bash keeps the names in an array and compares the config with a stamp file using its
own `-nt`; fish compares `path mtime`; zsh uses zsh/stat. Hostile names stay text.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.shells import SHELLS, run_shell

pytestmark = pytest.mark.shells

HOSTILE = ["$(touch PWNED1)", "`touch PWNED2`", "a;touch PWNED3", "b'c\"d", "*"]


def _config(names: list[str]) -> str:
    return (
        "".join(f"[profile {n}]\nregion = us-east-1\n" for n in names)
        + "[sso-session corp]\nsso_region = x\n"
    )


LIST = {
    "zsh": "__avs_profiles; print -rl -- $reply",
    # bash inserts a match as shell text: read each word back as the shell would
    "bash": "COMPREPLY=(); COMP_WORDS=(avs ''); COMP_CWORD=1; __avs_complete_avs;"
    ' for w in "${COMPREPLY[@]}"; do eval "printf \'%s\\n\' $w"; done',
    "fish": "complete -C 'avs ' | string replace -r '\\t.*' ''; or true",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_profile_names_are_completed_as_text(shell: str, env: dict[str, str], tmp_path: Path) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(_config(["dev", *HOSTILE]))
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "glob-bait").touch()
    script = f"cd {work}\n{LIST[shell]}\n{LIST[shell]}"
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stderr
    assert sorted(set(r.stdout.splitlines())) == sorted(["dev", *HOSTILE])
    assert sorted(p.name for p in work.iterdir()) == ["glob-bait"]


@pytest.mark.parametrize("shell", SHELLS)
def test_cache_follows_the_config_file(shell: str, env: dict[str, str], tmp_path: Path) -> None:
    """Same mtime: the cached list (even if the text changed); new mtime or file: re-read."""
    config = Path(env["AWS_CONFIG_FILE"])
    config.write_text(_config(["one"]))
    os.utime(config, (1_700_000_000, 1_700_000_000))
    other = tmp_path / "other-config"
    other.write_text(_config(["elsewhere"]))
    keep_mtime = {
        "zsh": f"print -r -- '[profile two]' >> {config}; touch -d @1700000000 {config}",
        "bash": f"printf '%s\\n' '[profile two]' >> {config}; touch -d @1700000000 {config}",
        "fish": f"echo '[profile two]' >> {config}; touch -d @1700000000 {config}",
    }[shell]
    bump = f"touch -d @1700000100 {config}"
    other_file = {"fish": f"set -gx AWS_CONFIG_FILE {other}"}.get(shell, f"export AWS_CONFIG_FILE={other}")
    sep = "printf '%s\\n' --"
    script = "\n".join(
        [LIST[shell], sep, keep_mtime, LIST[shell], sep, bump, LIST[shell], sep, other_file, LIST[shell]]
    )
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stderr
    blocks = [sorted(b.split()) for b in r.stdout.split("--\n")]
    assert blocks == [["one"], ["one"], ["one", "two"], ["elsewhere"]]


def test_bash_cached_tab_runs_no_parser(env: dict[str, str]) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(_config(["dev", "prod"]))
    script = (
        f"{LIST['bash']} >/dev/null\n"
        "__avs_avault() { echo PARSED >&2; }\n"  # any further read would say so
        'COMP_WORDS=(avs p); COMP_CWORD=1; COMPREPLY=(); __avs_complete_avs; echo "${COMPREPLY[*]}"\n'
        f"{LIST['bash']} >/dev/null\n"
    )
    r = run_shell("bash", script, env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "prod\n", "")


def test_bash_prefix_search_matches_a_plain_loop(env: dict[str, str]) -> None:
    names = ["a", "a-b", "a.b", "ab", "abc", "b", "B", "ä", "äb", "z", "team0010", "team0100", "team01"]
    Path(env["AWS_CONFIG_FILE"]).write_text(_config(names))
    prefixes = ["", "a", "ab", "a-", "b", "B", "ä", "team01", "team010", "zz", "t"]
    lines = [
        f"COMPREPLY=(); COMP_WORDS=(avs '{p}'); COMP_CWORD=1; __avs_complete_avs; echo \"{p}:${{COMPREPLY[*]-}}\""
        for p in prefixes
    ]
    r = run_shell("bash", "\n".join(lines), env)
    assert r.returncode == 0, r.stderr
    got = {line.split(":", 1)[0]: sorted(line.split(":", 1)[1].split()) for line in r.stdout.splitlines()}
    assert got == {p: sorted(n for n in names if n.startswith(p)) for p in prefixes}


def test_bash_stamps_of_exited_shells_are_removed(env: dict[str, str], home: Path) -> None:
    """Each bash keeps a stamp bash-complete.PID; avault removes those of shells that are gone."""
    Path(env["AWS_CONFIG_FILE"]).write_text(_config(["dev"]))
    stamps = home / ".cache/avault"
    first = run_shell("bash", f"{LIST['bash']}\necho $$ >&2", env)
    assert first.stdout == "dev\n", first.stderr
    gone = stamps / f"bash-complete.{first.stderr.split()[-1]}"
    assert gone.exists()  # that shell has exited now
    # A live process's stamp stays (this test's own pid stands in for a running shell).
    alive = stamps / f"bash-complete.{os.getpid()}"
    alive.touch()
    second = run_shell("bash", f"{LIST['bash']}\necho $$ >&2", env)
    assert second.stdout == "dev\n", second.stderr
    assert not gone.exists()
    assert alive.exists()
    assert oct(stamps.stat().st_mode & 0o777) == "0o700"


def test_bash_reads_names_as_zsh_and_fish_do(env: dict[str, str]) -> None:
    """avault reads bash's names: [default], a header up to its LAST ']', no sso-session."""
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[default]\n  [profile  spaced ]\n[profile x]y] ; note\n[profile dup]\n[profile dup]\n"
        "[sso-session corp]\n[services s]\n[profile ]\n"
    )
    out = {}
    for shell in SHELLS:
        r = run_shell(shell, LIST[shell], env)
        assert r.returncode == 0, r.stderr
        out[shell] = sorted(r.stdout.split("\n")[:-1])
    assert out["bash"] == sorted(["default", "spaced", "x]y", "dup"]), out
    assert out["zsh"] == out["bash"] == out["fish"]


def test_bash_names_come_from_avault_without_heavy_imports(env: dict[str, str], home: Path) -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    Path(env["AWS_CONFIG_FILE"]).write_text(_config(["dev", "a;b"]))
    stamp = home / ".cache/avault/bash-complete.1"
    code = (
        "import sys\nfrom avault.main import main\n"
        f"rc = main(['avs', 'profiles', {str(stamp)!r}])\n"
        "sys.stderr.write(repr((rc, [m for m in ('boto3', 'botocore', 'keyring') if m in sys.modules])))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert r.stderr == "(0, [])", r.stderr
    assert stamp.read_text() == "2\na;b\ndev\n'a;b'\ndev\n"
    assert oct(stamp.stat().st_mode & 0o777) == "0o600"
    assert stamp.stat().st_mtime_ns == Path(env["AWS_CONFIG_FILE"]).stat().st_mtime_ns
