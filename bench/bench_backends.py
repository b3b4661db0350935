"""`avault list` and the cached `avault export --format zsh`, per backend, against the file backend.

Run: .venv/bin/python bench/bench_backends.py [--runs N]

Each backend gets the same store: one profile's long-term keys and a live cached
GetSessionToken session (so export makes no STS call), plus ``--extra`` more credentials
(default 20) so ``list`` has something to enumerate. The Secret Service is a real
gnome-keyring on a private D-Bus (the test fixture's recipe, aws-vault's ``awsvault``
collection); pass is Debian's pass with a throw-away no-passphrase gpg key. The backends are
timed round-robin (two warm-up rounds, then N, default 15), the venv's console script
each time; the ratio column is against the file backend measured in the same rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_export import clean_env  # noqa: E402 - bench/ is the script's own directory
from fixtures.keyring_service import start_secret_service  # noqa: E402 - needs the sys.path line above
from fixtures.pass_store import init_store, make_gpg_home, stop_agent  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
SEED = """
import argparse, sys, time
from avault.context import Context
from avault.creds import Credentials
from avault.sessions import SessionCache
from avault.vault.base import Item
from avault.vault.select import open_vault
vault = open_vault(argparse.Namespace(), Context.from_os())
cred = b'{"AccessKeyID":"AKIABENCH00000000001","SecretAccessKey":"x"}'
for name in ["bench"] + [f"extra-{i:03d}" for i in range(int(sys.argv[1]))]:
    vault.set(Item(key=name, data=cred, label=f"aws-vault ({name})", keychain_not_trust_application=True))
creds = Credentials("ASIABENCH0000000001", "s" * 40, "t" * 300, time.time() + 8 * 3600)
SessionCache(vault, now=time.time).set("sts.GetSessionToken", "bench", "", creds)
"""


def base_env(home: Path) -> dict[str, str]:
    env = clean_env(home)  # bench_export's: no AWS_*/AVAULT_*/D-Bus of yours, the venv first on PATH
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws/config").write_text("[profile bench]\nregion = eu-west-1\n")
    return env


@contextlib.contextmanager
def backend(name: str, root: Path) -> Iterator[dict[str, str]]:
    env = base_env(root / "home")
    if name == "file":
        yield {**env, "AWS_VAULT_BACKEND": "file"}
    elif name == "secret-service":
        with start_secret_service(root / "ss") as extra:
            yield {**env, **extra, "AWS_VAULT_BACKEND": "secret-service"}
    elif name == "pass":
        gnupg, fpr = make_gpg_home(Path(tempfile.mkdtemp(prefix="avg-", dir=root)))
        try:
            e = {**env, "GNUPGHOME": str(gnupg), "AWS_VAULT_BACKEND": "pass"}
            init_store(e, root / "home/.password-store", fpr)
            yield e
        finally:
            stop_agent(gnupg)


def timed_ms(argv: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--extra", type=int, default=20, help="credentials besides the benchmarked one")
    opts = parser.parse_args()
    names = ("file", "secret-service", "pass")
    export = [AVAULT, "export", "--format", "zsh", "bench"]
    with contextlib.ExitStack() as stack:
        envs = {}
        for name in names:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="avb-")))
            env = stack.enter_context(backend(name, root))
            subprocess.run([sys.executable, "-c", SEED, str(opts.extra)], env=env, check=True)
            check = subprocess.run(export, env=env, capture_output=True, text=True, check=False)
            if check.returncode != 0 or "ASIABENCH" not in check.stdout:
                print(f"{name}: cached export did not work: {check.stderr.strip()}", file=sys.stderr)
                return 1
            envs[name] = env
        samples: dict[tuple[str, str], list[float]] = {(n, c): [] for n in names for c in ("list", "export")}
        for run in range(opts.runs + 2):  # round robin, so machine load hits every backend alike
            for name in names:
                for cmd, argv in (("list", [AVAULT, "list"]), ("export", export)):
                    ms = timed_ms(argv, envs[name])
                    if run >= 2:  # the first two rounds are warm-ups
                        samples[name, cmd].append(ms)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(
        f"{1 + opts.extra} credentials + 1 cached session per backend; ms, median of {opts.runs} round-robin runs"
    )
    print(f"{'backend':<16} {'list':>8} {'x file':>7} {'export (cached)':>16} {'x file':>7}")
    for name in names:
        lst, exp = med[name, "list"], med[name, "export"]
        print(
            f"{name:<16} {lst:>8.1f} {lst / med['file', 'list']:>7.2f} {exp:>16.1f} {exp / med['file', 'export']:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
