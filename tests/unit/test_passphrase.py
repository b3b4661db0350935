"""Passphrase sources: AVAULT_FILE_PASSPHRASE_COMMAND (success, failure, hang, empty) and the order."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from avault.context import Context
from avault.errors import PassphraseCommandError
from avault.vault import passphrase as passmod
from avault.vault.base import Item
from avault.vault.file import FileVault
from avault.vault.passphrase import COMMAND_VAR, provider_for, run_passphrase_command

PW = "command pass phrase 7Qx"


@pytest.fixture
def vdir(env: dict[str, str]) -> Path:
    d = Path(env["AWS_VAULT_FILE_DIR"])
    FileVault(d, lambda _n: PW).set(
        Item(key="work", data=b'{"AccessKeyID":"AKIA","SecretAccessKey":"s"}', label="aws-vault (work)")
    )
    passmod._passphrases.clear()
    return d


def _vault(env: dict[str, str], vdir: Path, **extra: str) -> FileVault:
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    e.update(extra)
    return FileVault(vdir, provider_for(Context(env=e), vdir))


def test_command_output_is_the_passphrase_minus_one_newline(env):
    assert run_passphrase_command(f"printf '%s\\n' '{PW}'", env) == PW
    assert run_passphrase_command("printf 'a b\\n\\n'", env) == "a b\n"
    assert run_passphrase_command("printf 'x\\r\\n'", env) == "x"


def test_command_opens_the_vault_and_runs_only_when_needed(env, vdir: Path, tmp_path: Path):
    marker = tmp_path / "ran"
    v = _vault(env, vdir, **{COMMAND_VAR: f"echo run >> {marker}; printf %s '{PW}'"})
    assert v.keys() == ["work"]  # listing never runs it
    assert not marker.exists()
    assert v.get("work") is not None
    v.set(Item(key="more", data=b"{}"))
    assert v.get("more") is not None
    assert marker.read_text() == "run\n"  # once per process


def test_env_var_wins_over_the_command(env, vdir: Path):
    v = _vault(env, vdir, AWS_VAULT_FILE_PASSPHRASE=PW, **{COMMAND_VAR: "exit 9"})
    assert v.get("work") is not None


@pytest.mark.parametrize(
    ("command", "match"),
    [
        (f"printf %s '{PW}'; exit 3", r"failed \(exit status 3\)"),
        ("true", "printed nothing"),
        ("echo", "printed nothing"),
        ("/nonexistent/passphrase-tool", r"failed \(exit status 127\)"),
    ],
)
def test_command_failures_are_one_line_naming_the_variable(env, vdir: Path, command: str, match: str):
    v = _vault(env, vdir, **{COMMAND_VAR: command})
    with pytest.raises(PassphraseCommandError, match=match) as e:
        v.get("work")
    msg = str(e.value)
    assert msg.startswith(COMMAND_VAR)
    assert "\n" not in msg
    assert PW not in msg


def test_command_that_hangs_times_out(env, vdir: Path):
    v = _vault(
        env, vdir, **{COMMAND_VAR: "sleep 30; printf x", "AVAULT_FILE_PASSPHRASE_COMMAND_TIMEOUT": "0.5"}
    )
    t = time.monotonic()
    with pytest.raises(PassphraseCommandError, match=r"did not finish within 0\.5s"):
        v.get("work")
    assert time.monotonic() - t < 5


def test_timeout_accepts_go_durations_and_rejects_junk(env):
    e = {**env, "AVAULT_FILE_PASSPHRASE_COMMAND_TIMEOUT": "1m"}
    assert run_passphrase_command("printf ok", e) == "ok"
    with pytest.raises(PassphraseCommandError, match="is not a duration"):
        run_passphrase_command("printf ok", {**env, "AVAULT_FILE_PASSPHRASE_COMMAND_TIMEOUT": "soon"})


def test_cli_command_stdout_never_shown_stderr_passes_through(env, vdir: Path, run_avault, aws_config):
    aws_config("[profile work]\nregion = us-east-1\n")
    env.pop("AWS_VAULT_FILE_PASSPHRASE")  # run_avault copies env at call time
    e = dict(env)
    r = run_avault(
        "remove", "-f", "nothere", extra_env={**e, COMMAND_VAR: f"echo to-stderr >&2; printf %s '{PW}'"}
    )
    assert PW not in r.stdout + r.stderr
    # A command that writes the secret and fails: still never shown.
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "b",
        extra_env={
            **e,
            COMMAND_VAR: f"echo note-on-stderr >&2; printf %s '{PW}'; exit 1",
            "AWS_ACCESS_KEY_ID": "AKIA2",
            "AWS_SECRET_ACCESS_KEY": "s2",
        },
    )
    assert r.returncode == 1
    assert "note-on-stderr" in r.stderr
    assert PW not in r.stdout + r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(f"avault: {COMMAND_VAR} failed")
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "c",
        extra_env={
            **e,
            COMMAND_VAR: f"printf %s '{PW}'",
            "AWS_ACCESS_KEY_ID": "AKIA3",
            "AWS_SECRET_ACCESS_KEY": "s3",
        },
    )
    assert r.returncode == 0, r.stderr
    assert PW not in r.stdout + r.stderr
    assert _vault(env, vdir, AWS_VAULT_FILE_PASSPHRASE=PW).get("c") is not None


def test_list_never_runs_the_command(env, vdir: Path, run_avault, tmp_path: Path):
    marker = tmp_path / "ran"
    env.pop("AWS_VAULT_FILE_PASSPHRASE")
    e = dict(env)
    r = run_avault("list", "--credentials", extra_env={**e, COMMAND_VAR: f"touch {marker}; exit 1"})
    assert r.returncode == 0, r.stderr
    assert "work" in r.stdout
    assert not marker.exists()


def test_agent_disabled_goes_straight_to_the_prompt(env, vdir: Path, monkeypatch):
    asked: list[str] = []

    def fake_prompt(self, message: str, **_kw: object) -> str:
        asked.append(message)
        return PW

    monkeypatch.setattr(Context, "prompt", fake_prompt)
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    e.update(AVAULT_AGENT="0", XDG_RUNTIME_DIR="/nonexistent-runtime")
    v = FileVault(vdir, provider_for(Context(env=e), vdir))
    assert v.get("work") is not None
    assert asked == [f'Enter passphrase to unlock "{vdir}": ']
