"""Shell-side benchmark: a cached `avs` switch, the prompt hook, completion at 5,000 profiles.

Everything is timed INSIDE each shell (EPOCHREALTIME in zsh and bash; `date +%s%N` in
fish, whose own cost is included), so the numbers are what a user waits for. awsume's
in-place switch (`. awsume PROFILE` in bash) is measured in the same run for comparison.

Targets: avs cached <= 60 ms, prompt hook <= 1 ms (zsh, bash), completion <= 30 ms.
Completion is reported as first TAB (the config parsed) / cached TAB (config unchanged).
Usage: .venv/bin/python bench/bench_shell.py [--runs N] [--skip-awsume]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import clean_env, ensure_awsume, seed_avault, seed_awsume

ROOT = Path(__file__).resolve().parent.parent
SOURCE = {
    "zsh": ROOT / "shell/zsh/avs.zsh",
    "bash": ROOT / "shell/bash/avs.bash",
    "fish": ROOT / "shell/fish/avs.fish",  # written in main(): the fisher layout joined
}
PROFILE = "bench"  # seeded with a live cached session by bench_export.seed_avault

# Each script prints one elapsed time in ms per line.
TIMED = {
    "zsh": """
zmodload zsh/datetime
t() {{ local s=$EPOCHREALTIME; "$@" >/dev/null; printf '%.3f\\n' $(( (EPOCHREALTIME - s) * 1000 )); }}
""",
    "bash": """
t() {{ local s=$EPOCHREALTIME e; "$@" >/dev/null; e=$EPOCHREALTIME
  printf '%s\\n' "$(( (${{e/./}} - ${{s/./}}) ))e-3"; }}
""",
    "fish": """
function t
    set -l s (date +%s%N); $argv >/dev/null; set -l e (date +%s%N)
    math "($e - $s) / 1000000"
end
""",
}

SWITCH = {
    "zsh": "for i in {{1..{n}}}; do t avs {p}; done",
    "bash": "for ((i = 0; i < {n}; i++)); do t avs {p}; done",
    "fish": "for i in (seq {n}); t avs {p}; end",
}
# The prompt hook, 1000 times in one timed loop; the result is per call.
PROMPT = {
    "zsh": "loop() {{ local i; for ((i = 0; i < 1000; i++)); do __avs_precmd; done }}; "
    "for i in {{1..{n}}}; do t loop; done",
    "bash": "PS1='$ '; loop() {{ local i; for ((i = 0; i < 1000; i++)); do __avs_prompt_command; done; }}; "
    "for ((j = 0; j < {n}; j++)); do t loop; done",
    "fish": "function loop; for i in (seq 100); avs_prompt; end; end; for i in (seq {n}); t loop; end",
}
PROMPT_CALLS = {"zsh": 1000, "bash": 1000, "fish": 100}
COMPLETE = {
    # First TAB (cache invalidated each time: the config is parsed) and cached TAB (config
    # unchanged) are reported apart, in each shell.
    "zsh": "cold() {{ __avs_prof_mtime=''; __avs_profiles; }}; warm() {{ __avs_profiles; }}; "
    "for i in {{1..{n}}}; do t cold; done; echo --; for i in {{1..{n}}}; do t warm; done",
    "bash": "c() {{ COMP_WORDS=(avs ''); COMP_CWORD=1; __avs_complete_avs; }}; "
    "cold() {{ __avs_prof_file=''; c; }}; "
    "for ((i = 0; i < {n}; i++)); do t cold; done; echo --; for ((i = 0; i < {n}; i++)); do t c; done",
    "fish": "function c; complete -C 'avs ' >/dev/null; end; "
    "function cold; set -g __avs_prof_mtime ''; c; end; "
    "for i in (seq {n}); t cold; end; printf '%s\\n' --; for i in (seq {n}); t c; end",
}


def run_in(shell: str, body: str, env: dict[str, str]) -> list[list[float]]:
    argv = {
        "zsh": ["zsh", "-f", "-c"],
        "bash": ["bash", "--norc", "-c"],
        "fish": ["fish", "--no-config", "-c"],
    }
    script = f"source {SOURCE[shell]}\n{TIMED[shell].format()}\n{body}"
    out = subprocess.run([*argv[shell], script], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{shell}: {out.stderr.strip()}")
    groups: list[list[float]] = [[]]
    for line in out.stdout.split():
        if line == "--":
            groups.append([])
        else:
            groups[-1].append(float(line))
    return groups


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def profiles_config(path: Path, count: int) -> None:
    parts = ["[default]\nregion = us-east-1\n"]
    for i in range(count):
        parts.append(
            f"[profile team{i:04d}-role]\nrole_arn = arn:aws:iam::{i:012d}:role/admin\nsource_profile = default\n\n"
        )
    parts.append("[sso-session corp]\nsso_region = us-east-1\n")
    path.write_text("".join(parts))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=15, help="timed runs per measurement (>= 10)")
    ap.add_argument("--skip-awsume", action="store_true")
    args = ap.parse_args()
    n = max(args.runs, 10)
    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="avault-bench-shell-") as tmp:
        from avault.commands.init import fish_source  # noqa: PLC0415

        SOURCE["fish"] = Path(tmp) / "avs.fish"  # as `avault init fish` prints it
        SOURCE["fish"].write_text(fish_source(ROOT / "shell"))
        home = Path(tmp) / "home"
        env = clean_env(home)
        seed_avault(home, env)
        big = Path(tmp) / "big-config"
        profiles_config(big, 5000)
        for shell in ("zsh", "bash", "fish"):
            try:
                switch = run_in(shell, SWITCH[shell].format(n=n + 2, p=PROFILE), env)[0][2:]
                switch_ms = f"{median(switch):.1f}"
            except RuntimeError as exc:
                switch_ms = f"pending ({exc})"[:40]
            env_p = dict(env, AVS_PROFILE="prod", AVS_ACCOUNT="123456789012", AVS_EXPIRES="99999999999")
            prompt = run_in(shell, PROMPT[shell].format(n=n), env_p)[0]
            prompt_ms = f"{median(prompt) / PROMPT_CALLS[shell]:.3f}"
            env_c = dict(env, AWS_CONFIG_FILE=str(big))
            comp = run_in(shell, COMPLETE[shell].format(n=n), env_c)
            comp_ms = f"{median(comp[0]):.1f} / {median(comp[1]):.1f}"
            rows.append((shell, switch_ms, prompt_ms, comp_ms, ""))
        if not args.skip_awsume:
            script = ensure_awsume()
            aw_home = Path(tmp) / "awsume"
            seed_awsume(aw_home)
            aw_env = clean_env(aw_home)
            aw_env["PATH"] = f"{script.parent}{os.pathsep}{aw_env['PATH']}"
            body = f"for ((i = 0; i < {n + 2}; i++)); do t . {script} static; done"
            aw = run_in("bash", body, aw_env)[0][2:]
            rows.append(("bash: awsume", f"{median(aw):.1f}", "-", "-", ""))

    print(f"median of {n} runs, ms, timed inside each shell")
    head = ("shell", "avs switch (cached)", "prompt hook / call", "complete 5000: first / cached")
    print(f"{head[0]:<14} {head[1]:>22} {head[2]:>20} {head[3]:>26}")
    for shell, sw, pr, co, _ in rows:
        print(f"{shell:<14} {sw:>22} {pr:>20} {co:>26}")
    print("targets: switch <= 60, prompt <= 1 (zsh, bash; fish runs one `date`), complete <= 30")
    print("fish's timer is two `date` processes: its rows include their cost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
