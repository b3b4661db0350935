"""The README's comparison table ("How avault compares") stays honest.

The table is parsed from README.md. Each row whose avault side a command can check has a
check here that runs the real CLI (or the shell code it prints); every other row is listed in
``UNCHECKED`` with the test that covers it, or why no command can. A row added to the
README without either fails ``test_every_row_is_checked_or_listed``.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pexpect
import pytest

from conftest import ROOT, TEST_PASSPHRASE, avault_cmd

SHELLS = ("zsh", "bash", "fish")
SECRET = "readme-claims-secret/with+odd chars"
KEYS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAREADMECLAIMS0001", "AWS_SECRET_ACCESS_KEY": SECRET}


def comparison_rows() -> dict[str, str]:
    """Row label -> avault's cell, from the table under "## How avault compares"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How avault compares", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 5 or not cells[0] or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = cells[4]
    return rows


def backticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def helps(*command: str) -> str:
    r = subprocess.run([*avault_cmd(), *command, "--help"], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def init(shell: str) -> str:
    r = subprocess.run([*avault_cmd(), "init", shell], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def command_and_flags(cell: str) -> None:
    """Every ``avault X`` in the cell is a command, and every ``--flag`` one of its flags."""
    commands = [t.split()[1] for t in backticked(cell) if t.startswith("avault ")]
    assert commands, cell
    text = "".join(helps(c) for c in commands)
    for token in backticked(cell):
        if token.startswith("--"):
            assert token in text, f"{token} is not a flag of avault {' '.join(commands)}"
        if token.startswith("avs "):  # a form of the shell function: avs handles that flag
            flag = token.split()[1]
            for shell in SHELLS:
                assert flag in init(shell), f"avs in {shell} has no {flag}"


# -- the checks ---------------------------------------------------------------------------------


def check_switch_in_place(cell, run_avault, aws_config, home) -> None:
    assert "`avs`" in cell
    for shell in SHELLS:
        code = init(shell)
        assert re.search(r"^function avs\b|^avs\s*\(\)", code, re.MULTILINE), shell


def credential_process_profile(aws_config, home: Path) -> None:
    script = home / "creds.sh"
    body = {"Version": 1, "AccessKeyId": "ASIAREADME", "SecretAccessKey": SECRET, "SessionToken": "t"}
    body["Expiration"] = "2999-01-01T00:00:00Z"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(body)}\nEOF\n")
    script.chmod(0o700)
    aws_config(f"[profile cp]\ncredential_process = {script}\n")


def check_no_nested_error(cell, run_avault, aws_config, home) -> None:
    credential_process_profile(aws_config, home)
    switched = {"AWS_VAULT": "other", "AVS_PROFILE": "other"}  # a shell avs switched in place
    for shell in SHELLS:
        r = run_avault("export", "--format", shell, "cp", extra_env=switched)
        assert r.returncode == 0, r.stderr
    # ...while a real `exec` subshell keeps aws-vault's guard.
    r = run_avault("export", "--format", "zsh", "cp", extra_env={"AWS_VAULT": "other"})
    assert "existing aws-vault subshell" in r.stderr


def check_encrypted_at_rest(cell, run_avault, aws_config, home) -> None:
    r = run_avault("add", "--env", "--no-add-config", "enc", extra_env=KEYS_ENV)
    assert r.returncode == 0, r.stderr
    files = [p for p in (home / ".awsvault/keys").iterdir() if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data
        assert KEYS_ENV["AWS_ACCESS_KEY_ID"].encode() not in data


def check_passphrase_once(cell, run_avault, aws_config, home) -> None:
    assert "agent" in cell
    assert "--stop" in helps("agent")
    helps("lock")
    assert "AVAULT_FILE_PASSPHRASE_COMMAND" in (ROOT / "helper/avault/vault/passphrase.py").read_text()


def check_prompts_on_tty(cell, run_avault, aws_config, home, *, env, moto) -> None:
    """With stdout and stderr both redirected to files, the two prompts still reach the terminal."""
    aws_config("[profile mfa]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    assert run_avault("add", "--env", "--no-add-config", "mfa", extra_env=KEYS_ENV).returncode == 0
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    out, err = home / "out", home / "err"
    cmd = f"{avault_cmd()[0]} export --format json mfa >{out} 2>{err}"
    child = pexpect.spawn("/bin/sh", ["-c", cmd], env=e, encoding="utf-8", timeout=30)
    child.expect_exact("Enter passphrase to unlock")
    child.sendline(TEST_PASSPHRASE)
    child.expect_exact("Enter MFA code for arn:aws:iam::123456789012:mfa/me: ")
    child.sendline("123456")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, err.read_text()
    assert json.loads(out.read_text())["AccessKeyId"]
    assert "Enter" not in err.read_text()


def check_prompt_countdown(cell, run_avault, aws_config, home) -> None:
    assert "zsh, bash and fish" in cell
    for shell in SHELLS:
        code = init(shell)
        assert "AVS_EXPIRES" in code, shell
        assert "AVS_PROMPT_WARN" in code, shell


def check_prompt_colours(cell, run_avault, aws_config, home) -> None:
    for shell in SHELLS:
        assert "AVS_PROMPT_CLASSES" in init(shell), shell


def check_completion(cell, run_avault, aws_config, home) -> None:
    assert "all three" in cell
    registrations = {"zsh": "compdef", "bash": "complete -F", "fish": "complete -c avs"}
    for shell, registration in registrations.items():
        assert registration in init(shell), shell


def check_picker(cell, run_avault, aws_config, home) -> None:
    assert "fzf" in helps("pick")


def check_values_quoted(cell, run_avault, aws_config, home) -> None:
    credential_process_profile(aws_config, home)
    for shell in SHELLS:
        r = run_avault("export", "--format", shell, "cp")
        assert r.returncode == 0, r.stderr
        assert f"'{SECRET}'" in r.stdout, shell


CHECKS = {
    "switch the current shell": check_switch_in_place,
    "nested-session error when switching": check_no_nested_error,
    "keys encrypted at rest": check_encrypted_at_rest,
    "file-vault passphrase": check_passphrase_once,
    "prompts under `credential_process` or `$(…)`": check_prompts_on_tty,
    "prompt segment with expiry countdown": check_prompt_countdown,
    "per-profile prompt colours": check_prompt_colours,
    "TAB completion of profiles": check_completion,
    "profile picker": check_picker,
    "end a session early": lambda cell, *_: command_and_flags(cell),
    "diagnose the setup": lambda cell, *_: command_and_flags(cell),
    "values quoted in `export` output": check_values_quoted,
}
#: Rows no single command here can check, and where they are tested instead.
UNCHECKED = {
    "reads an existing aws-vault file vault and its sessions": (
        "needs vault files written by aws-vault itself: tests/unit/test_jwe.py reads jose2go's vectors"
    ),
    "SSO: refresh tokens, `SlowDown`, `$BROWSER`, one tab for parallel logins": (
        "needs the fake IAM Identity Center portal: tests/e2e/test_sso_e2e.py"
    ),
    "shares the AWS CLI's SSO token cache": "needs the fake portal and the aws CLI: tests/e2e/test_sso_e2e.py",
}


def test_every_row_is_checked_or_listed():
    rows = comparison_rows()
    assert len(rows) >= 10
    assert not set(CHECKS) & set(UNCHECKED)
    assert set(rows) == set(CHECKS) | set(UNCHECKED)


@pytest.mark.parametrize("label", sorted(CHECKS))
def test_comparison_row(label, request, run_avault, aws_config, home):
    check = CHECKS[label]
    extra = {}
    if check is check_prompts_on_tty:
        extra = {"env": request.getfixturevalue("env"), "moto": request.getfixturevalue("moto")}
    check(comparison_rows()[label], run_avault, aws_config, home, **extra)
