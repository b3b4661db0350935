"""End to end: the real helper against a real moto_server, in real interactive shells.

`avs prod` (a role assumed from dev's stored keys), then the real aws CLI in the same
shell sees the assumed role; the prompt shows the profile in red with a countdown.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures.shells import PROMPT, SHELLS, run_shell, strip_ansi

pytestmark = [pytest.mark.shells, pytest.mark.e2e]

ACCOUNT = "123456789012"  # moto's default account
CONFIG = f"""\
[profile dev]
region = us-east-1

[profile staging]
region = us-east-1

[profile prod]
role_arn = arn:aws:iam::{ACCOUNT}:role/admin
source_profile = dev
region = us-east-1
"""


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
    return env


@pytest.mark.parametrize("shell", SHELLS)
def test_avs_prod_then_aws_cli_sees_the_role(shell: str, aws_env, run_avault, tmux_shell) -> None:
    t = tmux_shell(shell, aws_env)
    t.line("avs prod")
    screen = t.wait_for("aws:prod(", timeout=30)
    line = [ln for ln in screen.splitlines() if "aws:prod(" in ln][-1]
    assert re.search(r"aws:prod\(\d{12}\) (\d+h)?\d+m", line), line
    assert "\x1b[31maws:prod(" in t.capture(escapes=True)
    t.line("aws sts get-caller-identity --output text --query Arn")
    t.wait_for(f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/", timeout=30)
    # Switch to staging (stored keys only), back with `avs -`, then unset.
    t.line("avs staging")
    t.wait_for("aws:staging", timeout=30)
    t.line("avs -")
    t.wait_for(lambda s: "aws:prod(" in [ln for ln in s.splitlines() if PROMPT[shell] in ln][-1], timeout=30)
    t.line("avs no-such-profile")
    t.line("echo rc=" + ("$status" if shell == "fish" else "$?") + " still=$AVS_PROFILE")
    t.wait_for("still=prod", timeout=30)
    assert re.search(r"rc=[1-9]\d* still=prod", t.capture())
    t.line("avs -u")
    t.line('echo "cleared=[$AWS_SESSION_TOKEN]"')
    t.wait_for("cleared=[]")
    # The README shows one prompt line per shell: keep it for the report.
    Path(aws_env["HOME"], f"prompt-{shell}.txt").write_text(strip_ansi(line))


def test_avs_cached_switch_is_fast_enough_to_repeat(aws_env, run_avault, tmux_shell) -> None:
    """A second `avs prod` comes from the session cache: no STS call, same key."""
    t = tmux_shell("bash", aws_env)
    t.line("avs prod; k1=$AWS_ACCESS_KEY_ID; avs prod; [[ $k1 == $AWS_ACCESS_KEY_ID ]] && echo same-key")
    t.wait_for("same-key", timeout=30)


@pytest.mark.parametrize("shell", SHELLS)
def test_cached_avs_imports_no_aws_sdk(shell: str, aws_env) -> None:
    """Through the real `avs` function: a cached switch loads no boto3, botocore or keyring.

    dev's GetSessionToken session is cached (a role without MFA never is, as in aws-vault).
    PYTHONPROFILEIMPORTTIME makes the helper list every module it imports on stderr, which
    `avs` leaves on the shell's stderr.
    """
    # `avs -u` between: else the second switch is instant in the shell and starts no helper.
    if shell == "fish":
        script = (
            "avs dev; or exit 1\navs -u\n"
            "set -gx PYTHONPROFILEIMPORTTIME 1; avs dev; or exit 1\n"
            'set -e PYTHONPROFILEIMPORTTIME; echo "key:$AWS_ACCESS_KEY_ID"'
        )
    else:
        script = (
            "avs dev || exit 1\navs -u\n"
            'PYTHONPROFILEIMPORTTIME=1 avs dev || exit 1\necho "key:$AWS_ACCESS_KEY_ID"'
        )
    r = run_shell(shell, script, aws_env, strict=False, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # moto's GetSessionToken key: a session, not dev's stored AKIAEXAMPLEDEV000001
    assert "key:AKIAIOSFODNN7EXAMPLE" in r.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")
    }
    assert "avault.config" in imported  # the log is real (import_module calls are not listed)
    for heavy in ("boto3", "botocore", "keyring", "argparse"):
        assert heavy not in imported, f"{heavy} was imported on the cached path"
