"""Secret hygiene: every command with --debug on a vault whose secrets are unique canaries.

The canaries (long-term key id and secret, the STS session token moto returns, an MFA code,
the file passphrase) may appear only on stdout of the commands whose job is to print them
(``export``, the ``exec`` target's env). Never in stderr, in files left behind under HOME,
in the argv of any process (a thread samples /proc/*/cmdline while the commands run) or in
the environment of any child other than the exec'd target. The agent runs with core
dumps disabled (/proc/<pid>/limits).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import AVAULT, avault, record

KEY = "AKIACANARYKEY7Q3Z9X1"
SECRET = "canary-secret-7f1e2d3c4b5a69788796a5b4c3d2e1f0"
PASSPHRASE = "canary-passphrase-5b8e1a"
MFA = "918273"


class ProcSampler(threading.Thread):
    """Reads every /proc/*/cmdline (and children's environ) until stopped; keeps hits."""

    def __init__(self, canaries: list[str], me: int) -> None:
        super().__init__(daemon=True)
        self.canaries = [c.encode() for c in canaries]
        self.me = me
        self.hits: list[str] = []
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in os.listdir("/proc"):  # noqa: PTH208 - thousands of entries, fast
                if not pid.isdigit() or int(pid) == self.me:
                    continue
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                self.samples += 1
                if b"\x00-t\x00" + MFA.encode() in cmdline:
                    continue  # the one command given the code with -t by us, as a user would
                for c in self.canaries:
                    if c in cmdline:
                        self.hits.append(f"argv of {pid}: {cmdline[:120]!r}")
            time.sleep(0.005)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


def _files_with(home: Path, canaries: list[str]) -> list[str]:
    found = []
    for p in home.rglob("*"):
        if p.is_file() and not p.is_symlink() and "keys" not in p.parts:
            try:
                data = p.read_bytes()
            except OSError:
                continue
            found += [f"{p}: {c[:8]}..." for c in canaries if c.encode() in data]
    return found


@pytest.mark.e2e
def test_canaries_never_leak(rel_env: dict[str, str], moto) -> None:
    env = dict(rel_env, AWS_VAULT_FILE_PASSPHRASE=PASSPHRASE, AWS_ENDPOINT_URL=moto.url)
    home = Path(env["HOME"])
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[profile dev]\nregion = us-east-1\n\n"
        "[profile role]\nsource_profile = dev\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/dev\nregion = us-east-1\n"
    )
    canaries = [KEY, SECRET, PASSPHRASE, MFA]
    sampler = ProcSampler(canaries, os.getpid())
    sampler.start()
    leaks: list[str] = []
    ran = 0

    def run(*args: str, prints: bool = False, extra: dict[str, str] | None = None) -> str:
        nonlocal ran
        ran += 1
        r = (
            avault(env, "--debug", *args, extra=extra)
            if args[0] != "exec"
            else avault(env, *args, extra=extra)
        )
        if "Traceback" in r.stderr:
            leaks.append(f"{args}: traceback")
        for c in canaries:
            if c in r.stderr:
                leaks.append(f"{args}: stderr has {c[:8]}...")
            if not prints and c in r.stdout:
                leaks.append(f"{args}: stdout has {c[:8]}...")
        return r.stdout

    run(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra={"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET},
    )
    out = run("export", "--format", "json", "dev", prints=True)
    import json  # noqa: PLC0415

    token = json.loads(out or "{}").get("SessionToken", "")
    assert token, "export printed no session"
    canaries.append(token)
    sampler.canaries.append(token.encode())
    run("export", "--format", "zsh", "dev", prints=True)
    run("export", "--format", "env", "-n", "dev", prints=True)
    run("export", "--format", "json", "-t", MFA, "role", prints=True)
    run("exec", "dev", "--", "sh", "-c", "env | grep -c AWS_ >/dev/null; sleep 0.2", prints=True)
    run("exec", "--debug", "dev", "--", "true", prints=True)
    run("list")
    run("list", "--sessions")
    run("remove", "-s", "dev")
    run("clear")
    run("export", "--format", "json", "-n", "nosuch")
    run(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra={"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET},
    )
    run("remove", "-f", "dev")
    sampler.stop()
    leaks += sampler.hits
    leaks += _files_with(home, canaries)
    record(
        "secret hygiene (--debug, argv, files)",
        trials=ran,
        operations=sampler.samples,
        corpus=len(canaries),
        failures=len(leaks),
    )
    assert not leaks, leaks


def test_agent_has_core_dumps_disabled(rel_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(rel_env, XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    env.pop("AWS_VAULT_FILE_PASSPHRASE")
    proc = subprocess.Popen(
        [AVAULT, "agent", "--foreground"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        limits = ""
        while time.monotonic() < deadline:
            limits = Path(f"/proc/{proc.pid}/limits").read_text()
            core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
            if core.split()[4] == "0" or proc.poll() is not None:
                break
            time.sleep(0.05)
        soft = core.split()[4]
        record("secret hygiene: agent core dumps off", trials=1, failures=0 if soft == "0" else 1)
        assert soft == "0", core
    finally:
        proc.kill()
        proc.wait(10)
