"""``avs``'s options, usage and messages: the one definition the three shells are built from.

The shells parse ``avs``'s arguments themselves on the happy path (a switch starts one
process, a re-run none), using option lists that scripts/gen_completions.py writes from
:func:`build_parser`. Whenever they meet something they cannot use (``--help``, an unknown
option, a missing value...), they hand the whole command line to the hidden
``avault avs check -- ARGS``, which parses it the same way and prints the usage or the
one-line ``avs:`` message, with the exit status the shell returns.

``avault avs avr`` says why ``avr`` has nothing to refresh (no profile, or a served one).
``avault avs avp`` is the shells' ``avp``: each profile and its role_arn, read from the
config file line by line as zsh's and fish's completion read the names; ``avault avs
profiles`` reads them so for bash's completion, once per change of the file.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from avault.context import Context

USAGE = """\
usage: avs PROFILE [-d DURATION] [-t MFA_CODE] [-n] [--region REGION]
       avs              pick a profile from a menu (interactive shells; else as -s)
       avs -            switch back to the previous profile
       avs -s           show the profile, account and time left
       avs -u           remove the credentials from this shell (and stop its server)
       avs --server [PROFILE]   serve the credentials from a local ECS endpoint instead
       avs --logout [PROFILE]   forget the profile's cached sessions (and clear this shell)
       avs --doctor     check the setup, this shell's integration included
"""

# What the shell does with each option (an option's dest): ACTIONS run at once, MODES
# choose what the switch does; every other option is passed to `avault export`.
ACTIONS = ("help", "status", "unset", "doctor")
MODES = ("server", "logout")

# The aliases every shell defines as functions, and completes as what they run: name ->
# the avault words before the user's (avsh, avr and avp do more, and are written by hand).
ALIASES = {"av": (), "ave": ("exec",), "avl": ("login",), "avll": ("login", "-s")}


def build_parser() -> argparse.ArgumentParser:
    """``avs``'s options; the shells' option lists and completions are generated from it."""
    p = argparse.ArgumentParser(prog="avs", add_help=False)
    p.add_argument("-h", "--help", action="store_true", help="show help")
    p.add_argument("-s", "--status", action="store_true", help="show the profile, account and time left")
    p.add_argument("-u", "--unset", action="store_true", help="remove the credentials from this shell")
    p.add_argument("--doctor", action="store_true", help="check the setup, this shell included")
    p.add_argument("-d", "--duration", metavar="duration", help="session duration, e.g. 1h")
    p.add_argument("-t", "--mfa-token", metavar="MFA code", help="MFA code")
    p.add_argument("-n", "--no-session", action="store_true", help="skip GetSessionToken")
    p.add_argument("--region", metavar="region", help="AWS region")
    p.add_argument("--server", action="store_true", help="serve the credentials from a local ECS endpoint")
    p.add_argument("--logout", action="store_true", help="forget the cached sessions of a profile")
    return p


def kind(arg: str) -> str:
    """What ARG (starting with '-') is: an ACTION or MODE name, 'flag', 'value' or ''.

    'flag' is a switch option complete in itself (``-n``, ``--region=X``, ``-d1h``),
    'value' one whose value is the next word; '' an unknown option. The shells carry the
    same table, generated from this function's results.
    """
    for action in build_parser()._actions:  # noqa: SLF001 - argparse has no public accessor
        strings = action.option_strings
        if arg in strings:
            if action.dest in ACTIONS + MODES:
                return action.dest
            return "value" if action.nargs != 0 else "flag"
        if action.nargs != 0:
            for s in strings:
                if arg.startswith(s + "=") if s.startswith("--") else arg.startswith(s) and len(arg) > len(s):
                    return "flag"
    return ""


class _Bad(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _see(what: str) -> _Bad:
    return _Bad(2, f"{what}; see 'avs --help'")


def check(argv: list[str], previous: str) -> tuple[int, str]:
    """Parse ARGV as the shells do: (0, usage) for help, else the first problem as (status, message).

    PREVIOUS is the shell's AVS_PREVIOUS (for ``-``).
    (0, '') means ARGV is fine.
    """
    try:
        return _check(list(argv), previous)
    except _Bad as e:
        return e.status, f"avs: {e}"


def _check(args: list[str], previous: str) -> tuple[int, str]:
    profile, mode, flags = "", "export", False
    while args:
        arg = args.pop(0)
        if arg == "-":
            if not previous:
                raise _Bad(1, "no previous profile to switch back to")
            profile = previous
        elif arg == "--":
            if len(args) != 1:
                raise _Bad(2, "give one profile after --")
            profile = args.pop(0)
        elif arg.startswith("-"):
            what = kind(arg)
            if what == "help":
                return 0, USAGE
            if what in ACTIONS:
                return 0, ""
            if what in MODES:
                mode = what
                continue
            if not what:
                raise _see(f"unknown option '{arg}'")
            if what == "value" and not args:
                raise _see(f"{arg} needs a value")
            if what == "value":
                args.pop(0)
            flags = True
        elif profile:
            raise _see("one profile at a time")
        else:
            profile = arg
    if mode == "logout" and flags:
        raise _see("--logout takes only a profile")
    if not profile and mode != "logout" and (flags or mode == "server"):
        raise _Bad(2, "which profile? see 'avs --help'")
    if mode == "server" and profile.startswith("-"):
        raise _Bad(2, "--server cannot take a profile starting with '-'")
    return 0, ""


_PROFILE = re.compile(r"\[\s*profile\s+(.*?)\s*\][^\]]*$")  # up to the LAST ']', as configparser
_DEFAULT = re.compile(r"\[\s*default\s*\]")
STAMP_PREFIX = "bash-complete."
_PLAIN = re.compile(r"[\w@%+=:,./-]+")  # bare on a bash command line
_ROLE = re.compile(r"role_arn\s*=\s*(.*?)\s*$")


def _config_path(env: Mapping[str, str]) -> str:
    return env.get("AWS_CONFIG_FILE") or f"{env.get('HOME', '')}/.aws/config"


def _config_text(env: Mapping[str, str]) -> tuple[str, str | None]:
    path = _config_path(env)
    try:
        return path, Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return path, None


def _profile_lines(text: str) -> Iterator[tuple[str | None, str]]:
    """(the profile a line's section names or '' for another section, else None; the line)."""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line.startswith("["):
            yield None, line
        elif m := _PROFILE.match(line) or _DEFAULT.match(line):
            yield (m.group(1) if m.re is _PROFILE else "default"), line
        else:
            yield "", line


def avp(env: Mapping[str, str]) -> tuple[int, str]:
    """(0, one 'NAME  ROLE_ARN' line per profile, '-' for none), or (1, the message)."""
    path, text = _config_text(env)
    if text is None:
        return 1, f"avp: cannot read {path}"
    roles: dict[str, str] = {}
    name = ""
    for header, line in _profile_lines(text):
        if header is not None:
            name = header
            if name:
                roles.setdefault(name, "")
        elif name and (m := _ROLE.match(line)):
            roles[name] = m.group(1)
    width = max(map(len, roles), default=0)
    return 0, "".join(f"{n.ljust(width)}  {r or '-'}\n" for n, r in roles.items())


def profiles_bash(env: Mapping[str, str], stamp: str) -> tuple[int, str]:
    """bash's completion cache, written to STAMP (0600 in a private directory), which then
    takes the config file's mtime (read before the file): bash compares the two with
    ``-nt`` and reads STAMP again only when they differ. Its lines, for ``read`` and
    ``mapfile``: the count N; the N profile names sorted bytewise (bash finds a prefix's
    range by binary search); then each as TAB inserts it: as it is when plain (letters of
    any script too), else quoted by quote_sh, so that Enter never runs ``a;touch x``."""
    from avault.fsutil import atomic_write, private, private_dir, remove_files_of_gone_pids  # noqa: PLC0415
    from avault.render import quote_sh  # noqa: PLC0415

    target = Path(stamp)
    if not target.is_absolute() or not target.name.startswith(STAMP_PREFIX):
        return (
            2,
            f"avault: {stamp!r} is not a completion stamp; pass an absolute .../{STAMP_PREFIX}PID",
        )
    path = _config_path(env)
    try:
        mtime = Path(path).stat().st_mtime_ns  # before the read: an edit meanwhile differs
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        mtime, text = None, ""
    found = dict.fromkeys(h for h, _line in _profile_lines(text) if h and "\0" not in h)
    names = sorted(found, key=lambda n: n.encode("utf-8", "surrogateescape"))
    quoted = [n if _PLAIN.fullmatch(n) else quote_sh(n) for n in names]
    body = "".join(f"{n}\n" for n in [str(len(names)), *names, *quoted])
    try:
        private_dir(target.parent)
        if not private(target.parent):
            return (
                1,
                f"avault: {target.parent} is writable by others; fix it with: chmod 700 {target.parent}",
            )
        atomic_write(target, body.encode("utf-8", "surrogateescape"))
        if mtime is not None:
            os.utime(target, ns=(mtime, mtime))
    except OSError as exc:
        return 1, f"avault: cannot write {stamp}: {exc.strerror}"
    remove_files_of_gone_pids(target.parent, STAMP_PREFIX)  # the stamps of exited shells
    return 0, ""


# Shown, never run: control characters (a name's ESC [ 2 J, BEL, CR..., C1) and the bidi
# controls that reorder text become '?'.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def time_left(expires: str, now: int) -> str:
    """'7h59m', '47m', '30s', 'expired', or '' when EXPIRES (epoch seconds) is not a number."""
    if not expires.isascii() or not expires.isdigit():
        return ""
    left = int(expires) - now
    if left <= 0:
        return "expired"
    if left >= 3600:
        return f"{left // 3600}h{left % 3600 // 60}m"
    return f"{left // 60}m" if left >= 60 else f"{left}s"


def status(env: Mapping[str, str], now: int) -> tuple[int, str]:
    """``avs -s``: the profile, account, region and time left that the shell holds."""
    profile = env.get("AVS_PROFILE", "")
    if not profile:
        return 1, "avs: no profile active; switch with 'avs PROFILE'"
    lines = [f"profile  {profile}"]
    if env.get("AVS_ACCOUNT"):
        lines.append(f"account  {env['AVS_ACCOUNT']}")
    if env.get("AWS_REGION"):
        lines.append(f"region   {env['AWS_REGION']}")
    expiration = env.get("AWS_CREDENTIAL_EXPIRATION")
    left = time_left(env.get("AVS_EXPIRES", ""), now)
    if env.get("AVS_SERVER_PID"):
        url = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "?")
        lines.append(f"server   pid {env['AVS_SERVER_PID']} at {url} (refreshes by itself)")
    elif left == "expired":
        lines.append(f"expires  expired at {'?' if expiration is None else expiration}; run avr to refresh")
    elif not left:
        lines.append(f"expires  {expiration or 'unknown'}")
    else:
        lines.append(f"expires  in {left} ({expiration or ''})")
    return 0, "".join(_UNSAFE.sub("?", line) + "\n" for line in lines)


def avr(env: Mapping[str, str]) -> tuple[int, str]:
    """Why ``avr`` does not refresh: (1, no profile) or (0, a server refreshes it); for stderr."""
    profile = _UNSAFE.sub("?", env.get("AVS_PROFILE", ""))
    if not profile:
        return 1, "avr: no profile active; switch with 'avs PROFILE'"
    return 0, f"avr: the credential server refreshes {profile} by itself"


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.what == "avr":
        rc, text = avr(os.environ)
        ctx.stderr.write(text + "\n")
        return rc
    if args.what == "avp":
        rc, text = avp(os.environ)
    elif args.what == "profiles":
        rc, text = profiles_bash(os.environ, args.args[0] if args.args else "")
    elif args.what == "status":
        rc, text = status(os.environ, int(time.time()))
    else:
        rc, text = check(args.args, os.environ.get("AVS_PREVIOUS", ""))
    stream = ctx.stdout if rc == 0 else ctx.stderr
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
    return rc
