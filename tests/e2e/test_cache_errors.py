"""A damaged cached session is named and replaced; a wrong passphrase is never mistaken for a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CONFIG = "[profile dev]\nregion = us-east-1\n"


def _seed(run_avault, aws_config, home: Path) -> Path:
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "dev",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000001", "AWS_SECRET_ACCESS_KEY": "s3cr3t"},
    )
    assert r.returncode == 0, r.stderr
    r = run_avault("export", "--format", "json", "dev")
    assert r.returncode == 0, r.stderr
    sessions = [p for p in (home / ".awsvault/keys").iterdir() if p.name.startswith("sts.GetSessionToken,")]
    assert len(sessions) == 1
    return sessions[0]


def test_tampered_session_is_named_and_replaced(moto, run_avault, aws_config, home: Path) -> None:
    session = _seed(run_avault, aws_config, home)
    data = bytearray(session.read_bytes())
    data[-5] ^= 0x01  # inside the GCM tag
    session.write_bytes(bytes(data))

    r = run_avault("export", "--format", "json", "dev")
    assert r.returncode == 0, r.stderr
    assert '"AccessKeyId"' in r.stdout
    assert "ignoring cached session for dev" in r.stderr
    assert session.name in r.stderr
    # the damaged item is gone, replaced by a fresh, readable session
    fresh = [p for p in (home / ".awsvault/keys").iterdir() if p.name.startswith("sts.GetSessionToken,")]
    assert len(fresh) == 1
    r = run_avault("export", "--format", "json", "dev")
    assert r.returncode == 0
    assert "ignoring" not in r.stderr


def test_wrong_passphrase_on_cached_session_is_an_error_not_a_refresh(
    moto, run_avault, aws_config, home: Path
) -> None:
    session = _seed(run_avault, aws_config, home)
    before = {p.name: p.read_bytes() for p in (home / ".awsvault/keys").iterdir()}
    r = run_avault(
        "export",
        "--format",
        "zsh",
        "dev",
        extra_env={
            "AWS_VAULT_FILE_PASSPHRASE": "not the passphrase",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        },
    )
    assert r.returncode == 1
    assert r.stdout == ""
    assert "wrong passphrase" in r.stderr
    # STS was never tried (the endpoint is dead, so a refresh would say so) and nothing changed
    assert "STS" not in r.stderr
    assert {p.name: p.read_bytes() for p in (home / ".awsvault/keys").iterdir()} == before
    assert session.exists()
