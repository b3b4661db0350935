"""Fixtures every tier shares: a throw-away HOME per test and a way to run the real CLI.

Tier-specific fixtures live in tests/fixtures/ (moto_server, Secret Service, shells).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = [
    "fixtures.moto",
    "fixtures.keyring_service",
    "fixtures.pass_store",
    "fixtures.shells",
    "fixtures.sso",
]

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TEST_PASSPHRASE = "correct horse battery staple"

# Variables from the developer's own session that would change what avault does.
_SCRUB_PREFIXES = ("AWS_", "AVS_", "AVAULT_", "PYTHON_KEYRING", "DBUS_SESSION")


def clean_env(home: Path) -> dict[str, str]:
    """A minimal environment rooted at ``home``: no real keychain, no real ~/.aws."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local/state"),
        AWS_CONFIG_FILE=str(home / ".aws/config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws/credentials"),
        AWS_VAULT_BACKEND="file",
        AWS_VAULT_FILE_DIR=str(home / ".awsvault/keys"),
        AWS_VAULT_FILE_PASSPHRASE=TEST_PASSPHRASE,
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        LC_ALL="C.UTF-8",
    )
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    (h / ".aws").mkdir(parents=True)
    return h


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment for this test; also applied to os.environ for in-process calls."""
    e = clean_env(home)
    for k in list(os.environ):
        if k.startswith(_SCRUB_PREFIXES):
            monkeypatch.delenv(k)
    for k, v in e.items():
        monkeypatch.setenv(k, v)
    return e


@pytest.fixture
def aws_config(home: Path):
    """Write ~/.aws/config (AWS_CONFIG_FILE) for this test."""

    def write(text: str) -> Path:
        path = home / ".aws/config"
        path.write_text(text)
        return path

    return write


def avault_cmd() -> list[str]:
    return [str(VENV_BIN / "avault")]


@pytest.fixture
def run_avault(env: dict[str, str]):
    """Run the installed ``avault`` console script as a real process."""

    def run(
        *args: str,
        input: str | None = None,  # noqa: A002 - mirrors subprocess.run
        extra_env: dict[str, str] | None = None,
        timeout: float = 60,
        check: bool = False,
        no_tty: bool = False,  # a new session: no controlling terminal, /dev/tty cannot open
    ) -> subprocess.CompletedProcess[str]:
        e = dict(env)
        if extra_env:
            e.update(extra_env)
        return subprocess.run(
            [*avault_cmd(), *args],
            input=input,
            capture_output=True,
            text=True,
            env=e,
            timeout=timeout,
            check=check,
            stdin=None if input is not None else subprocess.DEVNULL,
            start_new_session=no_tty,
        )

    return run
