"""The profile picker behind ``avs`` with no argument (``avault pick``).

Profiles come most recently used first (avault.recent), then in config-file order. Each
row shows the account id, role name and region, read from the config alone (no STS):
``avault.config.resolve`` per row, lazily and memoised, so a 5,000-profile file costs
one parse plus the rows actually drawn or filtered.

Filtering is granted's rule (``filterMultiToken``): a row stays when every
space-separated token of the query is a case-insensitive substring of it. No fuzzy
scoring, so the order stays "most recent first".

Two front ends draw the same rows:

* ``fzf`` when installed (``AVS_PICKER=fzf|builtin`` overrides). It gets ``N<TAB>row``
  lines and shows only the row; the N it echoes back names the profile, so a name
  with odd characters never has to survive a round trip through fzf.
* a built-in menu on /dev/tty in raw mode (termios): arrows or Ctrl-N/Ctrl-P move,
  typing filters, a number plus Enter picks that row, Enter picks the highlighted row,
  Esc or Ctrl-C cancels. It draws below the cursor, fzf ``--height`` style, and erases
  itself on exit.

Only the chosen name goes to stdout; cancelling exits 130 with stdout empty.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from avault.errors import AvaultError, Cancelled
from avault.text import printable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from avault.config.ini import ConfigFile

CANCEL = "\0cancel"  # Menu.feed's result on Esc / Ctrl-C (no profile name holds a NUL)
PROMPT = "avs> "
HINT = "\u2191\u2193 move \u00b7 type to filter \u00b7 number+Enter picks \u00b7 Esc cancels"
MAX_ROWS = 15
_ARN = re.compile(r"^arn:[^:]*:(?:iam|sts)::(\d{12}):(.*)$")


# -- data ------------------------------------------------------------------------------------


def order_profiles(names: Sequence[str], recent: Iterable[str]) -> list[str]:
    """Recently used first (newest first), then the rest in file order; unknown names dropped."""
    known = set(names)
    first = [n for n in dict.fromkeys(recent) if n in known]
    used = set(first)
    return first + [n for n in names if n not in used]


def _arn_account(arn: str) -> tuple[str, str]:
    """(account, resource) of an IAM/STS ARN, or ('', '')."""
    m = _ARN.match(arn)
    return (m.group(1), m.group(2)) if m else ("", "")


def describe(cfg: ConfigFile, name: str) -> tuple[str, str, str]:
    """(account id, role name, region) from the config alone; '' when it does not say.

    The role's ARN names its account; else SSO's sso_account_id/sso_role_name; else the
    first profile up the source_profile chain that has either; else the account in an
    mfa_serial ARN. Env vars are ignored: the row describes the file, not this shell.
    """
    from avault import config as cfgmod  # noqa: PLC0415

    try:
        config = cfgmod.resolve(name, cfg, {})
    except AvaultError:
        return ("?", "?", "?")
    region = config.region
    mfa_account = ""
    c: cfgmod.ProfileConfig | None = config
    while c is not None:
        account, resource = _arn_account(c.role_arn)
        if account:
            return (account, resource.rsplit("/", 1)[-1], region)
        if c.sso_account_id:
            return (c.sso_account_id, c.sso_role_name, region)
        if not mfa_account:
            mfa_account = _arn_account(c.mfa_serial)[0]
        c = c.source
    return (mfa_account, "", region)


def matches(query: str, text: str) -> bool:
    """Every space-separated token of ``query`` is a case-insensitive substring of ``text``."""
    low = text.lower()
    return all(tok in low for tok in query.lower().split())


@dataclass
class Rows:
    """The ordered profiles and their lazily built descriptions."""

    names: list[str]
    describe: Callable[[str], tuple[str, str, str]]
    _info: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def info(self, name: str) -> tuple[str, str, str]:
        got = self._info.get(name)
        if got is None:
            got = self._info[name] = self.describe(name)
        return got

    def text(self, name: str) -> str:
        """What the filter matches: the name and its account, role and region."""
        return " ".join((name, *self.info(name)))

    def filter(self, query: str) -> list[int]:
        """Indexes into ``names`` that the query keeps, in order.

        A query of digits only that is a row number puts that row first (so a number
        plus Enter picks it, and what is highlighted is what Enter picks); the rest
        still match the digits as text.
        """
        q = query.strip()
        if not q:
            return list(range(len(self.names)))
        # Names first: most queries are name fragments, and a name match needs no resolve.
        out = [i for i, n in enumerate(self.names) if matches(q, n) or matches(q, self.text(n))]
        if q.isdigit() and 1 <= int(q) <= len(self.names):
            pick = int(q) - 1
            out = [pick, *(i for i in out if i != pick)]
        return out

    def label(self, i: int, name_width: int, role_width: int) -> str:
        name = self.names[i]
        account, role, region = self.info(name)
        number = str(i + 1).rjust(len(str(len(self.names))))
        shown = printable(name)
        return (
            f"{number} {shown.ljust(name_width)}  {(account or '-').ljust(12)}  "
            f"{(role or '-').ljust(role_width)}  {region or '-'}"
        ).rstrip()


def name_width(names: Sequence[str]) -> int:
    return min(max((len(printable(n)) for n in names), default=1), 40)


def role_width(rows: Rows, indexes: Iterable[int]) -> int:
    return min(max((len(rows.info(rows.names[i])[1] or "-") for i in indexes), default=1), 32)


# -- the built-in menu: a state machine fed one key at a time -----------------------------------


@dataclass
class Menu:
    rows: Rows
    height: int = MAX_ROWS
    query: str = ""
    selected: int = 0  # index into self.shown
    top: int = 0  # first shown row on screen
    shown: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.shown = self.rows.filter(self.query)
        self._name_width = name_width(self.rows.names)

    def _refilter(self) -> None:
        self.shown = self.rows.filter(self.query)
        self.selected = self.top = 0

    def feed(self, key: str) -> str | None:
        """Apply one key; the chosen name, CANCEL, or None to keep going."""
        if key in ("esc", "ctrl-c", "ctrl-g", "ctrl-d"):
            return CANCEL
        if key == "enter":
            if self.shown:
                return self.rows.names[self.shown[self.selected]]
            return None
        if key in ("up", "ctrl-p"):
            self.selected = max(0, self.selected - 1)
        elif key in ("down", "ctrl-n"):
            self.selected = min(max(len(self.shown) - 1, 0), self.selected + 1)
        elif key == "pgup":
            self.selected = max(0, self.selected - self.height)
        elif key == "pgdn":
            self.selected = min(max(len(self.shown) - 1, 0), self.selected + self.height)
        elif key == "home":
            self.selected = 0
        elif key == "end":
            self.selected = max(len(self.shown) - 1, 0)
        elif key == "backspace":
            if self.query:
                self.query = self.query[:-1]
                self._refilter()
        elif key == "ctrl-u":
            self.query = ""
            self._refilter()
        elif key == "ctrl-w":
            self.query = self.query.rstrip()
            self.query = self.query[: self.query.rfind(" ") + 1]
            self._refilter()
        elif len(key) == 1 and key.isprintable():
            self.query += key
            self._refilter()
        # Keep the selection on screen.
        if self.selected < self.top:
            self.top = self.selected
        elif self.selected >= self.top + self.height:
            self.top = self.selected - self.height + 1
        return None

    def lines(self, width: int) -> tuple[list[str], int]:
        """The screen: prompt line, rows, hint; and the cursor's column on the prompt line."""
        visible = self.shown[self.top : self.top + self.height]
        rw = role_width(self.rows, visible)
        count = f"  {len(self.shown)}/{len(self.rows.names)}"
        query = printable(self.query)
        out = [_fit(PROMPT + query, width - len(count)) + count]
        for pos, i in enumerate(visible, self.top):
            label = _fit(self.rows.label(i, self._name_width, rw), width - 3)
            if pos == self.selected:
                out.append(f"\x1b[7m> {label}\x1b[0m")
            else:
                out.append(f"  {label}")
        if not visible:
            out.append("  (no profile matches)")
        out.append("\x1b[2m" + _fit(HINT, width - 1) + "\x1b[0m")
        return out, min(len(PROMPT) + len(query), width - 1)


def _fit(text: str, width: int) -> str:
    """Cut to the terminal width: a wrapped line would break the relative cursor moves."""
    width = max(width, 1)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


# -- keys from the terminal -------------------------------------------------------------------

_SEQUENCES = {
    "\x1b[A": "up",
    "\x1bOA": "up",
    "\x1b[B": "down",
    "\x1bOB": "down",
    "\x1b[5~": "pgup",
    "\x1b[6~": "pgdn",
    "\x1b[H": "home",
    "\x1bOH": "home",
    "\x1b[1~": "home",
    "\x1b[F": "end",
    "\x1bOF": "end",
    "\x1b[4~": "end",
}
_CONTROL = {
    "\r": "enter",
    "\n": "enter",
    "\x03": "ctrl-c",
    "\x04": "ctrl-d",
    "\x07": "ctrl-g",
    "\x0e": "ctrl-n",
    "\x10": "ctrl-p",
    "\x15": "ctrl-u",
    "\x17": "ctrl-w",
    "\x7f": "backspace",
    "\x08": "backspace",
}


def split_keys(data: str) -> list[str]:
    """Decode what one read() returned (a paste may hold many keys) into key names."""
    keys: list[str] = []
    i = 0
    while i < len(data):
        c = data[i]
        if c == "\x1b":
            m = re.match(r"\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])", data[i:])
            if m:
                keys.append(_SEQUENCES.get(m.group(0), "unknown"))
                i += m.end()
                continue
            keys.append("esc")
        elif c in _CONTROL:
            keys.append(_CONTROL[c])
        elif c.isprintable():
            keys.append(c)
        i += 1
    return keys


# -- the terminal driver ----------------------------------------------------------------------


def run_builtin(rows: Rows, tty_path: str = "/dev/tty") -> str:
    """Draw the menu on the terminal until a pick (returned) or a cancel (Cancelled)."""
    import codecs  # noqa: PLC0415
    import select  # noqa: PLC0415
    import termios  # noqa: PLC0415
    import tty  # noqa: PLC0415

    try:
        fd = os.open(tty_path, os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        raise AvaultError(
            f"pick: no terminal ({exc.strerror}); run 'avs PROFILE', or set AVS_PICKER=none"
        ) from None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    saved = termios.tcgetattr(fd)
    drawn = False

    def write(text: str) -> None:
        os.write(fd, text.encode("utf-8", errors="replace"))

    try:
        tty.setraw(fd, termios.TCSANOW)
        size = os.get_terminal_size(fd)
        menu = Menu(rows, height=max(1, min(MAX_ROWS, size.lines - 4)))
        while True:
            lines, col = menu.lines(os.get_terminal_size(fd).columns)
            # Draw from the start of the prompt line down, then go back up to it.
            up = f"\x1b[{len(lines) - 1}A" if len(lines) > 1 else ""
            write("\r\x1b[J" + "\r\n".join(lines) + up + "\r" + (f"\x1b[{col}C" if col else ""))
            drawn = True
            data = os.read(fd, 1024)
            if not data:
                raise Cancelled("pick: the terminal closed")
            if data == b"\x1b":
                # A lone Esc, or the first byte of an arrow key still on its way?
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    data += os.read(fd, 1024)
            for key in split_keys(decoder.decode(data)):
                result = menu.feed(key)
                if result == CANCEL:
                    raise Cancelled("pick: cancelled")
                if result is not None:
                    return result
    finally:
        if drawn:
            write("\r\x1b[J")
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        os.close(fd)


def fzf_input(rows: Rows) -> str:
    """``N<TAB>row`` per profile (N is the 1-based position), as fed to fzf."""
    nw = name_width(rows.names)
    rw = role_width(rows, range(len(rows.names)))
    return "".join(f"{i + 1}\t{rows.label(i, nw, rw)}\n" for i in range(len(rows.names)))


def run_fzf(rows: Rows, fzf: str, env: Mapping[str, str]) -> str:
    """Let fzf pick; it reads keys from /dev/tty itself, we only feed and read pipes."""
    import shlex  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    argv = [
        fzf,
        "--delimiter=\t",
        "--with-nth=2..",
        "--no-sort",  # keep "most recent first"
        "--exact",  # granted's rule: every token a substring
        "--no-multi",
        "--reverse",
        "--height=40%",
        f"--prompt={PROMPT}",
        "--header=profiles, most recent first",
        *shlex.split(env.get("AVS_FZF_OPTS", "")),
    ]
    try:
        done = subprocess.run(argv, input=fzf_input(rows), stdout=subprocess.PIPE, text=True, check=False)
    except OSError as exc:
        raise AvaultError(f"pick: cannot run {fzf} ({exc.strerror}); set AVS_PICKER=builtin") from None
    if done.returncode in (1, 130):  # no match / Esc or Ctrl-C
        raise Cancelled("pick: cancelled")
    if done.returncode != 0:
        raise AvaultError(f"pick: fzf failed (exit {done.returncode}); set AVS_PICKER=builtin to avoid it")
    number = done.stdout.split("\t", 1)[0].strip()
    if not number.isdigit() or not 1 <= int(number) <= len(rows.names):
        raise AvaultError("pick: fzf returned an unexpected line; check AVS_FZF_OPTS")
    return rows.names[int(number) - 1]
