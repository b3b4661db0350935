"""private_dir: every level it makes is 0700 whatever the umask; what exists is left alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from avault.fsutil import private_dir


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_every_missing_level_is_0700(tmp_path: Path, umask: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    target = shared / "a" / "b" / "c"
    old = os.umask(umask)
    try:
        private_dir(target)
        private_dir(target)  # again: nothing to do
    finally:
        os.umask(old)
    assert [_mode(p) for p in (shared / "a", shared / "a/b", target)] == [0o700] * 3
    assert _mode(shared) == 0o755  # existed: not ours to tighten or loosen


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(OSError):
        private_dir(tmp_path / "f" / "d")
