"""avault.b64 behaves as the base64 calls it stands for, on every input tried."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avault import b64


@given(st.binary(max_size=300))
def test_encoders_match_base64(data: bytes) -> None:
    assert b64.encode(data) == base64.b64encode(data).decode("ascii")
    assert b64.url_encode(data) == base64.urlsafe_b64encode(data).decode("ascii")
    assert b64.decode(b64.encode(data), validate=True) == data
    assert b64.url_decode(b64.url_encode(data)) == data


@given(st.text(alphabet="ABCxyz019+/-_=\n .é", max_size=40))
def test_decoders_match_base64_even_on_bad_input(text: str) -> None:
    for validate in (False, True):
        try:
            want: bytes | type[Exception] = base64.b64decode(text, validate=validate)
        except ValueError as exc:  # binascii.Error is one
            want = type(exc)
        try:
            got: bytes | type[Exception] = b64.decode(text, validate=validate)
        except ValueError as exc:
            got = type(exc)
        assert got == want
    try:
        url_want: bytes | type[Exception] = base64.urlsafe_b64decode(text)
    except ValueError as exc:
        url_want = type(exc)
    try:
        url_got: bytes | type[Exception] = b64.url_decode(text)
    except ValueError as exc:
        url_got = type(exc)
    assert url_got == url_want


def test_validate_refuses_what_base64_refuses() -> None:
    for bad in ("ab!c", "abc", "a===", "ab\ncd=="):
        with pytest.raises(binascii.Error):
            base64.b64decode(bad, validate=True)
        with pytest.raises(binascii.Error):
            b64.decode(bad, validate=True)
