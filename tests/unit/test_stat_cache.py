"""fsutil.StatCache (the agent's): reused only while the stat is unchanged and settled.

Each test lets a file settle (``settle`` scaled down to 0.2 s, the agent's is 2 s), then
changes it the ways an editor, rsync or another avault do, and checks the next read sees it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from avault.config.ini import ConfigFile
from avault.fsutil import StatCache
from avault.vault.base import Item
from avault.vault.file import FileVault

SETTLE = 0.2
PW = "stat cache passphrase"


class Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.reads = 0

    def __call__(self) -> bytes:
        self.reads += 1
        return self.path.read_bytes()


def settle() -> None:
    time.sleep(SETTLE + 0.1)


def rewrite_in_place(path: Path, data: bytes) -> None:
    """Same size, same mtime (as ``touch -r`` or ``rsync -t`` leave it): only ctime moves."""
    before = path.stat()
    assert len(data) == before.st_size
    with path.open("r+b") as f:
        f.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_a_file_that_just_changed_is_read_every_time(tmp_path: Path) -> None:
    # Two writes within one tick of the kernel's coarse clock leave the same stat: until the
    # file has been still for `settle`, nothing read from it is remembered.
    path = tmp_path / "f"
    path.write_bytes(b"one")
    cache, read = StatCache(settle=SETTLE), Reader(path)
    assert [cache.get(path, "t", read) for _ in range(3)] == [b"one"] * 3
    assert read.reads == 3
    assert len(cache) == 0


def test_a_settled_file_is_read_once_and_every_change_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"one")
    settle()
    cache, read = StatCache(settle=SETTLE), Reader(path)
    assert [cache.get(path, "t", read) for _ in range(3)] == [b"one"] * 3
    assert read.reads == 1
    rewrite_in_place(path, b"two")  # same size, same mtime
    assert cache.get(path, "t", read) == b"two"
    settle()
    assert cache.get(path, "t", read) == b"two"
    new = tmp_path / "new"
    new.write_bytes(b"six")
    os.utime(new, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    new.replace(path)  # renamed over it: another inode
    assert cache.get(path, "t", read) == b"six"
    settle()
    cache.get(path, "t", read)
    path.chmod(0o600)
    reads = read.reads
    assert cache.get(path, "t", read) == b"six"
    assert read.reads == reads + 1  # a mode change moves ctime: read again
    path.unlink()
    assert cache.get(path, "t", lambda: b"gone") == b"gone"  # never served once it is gone
    assert len(cache) == 0


def test_drop_forgets_everything(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"one")
    settle()
    cache, read = StatCache(settle=SETTLE), Reader(path)
    cache.get(path, "t", read)
    cache.drop()
    cache.get(path, "t", read)
    assert read.reads == 2


def test_a_config_edited_in_place_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile a]\nregion = eu-west-1\n")
    settle()
    cache = StatCache(settle=SETTLE)
    first = ConfigFile.load(path, home=tmp_path, cache=cache)
    assert ConfigFile.load(path, home=tmp_path, cache=cache) is first  # reused
    rewrite_in_place(path, b"[profile a]\nregion = us-east-1\n")
    again = ConfigFile.load(path, home=tmp_path, cache=cache)
    assert (again.section("a") or {})["region"] == "us-east-1"
    # Another HOME shows the file under another name: not the same parse.
    other = ConfigFile.load(path, home=tmp_path / "elsewhere", cache=cache)
    assert other is not again


def test_the_vault_listing_follows_other_processes(tmp_path: Path) -> None:
    vdir = tmp_path / "keys"
    other = FileVault(vdir, lambda _new: PW)  # another process: no cache
    other.set(Item(key="a", data=b'{"AccessKeyID":"AKIA1","SecretAccessKey":"s"}'))
    settle()
    cache = StatCache(settle=SETTLE)
    agent = FileVault(vdir, lambda _new: PW, listings=cache)
    assert agent.keys() == ["a"]
    assert len(cache) == 1
    other.set(Item(key="b/c", data=b'{"AccessKeyID":"AKIA2","SecretAccessKey":"s"}'))
    assert agent.keys() == ["a", "b/c"]
    settle()
    assert agent.keys() == ["a", "b/c"]
    assert other.delete("a")
    assert agent.keys() == ["b/c"]
    assert agent.get("a") is None
    # Rewritten in place (the directory does not change): the item is read from disk anyway.
    settle()
    assert agent.keys() == ["b/c"]
    path = vdir / "b%2Fc"
    token = FileVault(tmp_path / "scratch", lambda _new: PW)
    token.set(Item(key="b/c", data=b'{"AccessKeyID":"AKIA3","SecretAccessKey":"s"}'))
    path.write_bytes((tmp_path / "scratch" / "b%2Fc").read_bytes())
    item = agent.get("b/c")
    assert item is not None
    assert b"AKIA3" in item.data
