"""Attacks on what avault shows and leaves behind: the console sign-in token in a browser's
argv, directories another user can write to under a loose umask, and control sequences in
profile names reaching the terminal.

Each test records one ``attack: ...`` row for bench/reliability_report.py: ``trials`` is how
many times the attack was tried, ``failures`` how many times it succeeded (0).
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakes.federation import TOKEN, FakeFederation

from .conftest import AVAULT, avault, record

ROOT = Path(__file__).resolve().parents[2]
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
TOKEN_MARK = TOKEN.split("/", 1)[0].encode()  # "FAKE-SIGNIN-TOKEN": raw and URL-quoted alike
KEYS = {"AWS_ACCESS_KEY_ID": "AKIABASE000000000001", "AWS_SECRET_ACCESS_KEY": "base-secret"}
ROLE_CONFIG = """[profile base]
region = us-east-1

[profile r1]
source_profile = base
role_arn = arn:aws:iam::123456789012:role/r1
"""

# A browser that, while it runs, records its argv, what the page it was given holds and how
# it is protected, whether another user can read it, and every process's argv that holds
# the token (the login process, a cleanup process, anything).
FAKE_BROWSER = r"""
import json, os, stat, subprocess, sys, urllib.parse, urllib.request
out, mark, nobody = sys.argv[1], MARK, NOBODY  # not in our own argv
argv = sys.argv[2:]
seen = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if mark in cmd:
            seen.append(cmd.replace(b"\0", b" ").decode("utf-8", "replace"))
report = {"argv": argv, "token_in_cmdlines": seen}
url = argv[-1]
if url.startswith("file://"):
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    report["page"] = path
    report["page_mode"] = stat.S_IMODE(os.lstat(path).st_mode)
    report["dir_mode"] = stat.S_IMODE(os.lstat(os.path.dirname(path)).st_mode)
    report["page_uid"] = os.lstat(path).st_uid
    with open(path, encoding="utf-8") as f:
        report["content"] = f.read()
    other = subprocess.run([*nobody, "cat", path], capture_output=True)
    report["nobody_read"] = mark in other.stdout
    report["nobody_rc"] = other.returncode
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(report, f)
os.replace(tmp, out)
"""


def _add_keys(env: dict[str, str], profile: str) -> None:
    r = avault(env, "add", "--env", "--no-add-config", profile, extra=KEYS)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def fed(env):
    fake = FakeFederation()
    env["AVAULT_FEDERATION_URL"] = fake.url
    yield fake
    fake.close()


def _wait(path: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def _fake_browser(tmp_path: Path, name: str = "my-browser") -> tuple[str, Path]:
    script = tmp_path / "fake_browser.py"
    script.write_text(f"MARK = {TOKEN_MARK!r}\nNOBODY = {NOBODY!r}\n" + FAKE_BROWSER)
    out = tmp_path / "browser.json"
    wrapper = tmp_path / "bin" / name
    wrapper.parent.mkdir(exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.join([sys.executable, str(script), str(out)])} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper), out


@pytest.mark.parametrize("runtime_dir", [True, False], ids=["XDG_RUNTIME_DIR", "no-XDG_RUNTIME_DIR"])
def test_console_signin_token_never_reaches_an_argv(moto, fed, env, aws_config, home, tmp_path, runtime_dir):  # noqa: PLR0917 - fixtures
    aws_config(ROLE_CONFIG)
    _add_keys(env, "base")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    browser, out = _fake_browser(tmp_path)
    extra = {"BROWSER": browser, "AVAULT_LOGIN_PAGE_SECONDS": "2"}
    if runtime_dir:
        extra["XDG_RUNTIME_DIR"] = str(runtime)
    # A page a crashed run left behind an hour ago is swept by the next login.
    pages = runtime / "avault/login" if runtime_dir else home / ".cache/avault/login"
    pages.mkdir(parents=True, mode=0o700)
    stale = pages / "login-stale.html"
    stale.write_text("old")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))

    r = avault(env, "login", "r1", extra=extra)
    _wait(out)
    report = json.loads(out.read_text())
    succeeded = int(bool(report["token_in_cmdlines"])) + int(bool(report.get("nobody_read")))
    succeeded += int(TOKEN_MARK.decode() in " ".join(report["argv"]))
    record(
        "attack: console sign-in token read from argv or the page by another user",
        trials=3,
        failures=succeeded,
    )

    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert TOKEN_MARK.decode() not in r.stderr
    assert report["token_in_cmdlines"] == []
    [url] = report["argv"]
    assert url.startswith("file:///")
    assert TOKEN_MARK.decode() not in url
    page = Path(report["page"])
    assert page.parent == pages
    assert report["page_mode"] == 0o600
    assert report["dir_mode"] == 0o700
    assert report["page_uid"] == os.getuid()
    assert report["nobody_rc"] != 0
    assert not report["nobody_read"]
    # The page sends the browser on to the sign-in URL, token and all.
    assert f"{fed.url}?Action=login&Issuer=aws-vault&" in report["content"].replace("&amp;", "&")
    assert "SigninToken=FAKE-SIGNIN-TOKEN%2Fwith%2Bodd%3Dchars%26more" in report["content"]
    assert not stale.exists()
    # Gone once the browser has had its time.
    deadline = time.monotonic() + 15
    while page.exists():
        assert time.monotonic() < deadline, "the sign-in page was not removed"
        time.sleep(0.1)
    assert not [p for p in pages.iterdir() if p.name.startswith("login-")]


def test_login_stdout_still_prints_the_url(moto, fed, env, aws_config, tmp_path):
    aws_config(ROLE_CONFIG)
    _add_keys(env, "base")
    r = avault(env, "login", "-s", "r1", extra={"XDG_RUNTIME_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{fed.url}?Action=login&")
    assert "SigninToken=FAKE-SIGNIN-TOKEN" in r.stdout
    assert not (tmp_path / "avault/login").exists()  # nothing written when the user asked for the URL


# -- a loose umask -----------------------------------------------------------------------------


def _under_umask_000(
    env: dict[str, str], *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", 'umask 000; exec "$0" "$@"', AVAULT, *args],
        env={**env, **(extra or {})},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_umask_000_leaves_nothing_writable_or_readable_by_others(moto, sso, fed, env, home, tmp_path):  # noqa: PLR0917 - fixtures
    from fixtures.sso import SSO_CONFIG  # noqa: PLC0415

    (home / ".aws").rmdir()  # a fresh HOME: avault creates everything below it
    r = _under_umask_000(env, "add", "--env", "base", extra=KEYS)
    assert r.returncode == 0, r.stderr
    with (home / ".aws/config").open("a") as f:  # avault made the file; we only append
        f.write(
            "region = us-east-1\n\n" + SSO_CONFIG + "\n[profile r1]\nsource_profile = base\n"
            "role_arn = arn:aws:iam::123456789012:role/r1\n"
        )
    # bash's completion stamp directory, with no XDG_RUNTIME_DIR: ~/.cache/avault.
    shell_env = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"}
    r = subprocess.run(
        ["bash", "-c", f"umask 000; source {ROOT / 'shell/bash/avs.bash'}; __avs_prof_load"],
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert list((home / ".cache/avault").glob("bash-complete.*"))
    r = _under_umask_000(env, "exec", "r1", "--", "true")
    assert r.returncode == 0, r.stderr
    r = _under_umask_000(env, "export", "--format", "json", "sso-prod")  # SSO device login
    assert r.returncode == 0, r.stderr
    browser, out = _fake_browser(tmp_path, "chromium")
    r = _under_umask_000(env, "login", "--browser-profile", "work", "r1", extra={"BROWSER": browser})
    assert r.returncode == 0, r.stderr
    _wait(out)

    loose = []
    checked = 0
    for p in home.rglob("*"):
        checked += 1
        mode = stat.S_IMODE(p.lstat().st_mode)
        if mode != (0o700 if p.is_dir() else 0o600):
            loose.append(f"{p} {mode:03o}")
    record(
        "attack: files and directories open to others under umask 000", trials=checked, failures=len(loose)
    )
    assert checked > 10
    for must in (
        ".aws",
        ".aws/sso",
        ".aws/sso/cache",
        ".awsvault",
        ".awsvault/keys",
        ".local/share/avault/browser",
        ".cache/avault/login",
    ):
        assert (home / must).is_dir(), must
    assert loose == []


def test_doctor_flags_a_world_writable_aws_dir(env, home, aws_config):
    aws_config("[profile a]\nregion = us-east-1\n")
    (home / ".aws").chmod(0o777)
    (home / ".aws/sso/cache").mkdir(parents=True, mode=0o700)
    (home / ".aws/sso/cache").chmod(0o733)
    r = avault(env, "doctor")
    assert r.returncode == 1
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL")]
    assert any("~/.aws " in ln and "777" in ln and "chmod 700 ~/.aws" in ln for ln in lines), r.stdout
    assert any("~/.aws/sso/cache" in ln and "733" in ln for ln in lines), r.stdout
    (home / ".aws").chmod(0o755)  # readable by others is fine for ~/.aws: nobody else can write it
    (home / ".aws/sso/cache").chmod(0o700)
    r = avault(env, "doctor")
    assert not [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL") and "writable" in ln], r.stdout


# -- control sequences in profile names ----------------------------------------------------------

# Clear screen, bell, C1 CSI (a one-character ESC [), right-to-left override; the config
# cannot hold a CR or LF in a name, the vault can (CR + ESC [ 2 K rewrites the line).
HOSTILE = "evil\x1b[2J\x07\x9b31m\u202eend"
HOSTILE_STORED = "keys\r\x1b[2Kfake\x7f"
HOSTILE_KEY = "colour\x1b]0;pwned\x07"  # an unknown key that rewrites the window title


def _raw_controls(data: bytes) -> list[str]:
    """Every control or bidi character in ``data`` except the newline ending each line."""
    text = data.decode("utf-8", "replace")
    return [
        repr(c)
        for c in text
        if (ord(c) < 0x20 and c != "\n")
        or 0x7F <= ord(c) < 0xA0
        or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    ]


def _bytes_run(
    env: dict[str, str], *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [AVAULT, *args],
        env={**env, **(extra or {})},
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_control_characters_in_names_never_reach_the_terminal(moto, env, aws_config, home):
    aws_config(
        f"[profile {HOSTILE}]\nregion = us-east-1\n{HOSTILE_KEY} = 1\n\n[profile ok]\nregion = us-east-1\n"
    )
    for name in (HOSTILE, HOSTILE_STORED):
        _add_keys(env, name)
    # A credentials file section without its secret: `import` warns that it skips it.
    (home / ".aws/credentials").write_text(f"[{HOSTILE}]\naws_access_key_id = AKIAHALF000000000001\n")

    outputs = {
        "list": _bytes_run(env, "list"),
        "error": _bytes_run(env, "export", "--format", "json", HOSTILE + "-missing"),
        "error (stored)": _bytes_run(env, "exec", HOSTILE_STORED + "x", "--", "true"),
        "doctor": _bytes_run(env, "doctor"),
        "warning": _bytes_run(env, "import"),
    }
    raw = {what: _raw_controls(r.stdout + r.stderr) for what, r in outputs.items()}
    record(
        "attack: control sequences in profile names reach the terminal",
        trials=len(outputs),
        failures=sum(bool(v) for v in raw.values()),
    )
    assert raw == {what: [] for what in outputs}
    listing = outputs["list"].stdout.decode()
    assert "evil\\x1b[2J\\x07\\x9b31m\\u202eend" in listing
    assert "keys\\x0d\\x1b[2Kfake\\x7f" in listing
    assert outputs["error"].returncode != 0
    assert "evil\\x1b[2J\\x07\\x9b31m\\u202eend-missing" in outputs["error"].stderr.decode()
    assert outputs["error"].stdout == b""
    assert "keys\\x0d\\x1b[2Kfake\\x7fx" in outputs["error (stored)"].stderr.decode()
    assert "colour\\x1b]0;pwned\\x07" in outputs["doctor"].stdout.decode()
    assert 'Skipped "evil\\x1b[2J\\x07\\x9b31m\\u202eend"' in outputs["warning"].stderr.decode()
    # One-a-line lists: escaped on a terminal, exact for a script reading a pipe.
    on_tty = _on_a_terminal(env, "list", "--profiles")
    assert _raw_controls(on_tty.replace(b"\r\n", b"\n")) == []
    assert "evil\\x1b[2J\\x07\\x9b31m\\u202eend" in on_tty.decode()
    profiles = _bytes_run(env, "list", "--profiles").stdout.decode().splitlines()
    assert HOSTILE in profiles


def _on_a_terminal(env: dict[str, str], *args: str) -> bytes:
    """What ``avault ARGS`` writes to a real terminal (a pty as its stdout and stderr)."""
    import pty  # noqa: PLC0415

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [AVAULT, *args], env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(master)
    return b"".join(chunks)


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_avs_status_escapes_what_export_put_in_the_shell(moto, env, aws_config, shell):
    from fixtures.shells import run_shell  # noqa: PLC0415

    aws_config(f"[profile {HOSTILE}]\nregion = us-east-1\n")
    _add_keys(env, HOSTILE)
    script = {
        "zsh": 'eval "$(avault export --format zsh -- "$EVIL")"; avs -s',
        "bash": 'eval "$(avault export --format bash -- "$EVIL")"; avs -s',
        "fish": 'avault export --format fish -- "$EVIL" | source; avs -s',
    }[shell]
    r = run_shell(shell, script, {**env, "EVIL": HOSTILE})
    raw = _raw_controls((r.stdout + r.stderr).encode())
    record(
        "attack: control sequences in profile names reach the terminal",
        trials=1,
        failures=int(bool(raw)),
    )
    assert r.returncode == 0, r.stderr
    assert "profile  evil?[2J??31m?end\n" in r.stdout
    assert raw == []
