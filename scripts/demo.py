"""The README's first command: a live shell where `avs prod` works with no AWS account.

Run by ``./install.sh --demo``. It starts a local STS/IAM emulator (moto_server) on
127.0.0.1, makes a throw-away HOME with four profiles and a demo file vault, and
opens your shell there with the avault integration loaded. Nothing outside the
throw-away HOME is touched; it is deleted, and the emulator stopped, on exit.

    dev, staging   IAM users whose keys live in the demo vault
    prod           a role assumed from dev (another account)
    prod-admin     a role that needs MFA: type any 6 digits
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PASSPHRASE = "demo"  # noqa: S105 - the throw-away demo vault's passphrase, shown in the banner
CONFIG = """\
[profile dev]
region = eu-west-1

[profile staging]
region = eu-west-1

[profile prod]
source_profile = dev
role_arn = arn:aws:iam::210987654321:role/ProdReadOnly
region = eu-west-1

[profile prod-admin]
source_profile = dev
role_arn = arn:aws:iam::210987654321:role/ProdAdmin
mfa_serial = arn:aws:iam::123456789012:mfa/demo-user
region = eu-west-1
"""

BANNER = """
  avault demo: a throw-away HOME and a local STS emulator; no AWS account is used.

    avs prod              switch this shell to the prod role (watch the prompt)
    aws-whoami            who am I? (calls the local STS)
    avs prod-admin        a role that asks for MFA: type any 6 digits
    avs -                 back to the previous profile
    avs -s / avs -u       status / unset
    avs <TAB>             complete profile names
    avault list           what the vault holds

  The demo vault's passphrase is "demo". Type 'exit' to end the demo.
"""

WHOAMI = """\
#!{python}
import boto3
print(boto3.client("sts").get_caller_identity()["Arn"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(venv: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(venv / "bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/moto-api/data.json", timeout=1):  # noqa: S310 - http://127.0.0.1
                return proc, url
        except OSError:  # noqa: PERF203 - polling until the server answers
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    sys.exit("avault demo: the local STS emulator (moto_server) did not start")


def make_users(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """IAM users in the emulator, one per keyed profile: {profile: (key id, secret)}."""
    import boto3  # noqa: PLC0415 - the demo venv has it

    iam = boto3.client(
        "iam",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="demo",
        aws_secret_access_key="demo",  # noqa: S106 - the emulator accepts anything
    )
    keys = {}
    for profile in ("dev", "staging"):
        iam.create_user(UserName=f"{profile}-user")
        k = iam.create_access_key(UserName=f"{profile}-user")["AccessKey"]
        keys[profile] = (k["AccessKeyId"], k["SecretAccessKey"])
    return keys


def shell_setup(shell: str, home: Path, env: dict[str, str]) -> list[str]:
    """Write a throw-away rc for ``shell``; return the command that starts it."""
    if shell == "zsh":
        zdot = home / ".zdotdir"
        zdot.mkdir()
        (zdot / ".zshrc").write_text(
            'autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump"\n'
            "PROMPT='%F{cyan}avault-demo%f %~ %# '\n"
            'eval "$(avault init zsh)"\n'
        )
        env["ZDOTDIR"] = str(zdot)
        return ["zsh", "-i"]
    if shell == "fish":
        conf = home / ".config/fish"
        conf.mkdir(parents=True)
        # Without this dir, fish's first interactive start spawns fish_update_completions
        # in the background, which outlives the demo and writes into the throw-away HOME.
        (home / ".local/share/fish/generated_completions").mkdir(parents=True)
        (conf / "config.fish").write_text(
            "set -g fish_greeting ''\n"
            "function fish_prompt; set_color cyan; echo -n 'avault-demo '; set_color normal;"
            " echo -n (prompt_pwd)' > '; end\n"
            "avault init fish | source\n"
        )
        return ["fish", "-i"]
    rc = home / ".bashrc"
    rc.write_text("PS1='\\[\\e[36m\\]avault-demo\\[\\e[0m\\] \\w \\$ '\neval \"$(avault init bash)\"\n")
    return ["bash", "--rcfile", str(rc), "-i"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--venv", required=True, type=Path)
    ap.add_argument("--shell", default="bash", choices=("zsh", "bash", "fish"))
    ap.add_argument("--keep", action="store_true", help="keep the throw-away HOME (for debugging)")
    args = ap.parse_args()
    venv: Path = args.venv.resolve()

    home = Path(tempfile.mkdtemp(prefix="avault-demo-"))
    moto, url = start_moto(venv)
    try:
        (home / ".aws").mkdir(mode=0o700)
        (home / ".aws/config").write_text(CONFIG)
        bin_dir = home / "bin"
        bin_dir.mkdir()
        whoami = bin_dir / "aws-whoami"
        whoami.write_text(WHOAMI.format(python=venv / "bin/python"))
        whoami.chmod(0o755)

        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AVS_", "AVAULT_"))}
        env.update(
            HOME=str(home),
            PATH=f"{bin_dir}{os.pathsep}{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_CACHE_HOME=str(home / ".cache"),
            AWS_CONFIG_FILE=str(home / ".aws/config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws/credentials"),
            AWS_ENDPOINT_URL=url,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_VAULT_BACKEND="file",
            AWS_VAULT_FILE_DIR=str(home / ".awsvault/keys"),
            AWS_VAULT_FILE_PASSPHRASE=PASSPHRASE,
        )
        for profile, (key_id, secret) in make_users(env).items():
            subprocess.run(
                [str(venv / "bin/avault"), "add", "--env", profile],
                env={**env, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret},
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        cmd = shell_setup(args.shell, home, env)
        print(BANNER, file=sys.stderr)
        # The shell's status is that of the last command typed in it (`exit` after a
        # failed one returns 1): the demo itself ran fine, so it ends with 0.
        subprocess.call(cmd, env=env, cwd=home)
        return 0
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=5)
        except subprocess.TimeoutExpired:
            moto.kill()
        if args.keep:
            print(f"avault demo: kept {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
