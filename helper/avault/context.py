"""Everything a command touches of the outside world, in one injectable object.

Commands receive a ``Context`` instead of reading ``os.environ`` or ``sys.stdout``
deep inside, so tests can hand them a fake environment, captured streams and a
clock they control (the httpie ``Environment`` pattern).
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

from avault.errors import AvaultError, Interrupted

# Not `from typing import TYPE_CHECKING`: typing costs ~3 ms to import, and this module is
# on the cached `avs` path. mypy treats a name TYPE_CHECKING as True all the same.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import TextIO

    from avault.fsutil import StatCache

# Test hook: seconds added to the wall clock, so subprocess tests can expire
# sessions (moto never expires anything). Documented in CONTRIBUTING.md.
CLOCK_SKEW_VAR = "AVAULT_TEST_CLOCK_SKEW"


def _system_clock(env: Mapping[str, str]) -> Callable[[], float]:
    skew_text = env.get(CLOCK_SKEW_VAR, "")
    try:
        skew = float(skew_text) if skew_text else 0.0
    except ValueError:
        skew = 0.0
    return lambda: time.time() + skew


class Context:
    # A plain class, not a dataclass: importing dataclasses costs ~10 ms on the fast path.

    #: What a long-lived process (the agent) reuses between requests: the parsed config and
    #: the vault's listing, read again whenever their stat changes. None: read every time.
    file_cache: StatCache | None = None

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
        clock: Callable[[], float] = time.time,
        debug: bool = False,
        tty_path: str | None = None,
    ) -> None:
        self.env = env
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        self.stdin: TextIO = stdin if stdin is not None else sys.stdin
        self.clock = clock
        self.debug = debug
        # Where interactive prompts are read and written. None means /dev/tty.
        self.tty_path = tty_path

    @classmethod
    def from_os(cls) -> Context:
        env = dict(os.environ)
        return cls(env=env, clock=_system_clock(env))

    # -- time ---------------------------------------------------------------
    def now(self) -> float:
        return self.clock()

    # -- paths --------------------------------------------------------------
    @property
    def home(self) -> Path:
        home = self.env.get("HOME")
        return Path(home) if home else Path.home()

    def expand(self, path: str) -> Path:
        """Expand a leading ``~/`` against this context's HOME."""
        if path == "~" or path.startswith("~/"):
            return self.home / path[2:]
        return Path(path)

    # -- messages -----------------------------------------------------------
    def info(self, message: str) -> None:
        """A human message: always stderr, never stdout (stdout is code); names shown escaped."""
        from avault.text import printable_lines  # noqa: PLC0415 - only when there is a message

        print(printable_lines(message), file=self.stderr, flush=True)

    def say(self, message: str) -> None:
        """A result message aws-vault prints on stdout (add, remove, clear, migrate-backend).

        Only for commands whose stdout nobody evals; the rest use ``info``. Names are shown
        escaped, as in ``info``.
        """
        from avault.text import printable_lines  # noqa: PLC0415 - only when there is a message

        print(printable_lines(message), file=self.stdout, flush=True)

    def log(self, message: str) -> None:
        """A --debug line, in aws-vault's ``YYYY/MM/DD HH:MM:SS msg`` shape. Never a secret."""
        if self.debug:
            stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(self.now()))
            from avault.text import printable_lines  # noqa: PLC0415

            print(f"{stamp} {printable_lines(message)}", file=self.stderr, flush=True)

    # -- interactive input ---------------------------------------------------
    def prompt(self, message: str, *, secret: bool = False, how_to_avoid: str = "") -> str:
        """Ask on the controlling terminal, even when stdout is captured by ``$(...)``.

        Raises AvaultError (naming ``how_to_avoid``) when there is no terminal, and
        Interrupted on Ctrl-C or end of input.
        """
        path = self.tty_path or "/dev/tty"
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        except OSError as exc:
            hint = f"; {how_to_avoid}" if how_to_avoid else ""
            raise AvaultError(f"cannot prompt: no terminal ({exc.strerror}){hint}") from None
        # Unbuffered binary + a text wrapper: a buffered "r+" text file needs a seekable
        # file, which a tty is not.
        with open(fd, "r+b", buffering=0, closefd=True) as raw:  # noqa: PTH123
            tty = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", write_through=True)
            return _read_line(tty, message, secret=secret)


def _read_line(tty: TextIO, message: str, *, secret: bool) -> str:
    tty.write(message)
    tty.flush()
    if not secret:
        try:
            line = tty.readline()
        except KeyboardInterrupt:
            tty.write("\n")
            raise Interrupted from None
        if not line:
            raise Interrupted("no input")
        return line.rstrip("\r\n")
    import termios  # noqa: PLC0415 - only for secret prompts

    fd = tty.fileno()
    try:
        old = termios.tcgetattr(fd)
    except termios.error:
        old = None
    try:
        if old is not None:
            new = list(old)
            new[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSAFLUSH, new)
        line = tty.readline()
    except KeyboardInterrupt:
        raise Interrupted from None
    finally:
        if old is not None:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
        tty.write("\n")
        tty.flush()
    if not line:
        raise Interrupted("no input")
    return line.rstrip("\r\n")
