"""Attacks on avault's own processes, run for real; each is tried a few times, never succeeds.

* code in the working directory (and inherited descriptors, umask, environment) reaching
  the agent or the background ECS server (issue 12 item 1);
* another local user planting the agent's directory or socket in the temp dir (item 5);
* another local user holding the vault's lock, or our own lock held too long (item 6);
* SIGQUIT while the MFA prompt waits, with core dumps enabled (item 7).

"Another local user" is uid 65534 through ``setpriv``. Each test records
``attack: <name>`` (trials = times tried, failures = times the attack succeeded) for
bench/reliability_report.py's attacks section, before it asserts.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from avault.errors import AgentError, AgentUnavailable, VaultError
from avault.fsutil import exclusive
from avault.vault.passphrase_agent import AgentClient

from .conftest import AVAULT, record

pexpect = pytest.importorskip("pexpect")

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"
TRIES = 3
HOSTILE_MODULES = (
    "json.py",
    "socket.py",
    "secrets.py",
    "botocore/__init__.py",
    "avault/__init__.py",
    "avault/__main__.py",
)

needs_setpriv = pytest.mark.skipif(
    os.getuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv"
)


def _plant_repo(repo: Path, markers: Path) -> None:
    """A cloned repository whose modules, if ever imported, leave a marker and a canary."""
    for name in HOSTILE_MODULES:
        f = repo / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"open({str(markers / name.replace('/', '_'))!r}, 'a').write('ran')\nprint('CANARY')\n")


def _proc_status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def _isolation_faults(pid: int, leak: Path, *, fresh_env: bool = True) -> list[str]:
    """What about process ``pid`` shows it was not started isolated.

    ``fresh_env``: a new interpreter (the agent) must not get the caller's environment. A
    forked daemon (the ECS server) starts no interpreter, so its environment can change
    nothing in it; it resolves the profile with it, as in the foreground."""
    faults = []
    proc = Path(f"/proc/{pid}")
    if (proc / "cwd").readlink() != Path("/"):
        faults.append(f"cwd {(proc / 'cwd').readlink()}")
    if _proc_status(pid).get("Umask") != "0077":
        faults.append(f"umask {_proc_status(pid).get('Umask')}")
    for fd in (proc / "fd").iterdir():
        with contextlib.suppress(OSError):
            if fd.readlink() == leak:
                faults.append(f"inherited fd {fd.name}")
    if fresh_env and b"LEAK_CANARY" in Path(f"/proc/{pid}/environ").read_bytes():
        faults.append("environment passed through")
    return faults


@pytest.fixture
def leak_fd(tmp_path: Path):
    """An inheritable descriptor, as a shell's ``exec 7>file`` would leave one."""
    leak = tmp_path / "leaked-descriptor"
    fd = os.open(leak, os.O_RDWR | os.O_CREAT, 0o600)
    os.set_inheritable(fd, True)
    yield fd, leak
    os.close(fd)


@pytest.fixture
def runtime(env: dict[str, str]):
    d = Path(tempfile.mkdtemp(prefix="ava-", dir="/tmp"))  # short: a socket path is <108 bytes
    env["XDG_RUNTIME_DIR"] = str(d)
    yield d
    subprocess.run([AVAULT, "agent", "--stop"], env=env, capture_output=True, timeout=30, check=False)
    shutil.rmtree(d, ignore_errors=True)


def _agent_pid(env: dict[str, str]) -> int | None:
    try:
        c = AgentClient.connect(env, timeout=3)
    except (AgentUnavailable, AgentError):
        return None
    try:
        return int(c.request("status")["pid"])
    finally:
        c.close()


# -- item 1: code in the working directory ---------------------------------------------------------


def test_agent_started_from_a_hostile_repository_runs_none_of_it(env, tmp_path, runtime, leak_fd):
    fd, leak = leak_fd
    repo, markers = tmp_path / "repo", tmp_path / "markers"
    markers.mkdir()
    _plant_repo(repo, markers)
    e = {**env, "LEAK_CANARY": "1"}
    succeeded, notes = 0, []
    for _ in range(TRIES):
        r = subprocess.run(
            [AVAULT, "agent"], cwd=repo, env=e, capture_output=True, text=True, timeout=60,
            umask=0, pass_fds=(fd,), check=False,
        )  # fmt: skip
        pid = _agent_pid(env)
        faults = [f"ran {m.name}" for m in markers.iterdir()]
        faults += ["did not start: " + r.stderr.strip()] if pid is None else _isolation_faults(pid, leak)
        if pid is not None:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"-I" not in cmdline:
                faults.append("not started with python -I")
        succeeded += bool(faults)
        notes += faults
        subprocess.run([AVAULT, "agent", "--stop"], env=env, capture_output=True, timeout=30, check=False)
        for m in markers.iterdir():
            m.unlink()
    record("attack: cwd code/fds/umask reach the agent", trials=TRIES, failures=succeeded)
    assert succeeded == 0, notes


def test_background_server_started_from_a_hostile_repository_is_isolated(env, tmp_path, aws_config, leak_fd):
    fd, leak = leak_fd
    repo, markers = tmp_path / "repo", tmp_path / "markers"
    markers.mkdir()
    _plant_repo(repo, markers)
    script = tmp_path / "cp.sh"
    script.write_text(
        'echo \'{"Version": 1, "AccessKeyId": "AKIASERVERTEST000001", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"}\'\n'
    )
    aws_config(f"[profile dev]\nregion = us-east-1\ncredential_process = sh {script}\n")
    e = {**env, "LEAK_CANARY": "1"}
    succeeded, notes = 0, []
    for _ in range(TRIES):
        r = subprocess.run(
            [AVAULT, "exec", "--ecs-server", "--background", "--lazy", "--format", "bash", "dev"],
            cwd=repo, env=e, capture_output=True, text=True, timeout=60, umask=0, pass_fds=(fd,), check=False,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        got = dict(re.findall(r"export (\w+)='?([^';]*)'?;", r.stdout))
        pid = int(got["AVS_SERVER_PID"])
        try:
            req = urllib.request.Request(
                got["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                headers={"Authorization": got["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
            )
            with urllib.request.urlopen(req, timeout=30) as resp:
                body = resp.read()
            faults = [] if b"AKIASERVERTEST000001" in body else ["served no credentials"]
            faults += [f"ran {m.name}" for m in markers.iterdir()] + _isolation_faults(
                pid, leak, fresh_env=False
            )
        finally:
            os.kill(pid, signal.SIGTERM)
        succeeded += bool(faults)
        notes += faults
    record("attack: cwd code/fds/umask reach the background ECS server", trials=TRIES, failures=succeeded)
    assert succeeded == 0, notes


def test_the_users_own_commands_still_run_where_and_how_the_user_asked(env, tmp_path, aws_config):
    """exec's command and credential_process keep the caller's cwd, umask and environment."""
    work = tmp_path / "work"
    work.mkdir()
    seen = tmp_path / "seen"
    script = tmp_path / "cp.sh"
    script.write_text(
        f'pwd > {seen}.cp; echo "$MY_VAR" >> {seen}.cp\n'
        'echo \'{"Version": 1, "AccessKeyId": "AKIAUSERCMD000000001", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"}\'\n'
    )
    aws_config(f"[profile dev]\nregion = us-east-1\ncredential_process = sh {script}\n")
    r = subprocess.run(
        [AVAULT, "exec", "dev", "--", "sh", "-c", f"pwd > {seen}.exec; umask >> {seen}.exec; echo $MY_VAR >> {seen}.exec"],
        cwd=work, env={**env, "MY_VAR": "mine"}, capture_output=True, text=True, timeout=60, umask=0o022, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert Path(f"{seen}.cp").read_text().split() == [str(work), "mine"]
    assert Path(f"{seen}.exec").read_text().split() == [str(work), "0022", "mine"]


# -- item 5: a planted agent directory or socket in the temp dir ---------------------------------------


def _as_nobody(code: str, *args: str) -> subprocess.Popen[str]:
    p = subprocess.Popen([*NOBODY, SYSTEM_PYTHON, "-I", "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    return p


PLANT = """
import os, socket, sys, time
d, what = sys.argv[1], sys.argv[2]
os.mkdir(d); os.chmod(d, 0o777)
if what == "sock":
    s = socket.socket(socket.AF_UNIX); s.bind(os.path.join(d, "agent.sock")); s.listen()
elif what == "file":
    open(os.path.join(d, "agent.sock"), "w").close()
print("ready", flush=True)
time.sleep(120)
"""


@pytest.fixture
def shared_tmp():
    """A temp dir both users can write, sticky like /tmp."""
    d = Path(tempfile.mkdtemp(prefix="avs-", dir="/tmp"))
    d.chmod(0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@needs_setpriv
def test_an_agent_planted_by_another_user_only_gets_a_warning_and_the_prompt(env, shared_tmp, run_avault):
    passphrase = env["AWS_VAULT_FILE_PASSPHRASE"]
    keys = {"AWS_ACCESS_KEY_ID": "AKIAPLANTED000000001", "AWS_SECRET_ACCESS_KEY": "x"}
    assert run_avault("add", "--env", "dev", extra_env=keys).returncode == 0
    base = {k: v for k, v in env.items() if k not in ("AWS_VAULT_FILE_PASSPHRASE", "XDG_RUNTIME_DIR")}
    base["TMPDIR"] = str(shared_tmp)
    planted_dir = shared_tmp / f"avault-{os.getuid()}"
    tried = succeeded = 0
    notes = []
    for what in ("dir", "sock", "file"):
        planter = _as_nobody(PLANT, str(planted_dir), what)
        try:
            for mode in ("", "1"):
                tried += 1
                e = {**base, "AVAULT_AGENT": mode} if mode else base
                child = pexpect.spawn(
                    AVAULT, ["export", "--no-session", "--format", "json", "dev"],
                    env=e, encoding="utf-8", timeout=30,
                )  # fmt: skip
                asked = child.expect([r"Enter passphrase", pexpect.EOF]) == 0
                out = child.before or ""
                if asked:
                    child.sendline(passphrase)
                    child.expect(pexpect.EOF)
                    out += child.before or ""
                child.close()
                ok = asked and child.exitstatus == 0 and "AKIAPLANTED000000001" in out
                warned = [x for x in out.splitlines() if "warning" in x]
                if what != "dir" or mode:
                    ok = ok and len(warned) == 1 and "not to you" in warned[0]
                if not ok:
                    succeeded += 1
                    notes.append(f"{what}/{mode or 'unset'}: {out.strip()[-300:]!r}")
        finally:
            planter.kill()
            planter.wait()
            subprocess.run(["rm", "-rf", str(planted_dir)], check=False)
    record("attack: planted agent dir/socket breaks prompts", trials=tried, failures=succeeded)
    assert succeeded == 0, notes


# -- item 6: locks -------------------------------------------------------------------------------


HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("ready", flush=True)
time.sleep(120)
"""


@needs_setpriv
def test_a_lock_held_by_another_user_never_hangs_avault(env, shared_tmp, run_avault):
    """--file-dir in a shared directory: uid 65534 grabs the lock beside it before we do."""
    vdir = shared_tmp / "keys"
    holder = _as_nobody(HOLD, str(shared_tmp / ".keys.lock"))
    succeeded, notes = 0, []
    try:
        for i in range(TRIES):
            keys = {"AWS_ACCESS_KEY_ID": f"AKIALOCKED00000000{i:02d}", "AWS_SECRET_ACCESS_KEY": "x"}
            started = time.monotonic()
            try:
                r = run_avault(
                    "add", "--env", f"p{i}", extra_env={**keys, "AWS_VAULT_FILE_DIR": str(vdir)}, timeout=30
                )
            except subprocess.TimeoutExpired:
                succeeded += 1
                notes.append("hung")
                continue
            if r.returncode != 0 or time.monotonic() - started > 15:
                succeeded += 1
                notes.append(r.stderr)
    finally:
        holder.kill()
        holder.wait()
    record("attack: another user holds the vault lock", trials=TRIES, failures=succeeded)
    assert succeeded == 0, notes
    assert sorted(p.name for p in vdir.iterdir()) == ["p0", "p1", "p2"]  # aws-vault sees only items


def test_our_own_lock_held_too_long_ends_in_a_one_line_error(env, home, run_avault):
    lock = home / ".awsvault/.keys.lock"
    keys = {"AWS_ACCESS_KEY_ID": "AKIALOCKED0000000099", "AWS_SECRET_ACCESS_KEY": "x"}
    assert run_avault("add", "--env", "first", extra_env=keys).returncode == 0
    holder = subprocess.Popen([SYSTEM_PYTHON, "-I", "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    try:
        r = run_avault("add", "--env", "second", extra_env={**keys, "AVAULT_LOCK_TIMEOUT": "1"}, timeout=30)
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode != 0
    assert r.stdout == ""
    assert re.fullmatch(
        rf"avault: timed out after 1s waiting for the lock {re.escape(str(lock))}; .*AVAULT_LOCK_TIMEOUT\n",
        r.stderr,
    )


def test_a_lock_file_or_directory_not_ours_is_refused(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    planted = mine / "x.lock"
    planted.touch()
    os.chown(planted, 65534, 65534)
    with (
        pytest.raises(VaultError, match=r"it belongs to uid 65534, not to you; remove it"),
        exclusive(planted),
    ):
        pass
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with (
        pytest.raises(VaultError, match=r"is not private \(it is writable by other users"),
        exclusive(shared / "y.lock"),
    ):
        pass
    assert not (shared / "y.lock").exists()


# -- item 7: core dumps --------------------------------------------------------------------------------


def _unlimited_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def test_sigquit_at_the_mfa_prompt_dumps_no_core(env, tmp_path, aws_config, run_avault):
    aws_config("[profile me]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    keys = {"AWS_ACCESS_KEY_ID": "AKIACOREDUMP00000001", "AWS_SECRET_ACCESS_KEY": "core-secret-XYZ"}
    assert run_avault("add", "--env", "--no-add-config", "me", extra_env=keys).returncode == 0
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    cwd = tmp_path / "cores"
    cwd.mkdir()
    succeeded, notes = 0, []
    for _ in range(TRIES):
        child = pexpect.spawn(
            AVAULT, ["export", "--format", "json", "me"], env=env, cwd=str(cwd),
            encoding="utf-8", timeout=30, preexec_fn=_unlimited_cores,
        )  # fmt: skip
        child.expect("Enter MFA code")
        limits = Path(f"/proc/{child.pid}/limits").read_text()
        soft = re.search(r"Max core file size\s+(\S+)", limits)
        os.kill(child.pid, signal.SIGQUIT)
        child.expect(pexpect.EOF)
        child.close()
        cores = [p for p in cwd.iterdir() if p.name.startswith("core")]
        if cores or soft is None or soft.group(1) != "0":
            succeeded += 1
            notes.append(f"cores={[p.name for p in cores]} limit={soft and soft.group(1)} pattern={pattern}")
        for p in cores:
            p.unlink()
    record("attack: SIGQUIT at the MFA prompt dumps core", trials=TRIES, failures=succeeded)
    assert succeeded == 0, notes
