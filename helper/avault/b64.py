"""Base64 as the vault formats write it, on ``binascii`` alone.

The ``base64`` module does the same through these calls, but importing it costs the
cached switch about 1.5M instructions (it imports ``struct`` and builds its tables), and
the switch decodes a session item, its JWE segments and the session key with it. Each
function here behaves as the ``base64`` call named in its docstring.
"""

from __future__ import annotations

import binascii
import sys

_TO_URL = bytes.maketrans(b"+/", b"-_")
_FROM_URL = bytes.maketrans(b"-_", b"+/")


def _ascii(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("string argument should contain only ASCII characters") from None  # as base64


def encode(data: bytes) -> str:
    """``base64.b64encode(data).decode("ascii")``: standard alphabet, padded."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def decode(text: str | bytes, *, validate: bool = False) -> bytes:
    """``base64.b64decode(text, validate=validate)``: ValueError (binascii.Error) if bad."""
    data = _ascii(text)
    if not validate:
        return binascii.a2b_base64(data)
    if sys.version_info < (3, 11):  # no strict_mode yet: base64's own check
        import base64  # noqa: PLC0415

        return base64.b64decode(data, validate=True)
    return binascii.a2b_base64(data, strict_mode=True)


def url_encode(data: bytes) -> str:
    """``base64.urlsafe_b64encode(data).decode("ascii")``: url alphabet, padded."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).decode("ascii")


def url_decode(text: str | bytes) -> bytes:
    """``base64.urlsafe_b64decode(text)``: characters outside the alphabet are skipped."""
    return binascii.a2b_base64(_ascii(text).translate(_FROM_URL))
