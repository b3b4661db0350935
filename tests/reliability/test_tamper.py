"""Tampering and permissions, through the real CLI (``export``, ``list``, ``remove``).

tests/unit/test_file_vault.py covers the decoder in process; here each damage is made to
the files on disk and the user-facing commands must name the damaged item, never use it,
and keep working for every other item. Config files and vault directories that another
user owns or can write are refused (world/other owner) or warned about (group), as ssh does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from avault.vault import jwe

from .conftest import add_keys, avault, record

PROFILES = ("victim", "other", "third")


def _flip_segment(token: str, index: int, bit: int) -> str:
    parts = token.split(".")
    raw = bytearray(jwe.b64url_decode(parts[index]))
    raw[bit // 8 % len(raw)] ^= 1 << (bit % 8)
    parts[index] = jwe.b64url_encode(bytes(raw))
    return ".".join(parts)


def _damage(kind: str, keys: Path) -> None:
    victim = keys / "victim"
    token = victim.read_text()
    segment = {"header": 0, "key": 1, "iv": 2, "ciphertext": 3, "tag": 4}
    if kind in segment:
        victim.write_text(_flip_segment(token, segment[kind], 37))
    elif kind == "header-nested":
        parts = token.split(".")
        parts[0] = jwe.b64url_encode(b"[" * 100_000)
        victim.write_text(".".join(parts))
    elif kind == "swapped":
        shutil.copyfile(keys / "other", victim)
    elif kind == "truncated":
        victim.write_text(token[: len(token) // 2])
    elif kind == "empty":
        victim.write_text("")
    elif kind == "symlink":
        victim.unlink()
        victim.symlink_to(keys / "other")
    elif kind == "fifo":
        victim.unlink()
        os.mkfifo(victim)
    else:  # pragma: no cover
        raise AssertionError(kind)


KINDS = [
    "header",
    "key",
    "iv",
    "ciphertext",
    "tag",
    "header-nested",
    "swapped",
    "truncated",
    "empty",
    "symlink",
    "fifo",
]


@pytest.fixture
def vault3(rel_env: dict[str, str]) -> dict[str, str]:
    for p in PROFILES:
        add_keys(rel_env, p, f"AKIA{p.upper()}", f"secret-of-{p}")
    return rel_env


@pytest.mark.parametrize("kind", KINDS)
def test_tampered_item_is_named_and_never_used(vault3: dict[str, str], kind: str) -> None:
    keys = Path(vault3["AWS_VAULT_FILE_DIR"])
    _damage(kind, keys)
    failures = []
    r = avault(vault3, "export", "--format", "json", "-n", "victim")
    if r.returncode != 1 or r.stdout or "victim" not in r.stderr or "Traceback" in r.stderr:
        failures.append(f"export victim: rc={r.returncode} err={r.stderr!r}")
    if "secret-of-other" in r.stdout + r.stderr:
        failures.append("the swapped item's secret was used")
    if not any(w in r.stderr for w in ("corrupt", "symbolic link", "not a regular file", "swapped")):
        failures.append(f"damage not named: {r.stderr!r}")
    for other in ("other", "third"):
        r = avault(vault3, "export", "--format", "json", "-n", other)
        if r.returncode != 0 or f"secret-of-{other}" not in r.stdout:
            failures.append(f"export {other}: {r.stderr!r}")
    r = avault(vault3, "list")
    if r.returncode != 0 or "other" not in r.stdout:
        failures.append(f"list: {r.stderr!r}")
    r = avault(vault3, "remove", "-f", "victim")
    if r.returncode != 0 or os.path.lexists(keys / "victim"):
        failures.append(f"remove: {r.stderr!r}")
    if kind == "symlink" and not (keys / "other").exists():
        failures.append("remove followed the symlink")
    record("tampering (via CLI)", trials=1, operations=5, corpus=1, failures=len(failures))
    assert not failures


# -- permissions ---------------------------------------------------------------------------


def _config(env: dict[str, str]) -> Path:
    p = Path(env["AWS_CONFIG_FILE"])
    p.write_text("[profile victim]\nregion = eu-west-1\n")
    p.chmod(0o600)
    return p


CASES = [
    # (what, how to make it unsafe, refused?)
    ("config world-writable", lambda cfg, keys: cfg.chmod(0o666), True),
    ("config owned by uid 65534", lambda cfg, keys: os.chown(cfg, 65534, 65534), True),
    ("config dir world-writable", lambda cfg, keys: cfg.parent.chmod(0o777), True),
    ("config dir owned by uid 65534", lambda cfg, keys: os.chown(cfg.parent, 65534, 65534), True),
    # Group 65534, not root's own private group (which, as in Debian's ssh, is accepted).
    ("config group-writable", lambda cfg, keys: (cfg.chmod(0o664), os.chown(cfg, -1, 65534)), False),
    ("vault dir world-writable", lambda cfg, keys: keys.chmod(0o777), True),
    ("vault dir group-writable", lambda cfg, keys: (keys.chmod(0o770), os.chown(keys, -1, 65534)), True),
    ("vault dir group-writable, private group", lambda cfg, keys: keys.chmod(0o770), False),
    ("vault dir owned by uid 65534", lambda cfg, keys: os.chown(keys, 65534, 65534), True),
    ("vault dir group/world-readable", lambda cfg, keys: keys.chmod(0o755), False),
]


@pytest.mark.parametrize(("what", "make_unsafe", "refused"), CASES, ids=[c[0] for c in CASES])
def test_unsafe_owner_or_mode_is_refused_or_warned(vault3, what, make_unsafe, refused) -> None:
    cfg = _config(vault3)
    keys = Path(vault3["AWS_VAULT_FILE_DIR"])
    make_unsafe(cfg, keys)
    r = avault(vault3, "export", "--format", "json", "-n", "victim")
    ok = (
        (r.returncode == 1 and "refusing" in r.stderr and not r.stdout)
        if refused
        else (r.returncode == 0 and "warning" in r.stderr and "secret-of-victim" in r.stdout)
    )
    fixes = ("chmod" in r.stderr or "chown" in r.stderr) and r.stderr.count("\n") <= 2
    record("permissions (config, vault dir)", trials=1, corpus=1, failures=0 if ok and fixes else 1)
    assert ok, r.stderr
    assert fixes, r.stderr


def test_root_owned_and_dev_null_config_are_accepted(vault3: dict[str, str]) -> None:
    r = avault(vault3, "export", "--format", "json", "-n", "victim", extra={"AWS_CONFIG_FILE": "/dev/null"})
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
