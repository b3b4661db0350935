"""JWE compact serialization, PBES2-HS256+A128KW key wrapping with A256GCM content encryption.

This is exactly the format 99designs/keyring's file backend writes through jose2go, so
one ``~/.awsvault/keys`` directory serves aws-vault and avault both ways:

* ``HEADER.ENCRYPTED_KEY.IV.CIPHERTEXT.TAG``, five base64url segments without padding;
* header JSON with sorted keys: ``alg``, ``created``, ``enc``, ``p2c``, ``p2s``;
* KEK = PBKDF2-HMAC-SHA256(passphrase, ``alg`` + NUL + p2s, p2c, 16 bytes) (RFC 7518 §4.8);
* the 32-byte CEK is AES-key-wrapped (RFC 3394) under the KEK;
* AES-256-GCM with a 12-byte IV; the AAD is the header segment's ASCII bytes as written.

Only ``cryptography`` primitives are used, imported when first needed, so importing this
module costs nothing. Derived KEKs are cached per (passphrase, salt, p2c) in-process,
because PBKDF2 is the slow step and a process may read one item several times.

``encrypt_with``/``decrypt_with`` take a ``KekFunction`` instead of a passphrase, so a
holder of the passphrase (the agent, see avault.vault.passphrase_agent) can keep its own KEK cache per
(salt, p2c) and forget it on ``lock`` instead of filling the module-wide one.
"""

from __future__ import annotations

import binascii
import json
import os
import time

from avault import b64
from avault.errors import BadHeaderError, DecryptError, JWEError, KeyUnwrapError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    #: ``kek_for(p2s, p2c) -> 16-byte KEK`` for the passphrase its owner holds.
    KekFunction = Callable[[bytes, int], bytes]

ALG = "PBES2-HS256+A128KW"
ENC = "A256GCM"
DEFAULT_P2C = 8192
# jose2go (>= v1.6) refuses more than this for PBES2-HS256; a bigger count is an attack
# (PBKDF2 as a CPU sink) or corruption, never something aws-vault wrote.
MAX_P2C = 1_300_000
_SALT_BYTES = 12
_KEK_BYTES = 16
_CEK_BYTES = 32
_IV_BYTES = 12
_TAG_BYTES = 16


class Header:
    """The parts of a protected header avault uses (a plain class: dataclasses is slow to import)."""

    __slots__ = ("p2c", "p2s", "raw_segment")

    def __init__(self, raw_segment: str, p2s: bytes, p2c: int) -> None:
        self.raw_segment = raw_segment
        self.p2s = p2s
        self.p2c = p2c


def b64url_encode(data: bytes) -> str:
    return b64.url_encode(data).rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding (padding tolerated); rejects other characters."""
    stripped = text.rstrip("=")
    if not stripped.isascii() or "+" in stripped or "/" in stripped:
        raise binascii.Error("not base64url")
    return b64.decode(
        stripped.replace("-", "+").replace("_", "/") + "=" * (-len(stripped) % 4),
        validate=True,
    )


_kek_cache: dict[tuple[bytes, bytes, int], bytes] = {}


def derive_kek(passphrase: str, p2s: bytes, p2c: int) -> bytes:
    key = (passphrase.encode("utf-8"), p2s, p2c)
    kek = _kek_cache.get(key)
    if kek is None:
        kek = pbkdf2_kek(key[0], p2s, p2c)
        _kek_cache[key] = kek
    return kek


def _created() -> str:
    # jose2go stores Go's time.Now().String(); any string is accepted on read.
    return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime())


def pbkdf2_kek(passphrase: bytes, p2s: bytes, p2c: int) -> bytes:
    """RFC 7518 §4.8: PBKDF2-HMAC-SHA256 over ``alg`` + NUL + p2s, uncached."""
    salt = ALG.encode("ascii") + b"\x00" + p2s
    try:  # hashlib's own pbkdf2_hmac, without hashlib.py's start-up (1.4M instructions)
        from _hashlib import pbkdf2_hmac  # noqa: PLC0415
    except ImportError:  # a Python built without OpenSSL's hashlib
        from hashlib import pbkdf2_hmac  # noqa: PLC0415
    return pbkdf2_hmac("sha256", passphrase, salt, p2c, dklen=_KEK_BYTES)


def aesgcm_class() -> Any:  # noqa: ANN401 - cryptography's AESGCM class
    """cryptography's AESGCM, without importing ``cryptography.hazmat.primitives.ciphers``.

    That package's ``__init__`` loads every cipher, mode and the decrepit algorithms: about
    a fifth of a cached ``avs`` switch. Its ``aead`` module only re-exports the class from
    the Rust binding, so take it from there, and fall back to the public module where the
    binding is laid out differently (older releases). A test checks both are the same.
    """
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl  # noqa: PLC0415

        cls = rust_openssl.aead.AESGCM
    except (ImportError, AttributeError):  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

        cls = AESGCM
    return cls


def encrypt(plaintext: bytes, passphrase: str, *, p2c: int = DEFAULT_P2C) -> str:
    return encrypt_with(plaintext, lambda p2s, n: derive_kek(passphrase, p2s, n), p2c=p2c)


def encrypt_with(plaintext: bytes, kek_for: KekFunction, *, p2c: int = DEFAULT_P2C) -> str:
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap  # noqa: PLC0415

    AESGCM = aesgcm_class()  # noqa: N806 - the class, named as cryptography names it

    p2s = os.urandom(_SALT_BYTES)
    header: dict[str, Any] = {
        "alg": ALG,
        "created": _created(),
        "enc": ENC,
        "p2c": p2c,
        "p2s": b64url_encode(p2s),
    }
    header_segment = b64url_encode(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    cek = os.urandom(_CEK_BYTES)
    wrapped = aes_key_wrap(kek_for(p2s, p2c), cek)
    iv = os.urandom(_IV_BYTES)
    sealed = AESGCM(cek).encrypt(iv, plaintext, header_segment.encode("ascii"))
    ciphertext, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    return ".".join(
        [
            header_segment,
            b64url_encode(wrapped),
            b64url_encode(iv),
            b64url_encode(ciphertext),
            b64url_encode(tag),
        ]
    )


def parse_header(token: str) -> Header:
    """Validate the header segment; raise BadHeaderError with a displayable reason."""
    parts = token.strip().split(".")
    if len(parts) != 5:
        raise BadHeaderError(f"expected 5 segments, found {len(parts)}")
    try:
        obj = json.loads(b64url_decode(parts[0]))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a tampered header of nested brackets ('[[[[...') overflows json's stack.
        raise BadHeaderError("header is not base64url JSON") from None
    if not isinstance(obj, dict):
        raise BadHeaderError("header is not a JSON object")
    if obj.get("alg") != ALG or obj.get("enc") != ENC:
        raise BadHeaderError(f"unsupported alg/enc {obj.get('alg')!r}/{obj.get('enc')!r}")
    if "zip" in obj:
        raise BadHeaderError("compressed payloads are not supported")
    p2c = obj.get("p2c")
    if not isinstance(p2c, int) or isinstance(p2c, bool) or p2c < 1:
        raise BadHeaderError("p2c is missing or not a positive integer")
    if p2c > MAX_P2C:
        raise BadHeaderError(f"p2c {p2c} exceeds the limit of {MAX_P2C}")
    try:
        p2s = b64url_decode(str(obj.get("p2s", "")))
    except (binascii.Error, ValueError):
        raise BadHeaderError("p2s is not base64url") from None
    return Header(raw_segment=parts[0], p2s=p2s, p2c=p2c)


def decrypt(token: str, passphrase: str) -> bytes:
    """Plaintext, or a JWEError subclass saying which check failed."""
    return decrypt_with(token, lambda p2s, n: derive_kek(passphrase, p2s, n))


def decrypt_with(token: str, kek_for: KekFunction) -> bytes:
    """``decrypt`` with the KEK from ``kek_for(p2s, p2c)``."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap  # noqa: PLC0415

    AESGCM = aesgcm_class()  # noqa: N806 - the class, named as cryptography names it

    header = parse_header(token)
    _, ekey_s, iv_s, ct_s, tag_s = token.strip().split(".")
    try:
        wrapped, iv, ciphertext, tag = (b64url_decode(s) for s in (ekey_s, iv_s, ct_s, tag_s))
    except (binascii.Error, ValueError):
        raise JWEError("a segment is not base64url") from None
    if len(wrapped) != _CEK_BYTES + 8:
        raise JWEError(f"encrypted key is {len(wrapped)} bytes, expected {_CEK_BYTES + 8}")
    if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
        raise JWEError("IV or tag has the wrong length")
    try:
        cek = aes_key_unwrap(kek_for(header.p2s, header.p2c), wrapped)
    except InvalidUnwrap:
        raise KeyUnwrapError("key unwrap failed") from None
    try:
        plaintext: bytes = AESGCM(cek).decrypt(iv, ciphertext + tag, header.raw_segment.encode("ascii"))
    except InvalidTag:
        raise DecryptError("authentication tag mismatch") from None
    return plaintext
