"""Injection: hostile profile names and credential values through the real ``export`` in every
shell format, eval'd by the real zsh, bash and fish. A canary file proves no payload ran;
values round-trip byte for byte, or the command refuses with one ``avault: ...`` line and
prints nothing to stdout. (Completion and the prompt segment: see tests/shells.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import AVAULT, avault, record

CANARY = "/tmp/avault-injection-canary-{n}"
PAYLOADS = [
    "it's",
    'say "hi"',
    "$(touch {c})",
    "`touch {c}`",
    "a;touch {c}",
    "a\ntouch {c}",
    "a\\\\'b\\",
    "%s%n%x",
    "*?[a-z]{{1,2}}",
    "$HOME ${{IFS}}",
    "\u00e9\u4e2d\U0001f600",
    "-n",
    "--",
    "x" * 10_000,
    "\udcff\udcfe bytes",
    "'; touch {c}; echo '",
    "\\x1b]0;title\\x07",
]
SHELLS = ["bash", "zsh", "fish"]
READ = {
    # Print each variable as hex, so any byte round-trips through the pipe.
    "bash": 'printf %s "$AWS_SECRET_ACCESS_KEY" | od -An -tx1 -v; echo @; printf %s "$AVS_PROFILE" | od -An -tx1 -v',
    "zsh": 'printf %s "$AWS_SECRET_ACCESS_KEY" | od -An -tx1 -v; echo @; printf %s "$AVS_PROFILE" | od -An -tx1 -v',
    "fish": 'printf %s "$AWS_SECRET_ACCESS_KEY" | od -An -tx1 -v; echo @; printf %s "$AVS_PROFILE" | od -An -tx1 -v',
}


def _hex(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").hex()


@pytest.mark.parametrize("shell", SHELLS)
def test_hostile_names_and_values_round_trip_or_are_refused(
    rel_env: dict[str, str], shell: str, tmp_path: Path
) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    canary = Path(CANARY.format(n=f"{shell}-{tmp_path.name}"))
    canary.unlink(missing_ok=True)
    failures: list[str] = []
    refused = 0
    for i, raw in enumerate(PAYLOADS):
        value = raw.format(c=canary)
        name = value[:200].replace("\n", "_") + f"-{i}"  # profile names: one line
        add = avault(
            rel_env,
            "add",
            "--env",
            "--no-add-config",
            name,
            extra={"AWS_ACCESS_KEY_ID": "AKIAINJECT", "AWS_SECRET_ACCESS_KEY": value},
        )
        if add.returncode != 0:
            refused += 1
            if add.stderr.count("\n") != 1 or not add.stderr.startswith("avault: "):
                failures.append(f"{i}: add refused without a one-line error: {add.stderr!r}")
            continue
        out = subprocess.run(
            [AVAULT, "export", "--format", shell, "-n", name],
            env=rel_env,
            capture_output=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if out.returncode != 0:
            refused += 1
            if out.stdout or not out.stderr.startswith(b"avault: "):
                failures.append(f"{i}: export failed badly: {out.stderr!r}")
            continue
        script = out.stdout + b"\n" + READ[shell].encode()
        argv = {
            "bash": ["bash", "--noprofile", "--norc", "-c"],
            "zsh": ["zsh", "--no-rcs", "-c"],
            "fish": ["fish", "--no-config", "--private", "-c"],
        }[shell]
        r = subprocess.run(
            [*argv, script],
            env={**rel_env, "LC_ALL": "C.UTF-8"},
            capture_output=True,
            timeout=60,
            check=False,
        )
        got = r.stdout.decode().replace(" ", "").replace("\n", "").split("@")
        if r.returncode != 0 or got != [_hex(value), _hex(name)]:
            failures.append(f"{i}: {shell} read back something else (rc={r.returncode}) {r.stderr[-200:]!r}")
    if canary.exists():
        failures.append("a payload ran: the canary file exists")
        canary.unlink()
    record(
        "injection: export -> eval in shells",
        trials=len(PAYLOADS),
        operations=2 * len(PAYLOADS),
        corpus=len(PAYLOADS),
        failures=len(failures),
    )
    assert not failures, failures


def test_hostile_config_values_never_run(rel_env: dict[str, str], tmp_path: Path) -> None:
    """Hostile region / role ARN / session name / expiry in ~/.aws/config: quoted or refused."""
    canary = tmp_path / "canary"
    hostile = f"$(touch {canary})`touch {canary}`;touch {canary}"
    Path(rel_env["AWS_CONFIG_FILE"]).write_text(
        f"[profile h]\nregion = {hostile}\nrole_session_name = {hostile}\n"
        f"[profile h2]\nregion = '{hostile}'\nduration_seconds = {hostile}\n"
    )
    avault(
        rel_env,
        "add",
        "--env",
        "--no-add-config",
        "h",
        extra={"AWS_ACCESS_KEY_ID": "AKIAH", "AWS_SECRET_ACCESS_KEY": "s"},
    )
    failures = []
    for fmt in ("env", "export-env", "json", "ini", "zsh", "bash", "fish"):
        r = avault(rel_env, "export", "--format", fmt, "-n", "h")
        if r.returncode == 0 and fmt in ("bash", "zsh"):
            subprocess.run([fmt, "-c", r.stdout], env=rel_env, capture_output=True, timeout=30, check=False)
        if r.returncode == 0 and fmt == "fish" and shutil.which("fish"):
            subprocess.run(
                ["fish", "--no-config", "-c", r.stdout],
                env=rel_env,
                capture_output=True,
                timeout=30,
                check=False,
            )
        if r.returncode == 0 and fmt == "json":
            json.loads(r.stdout)
        if r.returncode not in (0, 1):
            failures.append(f"{fmt}: rc {r.returncode}")
    r = avault(rel_env, "export", "--format", "zsh", "-n", "h2")
    if r.returncode != 1 or r.stdout:
        failures.append("h2: bad duration_seconds not refused")
    if canary.exists():
        failures.append("a payload ran")
    record("injection: hostile config", trials=8, operations=8, corpus=3, failures=len(failures))
    assert not failures, failures
