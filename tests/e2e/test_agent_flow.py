"""The seed scenario on a real pty: the file vault's passphrase is asked once per login.

bash (interactive, with shell/bash/avs.bash) on a pexpect pty, the file backend, no
AWS_VAULT_FILE_PASSPHRASE, AVAULT_AGENT=1, moto_server for STS: ``avs dev`` asks once
and starts the agent; ``avs prod`` (a role from dev), ``avault exec staging -- true``
and the real aws CLI through ``credential_process = avault export --format json
staging`` ask nothing; ``avault lock`` makes the next switch ask again.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from avault.errors import AgentError, AgentUnavailable
from avault.vault.passphrase_agent import AgentClient

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
PW = "login once \u00e9 passphrase"
CONFIG = f"""[profile dev]
region = us-east-1

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod
role_session_name = avs-agent
region = us-east-1

[profile staging]
region = us-east-1

[profile cp-staging]
region = us-east-1
credential_process = {AVAULT} export --format json staging
"""


def _agent_pid(env: dict[str, str]) -> int | None:
    try:
        c = AgentClient.connect(env, timeout=3)
    except (AgentUnavailable, AgentError):
        return None
    try:
        return int(c.request("status")["pid"])
    finally:
        c.close()


@pytest.fixture
def runtime(env: dict[str, str]):
    d = Path(tempfile.mkdtemp(prefix="ave-", dir="/tmp"))
    d.chmod(0o700)
    env["XDG_RUNTIME_DIR"] = str(d)
    yield d
    pid = _agent_pid(env)
    if pid is not None:
        c = AgentClient.connect(env, timeout=3)
        try:
            c.request("stop")
        except AgentUnavailable:
            pass
        finally:
            c.close()
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_passphrase_once_per_login(  # noqa: PLR0917 - fixtures
    env, runtime: Path, moto, aws_config, run_avault, home: Path, tmp_path: Path
):
    aws_config(CONFIG)
    for profile, key in (("dev", "AKIADEV0000000000001"), ("staging", "AKIASTAGING000000001")):
        r = run_avault(
            "add",
            "--env",
            "--no-add-config",
            profile,
            extra_env={
                "AWS_VAULT_FILE_PASSPHRASE": PW,
                "AWS_ACCESS_KEY_ID": key,
                "AWS_SECRET_ACCESS_KEY": "s",
            },
        )
        assert r.returncode == 0, r.stderr
    vault_dir = env["AWS_VAULT_FILE_DIR"]
    shell_env = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    shell_env.update(AVAULT_AGENT="1", TERM="dumb", PS1="$ ", HISTFILE="/dev/null")
    rc = tmp_path / "bashrc"
    avs = ROOT / "shell" / "bash" / "avs.bash"
    if avs.exists():
        rc.write_text(f"source {avs}\nPS1='$ '\n")
        switch = "avs {}"
    else:  # the shell integration has not landed: the same eval, by hand
        rc.write_text("PS1='$ '\n")
        switch = 'eval "$(avault export --format bash {})"'
    child = pexpect.spawn(
        "bash", ["--noprofile", "--rcfile", str(rc), "-i"], env=shell_env, encoding="utf-8", timeout=60
    )
    prompt = f'Enter passphrase to unlock "{vault_dir}": '
    try:

        def run(cmd: str, tag: str, *, expect_prompt: bool) -> str:
            child.sendline(f'{cmd}; echo "{tag}-$?"')
            if expect_prompt:
                child.expect_exact(prompt)
                child.sendline(PW)
            i = child.expect([re.escape(prompt), rf"{tag}-(\d+)"])
            assert i != 0, f"{cmd!r} asked for the passphrase"
            assert child.match.group(1) == "0", f"{cmd!r} failed: {child.before}"
            return child.before or ""

        run(switch.format("dev"), "DEV", expect_prompt=True)
        pid = _agent_pid(env)
        assert pid is not None, "no agent was started"
        run(switch.format("prod"), "PROD", expect_prompt=False)
        out = run('printf "%s\\n" "$AWS_VAULT"', "WHO", expect_prompt=False)
        assert "prod" in out
        run("avault exec staging -- true", "EXEC", expect_prompt=False)
        out = run(
            "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "
            f"{VENV_BIN}/aws sts get-caller-identity --profile cp-staging --output text --query Account",
            "CP",
            expect_prompt=False,
        )
        assert "123456789012" in out
        run("avault lock", "LOCK", expect_prompt=False)
        run(switch.format("dev"), "AGAIN", expect_prompt=True)  # asks again after lock
        assert _agent_pid(env) == pid  # the same agent took the passphrase back
        run(switch.format("prod"), "PROD2", expect_prompt=False)
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert PW not in (child.before or "")
