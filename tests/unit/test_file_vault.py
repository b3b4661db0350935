"""The encrypted-file backend: aws-vault's layout, atomic writes, and every way a file goes bad."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from jwcrypto import jwe as jw_jwe
from jwcrypto import jwk as jw_jwk

from avault.errors import VaultError
from avault.vault import file as filemod
from avault.vault import jwe
from avault.vault.base import Item
from avault.vault.file import FileVault, decode_name, encode_name

DATA = Path(__file__).resolve().parent.parent / "data"
PW = "correct horse battery staple"


class Provider:
    def __init__(self, passphrase: str = PW) -> None:
        self.passphrase = passphrase
        self.calls: list[bool] = []

    def __call__(self, new_vault: bool) -> str:
        self.calls.append(new_vault)
        return self.passphrase


def _refuse(_new: bool) -> str:
    raise AssertionError("the passphrase was asked for")


def _vault(d: Path, provider=None, warnings: list[str] | None = None) -> FileVault:
    return FileVault(d, provider or Provider(), warn=(warnings.append if warnings is not None else None))


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.exists() else {}


def _cred(key: str) -> Item:
    return Item(key=key, data=b'{"AccessKeyID":"AKIA","SecretAccessKey":"s"}', label=f"aws-vault ({key})")


@pytest.fixture
def vdir(tmp_path: Path) -> Path:
    return tmp_path / "awsvault" / "keys"


# -- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("work", "work"),
        ("abc/.././123", "abc%2F..%2F.%2F123"),
        ("oidc:https://example.awsapps.com/start", "oidc:https:%2F%2Fexample.awsapps.com%2Fstart"),
        ("sts.GetSessionToken,d29yaw,,1700000000", "sts.GetSessionToken,d29yaw,,1700000000"),
        ("100%", "100%25"),
        ("a b,c=d-e_f", "a b,c=d-e_f"),
        ("ends/", "ends%2F"),
    ],
)
def test_file_names_follow_aws_vault(key: str, name: str):
    assert encode_name(key) == name
    assert decode_name(name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [("a%2f", "a/"), ("%zz", "%zz"), ("a%2", "a%2"), ("a%", "a%"), ("%41%42", "AB"), ("%E2%98%83", "☃")],
)
def test_decoding_is_lenient_like_mtibben_percent(name: str, key: str):
    assert decode_name(name) == key


# -- layout, modes, locking --------------------------------------------------------------


def test_write_layout_and_modes(vdir: Path):
    old = os.umask(0)
    try:
        _vault(vdir).set(_cred("work"))
    finally:
        os.umask(old)
    assert sorted(p.name for p in vdir.iterdir()) == ["work"]
    assert stat.S_IMODE(vdir.stat().st_mode) == 0o700
    assert stat.S_IMODE(vdir.parent.stat().st_mode) == 0o700  # mkdir -p parents too
    assert stat.S_IMODE((vdir / "work").stat().st_mode) == 0o600
    # The lock lives beside the directory, where aws-vault never lists it.
    assert (vdir.parent / ".keys.lock").exists()
    assert not any(p.name.startswith(".keys.tmp-") for p in vdir.parent.iterdir())
    token = (vdir / "work").read_text()
    assert token.count(".") == 4
    assert json.loads(jwe.decrypt(token, PW))["Key"] == "work"


def test_stale_temp_files_are_cleaned_and_never_listed(vdir: Path):
    v = _vault(vdir)
    v.set(_cred("a"))
    (vdir.parent / ".keys.tmp-deadbeef").write_text("half-written")
    (vdir / ".avault-tmp-0123").write_text("half-written")
    assert v.keys() == ["a"]
    v.set(_cred("b"))
    assert not (vdir.parent / ".keys.tmp-deadbeef").exists()
    assert not (vdir / ".avault-tmp-0123").exists()
    assert v.keys() == ["a", "b"]


def test_listing_needs_no_passphrase(vdir: Path):
    _vault(vdir).set(_cred("work"))
    _vault(vdir).set(_cred("sts.GetSessionToken,d29yaw,,1700000000"))
    assert _vault(vdir, _refuse).keys() == ["sts.GetSessionToken,d29yaw,,1700000000", "work"]
    assert _vault(vdir, _refuse).delete("work") is True


def test_missing_dir_lists_empty_and_is_not_created(vdir: Path):
    assert _vault(vdir, _refuse).keys() == []
    assert _vault(vdir, _refuse).get("x") is None
    assert not vdir.exists()


def test_passphrase_asked_once_and_new_vault_flagged(vdir: Path):
    p = Provider()
    v = _vault(vdir, p)
    v.set(_cred("a"))
    v.set(_cred("b"))
    v.get("a")
    v.get("b")
    assert p.calls == [True]
    p2 = Provider()
    _vault(vdir, p2).get("a")
    assert p2.calls == [False]


def test_path_is_a_file(tmp_path: Path):
    f = tmp_path / "keys"
    f.write_text("not a dir")
    with pytest.raises(VaultError, match="is a file, not a directory"):
        _vault(f).set(_cred("a"))
    with pytest.raises(VaultError, match="is a file, not a directory"):
        _vault(f).keys()


def test_loose_permissions_warn_once_with_the_fix(vdir: Path):
    _vault(vdir).set(_cred("a"))
    vdir.chmod(0o755)
    filemod._warned.clear()
    warnings: list[str] = []
    v = _vault(vdir, warnings=warnings)
    assert v.get("a") is not None
    v.keys()
    assert len(warnings) == 1
    assert "\n" not in warnings[0]
    assert f"chmod 700 {vdir}" in warnings[0]


def test_symlinked_item_is_refused(vdir: Path, tmp_path: Path):
    v = _vault(vdir)
    v.set(_cred("real"))
    outside = tmp_path / "elsewhere"
    shutil.copy(vdir / "real", outside)
    (vdir / "real").unlink()
    (vdir / "real").symlink_to(outside)
    with pytest.raises(VaultError, match="symbolic link"):
        _vault(vdir).get("real")


def test_an_item_is_read_whole_up_to_the_size_limit(vdir: Path, monkeypatch: pytest.MonkeyPatch):
    v = _vault(vdir)
    v.set(_cred("real"))
    size = (vdir / "real").stat().st_size
    monkeypatch.setattr(filemod, "_MAX_ITEM_BYTES", size)
    assert _vault(vdir).get("real") == _cred("real")  # exactly at the limit: read whole
    monkeypatch.setattr(filemod, "_MAX_ITEM_BYTES", size - 1)
    with pytest.raises(VaultError, match="file too large"):
        _vault(vdir).get("real")


# -- bad input: one clear error, nothing changed ------------------------------------------


def _three_items(vdir: Path) -> None:
    v = _vault(vdir)
    for k in ("a", "b", "c"):
        v.set(_cred(k))


def test_wrong_passphrase(vdir: Path):
    _three_items(vdir)
    before = _snapshot(vdir)
    p = Provider("not it")
    v = _vault(vdir, p)
    with pytest.raises(VaultError, match=f"^wrong passphrase for vault {vdir}; ") as e:
        v.get("a")
    assert "\n" not in str(e.value)
    with pytest.raises(VaultError, match=r"^wrong passphrase"):
        v.set(_cred("new"))
    with pytest.raises(VaultError, match=r"^wrong passphrase"):
        v.set(_cred("a"))
    assert p.calls == [False]  # one try, no loop
    assert _snapshot(vdir) == before


def _mangle(path: Path, segment: int) -> None:
    segs = path.read_text().split(".")
    raw = bytearray(jwe.b64url_decode(segs[segment]))
    raw[len(raw) // 2] ^= 0x04
    segs[segment] = jwe.b64url_encode(bytes(raw))
    path.write_text(".".join(segs))


@pytest.mark.parametrize("segment", [1, 2, 3, 4])
def test_flipped_bit_is_reported_by_name(vdir: Path, segment: int):
    _three_items(vdir)
    _mangle(vdir / "b", segment)
    before = _snapshot(vdir)
    v = _vault(vdir)
    with pytest.raises(VaultError, match=r"^vault item b is corrupt or was tampered with") as e:
        v.get("b")
    assert "wrong passphrase" not in str(e.value)
    assert v.get("a") is not None  # the others still open
    assert _snapshot(vdir) == before


def test_truncated_file_is_reported_by_name(vdir: Path):
    _three_items(vdir)
    token = (vdir / "c").read_text()
    (vdir / "c").write_text(token[: len(token) - 30])
    before = _snapshot(vdir)
    with pytest.raises(VaultError, match=r"^vault item c is corrupt or was tampered with"):
        _vault(vdir, _refuse).get("c")  # malformed: no passphrase needed to say so
    (vdir / "c").write_text(token[:10])
    with pytest.raises(VaultError, match=r"^vault item c is corrupt"):
        _vault(vdir).get("c")
    (vdir / "c").write_text(token[:10])
    assert _snapshot(vdir) == {**before, "c": token[:10].encode()}


def test_swapped_file_is_reported_not_used(vdir: Path):
    v = _vault(vdir)
    v.set(Item(key="prod", data=b'{"AccessKeyID":"PROD"}'))
    v.set(Item(key="dev", data=b'{"AccessKeyID":"DEV"}'))
    (vdir / "dev").unlink()
    shutil.copy(vdir / "prod", vdir / "dev")
    with pytest.raises(VaultError, match="vault item dev holds the key 'prod', not 'dev'"):
        _vault(vdir).get("dev")


def test_absurd_p2c_is_a_named_error(vdir: Path):
    _three_items(vdir)
    segs = (vdir / "a").read_text().split(".")
    hdr = json.loads(jwe.b64url_decode(segs[0]))
    hdr["p2c"] = 10**9
    segs[0] = jwe.b64url_encode(json.dumps(hdr).encode())
    (vdir / "a").write_text(".".join(segs))
    with pytest.raises(VaultError, match=r"^vault item a is corrupt.*exceeds the limit"):
        _vault(vdir).get("a")


# -- interop -------------------------------------------------------------------------------


def test_reads_a_jwcrypto_written_item(vdir: Path):
    vdir.mkdir(parents=True)
    item = _cred("team/admin")
    t = jw_jwe.JWE(
        item.to_json().encode(),
        protected=json.dumps({"alg": "PBES2-HS256+A128KW", "enc": "A256GCM", "p2c": 8192}),
    )
    t.add_recipient(jw_jwk.JWK.from_password(PW))
    (vdir / "team%2Fadmin").write_text(t.serialize(compact=True))
    v = _vault(vdir)
    assert v.keys() == ["team/admin"]
    got = v.get("team/admin")
    assert got == item


def test_written_item_decrypts_with_jwcrypto(vdir: Path):
    _vault(vdir).set(_cred("team/admin"))
    t = jw_jwe.JWE()
    t.deserialize((vdir / "team%2Fadmin").read_text(), key=jw_jwk.JWK.from_password(PW))
    assert Item.from_json(t.payload, where="x") == _cred("team/admin")


def test_reads_the_fixed_file(vdir: Path):
    vdir.mkdir(parents=True)
    shutil.copy(DATA / "fixed%2Fprofile%251", vdir)
    v = _vault(vdir, Provider("fixed test passphrase \u00e9"))
    assert v.keys() == ["fixed/profile%1"]
    got = v.get("fixed/profile%1")
    assert got is not None
    assert json.loads(got.data) == {"AccessKeyID": "AKIAFIXEDEXAMPLE", "SecretAccessKey": "fixed+secret/é"}


def test_one_item_read_is_fast(vdir: Path, capsys: pytest.CaptureFixture[str]):
    _vault(vdir).set(_cred("work"))
    jwe._kek_cache.clear()
    start = time.perf_counter()
    assert _vault(vdir).get("work") is not None
    elapsed = (time.perf_counter() - start) * 1000
    with capsys.disabled():
        print(f"\n[file vault] one item read, cold KEK: {elapsed:.1f} ms")
    assert elapsed < 200


# -- process-level checks --------------------------------------------------------------------


def test_import_is_light():
    code = (
        "import sys, avault.vault.file\n"
        "bad = [m for m in ('boto3', 'botocore', 'keyring', 'cryptography') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == ""


def test_cli_wrong_passphrase_one_line_nothing_changed(run_avault, env: dict[str, str]):
    assert (
        run_avault(
            "add",
            "--env",
            "--no-add-config",
            "a",
            extra_env={"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s1"},
        ).returncode
        == 0
    )
    d = Path(env["AWS_VAULT_FILE_DIR"])
    before = _snapshot(d)
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        "b",
        extra_env={
            "AWS_ACCESS_KEY_ID": "AKIA2",
            "AWS_SECRET_ACCESS_KEY": "s2",
            "AWS_VAULT_FILE_PASSPHRASE": "nope",
        },
    )
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [r.stderr.strip()]
    assert r.stderr.startswith(f"avault: wrong passphrase for vault {d}; ")
    assert _snapshot(d) == before


def test_cli_wrong_passphrase_on_a_real_tty_is_asked_once(run_avault, env: dict[str, str]):
    run_avault(
        "add",
        "--env",
        "--no-add-config",
        "a",
        extra_env={"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s1"},
        check=True,
    )
    d = Path(env["AWS_VAULT_FILE_DIR"])
    before = _snapshot(d)
    e = {k: v for k, v in env.items() if k != "AWS_VAULT_FILE_PASSPHRASE"}
    e.update(AWS_ACCESS_KEY_ID="AKIA2", AWS_SECRET_ACCESS_KEY="s2")
    child = pexpect.spawn(
        "avault", ["add", "--env", "--no-add-config", "b"], env=e, encoding="utf-8", timeout=20
    )
    child.expect_exact(f'Enter passphrase to unlock "{d}": ')
    child.sendline("wrong wrong")
    child.expect_exact(f"avault: wrong passphrase for vault {d}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "Enter passphrase" not in (child.before or "")
    assert _snapshot(d) == before
