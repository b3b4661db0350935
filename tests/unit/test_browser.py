"""avault.browser: $BROWSER as webbrowser reads it, shared by console login and SSO."""

from __future__ import annotations

import os
import time
from pathlib import Path

from avault.browser import browser_commands, open_url


def test_unparsable_entries_are_skipped_not_a_traceback() -> None:
    env = {"BROWSER": f"firefox 'unbalanced{os.pathsep}chromium --incognito"}
    assert browser_commands(env) == [["chromium", "--incognito"]]


def _recorder(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "argv.log"
    script = tmp_path / "browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    script.chmod(0o755)
    return script, log


def _wait(path: Path) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError("the browser script never ran")


def test_url_appended_or_put_in_place_of_percent_s(tmp_path: Path) -> None:
    script, log = _recorder(tmp_path)
    assert open_url({"BROWSER": str(script), "PATH": "/usr/bin:/bin"}, "https://x/?a=1")
    assert _wait(log) == "https://x/?a=1\n"
    log.unlink()
    assert open_url({"BROWSER": f"{script} --new-tab=%s --flag", "PATH": "/usr/bin:/bin"}, "https://y/")
    assert _wait(log) == "--new-tab=https://y/\n--flag\n"


def test_a_browser_that_cannot_start_is_reported(tmp_path: Path) -> None:
    assert not open_url({"BROWSER": str(tmp_path / "missing")}, "https://x/")
