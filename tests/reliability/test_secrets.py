"""Secret hygiene: every command with --debug on a vault whose secrets are unique canaries.

The canaries (long-term key id and secret, the STS session token moto returns, an MFA code,
the file passphrase) may appear only on stdout of the commands whose job is to print them
(``export``, the ``exec`` target's env). Never in stderr, in files left behind under HOME,
in the argv of any process (a thread samples /proc/*/cmdline while the commands run) or in
the environment of any child other than the exec'd target. The agent runs with core
dumps disabled (/proc/<pid>/limits).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    """Reads the /proc/*/cmdline of this test's processes (``EnvironSampler`` says which)
    until stopped; keeps hits."""

    def __init__(self, canaries: list[str], me: int, home: str) -> None:
        super().__init__(daemon=True)
        self.canaries = [c.encode() for c in canaries]
        self.me = me
        self.home = b"HOME=" + home.encode()
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
                    environ = Path(f"/proc/{pid}/environ").read_bytes()
                except OSError:
                    continue
                if self.home not in environ.split(b"\0"):
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
    sampler = ProcSampler(canaries, os.getpid(), env["HOME"])
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


CP_SECRET = "canary-cp-secret-2c9d4e7a1b3f"
CP_TOKEN = "canary-cp-token-8e1f6a0b2d4c"
TARGET = [b"sleep", b"1.37"]  # the exec'd command: its environment holds credentials by design

CREDENTIAL_PROCESS = f"""import json, os, sys, time
from pathlib import Path
Path(sys.argv[1]).write_bytes(Path("/proc/self/environ").read_bytes())
time.sleep(0.3)
print(json.dumps({{"Version": 1, "AccessKeyId": "ASIACANARYCP00000001", "SecretAccessKey": "{CP_SECRET}",
    "SessionToken": "{CP_TOKEN}", "Expiration": "2099-01-01T00:00:00Z"}}))
"""
MFA_PROCESS = f"""import sys, time
from pathlib import Path
Path(sys.argv[1]).write_bytes(Path("/proc/self/environ").read_bytes())
time.sleep(0.3)
print("{MFA}")
"""


class EnvironSampler(threading.Thread):
    """Reads /proc/*/environ of this test's processes (those with its HOME) but ours and
    the exec target's; keeps hits. Other tests run alongside under xdist, and moto hands
    every caller the same session token, so a shell another test switched is no leak."""

    def __init__(self, canaries: list[str], me: int, home: str) -> None:
        super().__init__(daemon=True)
        self.canaries = canaries
        self.me = me
        self.home = b"HOME=" + home.encode()
        self.hits: set[str] = set()
        self.samples = 0
        self.pids: set[int] = set()
        self.ours: set[int] = set()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in os.listdir("/proc"):  # noqa: PTH208
                if not pid.isdigit() or int(pid) == self.me:
                    continue
                try:
                    environ = Path(f"/proc/{pid}/environ").read_bytes()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if cmdline.split(b"\0")[:2] == TARGET or self.home not in environ.split(b"\0"):
                    continue
                self.samples += 1
                self.ours.add(int(pid))
                for c in self.canaries:
                    if c.encode() in environ:
                        self.pids.add(int(pid))
                        self.hits.add(f"environ of {pid} ({cmdline[:80]!r}) has {c[:14]}...")
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


@pytest.mark.e2e
def test_child_environments_hold_no_secret(rel_env: dict[str, str], moto, tmp_path: Path) -> None:
    """credential_process, mfa_process, the passphrase command, exec's own process, the
    background ECS server and the agent: none may carry a secret avault put in an env.

    The avault processes get the passphrase only from AVAULT_FILE_PASSPHRASE_COMMAND (the
    variable holds a command, not the passphrase), so any occurrence of it is a leak; the
    only processes with secrets in their environment by design are the exec'd command
    (skipped) and ``add --env`` (run before sampling starts).
    """
    passfile = tmp_path / "pass"
    passfile.write_text(PASSPHRASE)
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    env = {k: v for k, v in rel_env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    env.update(
        AWS_ENDPOINT_URL=moto.url,
        AVAULT_FILE_PASSPHRASE_COMMAND=f"cat {passfile}",
        XDG_RUNTIME_DIR=str(run_dir),
    )
    py = sys.executable
    (tmp_path / "cp.py").write_text(CREDENTIAL_PROCESS)
    (tmp_path / "mfa.py").write_text(MFA_PROCESS)
    cp_env, mfa_envs = tmp_path / "cp.env", [tmp_path / "mfa1.env", tmp_path / "mfa2.env"]
    role = "role_arn = arn:aws:iam::123456789012:role/r\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n"
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[profile dev]\nregion = us-east-1\n\n"
        f"[profile cp]\nregion = us-east-1\ncredential_process = {py} {tmp_path}/cp.py {cp_env}\n\n"
        f"[profile role]\nsource_profile = dev\n{role}mfa_process = {py} {tmp_path}/mfa.py {mfa_envs[0]}\n\n"
        f"[profile cprole]\nsource_profile = cp\n{role}mfa_process = {py} {tmp_path}/mfa.py {mfa_envs[1]}\n"
    )
    r = avault(
        env,
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra={"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET},
    )
    assert r.returncode == 0, r.stderr
    canaries = [SECRET, PASSPHRASE, CP_SECRET, CP_TOKEN]
    sampler = EnvironSampler(canaries, os.getpid(), env["HOME"])
    sampler.start()
    agent = subprocess.Popen(
        [AVAULT, "agent", "--foreground"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    failures: list[str] = []
    ran = 0
    server_pid = 0
    try:
        r = avault(env, "export", "--format", "json", "dev")
        ran += 1
        token = json.loads(r.stdout or "{}").get("SessionToken", "")
        assert token, r.stderr
        canaries.append(token)  # the sampler shares the list
        for args in (
            ("export", "--format", "json", "cp"),
            ("export", "--format", "json", "role"),
            ("export", "--format", "json", "cprole"),
            ("exec", "dev", "--", *[t.decode() for t in TARGET]),
        ):
            ran += 1
            r = avault(env, *args)
            if r.returncode != 0:
                failures.append(f"{args}: rc {r.returncode}: {r.stderr[-200:]}")
        ran += 1
        r = avault(
            env,
            *("exec", "--ecs-server", "--background", "--format", "bash", "--watch-pid", str(os.getpid())),
            "dev",
        )
        if r.returncode == 0:
            server_pid = int(
                next(x for x in r.stdout.split() if "AVS_SERVER_PID=" in x).split("=")[1].strip("'\";")
            )
            time.sleep(0.5)  # a few sampling rounds over the daemon
        else:
            failures.append(f"--background: rc {r.returncode}: {r.stderr[-200:]}")
    finally:
        if server_pid:
            os.kill(server_pid, 15)
        agent.kill()
        agent.wait(10)
        sampler.stop()
    for path in (cp_env, *mfa_envs):
        if not path.exists():
            failures.append(f"{path.name}: the process never ran")
            continue
        data = path.read_bytes()
        failures += [f"{path.name} has {c[:14]}..." for c in canaries if c.encode() in data]
    failures += sorted(sampler.hits)
    # the HOME filter keeps other tests out, not ours: the agent and the daemon were read
    failures += [
        f"{name} ({pid}) was never sampled"
        for name, pid in (("agent", agent.pid), ("server", server_pid))
        if pid not in sampler.ours
    ]
    record(
        "secret hygiene: child environments",
        trials=ran,
        operations=sampler.samples,
        corpus=len(canaries),
        failures=len(failures),
    )
    assert not failures, failures
