"""The JWE codec: aws-vault's on-disk format, checked against an independent implementation."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from jwcrypto import jwe as jw_jwe
from jwcrypto import jwk as jw_jwk

from avault import errors
from avault.vault import jwe
from avault.vault.base import Item

DATA = Path(__file__).resolve().parent.parent / "data"
FIXED_FILE = DATA / "fixed%2Fprofile%251"
FIXED_PASSPHRASE = "fixed test passphrase \u00e9"
FIXED_PLAINTEXT = (
    '{"Key":"fixed/profile%1","Data":"eyJBY2Nlc3NLZXlJRCI6IkFLSUFGSVhFREVYQU1QTEUiLCJTZWNyZXRBY2Nlc3NLZXkiOi'
    'JmaXhlZCtzZWNyZXQvw6kifQ==","Label":"aws-vault (fixed/profile%1)","Description":"",'
    '"KeychainNotTrustApplication":false,"KeychainNotSynchronizable":false}'
)


def _header(token: str) -> dict:
    seg = token.split(".", maxsplit=1)[0]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def _jwcrypto_encrypt(plaintext: bytes, passphrase: str, **header: object) -> str:
    hdr = {"alg": "PBES2-HS256+A128KW", "enc": "A256GCM", "p2c": 8192, **header}
    t = jw_jwe.JWE(plaintext, protected=json.dumps(hdr))
    t.add_recipient(jw_jwk.JWK.from_password(passphrase))
    return t.serialize(compact=True)


def test_header_shape_matches_aws_vault():
    token = jwe.encrypt(b"x", "pw")
    segs = token.split(".")
    assert len(segs) == 5
    assert all("=" not in s for s in segs)
    raw = base64.urlsafe_b64decode(segs[0] + "=" * (-len(segs[0]) % 4)).decode()
    hdr = json.loads(raw)
    assert list(hdr) == ["alg", "created", "enc", "p2c", "p2s"]  # Go map order: sorted keys
    assert hdr["alg"] == "PBES2-HS256+A128KW"
    assert hdr["enc"] == "A256GCM"
    assert hdr["p2c"] == 8192
    assert len(jwe.b64url_decode(hdr["p2s"])) == 12
    assert len(jwe.b64url_decode(segs[1])) == 40  # AES-KW of a 32-byte CEK
    assert len(jwe.b64url_decode(segs[2])) == 12
    assert len(jwe.b64url_decode(segs[4])) == 16


def test_fresh_salt_iv_and_cek_per_token():
    a, b = jwe.encrypt(b"same", "pw"), jwe.encrypt(b"same", "pw")
    assert _header(a)["p2s"] != _header(b)["p2s"]
    assert a.split(".")[1:] != b.split(".")[1:]


@pytest.mark.parametrize("plaintext", [b"", b"x", "ünï ☃ \u0000 \"'\\".encode(), b"A" * 1_000_000])
def test_round_trip(plaintext: bytes):
    assert jwe.decrypt(jwe.encrypt(plaintext, "pässwörd"), "pässwörd") == plaintext


def test_avault_token_decrypts_with_jwcrypto():
    token = jwe.encrypt(b'{"hello":"world"}', "interop pw")
    t = jw_jwe.JWE()
    t.deserialize(token, key=jw_jwk.JWK.from_password("interop pw"))
    assert t.payload == b'{"hello":"world"}'


def test_jwcrypto_token_is_read_by_avault():
    token = _jwcrypto_encrypt(b"from jwcrypto", "interop pw")
    assert jwe.decrypt(token, "interop pw") == b"from jwcrypto"


def test_jwcrypto_token_with_other_p2c_is_read():
    token = _jwcrypto_encrypt(b"other count", "pw", p2c=1000)
    assert jwe.decrypt(token, "pw") == b"other count"


def test_fixed_file_committed_in_tests_data():
    """A format change (KDF salt, AAD, key wrap, field order) can never pass unnoticed."""
    token = FIXED_FILE.read_text()
    assert jwe.decrypt(token, FIXED_PASSPHRASE).decode() == FIXED_PLAINTEXT
    item = Item.from_json(FIXED_PLAINTEXT, where="fixed")
    assert item.key == "fixed/profile%1"
    assert json.loads(item.data)["SecretAccessKey"] == "fixed+secret/é"


def test_aad_is_the_header_segment_as_written():
    token = jwe.encrypt(b"payload", "pw")
    hdr, *rest = token.split(".")
    # Same JSON, re-encoded with padding: the header decodes the same, the AAD differs.
    reencoded = base64.urlsafe_b64encode(jwe.b64url_decode(hdr)).decode().rstrip("=") + " "
    with pytest.raises(errors.JWEError):
        jwe.decrypt(".".join([reencoded.strip() + "A", *rest]), "pw")


def test_wrong_passphrase_is_an_unwrap_error():
    with pytest.raises(errors.KeyUnwrapError):
        jwe.decrypt(jwe.encrypt(b"x", "right"), "wrong")


@pytest.mark.parametrize("segment", [2, 3, 4])
def test_flipped_content_bit_is_a_decrypt_error(segment: int):
    token = jwe.encrypt(b"some secret content", "pw")
    segs = token.split(".")
    raw = bytearray(jwe.b64url_decode(segs[segment]))
    raw[0] ^= 0x01
    segs[segment] = jwe.b64url_encode(bytes(raw))
    with pytest.raises(errors.DecryptError):
        jwe.decrypt(".".join(segs), "pw")


def test_flipped_wrapped_key_bit_is_an_unwrap_error():
    segs = jwe.encrypt(b"x", "pw").split(".")
    raw = bytearray(jwe.b64url_decode(segs[1]))
    raw[5] ^= 0x80
    segs[1] = jwe.b64url_encode(bytes(raw))
    with pytest.raises(errors.KeyUnwrapError):
        jwe.decrypt(".".join(segs), "pw")


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[: len(t) // 2], None),
        (lambda t: t.rsplit(".", 1)[0], "segments"),
        (lambda t: "!!!" + t, "header"),
        (lambda t: t.replace(".", "..", 1), "segments"),
        (lambda t: "", "segments"),
    ],
)
def test_malformed_tokens(mangle, reason: str | None):
    token = jwe.encrypt(b"x", "pw")
    with pytest.raises(errors.JWEError, match=reason):
        jwe.decrypt(mangle(token), "pw")


def test_absurd_p2c_is_refused_before_any_kdf_work():
    token = _jwcrypto_encrypt(b"x", "pw", p2c=2)  # cheap to make; then lie about p2c
    hdr = _header(token)
    hdr["p2c"] = 2_000_000_000
    seg = jwe.b64url_encode(json.dumps(hdr).encode())
    start = time.perf_counter()
    with pytest.raises(errors.BadHeaderError, match="exceeds the limit of 1300000"):
        jwe.decrypt(".".join([seg, *token.split(".")[1:]]), "pw")
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    "change", [{"alg": "dir"}, {"enc": "A128GCM"}, {"p2c": 0}, {"p2c": "8192"}, {"zip": "DEF"}]
)
def test_unsupported_headers(change: dict):
    token = jwe.encrypt(b"x", "pw")
    hdr = {**_header(token), **change}
    seg = jwe.b64url_encode(json.dumps(hdr).encode())
    with pytest.raises(errors.BadHeaderError):
        jwe.decrypt(".".join([seg, *token.split(".")[1:]]), "pw")


def test_kek_is_cached_per_salt():
    token = jwe.encrypt(b"x", "cache pw", p2c=200_000)
    jwe._kek_cache.clear()
    start = time.perf_counter()
    jwe.decrypt(token, "cache pw")
    first = time.perf_counter() - start
    start = time.perf_counter()
    jwe.decrypt(token, "cache pw")
    second = time.perf_counter() - start
    assert second < first / 3


def test_fast_aesgcm_is_cryptographys_public_class() -> None:
    """jwe takes AESGCM from the Rust binding to skip the ciphers package's import cost."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    from avault.vault.jwe import aesgcm_class  # noqa: PLC0415

    assert aesgcm_class() is AESGCM


def test_decrypt_does_not_import_the_ciphers_package() -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    code = (
        "import sys; from avault.vault import jwe; t = jwe.encrypt(b'x', 'pw'); "
        "assert jwe.decrypt(t, 'pw') == b'x'; "
        "print('cryptography.hazmat.primitives.ciphers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
