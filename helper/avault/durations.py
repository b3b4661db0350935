"""Go-style durations (``1h``, ``90m``, ``1h30m15s``, ``43200s``), as aws-vault reads and prints them."""

from __future__ import annotations

import re

from avault.errors import AvaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
# Compiled on first use (re caches it): most runs parse no duration.
_PART = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)"
# Go's time.Duration is int64 nanoseconds (~292 years): ParseDuration rejects more, and
# so do we. A bigger value would otherwise become float("inf") and crash int().
MAX_SECONDS = (2**63 - 1) / 1e9


def parse_go_duration(text: str) -> float | None:
    """Seconds for a Go duration string, or None if it does not parse (aws-vault ignores those)."""
    s = text.strip()
    if not s:
        return None
    sign = 1.0
    if s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    part = re.compile(_PART)
    pos = 0
    total = 0.0
    while pos < len(s):
        m = part.match(s, pos)
        if not m:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not pos or not total <= MAX_SECONDS:  # `not <=` also catches NaN
        return None
    return sign * total


def parse_seconds(text: str) -> float | None:
    """Plain seconds (``30``, ``1.5``) or a Go duration (``30s``, ``2m``); None if neither."""
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        return parse_go_duration(s)


def _non_negative(seconds: float) -> bool:
    return seconds >= 0


def env_seconds(
    env: Mapping[str, str],
    name: str,
    *,
    go: bool = False,
    ok: Callable[[float], bool] = _non_negative,
    error: type[AvaultError] | None = None,
    hint: str = "use seconds or e.g. 30s, 2m",
) -> float | None:
    """``$name`` in seconds (a Go duration only, with ``go``); None when it is unset.

    A value that does not parse, or that ``ok`` refuses, is None as well (the caller's
    default), or with ``error`` a one-line error of that type: "NAME='x' is not a duration; hint".
    """
    text = env.get(name, "").strip()
    if not text:
        return None
    seconds = parse_go_duration(text) if go else parse_seconds(text)
    if seconds is not None and ok(seconds):
        return seconds
    if error is None:
        return None
    raise error(f"{name}={text!r} is not a duration; {hint}")


def require_duration(text: str, what: str) -> int:
    """Parse a user-given duration to whole seconds, or fail with the accepted shape."""
    seconds = parse_go_duration(text)
    if seconds is None or seconds <= 0:
        raise AvaultError(f"invalid {what} {text!r}; use a duration such as 15m, 1h or 12h")
    return int(seconds)


def format_go_duration(seconds: float) -> str:
    """Format whole seconds the way Go prints a truncated time.Duration: ``7h59m12s``, ``21m38s``, ``0s``."""
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{sign}{h}h{m}m{s}s"
    if m:
        return f"{sign}{m}m{s}s"
    return f"{sign}{s}s"
