"""direnv with the real helper and a real moto_server, in an interactive bash under tmux.

`avault init direnv` goes to ~/.config/direnv/lib/, an .envrc says `use avault dev`:
cd into the directory gives the shell dev's session (the cached path once there is
one; MFA asked on /dev/tty), cd out takes it away.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.shells, pytest.mark.e2e]

CONFIG = """\
[profile dev]
region = us-east-1

[profile dev-mfa]
source_profile = dev
mfa_serial = arn:aws:iam::123456789012:mfa/dev
region = us-east-1
"""


BASHRC = 'eval "$(direnv hook bash)"\neval "$(avault init bash)"'


@pytest.fixture
def direnv_env(moto, env: dict[str, str], aws_config, run_avault, tmp_path: Path) -> dict[str, str]:
    if not shutil.which("direnv"):
        pytest.skip("direnv not installed (apt-get install direnv)")
    aws_config(CONFIG)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "dev",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEDEV000001", "AWS_SECRET_ACCESS_KEY": "s3cr3t/dev"},
    )
    assert r.returncode == 0, r.stderr
    lib = Path(env["HOME"]) / ".config/direnv/lib"
    lib.mkdir(parents=True)
    init = run_avault("init", "direnv")
    assert init.returncode == 0, init.stderr
    (lib / "avault.sh").write_text(init.stdout)
    return dict(env, DIRENV_LOG_FORMAT="direnv: %s")


def _project(env: dict[str, str], name: str, envrc: str) -> Path:
    d = Path(env["HOME"]) / name
    d.mkdir()
    (d / ".envrc").write_text(envrc)
    subprocess.run(["direnv", "allow", str(d)], env=env, check=True, capture_output=True, timeout=30)
    return d


def test_use_avault_in_envrc_sets_the_session_and_leaving_unsets_it(direnv_env, tmux_shell) -> None:
    proj = _project(direnv_env, "proj", "use avault dev\n")
    t = tmux_shell("bash", direnv_env, init=BASHRC)
    show = 'echo "vault=[$AWS_VAULT] key=[${AWS_ACCESS_KEY_ID:0:4}] token=[${AWS_SESSION_TOKEN:+set}]"'
    t.line(f"cd {proj}")
    t.line(show)
    # moto's GetSessionToken key (ASIA... or AKIA... in moto), not dev's stored one.
    screen = t.wait_for("vault=[dev]", timeout=30)
    assert "token=[set]" in screen
    assert "AKIAEXAMPLEDEV" not in screen
    t.line(f"cd {Path(direnv_env['HOME'])}")
    t.line(show)
    t.wait_for("vault=[] key=[] token=[]", timeout=30)
    # Back in: the cached session, the same key.
    t.line(
        f'cd {proj} && k1=$AWS_ACCESS_KEY_ID && cd .. && cd {proj} && [[ $k1 == "$AWS_ACCESS_KEY_ID" ]] && echo same-key'
    )
    t.wait_for("same-key", timeout=30)


def test_use_avault_asks_for_mfa_on_the_terminal(direnv_env, tmux_shell) -> None:
    proj = _project(direnv_env, "mfa", "use avault dev-mfa\n")
    t = tmux_shell("bash", direnv_env, init=BASHRC)
    t.line(f"cd {proj}")
    t.wait_for("MFA", timeout=30)
    t.line("123456")
    t.line('echo "vault=[$AWS_VAULT] token=[${AWS_SESSION_TOKEN:+set}]"')
    t.wait_for("vault=[dev-mfa] token=[set]", timeout=30)


def test_use_avault_without_a_profile_is_one_error(direnv_env, tmux_shell) -> None:
    proj = _project(direnv_env, "bad", "use avault\n")
    t = tmux_shell("bash", direnv_env, init=BASHRC)
    t.line(f"cd {proj}")
    t.wait_for("use avault: name a profile", timeout=30)
    t.line('echo "vault=[$AWS_VAULT]"')
    t.wait_for("vault=[]")
