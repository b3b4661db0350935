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
