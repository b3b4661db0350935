"""The zero-process switch (issue 15): every Targets row side by side, in one run.

Usage: .venv/bin/python bench/bench_agent_switch.py [-n RUNS] [--skip-awsume]

One `avault agent` (unlocked over its socket), moto_server for STS, temp HOME. Rows:

* cached `avs` with the agent in zsh and bash, timed inside the shell (EPOCHREALTIME),
  alternating two profiles (re-running the same one is the shell's own instant path),
  the processes started counted with strace; against `. awsume static` in bash;
* `avs` to a role (a fresh AssumeRole each time, as aws-vault and export do) against a
  bare boto3 AssumeRole script, and the STS round trip itself (a warm boto3 client);
* cached `avs` in fish (one `avault export` process asking the agent): (fish running N
  switches - fish running none) / N; against `python -c pass` timed between those runs;
* `avault export --format json` (credential_process) through the agent; against python, one
  sample of each in turn;
* 50 shells (25 zsh, 25 bash) switching at once against one agent: all served, the
  slowest, and the agent's RSS (VmRSS, and its peak VmHWM).

The cached rows and the 50-shell row also give the agent's own CPU per switch (utime +
stime from /proc, over the whole loop): what one request costs it, apart from the shell.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from bench_export import clean_env, ensure_awsume, interleaved_ms, median_ms, seed_awsume
from fixtures.moto import start_moto

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
PASSPHRASE = "bench passphrase"
SOURCE = {
    "zsh": ROOT / "shell/zsh/avs.zsh",
    "bash": ROOT / "shell/bash/avs.bash",
    "fish": ROOT / "shell/fish/avs.fish",  # written in main(): the fisher layout joined
}
ARGV = {
    "zsh": ["zsh", "-f", "-c"],
    "bash": ["bash", "--norc", "--noprofile", "-c"],
    "fish": ["fish", "--no-config", "-c"],
}
TIMER = {
    "zsh": "zmodload zsh/datetime\nt() { local s=$EPOCHREALTIME; \"$@\" >/dev/null; printf '%.4f\\n' $(( (EPOCHREALTIME - s) * 1000 )); }\n",
    "bash": 't() { local s=$EPOCHREALTIME e; "$@" >/dev/null; e=$EPOCHREALTIME; printf \'%s\\n\' "$(( ${e/./} - ${s/./} ))e-3"; }\n',
}
ROLE = "arn:aws:iam::123456789012:role/bench"


def seed(home: Path, env: dict[str, str], endpoint: str) -> None:
    """Stored keys for `bench`, live cached sessions for bench and bench2, two roles from bench."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/config").write_text(
        "[profile bench]\nregion = eu-west-1\n\n[profile bench2]\nregion = eu-west-2\n\n"
        f"[profile role]\nsource_profile = bench\nrole_arn = {ROLE}\nregion = eu-west-1\n\n"
        f"[profile role2]\nsource_profile = bench\nrole_arn = {ROLE}2\nregion = eu-west-1\n"
    )
    for profile in ("bench", "bench2"):
        subprocess.run(
            [AVAULT, "add", "--env", "--no-add-config", profile],
            env={**env, "AWS_ACCESS_KEY_ID": "AKIABENCH00000000001", "AWS_SECRET_ACCESS_KEY": "x"},
            check=True,
            capture_output=True,
        )
    code = f"""
import time
from avault.context import Context
from avault.creds import Credentials
from avault.sessions import SessionCache
from avault.vault.file import FileVault
ctx = Context.from_os()
vault = FileVault.from_context(ctx, {env["AWS_VAULT_FILE_DIR"]!r})
for p in ("bench", "bench2"):
    creds = Credentials("ASIABENCH0000000001", "s" * 40, "t" * 300, time.time() + 8 * 3600)
    SessionCache(vault, now=time.time).set("sts.GetSessionToken", p, "", creds)
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    env["AWS_ENDPOINT_URL"] = endpoint


def start_agent(env: dict[str, str]) -> int:
    from avault.vault.passphrase_agent import AgentClient  # noqa: PLC0415

    subprocess.run([AVAULT, "agent"], env=env, check=True, capture_output=True)
    c = AgentClient.connect(env)
    try:
        c.request("unlock", vault=env["AWS_VAULT_FILE_DIR"], passphrase=PASSPHRASE)
        return int(c.request("status")["pid"])
    finally:
        c.close()


def stop_agent(env: dict[str, str]) -> None:
    subprocess.run([AVAULT, "agent", "--stop"], env=env, check=False, capture_output=True)


def in_shell(sh: str, body: str, env: dict[str, str]) -> list[float]:
    script = f"source {SOURCE[sh]}\n{TIMER[sh]}\n{body}"
    out = subprocess.run([*ARGV[sh], script], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{sh}: {out.stderr.strip()[:300]}")
    return [float(x) for x in out.stdout.split()]


def alternating(sh: str, a: str, b: str, n: int) -> str:
    loop = f"for i in {{1..{n}}}; do" if sh == "zsh" else f"for ((i = 0; i < {n}; i++)); do"
    return f"avs {a}; avs {b}\n{loop} t avs {a}; t avs {b}; done"


def processes_per_switch(sh: str, env: dict[str, str], tmp: Path) -> str:
    """Processes one `avs` starts, counted by strace -f (execve/clone/fork between markers)."""
    if not shutil.which("strace"):
        return "?"
    script = tmp / f"count.{sh}"
    script.write_text(f"source {SOURCE[sh]}\navs bench\n: </nonexistent/s\navs bench2\n: </nonexistent/e\n")
    log = tmp / f"count.{sh}.log"
    subprocess.run(
        [
            "strace",
            "-f",
            "-o",
            str(log),
            "-e",
            "trace=execve,clone,clone3,fork,vfork,openat",
            *ARGV[sh][:-1],
            str(script),
        ],
        env=env,
        capture_output=True,
        check=False,
    )
    text = log.read_text()
    between = text[text.index("/nonexistent/s") : text.index("/nonexistent/e")]
    return str(
        sum(
            1
            for line in between.splitlines()
            if any(f" {c}(" in line for c in ("execve", "clone", "clone3", "fork", "vfork"))
        )
    )


def fish_per_switch(env: dict[str, str], n: int) -> tuple[float, float]:
    """ms per switch, and `python -c pass` timed between the fish runs (the same load)."""
    base = f"source {SOURCE['fish']}; avs bench; avs bench2"
    loop = f"{base}; for i in (seq {n}); avs bench; avs bench2; end"
    runs, py = [], []
    for _ in range(3):
        s = time.perf_counter()
        subprocess.run([*ARGV["fish"], base], env=env, check=True, capture_output=True)
        mid = time.perf_counter()
        subprocess.run([*ARGV["fish"], loop], env=env, check=True, capture_output=True)
        end = time.perf_counter()
        runs.append(((end - mid) - (mid - s)) * 1000 / (2 * n))
        for _ in range(max(n // 3, 5)):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
            py.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), statistics.median(py)


def sts_round_trip(endpoint: str, n: int) -> float:
    import boto3  # noqa: PLC0415

    c = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIAX",
        aws_secret_access_key="x",
    )
    c.assume_role(RoleArn=ROLE, RoleSessionName="warm")
    samples = []
    for _ in range(n):
        s = time.perf_counter()
        c.assume_role(RoleArn=ROLE, RoleSessionName="warm")
        samples.append((time.perf_counter() - s) * 1000)
    return statistics.median(samples)


def concurrent(env: dict[str, str], tmp: Path, count: int = 50) -> tuple[int, float, list[float]]:
    go = tmp / "go"
    procs = []
    for i in range(count):
        sh = "zsh" if i % 2 == 0 else "bash"
        wait = (
            f"zmodload zsh/zselect; while [[ ! -e {go} ]]; do zselect -t 1; done"
            if sh == "zsh"
            else f"while [[ ! -e {go} ]]; do read -t 0.01 -u 9 _ 2>/dev/null; done 9<> <(:)"
        )
        body = f"source {SOURCE[sh]}\n{TIMER[sh]}\n{wait}\nt avs bench\nprintf '%s\\n' \"$AVS_PROFILE\""
        procs.append(
            subprocess.Popen(
                [*ARGV[sh], body], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    time.sleep(3)
    go.touch()
    served, times = 0, []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        lines = out.split()
        if len(lines) == 2 and lines[1] == "bench":
            served += 1
            times.append(float(lines[0]))
    return served, max(times) if times else float("nan"), times


def cpu_ms(pid: int) -> float:
    """The agent's CPU time so far (utime + stime), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=30)
    ap.add_argument("--skip-awsume", action="store_true")
    args = ap.parse_args()
    n = max(args.runs, 10)
    moto = start_moto()
    moto.disable_auth()
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="avb-", dir="/tmp") as tmp_s:
            tmp = Path(tmp_s)
            from avault.commands.init import fish_source  # noqa: PLC0415

            SOURCE["fish"] = tmp / "avs.fish"  # as `avault init fish` prints it
            SOURCE["fish"].write_text(fish_source(ROOT / "shell"))
            home = tmp / "home"
            env = clean_env(home)
            seed(home, env, moto.url)
            runtime = tmp / "rt"
            runtime.mkdir(mode=0o700)
            env["XDG_RUNTIME_DIR"] = str(runtime)
            del env["AWS_VAULT_FILE_PASSPHRASE"]
            pid = start_agent(env)
            time.sleep(1.5)  # let the agent finish warming botocore

            py = median_ms([sys.executable, "-c", "pass"], env, n)[0]
            aw = float("nan")
            if not args.skip_awsume:
                script = ensure_awsume()
                aw_home = tmp / "awsume"
                seed_awsume(aw_home)
                aw_env = clean_env(aw_home)
                aw_env["PATH"] = f"{script.parent}{os.pathsep}{aw_env['PATH']}"
                body = f"for ((i = 0; i < {n + 2}; i++)); do t . {script} static; done"
                aw = statistics.median(in_shell("bash", body, aw_env)[2:])
            rows.append(("python -c pass (baseline)", f"{py:.2f}", "1.00x python", "-", "-"))
            rows.append((". awsume static, bash (baseline)", f"{aw:.2f}", f"{aw / py:.2f}x python", "-", "-"))

            for sh in ("zsh", "bash"):
                before = cpu_ms(pid)
                ms = statistics.median(in_shell(sh, alternating(sh, "bench", "bench2", n), env))
                agent_cpu = (cpu_ms(pid) - before) / (2 * n + 2)
                procs = processes_per_switch(sh, env, tmp)
                ok = ms <= 2 and procs == "0" and aw / ms >= 100
                rows.append(
                    (
                        f"cached avs, {sh}, agent",
                        f"{ms:.2f}",
                        f"awsume/this {aw / ms:.0f}x; {procs} processes; agent CPU {agent_cpu:.2f}",
                        "<= 2 ms, 0 proc, >= 100x awsume",
                        "met" if ok else "MISSED",
                    )
                )

            boto = median_ms(
                [
                    sys.executable,
                    "-c",
                    (
                        f"import boto3; boto3.client('sts', endpoint_url={moto.url!r}, region_name='us-east-1', "
                        f"aws_access_key_id='AKIAX', aws_secret_access_key='x').assume_role(RoleArn={ROLE!r}, "
                        "RoleSessionName='bench')"
                    ),
                ],
                env,
                max(n // 2, 10),
            )[0]
            rtt = sts_round_trip(moto.url, n)
            rows.append(("bare boto3 AssumeRole script (baseline)", f"{boto:.2f}", "-", "-", "-"))
            rows.append(("STS round trip, warm boto3 (reference)", f"{rtt:.2f}", "-", "-", "-"))
            for sh in ("zsh", "bash"):
                ms = statistics.median(in_shell(sh, alternating(sh, "role", "role2", max(n // 2, 10)), env))
                rows.append(
                    (
                        f"avs to a role (AssumeRole), {sh}, agent",
                        f"{ms:.2f}",
                        f"boto3/this {boto / ms:.1f}x; RTT + {ms - rtt:.1f} ms",
                        ">= 10x boto3 script",
                        "met" if boto / ms >= 10 else "MISSED",
                    )
                )

            fish, py_fish = fish_per_switch(env, n)
            rows.append(
                (
                    "cached avs, fish (1 process), agent",
                    f"{fish:.2f}",
                    f"{fish / py_fish:.2f}x python (python between: {py_fish:.2f} ms)",
                    "<= 2.5x python",
                    "met" if fish / py_fish <= 2.5 else "MISSED",
                )
            )
            # One sample of each in turn, so both see the same load (the machine may be shared).
            py_cp, cp = (
                m[0]
                for m in interleaved_ms(
                    [[sys.executable, "-c", "pass"], [AVAULT, "export", "--format", "json", "bench"]], env, n
                )
            )
            rows.append(
                (
                    "avault export --format json, agent",
                    f"{cp:.2f}",
                    f"{cp / py_cp:.2f}x python (python interleaved: {py_cp:.2f} ms)",
                    "<= 3x python",
                    "met" if cp / py_cp <= 3 else "MISSED",
                )
            )

            before = cpu_ms(pid)
            served, slowest, times = concurrent(env, tmp)
            agent_cpu = cpu_ms(pid) - before
            rss, hwm = rss_mb(pid)
            ok = served == 50 and slowest <= 50 and hwm < 60
            rows.append(
                (
                    "50 shells at once, one agent",
                    f"{slowest:.2f} max",
                    (
                        f"{served}/50 served; median "
                        f"{statistics.median(times) if times else float('nan'):.2f} ms; agent RSS {rss:.1f} MB "
                        f"(peak {hwm:.1f}), CPU {agent_cpu:.0f} ms"
                    ),
                    "all, <= 50 ms, RSS < 60 MB",
                    "met" if ok else "MISSED",
                )
            )
            stop_agent(env)
    finally:
        moto.proc.terminate()
        moto.proc.wait(timeout=10)

    print(f"median of {n} runs, ms (shell rows timed inside the shell)")
    width = max(len(r[0]) for r in rows)
    for what, ms, ratio, target, met in rows:
        print(f"{what:<{width}}  {ms:>10}  {ratio:<62} {target:<32} {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
