"""`avs --doctor` tells `avault doctor` which shell loaded the integration (and about the alias)."""

from __future__ import annotations

import pytest

from fixtures.shells import run_shell, source_line

pytestmark = pytest.mark.shells

CONFIG = "[profile dev]\nregion = us-east-1\n"


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_avs_doctor_reports_the_loaded_integration(shell: str, env: dict[str, str], aws_config) -> None:
    aws_config(CONFIG)
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # the clock check stays offline
    r = run_shell(shell, "avs --doctor", env, strict=False)
    assert f"ok    shell: the {shell} integration is loaded" in r.stdout, r.stdout + r.stderr
    # dev has no stored keys: doctor fails, and avs passes its status on
    assert "FAIL  config: profile 'dev' has no credentials" in r.stdout
    assert r.returncode == 1


def test_zsh_aws_vault_alias_clash_reaches_doctor(env: dict[str, str], aws_config) -> None:
    aws_config(CONFIG)
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    # zsh-aws-vault loaded first defines this alias; our file removes it and remembers that
    script = f"alias avs='aws-vault server'\n{source_line('zsh')}\navs --doctor"
    r = run_shell("zsh", script, env, load=False, strict=False)
    assert "replaced alias avs=" in r.stderr
    assert "zsh-aws-vault's alias avs='aws-vault server' was removed" in r.stdout, r.stdout + r.stderr


def test_doctor_shell_flag_alone_does_not_claim_the_integration_is_loaded(run_avault, aws_config) -> None:
    """`avault doctor --shell zsh` typed by hand proves nothing: no "loaded" without the shell's word."""
    aws_config(CONFIG)
    r = run_avault("doctor", "--shell", "zsh", extra_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert "integration is loaded" not in r.stdout
    assert "note  shell: the zsh integration was not confirmed by the shell" in r.stdout, r.stdout


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_avs_doctor_checks_each_piece_in_the_shell(shell: str, env: dict[str, str], aws_config) -> None:
    """The shell reports what it really has: avs and completion here; no prompt hook, since
    `shell -c` is not interactive (so that piece is named as missing, not claimed)."""
    aws_config(CONFIG)
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    if shell == "zsh":  # zsh registers completion only once compinit ran, as in a ~/.zshrc
        script = f"autoload -Uz compinit; compinit -u -D\n{source_line('zsh')}\navs --doctor"
        r = run_shell(shell, script, env, load=False, strict=False)
    else:
        r = run_shell(shell, "avs --doctor", env, strict=False)
    assert f"ok    shell: the {shell} integration is loaded (avs, completion)" in r.stdout, (
        r.stdout + r.stderr
    )
    assert f"note  shell: the {shell} prompt segment is not hooked" in r.stdout


def test_avs_doctor_sees_a_missing_completion(env: dict[str, str], aws_config) -> None:
    """bash: the user removed our completion after loading; doctor says so instead of "loaded"."""
    aws_config(CONFIG)
    env = {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    r = run_shell("bash", "complete -r avault\navs --doctor", env, strict=False)
    assert "ok    shell: the bash integration is loaded (avs)" in r.stdout, r.stdout + r.stderr
    assert "note  shell: bash completion for avault is not registered" in r.stdout


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_interactive_avs_doctor_confirms_every_piece(shell: str, env, aws_config, tmux_shell) -> None:
    aws_config(CONFIG)
    t = tmux_shell(shell, {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    t.line("avs --doctor")
    t.wait_for(f"the {shell} integration is loaded (avs, prompt segment, completion)", timeout=30)
