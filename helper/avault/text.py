"""Text for people: the one escaper of every human-readable line avault prints.

Profile names, regions and other config values can hold anything, including characters a
terminal obeys (ESC [ 2 J clears the screen, BEL rings, CR rewrites the line, the C1 CSI
starts a sequence, U+202E reverses what follows). ``printable`` shows each such character
as a visible escape (``\\x1b``, ``\\u202e``) and leaves everything else as it is.

Only for display: code that a shell evaluates is quoted by ``render.py`` instead.
"""

from __future__ import annotations

# Control (C0, DEL, C1), format (bidi, zero-width), surrogate, line/paragraph separator.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def _escape(c: str) -> str:
    import unicodedata  # noqa: PLC0415 - only for the rare text that needs it

    if unicodedata.category(c) not in _HIDDEN:
        return c
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def printable(text: str) -> str:
    """``text`` with every control and format character shown as a visible escape."""
    if text.isprintable():  # the common case, in C: nothing to escape
        return text
    return "".join(map(_escape, text))


def printable_lines(message: str) -> str:
    """Each line of a message through ``printable`` (a message may span lines; a name may not)."""
    if message.isprintable():
        return message
    return "\n".join(printable(line) for line in message.split("\n"))
