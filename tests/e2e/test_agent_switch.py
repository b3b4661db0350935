"""The zero-process switch: a running agent answers ``avs`` in zsh and bash directly.

Real pieces: moto_server for STS, the installed ``avault`` (the agent is ``avault agent``,
unlocked over its socket as ``avault`` itself would), real zsh/bash/fish with
shell/*/avs.*, strace to count the processes, setpriv for another local user.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from avault.agentsock import ask_agent
from avault.agentswitch import TCP_FILE
from avault.vault.passphrase_agent import AgentClient
from fixtures.shells import ROOT, skip_unless
from fixtures.shells import SOURCE as SHELL_SOURCE

pytestmark = pytest.mark.e2e

AVAULT = str(Path(sys.executable).parent / "avault")
PW = "zero process passphrase"
CONFIG = f"""[profile dev]
region = us-east-1

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/prod
role_session_name = zero
region = eu-west-1

[profile other]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/other
region = us-east-1

[profile needs-mfa]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/mfa
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile cp]
region = us-east-1
credential_process = {AVAULT} export --format json dev
"""
SOURCE = {
    "zsh": ROOT / "shell/zsh/avs.zsh",
    "bash": ROOT / "shell/bash/avs.bash",
    "fish": SHELL_SOURCE["fish"],
}
ARGV = {"zsh": ["zsh", "-f"], "bash": ["bash", "--norc", "--noprofile"], "fish": ["fish", "--no-config"]}
VARS = re.compile(r"^(AWS_|AVS_)")
# What a fresh AssumeRole changes each time (aws-vault does not cache roles; export neither).
FRESH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")
FRESH_RE = re.compile(
    r"\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_CREDENTIAL_EXPIRATION"
    r"|AWS_SESSION_EXPIRATION|AVS_EXPIRES|AccessKeyId|SecretAccessKey|SessionToken|Expiration"
    r"|aws_access_key_id|aws_secret_access_key|aws_session_token|aws_credential_expiration)"
    r"(\"?[=: ]+\"?)('[^']*'|[^\s;\"]+)"
)


def masked(text: str) -> str:
    return FRESH_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}<fresh>", text)


def _stop(env: dict[str, str]) -> None:
    try:
        c = AgentClient.connect(env, timeout=3)
    except Exception:
        return
    try:
        c.request("stop")
    except Exception:
        pass
    finally:
        c.close()


@pytest.fixture
def agent(  # noqa: PLR0917 - fixtures
    env: dict[str, str], moto, aws_config, run_avault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A running, unlocked agent; env is the shell's (no passphrase in it)."""
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIADEV0000000000001", "AWS_SECRET_ACCESS_KEY": "s"},
    )
    assert r.returncode == 0, r.stderr
    runtime = Path(f"/tmp/avs-zp-{os.getpid()}-{tmp_path.name[-6:]}")
    runtime.mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    del env["AWS_VAULT_FILE_PASSPHRASE"]
    monkeypatch.delenv("AWS_VAULT_FILE_PASSPHRASE")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    r = run_avault("agent")
    assert r.returncode == 0, r.stderr
    unlock(env)
    yield env
    _stop(env)
    shutil.rmtree(runtime, ignore_errors=True)


def unlock(env: dict[str, str]) -> None:
    c = AgentClient.connect(env, timeout=5)
    try:
        c.request("unlock", vault=env["AWS_VAULT_FILE_DIR"], passphrase=PW)
    finally:
        c.close()


def agent_pid(env: dict[str, str]) -> int:
    c = AgentClient.connect(env, timeout=5)
    try:
        return int(c.request("status")["pid"])
    finally:
        c.close()


@pytest.fixture(autouse=True)
def _passphrase(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    env["AWS_VAULT_FILE_PASSPHRASE"] = PW
    monkeypatch.setenv("AWS_VAULT_FILE_PASSPHRASE", PW)


def shell(
    sh: str, script: str, env: dict[str, str], *, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    skip_unless(sh)
    return subprocess.run(
        [*ARGV[sh], "-c", f"source {SOURCE[sh]}\n{script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def switch_vars(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\0"):
        name, sep, value = line.partition("=")
        if sep and VARS.match(name):
            out[name] = value
    return out


@pytest.mark.parametrize("sh", ["zsh", "bash"])
def test_a_switch_through_the_agent_starts_no_process(sh: str, agent: dict[str, str], tmp_path: Path) -> None:
    skip_unless("strace")
    log = tmp_path / "strace.log"
    # `avs dev` first: the recent list exists and the agent holds dev; then one counted `avs prod`.
    script = tmp_path / f"s.{sh}"
    script.write_text(
        f"source {SOURCE[sh]}\navs dev\n: </nonexistent/avs-start\navs prod\n: </nonexistent/avs-end\n"
        'printf "%s\\n" "$AVS_PROFILE $AWS_REGION"\n'
    )
    r = subprocess.run(
        [
            "strace",
            "-f",
            "-o",
            str(log),
            "-e",
            "trace=execve,clone,clone3,fork,vfork,openat,connect,read",
            *ARGV[sh],
            str(script),
        ],
        capture_output=True,
        text=True,
        env=agent,
        timeout=60,
        check=False,
    )
    assert r.stdout.split("\n")[0] == "prod eu-west-1", r.stderr
    text = log.read_text()
    between = text[text.index("/nonexistent/avs-start") : text.index("/nonexistent/avs-end")]
    started = [line for line in between.splitlines() if re.search(r"\b(execve|clone3?|v?fork)\(", line)]
    assert started == []
    # ...and it did ask the agent: its socket (zsh), its port with the token file (bash).
    port = (Path(agent["XDG_RUNTIME_DIR"]) / "avault" / TCP_FILE).read_text().split()[0]
    asked = ["agent.sock"] if sh == "zsh" else [TCP_FILE, f"htons({port})"]
    assert all(a in between for a in asked)
    # The answer comes in a few reads, not a byte at a time (bash: `read -N` on lengths).
    reads = [line for line in between.splitlines() if re.search(r"\bread\(", line)]
    assert len(reads) < 40, len(reads)


def test_a_fish_switch_through_the_agent_starts_one_small_process(
    agent: dict[str, str], tmp_path: Path
) -> None:
    skip_unless("strace")
    skip_unless("fish")
    skip_unless("nc.openbsd")
    log = tmp_path / "strace.log"
    script = tmp_path / "s.fish"
    script.write_text(
        f"source {SOURCE['fish']}\navs dev\ntrue </nonexistent/avs-start\navs prod\n"
        "true </nonexistent/avs-end\nprintf '%s\\n' \"$AVS_PROFILE $AWS_REGION\"\n"
    )
    r = subprocess.run(
        [
            "strace",
            "-f",
            "-o",
            str(log),
            "-e",
            "trace=execve,clone,clone3,fork,vfork,openat,connect,read",
            "fish",
            "--no-config",
            str(script),
        ],
        capture_output=True,
        text=True,
        env=agent,
        timeout=60,
        check=False,
    )
    assert r.stdout.split("\n")[0] == "prod eu-west-1", r.stderr
    text = log.read_text()
    between = text[text.index("/nonexistent/avs-start") : text.index("/nonexistent/avs-end")]
    execs = re.findall(r'^(\d+) +execve\("([^"]+)"', between, re.MULTILINE)
    assert [Path(e).name for _, e in execs] == ["nc.openbsd"]  # one small process, no Python
    # fish's own worker threads (clone with CLONE_THREAD) are threads, not processes.
    started = [
        line
        for line in between.splitlines()
        if re.search(r"\b(clone3?|v?fork)\(", line) and "CLONE_THREAD" not in line
    ]
    assert len(started) == 1, started
    assert re.search(rf"^{execs[0][0]} +\+\+\+ exited with 0", between, re.MULTILINE)  # and it ended
    assert "agent.sock" in between  # ...and it asked the agent's socket


def test_fish_declines_without_the_tool_or_the_agent(
    agent: dict[str, str], run_avault, tmp_path: Path
) -> None:
    skip_unless("fish")
    skip_unless("nc.openbsd")
    r = shell("fish", "__avs_agent_switch -- prod >/dev/null; echo $status", agent)
    assert r.stdout.split() == ["0"], r.stderr
    r = shell("fish", "__avs_agent_switch -- needs-mfa; echo $status", agent)
    assert r.stdout.split() == ["1"]
    # No nc/socat on PATH: declined; avs then runs `avault export` (the tool's own absolute path).
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "avault").symlink_to(AVAULT)
    r = shell(
        "fish",
        f"set -x PATH {bare}; __avs_agent_switch -- prod; echo $status; avs prod; echo $AVS_PROFILE",
        agent,
    )
    assert r.stdout.split() == ["1", "prod"], r.stderr
    # socat, when there is no OpenBSD nc.
    if shutil.which("socat"):
        (bare / "socat").symlink_to(shutil.which("socat"))
        r = shell("fish", f"set -x PATH {bare}; __avs_agent_switch -- dev >/dev/null; echo $status", agent)
        assert r.stdout.split() == ["0"], r.stderr
    # Locked: declined, then export (with the passphrase) does the switch.
    assert run_avault("lock").returncode == 0
    r = shell("fish", "__avs_agent_switch -- prod; echo $status", agent)
    assert r.stdout.split() == ["1"]
    _stop(agent)
    r = shell(
        "fish",
        f"__avs_agent_switch -- prod; echo $status; set -x AWS_VAULT_FILE_PASSPHRASE '{PW}'; avs prod; echo $AVS_PROFILE",
        agent,
    )
    assert r.stdout.split() == ["1", "prod"], r.stderr


@pytest.mark.parametrize("profile", ["dev", "prod"])
@pytest.mark.parametrize("sh", ["zsh", "bash", "fish"])
def test_the_agent_sets_what_export_sets(sh: str, profile: str, agent: dict[str, str]) -> None:
    # The same starting state (a previous profile with a region and an endpoint record), then
    # one switch through the agent and one through `avault export` with the agent bypassed.
    before = "avs other\nexport AVS_PREVIOUS=x\n" if sh != "fish" else "avs other\nset -gx AVS_PREVIOUS x\n"
    ask = f'__avs_agent_switch {profile} || exit 9\neval "$REPLY"'
    if sh == "fish":
        ask = f"set out (__avs_agent_switch -- {profile}); or exit 9\nprintf '%s\\n' $out | source"
    via_agent = shell(sh, f"{before}{ask}\nenv -0", agent)
    assert via_agent.returncode == 0, via_agent.stderr
    # With the passphrase in the environment export never asks the agent (request_env: None).
    plain = dict(agent, AWS_VAULT_FILE_PASSPHRASE=PW)
    export = f'AWS_VAULT_FILE_PASSPHRASE="{PW}" command avault export --format {sh} -- {profile}'
    if sh == "fish":
        export = (
            f"set -e AWS_VAULT_FILE_PASSPHRASE\nset out ({export}); or exit 8\nprintf '%s\\n' $out | source"
        )
    else:
        export = f'unset AWS_VAULT_FILE_PASSPHRASE\nout=$({export}) || exit 8\neval "$out"'
    via_export = shell(sh, f"{before}{export}\nenv -0", plain)
    assert via_export.returncode == 0, via_export.stderr
    a, b = switch_vars(via_agent.stdout), switch_vars(via_export.stdout)
    assert a["AWS_VAULT"] == profile
    assert a["AWS_REGION"] == ("eu-west-1" if profile == "prod" else "us-east-1")
    assert a["AWS_ACCESS_KEY_ID"]
    assert a["AWS_SESSION_TOKEN"]
    if profile == "prod":  # a new AssumeRole each time, through either path
        assert set(a) == set(b)
        a = {k: v for k, v in a.items() if k not in (*FRESH, "AWS_SESSION_EXPIRATION", "AVS_EXPIRES")}
        b = {k: v for k, v in b.items() if k not in (*FRESH, "AWS_SESSION_EXPIRATION", "AVS_EXPIRES")}
    assert a == b


@pytest.mark.parametrize("fmt", ["zsh", "bash", "fish", "json", "env", "export-env", "ini"])
def test_the_agent_answers_with_exactly_exports_output(fmt: str, agent: dict[str, str], run_avault) -> None:
    for profile in ("dev", "prod"):
        answered = ask_agent(["--format", fmt, "--", profile], agent)
        assert answered is not None
        local = run_avault(
            "export", "--format", fmt, "--", profile, extra_env={"AWS_VAULT_FILE_PASSPHRASE": PW}
        )
        assert local.returncode == 0, local.stderr
        if profile == "dev":  # the cached GetSessionToken session: byte for byte
            assert answered == ("", local.stdout)
        else:  # a fresh AssumeRole: the same text around new keys
            assert answered[0] == ""
            assert masked(answered[1]) == masked(local.stdout)
            assert "<fresh>" in masked(local.stdout)


def test_credential_process_through_the_agent(agent: dict[str, str], run_avault) -> None:
    r = run_avault("export", "--format", "json", "cp")
    assert r.returncode == 0, r.stderr
    assert '"AccessKeyId": "ASIA' in r.stdout or '"AccessKeyId": "AKIA' in r.stdout


def imported(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the installed ``avault`` under ``python -X importtime``: the result, every module it imported.

    In a new session: no controlling terminal, so a fallback that wants a person fails at once.
    """
    r = subprocess.run(
        [sys.executable, "-X", "importtime", AVAULT, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        check=False,
    )
    names = {
        line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")
    }
    return r, names - {"imported package"}


#: What the agent's answer to `avault export` imports of avault's: main, the argument
#: reader and the client (agentsock), and the core-dump guard; nothing else.
ANSWER_IMPORTS = {
    "avault",
    "avault.main",
    "avault.constants",
    "avault.fastargs",
    "avault.proc",
    "avault.agentsock",
}
#: What it once imported before asking (~26 ms), and what it never may: Context and
#: pathlib (re, urllib, ipaddress), the error tree, the vault and its agent client (json,
#: struct), the `socket` package (enum, selectors), argparse, typing, and anything heavy.
NOT_ON_THE_ANSWER = (
    "pathlib", "re", "enum", "urllib", "ipaddress", "socket", "selectors", "json", "struct",
    "argparse", "typing", "importlib", "warnings", "boto3", "botocore", "keyring", "cryptography",
)  # fmt: skip


def test_credential_process_answered_by_the_agent_imports_only_the_client(
    agent: dict[str, str], run_avault
) -> None:
    r, names = imported(["export", "--format", "json", "dev"], agent)
    assert r.returncode == 0, r.stderr
    local = run_avault("export", "--format", "json", "dev", extra_env={"AWS_VAULT_FILE_PASSPHRASE": PW})
    assert local.returncode == 0, local.stderr
    assert r.stdout == local.stdout  # the cached session, byte for byte
    assert '"AccessKeyId": "' in r.stdout
    assert {n for n in names if n.split(".")[0] == "avault"} == ANSWER_IMPORTS
    assert sorted(names & set(NOT_ON_THE_ANSWER)) == []
    # The same holds for fish's fallback, `avault export --format fish`.
    r, names = imported(["export", "--format", "fish", "--", "dev"], agent)
    assert r.returncode == 0, r.stderr
    assert "set -gx AWS_VAULT dev;" in r.stdout
    assert {n for n in names if n.split(".")[0] == "avault"} == ANSWER_IMPORTS


def test_debug_and_a_declined_request_take_todays_path(agent: dict[str, str], run_avault) -> None:
    local = run_avault("export", "--format", "json", "dev", extra_env={"AWS_VAULT_FILE_PASSPHRASE": PW})
    # --debug never asks for a switch: Context is imported, the full path runs (its vault
    # crypto through the agent's decrypt), and the output is the same.
    r, names = imported(["export", "--debug", "--format", "json", "dev"], agent)
    assert r.returncode == 0, r.stderr
    assert "avault.context" in names
    assert r.stdout == local.stdout
    # Declined (a human is needed): export's own path, its own error, unchanged.
    r, names = imported(["export", "--format", "json", "needs-mfa"], agent)
    assert "avault.context" in names
    assert r.returncode == 1
    assert r.stdout == ""
    said = [x for x in r.stderr.splitlines() if not x.startswith("import time:")]
    assert len(said) == 1
    assert said[0].startswith("avault: cannot prompt: no terminal")
    assert said[0].endswith("pass -t CODE or set mfa_process in ~/.aws/config")


def test_a_runtime_dir_that_is_a_file_falls_back_without_a_traceback(agent: dict[str, str]) -> None:
    # Was a NotADirectoryError traceback out of the client, outside main's error funnel.
    r, names = imported(["export", "--format", "json", "dev"], {**agent, "XDG_RUNTIME_DIR": "/etc/passwd"})
    assert "avault.context" in names  # not answered: today's path ran, and asks for the passphrase
    assert r.returncode == 1
    assert r.stdout == ""
    said = [x for x in r.stderr.splitlines() if not x.startswith("import time:")]
    assert len(said) == 1
    assert said[0].startswith("avault: cannot prompt: no terminal")
    assert said[0].endswith("; set AWS_VAULT_FILE_PASSPHRASE")


@pytest.mark.parametrize("sh", ["zsh", "bash"])
def test_falls_back_when_locked_mfa_or_unknown_flag(sh: str, agent: dict[str, str], run_avault) -> None:
    r = shell(sh, "__avs_agent_switch prod; echo $?", agent)
    assert r.stdout.split() == ["0"], r.stderr
    # MFA needs a person: the agent declines, it never prompts or hangs.
    r = shell(sh, "__avs_agent_switch needs-mfa; echo $?", agent)
    assert r.stdout.split() == ["1"]
    # A flag spelling the fast path does not take.
    r = shell(sh, "__avs_agent_switch prod -d1h; echo $?", agent)
    assert r.stdout.split() == ["1"]
    # An error (no such profile): export prints it, as before.
    r = shell(sh, "avs nosuch; echo $?", agent)
    assert r.stdout.split() != ["0"]
    assert "nosuch" in r.stderr
    # Locked: declined; and `avs` then runs today's path (here with the passphrase in env).
    assert run_avault("lock").returncode == 0
    r = shell(sh, "__avs_agent_switch prod; echo $?", agent)
    assert r.stdout.split() == ["1"]
    r = shell(sh, f'AWS_VAULT_FILE_PASSPHRASE="{PW}" avs prod && echo "$AVS_PROFILE"', agent)
    assert r.stdout.split() == ["prod"], r.stderr
    unlock(agent)
    r = shell(sh, "__avs_agent_switch prod; echo $?", agent)
    assert r.stdout.split() == ["0"]


@pytest.mark.parametrize("sh", ["zsh", "bash"])
def test_no_agent_means_todays_path(sh: str, agent: dict[str, str]) -> None:
    _stop(agent)
    deadline = time.monotonic() + 5
    while (Path(agent["XDG_RUNTIME_DIR"]) / "avault" / TCP_FILE).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    r = shell(sh, "__avs_agent_switch prod; echo $?", agent)
    assert r.stdout.split() == ["1"]
    r = shell(sh, f'AWS_VAULT_FILE_PASSPHRASE="{PW}" avs prod && echo "$AVS_PROFILE"', agent)
    assert r.stdout.split() == ["prod"], r.stderr


@pytest.mark.parametrize("sh", ["zsh", "bash"])
def test_a_stopped_or_killed_agent_never_hangs_the_shell(sh: str, agent: dict[str, str]) -> None:
    pid = agent_pid(agent)
    os.kill(pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        r = shell(sh, "__avs_agent_switch prod; echo $?", agent, timeout=30)
        waited = time.monotonic() - start
    finally:
        os.kill(pid, signal.SIGCONT)
    assert r.stdout.split() == ["1"]
    assert waited < 15
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    start = time.monotonic()
    r = shell(sh, "__avs_agent_switch prod; echo $?", agent, timeout=30)
    assert r.stdout.split() == ["1"]
    assert time.monotonic() - start < 5


def test_config_changes_and_logout_are_never_served_stale(
    agent: dict[str, str], aws_config, run_avault
) -> None:
    agent.pop("AWS_REGION", None)  # the profile's region decides
    first = ask_agent(["--format", "zsh", "--", "prod"], agent)
    assert first is not None
    assert "AWS_REGION=eu-west-1" in first[1], first[1]
    aws_config(CONFIG.replace("region = eu-west-1", "region = ap-south-1"))
    second = ask_agent(["--format", "zsh", "--", "prod"], agent)
    assert second is not None
    assert "AWS_REGION=ap-south-1" in second[1]
    # dev's GetSessionToken session is cached in the vault: the same one twice, until
    # `avault logout dev` deletes it; then the agent must not answer with the old one.
    # (moto's GetSessionToken always returns the same keys: the expiration tells them apart.)
    stamp = re.compile(r"AWS_CREDENTIAL_EXPIRATION=(\S+);")
    cached = [ask_agent(["--format", "zsh", "--", "dev"], agent) for _ in range(2)]
    stamps = [stamp.search(c[1] if c else "") for c in cached]
    assert stamps[0] is not None
    assert stamps[1] is not None
    assert stamps[0].group(1) == stamps[1].group(1)
    time.sleep(1.1)
    assert run_avault("logout", "dev").returncode == 0
    third = ask_agent(["--format", "zsh", "--", "dev"], agent)
    assert third is not None
    assert stamps[0].group(1) not in third[1]


def _rewrite_in_place(path: Path, data: bytes) -> None:
    """Same size, same mtime, same inode (``rsync -t --inplace``): only ctime tells."""
    before = path.stat()
    assert len(data) == before.st_size
    with path.open("r+b") as f:
        f.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_config_edited_in_place_is_seen_by_the_next_request(agent: dict[str, str], home: Path) -> None:
    # The agent reuses a parsed config only while its stat is unchanged and was settled (2 s
    # old) when read; an edit of the same size, its mtime put back, is still seen at once.
    agent.pop("AWS_REGION", None)
    config = home / ".aws/config"
    time.sleep(2.2)  # settled: the agent keeps this parse
    for _ in range(2):
        first = ask_agent(["--format", "zsh", "--", "prod"], agent)
        assert first is not None
        assert "AWS_REGION=eu-west-1;" in first[1], first[1]
    _rewrite_in_place(config, CONFIG.replace("region = eu-west-1", "region = eu-west-2").encode())
    second = ask_agent(["--format", "zsh", "--", "prod"], agent)
    assert second is not None
    assert "AWS_REGION=eu-west-2;" in second[1]
    # ...and again within the same second (a file edited in the last 2 s is read every time).
    _rewrite_in_place(config, CONFIG.replace("region = eu-west-1", "region = eu-west-3").encode())
    third = ask_agent(["--format", "zsh", "--", "prod"], agent)
    assert third is not None
    assert "AWS_REGION=eu-west-3;" in third[1]


def test_a_vault_item_rewritten_or_removed_elsewhere_is_never_served(agent: dict[str, str]) -> None:
    from avault.creds import Credentials  # noqa: PLC0415
    from avault.sessions import SESSION_DESCRIPTION  # noqa: PLC0415
    from avault.vault import jwe  # noqa: PLC0415
    from avault.vault.base import Item  # noqa: PLC0415
    from avault.vault.file import decode_name  # noqa: PLC0415

    assert ask_agent(["--format", "zsh", "--", "dev"], agent) is not None  # dev's session cached
    vault = Path(agent["AWS_VAULT_FILE_DIR"])
    (session,) = [p for p in vault.iterdir() if p.name.startswith("sts.GetSessionToken,")]
    time.sleep(2.2)  # settled: the agent keeps this listing (and holds the item decrypted)
    for _ in range(2):
        served = ask_agent(["--format", "zsh", "--", "dev"], agent)
        assert served is not None
        assert "ASIAREWRITTEN" not in served[1]
    # Another process rewrites the item in place (the directory does not change).
    creds = Credentials("ASIAREWRITTEN0000001", "r" * 40, "t" * 300, time.time() + 3600)
    item = Item(key=decode_name(session.name), data=creds.to_session_json(), description=SESSION_DESCRIPTION)
    inode = session.stat().st_ino
    with session.open("wb") as f:  # truncated and written: the same inode, the same name
        f.write(jwe.encrypt(item.to_json().encode(), PW).encode())
    assert session.stat().st_ino == inode
    rewritten = ask_agent(["--format", "zsh", "--", "dev"], agent)
    assert rewritten is not None
    assert "AWS_ACCESS_KEY_ID=ASIAREWRITTEN0000001;" in rewritten[1], rewritten
    # ...then removes it: the agent must not answer from memory, it gets a new session.
    session.unlink()
    removed = ask_agent(["--format", "zsh", "--", "dev"], agent)
    assert removed is not None
    assert "ASIAREWRITTEN" not in removed[1]
    assert "AWS_ACCESS_KEY_ID=" in removed[1]


def test_fifty_requests_at_once_are_all_answered(agent: dict[str, str]) -> None:
    # As 50 shells switching together: half on the unix socket (zsh, export), half on
    # loopback TCP with the token (bash); some need an AssumeRole, most a cached session.
    # Correctness only: how fast is bench/bench_agent_switch.py's business.
    import socket  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from avault.agentsock import encode_request, request_env  # noqa: PLC0415

    port, token = (Path(agent["XDG_RUNTIME_DIR"]) / "avault" / TCP_FILE).read_text().split()
    sent = request_env(agent)
    assert sent is not None
    start = threading.Barrier(50)
    answers: dict[int, str] = {}

    def tcp(i: int, profile: str) -> str:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as sock:
            sock.sendall(encode_request(token, sent, ["--format", "bash", "--", profile]))
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\n")  # bash's framing: "ok ERR_BYTES OUT_BYTES\n" ERR OUT
        st, *sizes = head.split()
        if st != b"ok":
            return f"refused {i}: {data[:80]!r}"
        assert len(body) == sum(map(int, sizes))
        return body[int(sizes[0]) :].decode()

    def one(i: int) -> None:
        profile = "prod" if i % 5 == 0 else "dev"
        start.wait()
        if i % 2:
            answers[i] = tcp(i, profile)
        else:
            got = ask_agent(["--format", "zsh", "--", profile], agent)
            answers[i] = got[1] if got is not None else f"declined {i}"

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 50
    for i, out in sorted(answers.items()):
        profile = "prod" if i % 5 == 0 else "dev"
        assert f"export AVS_PROFILE={profile};" in out, (i, out[:200])
        assert "export AWS_ACCESS_KEY_ID=" in out


def test_another_user_gets_nothing(agent: dict[str, str]) -> None:
    skip_unless("setpriv")
    runtime = Path(agent["XDG_RUNTIME_DIR"]) / "avault"
    port, token = (runtime / TCP_FILE).read_text().split()
    assert len(token) == 64
    assert (runtime / TCP_FILE).stat().st_mode & 0o777 == 0o600
    probe = f"""
import socket
got = []
try:
    u = socket.socket(socket.AF_UNIX); u.settimeout(3); u.connect({str(runtime / "agent.sock")!r})
    u.sendall(b"AVS1\\0\\0a--format\\0azsh\\0a--\\0aprod\\0.\\0"); got.append(u.recv(65536))
except OSError as exc:
    print("unix", type(exc).__name__)
try:
    open({str(runtime / TCP_FILE)!r}).read(); print("read the token file")
except OSError as exc:
    print("token", type(exc).__name__)
for guess in ("", "0" * 64):
    t = socket.create_connection(("127.0.0.1", {port}), timeout=3)
    t.sendall(b"AVS1\\0" + guess.encode() + b"\\0a--format\\0azsh\\0a--\\0aprod\\0.\\0")
    data = b""
    while chunk := t.recv(65536):
        data += chunk
    print("tcp", repr(data))
"""
    r = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-I",
            "-c",
            probe,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd="/",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["unix PermissionError", "token PermissionError", "tcp b''", "tcp b''"]
    assert "ASIA" not in r.stdout


def test_the_picker_order_is_recorded_by_avault_not_the_shell(agent: dict[str, str], run_avault) -> None:
    """The shells hold no recent-use code: the agent's switch and export's shell formats append."""
    recent = Path(agent["XDG_STATE_HOME"]) / "avault/recent"
    r = shell("zsh", "avs dev && avs prod", agent)  # both answered by the agent, no process
    assert r.returncode == 0, r.stderr
    assert recent.read_text() == "dev\nprod\n"
    assert oct(recent.stat().st_mode & 0o777) == "0o600"
    assert oct(recent.parent.stat().st_mode & 0o777) == "0o700"
    # credential_process and env lines are no switch of a shell: not recorded.
    for fmt in ("json", "env"):
        assert run_avault("export", "--format", fmt, "dev").returncode == 0
    # export without the agent, as fish or a script would eval it: recorded.
    r = run_avault("export", "--format", "fish", "prod", extra_env={"AWS_VAULT_FILE_PASSPHRASE": PW})
    assert r.returncode == 0, r.stderr
    assert recent.read_text() == "dev\nprod\nprod\n"


def test_int_trap_files_of_exited_bash_shells_are_removed(agent: dict[str, str]) -> None:
    """bash's agent switch leaves int-trap.PID in the agent's directory; the agent removes
    those of shells that have exited (at its first TCP request, then hourly)."""
    runtime = Path(agent["XDG_RUNTIME_DIR"]) / "avault"
    first = shell("bash", "avs dev\necho $$", agent)
    assert first.returncode == 0, first.stderr
    gone = runtime / f"int-trap.{first.stdout.split()[-1]}"
    assert gone.exists()  # that shell has exited
    alive = runtime / f"int-trap.{os.getpid()}"  # this test's own process stands for a live shell
    alive.touch()
    other = runtime / "agent.tcp"
    # A fresh agent sweeps at its first TCP request.
    _stop(agent)
    for _ in range(50):
        if not other.exists():
            break
        time.sleep(0.1)
    r = subprocess.run([AVAULT, "agent"], env=agent, capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode == 0, r.stderr
    unlock(agent)
    second = shell("bash", "avs dev", agent)
    assert second.returncode == 0, second.stderr
    assert not gone.exists()
    assert alive.exists()
    assert other.exists()


def test_a_non_ascii_profile_switches_through_the_agent_byte_for_byte(agent: dict[str, str]) -> None:
    """bash reads the answer by byte length (read -N under LC_ALL=C): a name beyond ASCII
    comes through whole. No avault on PATH: only the agent can have answered."""
    with Path(agent["AWS_CONFIG_FILE"]).open("a", encoding="utf-8") as f:
        f.write("\n[profile dév-€]\nsource_profile = dev\n")
    env = {**agent, "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    r = shell("bash", "avs 'dév-€'\nprintf '%s|%s\\n' \"$AVS_PROFILE\" \"$AWS_VAULT\"", env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "dév-€|dév-€"
