"""install.sh for real: a venv, a PATH link, one rc line per shell, upgrade, uninstall; and the demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "install.sh"
MARK = "# added by avault install.sh"


def run_install(
    home: Path, *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        # the project venv's interpreter: a real binary, with pip's cache warm
        "PYTHON": sys.executable,
        "XDG_CONFIG_HOME": str(home / ".config"),
        "LC_ALL": "C.UTF-8",
    }
    env.update(extra or {})
    return subprocess.run(
        ["sh", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def count(path: Path, needle: str) -> int:
    return path.read_text().count(needle) if path.exists() else 0


@pytest.mark.e2e
def test_install_upgrade_uninstall(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text("# my zshrc\n")
    (home / ".bashrc").write_text("# my bashrc\n")

    r = run_install(home)
    assert r.returncode == 0, r.stderr
    link = home / ".local/bin/avault"
    assert link.is_symlink()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("avault ")
    # the installed copy prints its integration from the wheel's own shell/ files
    init = subprocess.run([str(link), "init", "bash"], capture_output=True, text=True, check=True)
    assert "avs" in init.stdout
    assert init.stdout == (ROOT / "shell/bash/avs.bash").read_text()

    zshrc, bashrc = home / ".zshrc", home / ".bashrc"
    assert count(zshrc, 'eval "$(avault init zsh)"') == 1
    assert count(bashrc, 'eval "$(avault init bash)"') == 1
    if shutil.which("fish"):
        assert count(home / ".config/fish/config.fish", "avault init fish | source") == 1
    assert zshrc.read_text().startswith("# my zshrc\n")
    direnv_lib = home / ".config/direnv/lib/avault.sh"
    if shutil.which("direnv"):  # `use avault PROFILE` for .envrc files
        assert direnv_lib.read_text() == (ROOT / "shell/direnv/avault.sh").read_text()

    # re-running is an upgrade and never adds a second line
    r = run_install(home)
    assert r.returncode == 0, r.stderr
    assert count(zshrc, 'eval "$(avault init zsh)"') == 1
    assert count(bashrc, 'eval "$(avault init bash)"') == 1

    r = run_install(home, "--uninstall")
    assert r.returncode == 0, r.stderr
    assert not link.exists()
    assert not (home / ".local/share/avault/venv").exists()
    assert MARK not in zshrc.read_text()
    assert MARK not in bashrc.read_text()
    assert zshrc.read_text().startswith("# my zshrc")
    assert not direnv_lib.exists()


@pytest.mark.e2e
def test_pipx_install_gives_a_working_avault(tmp_path: Path) -> None:
    """The README's other install: `pipx install .`, then the init line works."""
    pipx = Path(sys.executable).parent / "pipx"
    if not pipx.exists():
        pytest.skip("pipx not installed (it is in the dev extra)")
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
        "PIPX_DEFAULT_PYTHON": sys.executable,
        "LC_ALL": "C.UTF-8",
    }
    r = subprocess.run(
        [str(pipx), "install", str(ROOT)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert r.returncode == 0, r.stderr
    avault = tmp_path / "bin/avault"
    for shell, rel in (("zsh", "zsh/avs.zsh"), ("bash", "bash/avs.bash"), ("direnv", "direnv/avault.sh")):
        init = subprocess.run(
            [str(avault), "init", shell], capture_output=True, text=True, check=True, env=env
        )
        assert init.stdout == (ROOT / "shell" / rel).read_text()
    if shutil.which("zsh"):
        r = subprocess.run(
            ["zsh", "--no-rcs", "-c", f'eval "$({avault} init zsh)" && whence -w avs'],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert "avs: function" in r.stdout, r.stderr


@pytest.mark.e2e
def test_no_modify_rc_and_commented_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text('# eval "$(avault init bash)"\n')
    r = run_install(
        home, "--no-modify-rc", "--prefix", str(tmp_path / "pfx"), "--bin-dir", str(tmp_path / "bin")
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "bin/avault").is_symlink()
    assert not (home / ".zshrc").exists()
    assert (home / ".bashrc").read_text() == '# eval "$(avault init bash)"\n'
    # without --no-modify-rc, a commented-out line is respected, not duplicated
    r = run_install(home, "--prefix", str(tmp_path / "pfx"), "--bin-dir", str(tmp_path / "bin"))
    assert r.returncode == 0, r.stderr
    assert (home / ".bashrc").read_text() == '# eval "$(avault init bash)"\n'


@pytest.mark.e2e
def test_oh_my_zsh_user_gets_plugin_link(tmp_path: Path) -> None:
    archive = ROOT.parent / "shared/testdata/ohmyzsh-830a5bc.tar.gz"
    if not archive.exists():
        pytest.skip(f"{archive} not present (a clone outside the workspace)")
    home = tmp_path / "home"
    home.mkdir()
    with tarfile.open(archive) as tf:
        tf.extractall(tmp_path / "omz", filter="data")
    zsh_dir = next(p.parent for p in (tmp_path / "omz").rglob("oh-my-zsh.sh"))
    r = run_install(home, extra={"ZSH": str(zsh_dir)})
    assert r.returncode == 0, r.stderr
    plugin = zsh_dir / "custom/plugins/avault"
    assert plugin.is_symlink()
    assert (plugin / "avault.plugin.zsh").is_file()
    assert "plugins=(" in r.stderr
    # the plugin path is used instead of an eval line in .zshrc
    assert count(home / ".zshrc", "avault init zsh") == 0
    r = run_install(home, "--uninstall", extra={"ZSH": str(zsh_dir)})
    assert r.returncode == 0, r.stderr
    assert not plugin.exists()


@pytest.mark.e2e
def test_bad_option_is_one_line(tmp_path: Path) -> None:
    r = run_install(tmp_path, "--frobnicate")
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0
    assert "unknown option" in r.stderr


def _tmux(sock: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, check=False).stdout


def _wait_for(sock: str, pattern: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(sock, "capture-pane", "-p", "-J", "-S", "-200", "-t", "demo")
        if re.search(pattern, screen):
            return screen
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {pattern!r}; screen:\n{screen}")
    raise AssertionError


@pytest.mark.e2e
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_demo_avs_prod_works(tmp_path: Path, shell: str) -> None:
    """The README's first command: in the demo shell, `avs prod` assumes the role; and
    the demo ends cleanly even when the last command typed in it failed."""
    if not shutil.which("tmux") or not shutil.which(shell):
        pytest.skip(f"needs tmux and {shell}")
    home = tmp_path / "home"
    home.mkdir()
    sock = f"avault-demo-{os.getpid()}-{shell}"
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TERM": "xterm-256color",
        "PYTHON": sys.executable,
        "LC_ALL": "C.UTF-8",
        # reuse the project venv (it has moto) instead of building the demo venv
        "AVAULT_DEMO_VENV": str(Path(sys.executable).parent.parent),
        "TMPDIR": str(tmp_path),
    }
    cmd = f"sh {INSTALL} --demo --shell {shell}; echo DEMO-EXITED-$?; sleep 30"
    subprocess.run(
        ["tmux", "-L", sock, "new-session", "-d", "-s", "demo", "-x", "160", "-y", "50", cmd],
        env=env,
        check=True,
    )
    try:
        _wait_for(sock, r"avault-demo")
        _tmux(sock, "send-keys", "-t", "demo", "avs prod", "Enter")
        _tmux(sock, "send-keys", "-t", "demo", "aws-whoami", "Enter")
        screen = _wait_for(sock, r"assumed-role/ProdReadOnly/")
        assert "210987654321" in screen
        # The last command fails, so the shell exits with 1: the demo still ends cleanly.
        _tmux(sock, "send-keys", "-t", "demo", "false", "Enter")
        _tmux(sock, "send-keys", "-t", "demo", "exit", "Enter")
        screen = _wait_for(sock, r"DEMO-EXITED-\d")
        assert "DEMO-EXITED-0" in screen
        assert "Error" not in screen
        # the throw-away HOME is gone
        assert not list(tmp_path.glob("avault-demo-*"))
    finally:
        _tmux(sock, "kill-server")


OTHER_AWS_VAULT = "#!/bin/sh\necho 'the other aws-vault'\n"


@pytest.mark.e2e
def test_as_aws_vault_links_the_name_on_request_only(tmp_path: Path, moto) -> None:
    """--as-aws-vault: never by default; refused beside another aws-vault unless --force;
    `credential_process = aws-vault exec -j X` then works through botocore; --uninstall unlinks."""
    home = tmp_path / "user"  # not the fixtures' HOME: install.sh gets its own
    home.mkdir()
    other_bin = tmp_path / "other-bin"
    other_bin.mkdir()
    other = other_bin / "aws-vault"
    other.write_text(OTHER_AWS_VAULT)
    other.chmod(0o755)
    with_other = {"PATH": f"{other_bin}:/usr/local/bin:/usr/bin:/bin"}
    link = home / ".local/bin/aws-vault"

    # Another aws-vault on PATH: refused in one line, before anything is installed.
    r = run_install(home, "--as-aws-vault", "--no-modify-rc", extra=with_other)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert f"another aws-vault is on PATH ({other})" in r.stderr
    assert "--force" in r.stderr
    assert not (home / ".local").exists()

    # A plain install never makes the link.
    r = run_install(home, "--no-modify-rc", extra=with_other)
    assert r.returncode == 0, r.stderr
    assert (home / ".local/bin/avault").is_symlink()
    assert not link.exists()
    assert not link.is_symlink()

    # --force: linked, and the user is told the other one still comes first on PATH.
    r = run_install(home, "--as-aws-vault", "--force", "--no-modify-rc", extra=with_other)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert link.readlink() == home / ".local/share/avault/venv/bin/avault"
    assert f"note: {other} comes first on PATH" in r.stderr

    # What aws-vault users have in ~/.aws/config keeps working, through the real botocore.
    config = tmp_path / "config"
    config.write_text(
        "[profile dev]\nregion = us-east-1\n\n[profile viaproc]\ncredential_process = aws-vault exec -j dev\n"
    )
    env = {
        "HOME": str(home),
        "PATH": f"{home / '.local/bin'}:/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_PASSPHRASE": "pw",
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_ACCESS_KEY_ID": "AKIAAWSVAULTNAME0001",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    r = subprocess.run(
        [str(link), "add", "--env", "--no-add-config", "dev"], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'Added credentials to profile "dev" in vault\n'
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del env[var]
    probe = (
        "import botocore.session; c = botocore.session.Session(profile='viaproc').get_credentials()"
        ".get_frozen_credentials(); print(c.access_key, bool(c.token))"
    )
    r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    key, has_token = r.stdout.split()
    # A GetSessionToken session from moto, through aws-vault exec -j: not the stored key.
    assert (key != "AKIAAWSVAULTNAME0001", has_token) == (True, "True")

    # --uninstall removes the link (and leaves the other aws-vault alone).
    r = run_install(home, "--uninstall", extra=with_other)
    assert r.returncode == 0, r.stderr
    assert not link.exists()
    assert not link.is_symlink()
    assert other.read_text() == OTHER_AWS_VAULT


@pytest.mark.e2e
def test_as_aws_vault_never_replaces_a_file_in_the_bin_dir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bin_dir = home / ".local/bin"
    bin_dir.mkdir(parents=True)
    real = bin_dir / "aws-vault"
    real.write_text(OTHER_AWS_VAULT)
    real.chmod(0o755)
    r = run_install(home, "--as-aws-vault", "--force", "--no-modify-rc")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert "is not avault's link; move it away first" in r.stderr
    assert real.read_text() == OTHER_AWS_VAULT
    assert not (home / ".local/share/avault").exists()
