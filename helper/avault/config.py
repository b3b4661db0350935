"""~/.aws/config parsing and profile resolution, with aws-vault (maintained fork) semantics.

Stdlib only: this module is on the fast path of every ``avs`` switch and completion,
so it must never import boto3, botocore, keyring or cryptography.

INTERFACE (other modules rely on these names):

* ``config_path(env, home) -> Path``
* ``ConfigFile.load(path) -> ConfigFile``; ``.profile_names()`` in file order (``default``
  only if non-empty; no sso-session sections); ``.has_profile(name)``; ``.section(name)``
  -> dict of lower-cased keys or None; ``.sso_session(name)``; ``.add_profile(name, values)``
  appends ``[profile name]`` (or ``[default]``) atomically.
* ``resolve(name, cfg, env, flags) -> ProfileConfig`` with ``source`` hydrated recursively.
* ``ensure_profile_exists(name, cfg, stored_keys)`` raises the fork's missing-profile error.

Parsing follows go-ini as aws-vault (fork) configures it (``AllowNestedValues``,
``InsensitiveKeys``, ``SpaceBeforeInlineComment``), written by hand because
``configparser`` is several times slower on large files and disagrees on comments:

* keys are case-insensitive, section names case-sensitive;
* ``key = value`` or ``key: value`` (go-ini accepts both delimiters; the first one wins);
* ``#`` or ``;`` starts an inline comment only after a space or tab, so
  ``sso_start_url=https://x/start#/`` keeps its ``#/``; full-line comments start with either;
* a value wrapped in matching ``"`` or ``'`` loses the quotes, as in go-ini;
* an indented line after a key with an empty value (``s3 =``) is a nested value: skipped.
  Any other indented ``key = value`` line is an ordinary key (indenting keys is common).
  An indented line without a delimiter directly under a key is a continuation: go-ini
  rejects it, the AWS CLI joins it to the value; we accept and skip it;
* a section that appears twice is merged and the later key wins (go-ini reuses the
  existing section and overwrites the key's value);
* keys before the first section (go-ini's ``DEFAULT``), ``[DEFAULT]`` and any other
  unknown section are ignored and listed in ``ConfigFile.unrecognised_sections``;
* ``[profile default]`` is read as ``[default]`` (the AWS CLI does the same);
* a section name is what lies between the brackets, spaces included, as in go-ini and
  botocore: ``[ default ]`` is an unknown section named `` default ``, never the default
  profile (``doctor`` warns about such a header);
* any other line is a ``ConfigError`` naming the line, never quoting it (it may hold a secret).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from avault.durations import parse_go_duration
from avault.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

DEFAULT_SESSION_DURATION = 3600  # GetSessionToken (not chained), AssumeRole, federation
DEFAULT_CHAINED_SESSION_DURATION = 8 * 3600  # GetSessionToken when the source of a role
ROLE_CHAINING_MAXIMUM_DURATION = 3600

DEFAULT_PROFILE = "default"

#: The keys aws-vault maps from a profile section (its ``ProfileSection`` struct).
#: ``[default]`` is listed only when it sets at least one of them.
PROFILE_KEYS = frozenset(
    {
        "mfa_serial",
        "role_arn",
        "external_id",
        "region",
        "role_session_name",
        "duration_seconds",
        "source_profile",
        "include_profile",
        "sso_session",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "web_identity_token_file",
        "web_identity_token_process",
        "sts_regional_endpoints",
        "endpoint_url",
        "session_tags",
        "transitive_session_tags",
        "source_identity",
        "credential_process",
        "mfa_process",
    }
)

SESSION_TAGS_SHAPE = "session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]"

_INLINE_COMMENT = re.compile(r"[ \t][#;]")
#: How many profiles a source_profile or include_profile chain may hold; deeper is a
#: ConfigError rather than Python's RecursionError (aws-vault has no limit but Go's stack).
MAX_CHAIN = 64


def config_path(env: Mapping[str, str], home: Path) -> Path:
    """``$AWS_CONFIG_FILE`` (a leading ``~/`` is expanded), else ``~/.aws/config``."""
    configured = env.get("AWS_CONFIG_FILE", "")
    if configured:
        if configured == "~" or configured.startswith("~/"):
            return home / configured[2:]
        return Path(configured)
    return home / ".aws" / "config"


def shown_config_path(env: Mapping[str, str], home: Path) -> str:
    """The config file in use, as messages name it (``~/...`` under the home directory)."""
    return display_path(config_path(env, home), home)


def display_path(path: Path, home: Path | None = None) -> str:
    """``~/.aws/config`` rather than ``/home/me/.aws/config`` in messages."""
    home = home if home is not None else Path(os.environ.get("HOME") or "/nonexistent")
    try:
        rel = path.relative_to(home)
    except ValueError:
        return str(path)
    return f"~/{rel.as_posix()}"


class _Sections:
    """Sections of one kind by name, in first-seen order, each parsed on first use.

    The fast path keeps only each section's raw body (a file with 5,000 profiles is
    looked up a few sections at a time); the line-by-line path stores parsed dicts.
    """

    __slots__ = ("bodies", "parsed")

    def __init__(self) -> None:
        self.bodies: dict[str, list[str]] = {}
        self.parsed: dict[str, dict[str, str]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.bodies

    def names(self) -> list[str]:
        return list(self.bodies)

    def get(self, name: str) -> dict[str, str] | None:
        keys = self.parsed.get(name)
        if keys is None:
            bodies = self.bodies.get(name)
            if bodies is None:
                return None
            keys = {}
            for body in bodies:  # a repeated section merges; later keys win
                _scan(body, keys, _no_sections, _never)
            self.parsed[name] = keys
        return keys

    def table(self, name: str) -> dict[str, str]:
        """The dict the line-by-line parser fills for ``name``."""
        keys = self.parsed.get(name)
        if keys is None:
            self.bodies[name] = []
            keys = self.parsed[name] = {}
        return keys


def _no_sections(_name: str) -> dict[str, str]:  # pragma: no cover - bodies hold no headers
    return {}


def _never(_lineno: int, what: str) -> ConfigError:  # pragma: no cover - bodies were checked
    return ConfigError(f"{what}; fix the config file")


# A file whose every line is plainly a header, a key, a comment or blank takes the fast path:
# C-level scans for anything that needs the line-by-line rules, then the headers only.
# The patterns run on "\n" + text + "\n", so "\n" anchors every line (faster than ^ and $).
_NEEDS_SLOW_PATH = re.compile(
    r"\n[ \t]*(?:[=:]"  # a value with no key
    r"|[^\s#;\[=:][^=:\n]*\n)"  # no delimiter: malformed, or a continuation line
    r"|\n[ \t]+\["  # an indented header (or a nested value starting with "[")
)
_ODD_SPACE = "\r\x0b\x0c\x1c\x1d\x1e\x1f"  # str.strip() whitespace the patterns do not model
_ODD_SPACE_RE = re.compile(
    "[" + _ODD_SPACE + "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
_HEADER = re.compile(r"\n\[([^\n]*)\][ \t]*(?:[#;][^\]\n]*)?(?=\n)")


def _scan(
    text: str,
    current: dict[str, str],
    on_section: Callable[[str], dict[str, str]],
    error: Callable[[int, str], ConfigError],
) -> None:
    """The line-by-line parser (go-ini's rules, see the module docstring)."""
    in_nested = False  # inside an indented block under an empty-valued key
    after_key = False  # the previous meaningful line was a key (continuations allowed)
    find_comment = _INLINE_COMMENT.search
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        first = line[0]
        if first in "#;":
            continue
        indented = raw[0] in " \t"
        if indented and in_nested:
            continue
        if first == "[":
            close = line.rfind("]")
            if close == -1:
                raise error(lineno, "a section header has no closing ']'")
            rest = line[close + 1 :].lstrip()
            if rest and rest[0] not in "#;":
                raise error(lineno, "text follows a section header's ']'")
            current = on_section(line[1:close])
            in_nested = after_key = False
            continue
        eq = line.find("=")
        colon = line.find(":")
        if colon != -1 and (eq == -1 or colon < eq):
            eq = colon
        if eq == -1:
            if indented and after_key:
                continue  # a continuation line: see the module docstring
            raise error(lineno, "expected 'key = value', a [section] header or a comment")
        key = line[:eq].rstrip().lower()
        if not key:
            raise error(lineno, "a value has no key before its '='")
        value = line[eq + 1 :].lstrip()
        if "#" in value or ";" in value:
            m = find_comment(value)
            if m:
                value = value[: m.start()]
        value = value.rstrip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        current[key] = value
        in_nested = not value
        after_key = True


class ConfigFile:
    """One parsed config file. Missing files parse as empty and are never created by reading."""

    def __init__(self, path: Path, text: str = "", *, display: str | None = None, fast: bool = True) -> None:
        self.path = path
        self.display = display if display is not None else display_path(path)
        # Profile sections by profile name ("default" for [default]), in first-seen order.
        self._profiles = _Sections()
        self._sso_sessions = _Sections()
        #: Sections aws-vault ignores (it logs "Unrecognised ini file section").
        self.unrecognised_sections: list[str] = []
        text = text.removeprefix("\ufeff")
        if not (fast and self._parse_fast(text)):
            self._parse(text)

    # -- loading ---------------------------------------------------------------
    @classmethod
    def load(
        cls, path: Path, *, home: Path | None = None, warn: Callable[[str], None] | None = None
    ) -> ConfigFile:
        """Read and parse ``path``; refuse it if another user could have written it.

        ``warn`` receives the group-writable warning (default: stderr, once per process).
        """
        display = display_path(path, home)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return cls(path, "", display=display)
        except OSError as exc:
            raise ConfigError(
                f"cannot read {display} ({exc.strerror or type(exc).__name__}); "
                "check that it is a readable file"
            ) from None
        try:
            with os.fdopen(fd, "rb") as fh:
                check_owner_and_mode(path, os.fstat(fh.fileno()), display, warn)
                data = fh.read()
        except OSError as exc:
            raise ConfigError(
                f"cannot read {display} ({exc.strerror or type(exc).__name__}); "
                "check that it is a readable file"
            ) from None
        # go-ini reads bytes; undecodable bytes become U+FFFD rather than a crash.
        text = data.decode("utf-8", errors="replace")
        return cls(path, text, display=display)

    @classmethod
    def from_env(cls, env: Mapping[str, str], home: Path) -> ConfigFile:
        return cls.load(config_path(env, home), home=home)

    def _error(self, lineno: int, what: str) -> ConfigError:
        return ConfigError(f"{self.display} line {lineno}: {what}; fix or remove that line")

    def _parse(self, text: str) -> None:
        self._profiles = _Sections()
        self._sso_sessions = _Sections()
        self.unrecognised_sections = []

        def on_section(name: str) -> dict[str, str]:
            table, key = self._classify(name)
            return table.table(key) if table is not None else {}

        _scan(text, {}, on_section, self._error)

    def _parse_fast(self, text: str) -> bool:
        """Index section bodies without parsing them; False when a line needs ``_parse``."""
        if text.isascii():
            if any(c in text for c in _ODD_SPACE):
                return False
        elif _ODD_SPACE_RE.search(text):
            return False
        framed = f"\n{text}\n"
        if _NEEDS_SLOW_PATH.search(framed):
            return False
        headers = list(_HEADER.finditer(framed))
        if len(headers) != framed.count("\n["):
            return False  # a "[" line that is not a well-formed header
        ends = [m.start() for m in headers[1:]]
        ends.append(len(framed))
        for m, end in zip(headers, ends, strict=False):  # no headers: one unused end
            table, key = self._classify(m.group(1))
            if table is not None:
                bodies = table.bodies.get(key)
                if bodies is None:
                    table.bodies[key] = [framed[m.end() : end]]
                else:
                    bodies.append(framed[m.end() : end])
        return True

    def _classify(self, name: str) -> tuple[_Sections | None, str]:
        if name == DEFAULT_PROFILE:
            return self._profiles, DEFAULT_PROFILE
        if name.startswith("profile "):
            key, table = name[8:].strip(), self._profiles
        elif name.startswith("sso-session "):
            key, table = name[12:].strip(), self._sso_sessions
        else:
            key, table = "", None
        if table is None or not key:
            self.unrecognised_sections.append(name)
            return None, ""
        return table, key

    # -- queries ---------------------------------------------------------------
    def profile_names(self) -> list[str]:
        """Profiles in file order; ``default`` only when it sets a key aws-vault reads."""
        return [
            name
            for name in self._profiles.names()
            if name != DEFAULT_PROFILE or not PROFILE_KEYS.isdisjoint(self._profiles.get(name) or ())
        ]

    def has_profile(self, name: str) -> bool:
        """Whether a ``[profile name]`` (or ``[default]``) section exists, even an empty one."""
        return name in self._profiles

    def section(self, name: str) -> dict[str, str] | None:
        """The keys (lower-cased) of a profile's section, or None when it has none."""
        return self._profiles.get(name)

    def sso_session(self, name: str) -> dict[str, str] | None:
        return self._sso_sessions.get(name)

    def sso_session_names(self) -> list[str]:
        return self._sso_sessions.names()

    def resolved_sso_start_url(self, name: str) -> str:
        """A section's own SSO start URL: its sso-session's URL wins over an inline one.

        This looks at the one section only (no default/include chain), as aws-vault's
        ``list`` does; use ``resolve`` for the full rules.
        """
        keys = self._profiles.get(name) or {}
        session = self._sso_sessions.get(keys.get("sso_session", "")) or {}
        return session.get("sso_start_url") or keys.get("sso_start_url", "")

    # -- writing ---------------------------------------------------------------
    def add_profile(self, name: str, values: Mapping[str, str]) -> None:
        """Append ``[profile name]`` (or ``[default]``) with ``key=value`` lines, atomically.

        The rest of the file is kept byte for byte. The parent directory is created 0700
        if needed; a symlinked config file is updated where it points.
        """
        _check_writable(name, values)
        header = DEFAULT_PROFILE if name == DEFAULT_PROFILE else f"profile {name}"
        body = "".join(f"{k}={v}\n" for k, v in values.items())
        target = Path(os.path.realpath(self.path))
        try:
            old = target.read_bytes()
        except FileNotFoundError:
            old = b""
        except OSError as exc:
            raise ConfigError(f"cannot read {self.display} ({exc.strerror}); check its permissions") from None
        prefix = b"" if not old or old.endswith(b"\n") else b"\n"
        blank = b"\n" if old.strip() else b""
        new = old + prefix + blank + f"[{header}]\n{body}".encode()
        _atomic_write(target, new, display=self.display)
        keys = self._profiles.get(name)
        if keys is None:
            keys = self._profiles.table(name)
        keys.update({k.lower(): v for k, v in values.items()})


_warned_paths: set[str] = set()


def _stderr_warning(message: str) -> None:
    import sys  # noqa: PLC0415 - only on this rare path

    from avault.text import printable_lines  # noqa: PLC0415

    print(printable_lines(message), file=sys.stderr, flush=True)


def private_group(gid: int) -> bool:
    """Is ``gid`` this user's own group (Debian's user-private groups), with no one else in it?"""
    import grp  # noqa: PLC0415 - only on the rare group-writable path
    import pwd  # noqa: PLC0415

    try:
        user = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except (KeyError, OSError):
        return False
    return user.pw_gid == gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def check_owner_and_mode(
    path: Path, st: os.stat_result, display: str, warn: Callable[[str], None] | None = None
) -> None:
    """ssh's rule for its config file, applied to ~/.aws/config and its directory.

    Whoever can write the config can make avault run their code (``credential_process``,
    ``mfa_process``) with your keys, so: a file or directory owned by another user (root
    excepted), or writable by everyone, is refused; group-writable is a warning (Debian's
    user-private groups make 0664 common, and Debian's ssh accepts that too). Only regular
    files are checked: ``AWS_CONFIG_FILE=/dev/null`` is a device owned by root.
    """
    import stat  # noqa: PLC0415 - cheap, but not needed before a file exists

    if not stat.S_ISREG(st.st_mode):
        return
    uid = os.geteuid()
    checks: list[tuple[str, os.stat_result | None]] = [(display, st)]
    try:
        parent_st: os.stat_result | None = os.stat(path.parent)  # noqa: PTH116 - one stat
    except OSError:
        parent_st = None
    checks.append((f"the directory of {display}", parent_st))
    for what, s in checks:
        if s is None:
            continue
        shown = display if s is st else str(path.parent)
        if s.st_uid not in (uid, 0):
            raise ConfigError(
                f"refusing to read {display}: {what} is owned by another user (uid {s.st_uid}), who "
                f"could make avault run their code; fix it with: chown {uid} {shown}"
            )
        sticky_dir = stat.S_ISDIR(s.st_mode) and s.st_mode & stat.S_ISVTX
        if s.st_mode & stat.S_IWOTH and not sticky_dir:
            raise ConfigError(
                f"refusing to read {display}: {what} is writable by every user "
                f"(mode {stat.S_IMODE(s.st_mode):03o}), who could make avault run their code; "
                f"fix it with: chmod go-w {shown}"
            )
        if s.st_mode & stat.S_IWGRP and not sticky_dir and not private_group(s.st_gid):
            key = f"{shown}\0{what}"
            if key not in _warned_paths:
                _warned_paths.add(key)
                (warn or _stderr_warning)(
                    f"avault: warning: {what} is writable by its group "
                    f"(mode {stat.S_IMODE(s.st_mode):03o}); fix it with: chmod g-w {shown}"
                )


def check_new_section(name: str, values: Mapping[str, str]) -> None:
    """Raise ConfigError now if ``add_profile(name, values)`` would refuse them later."""
    _check_writable(name, values)


def _check_writable(name: str, values: Mapping[str, str]) -> None:
    bad = ("\n", "\r", "[", "]")
    if not name or name != name.strip() or any(c in name for c in bad):
        raise ConfigError(
            f"cannot add profile {name!r} to the config: a profile name must not be empty, "
            "start or end with a space, or contain brackets or newlines; choose another name"
        )
    for k, v in values.items():
        if not k or any(c in k for c in ("\n", "\r", "=", ":", "[", "#", ";", " ")):
            raise ConfigError(f"cannot write config key {k!r}; use a plain key such as mfa_serial")
        if "\n" in v or "\r" in v:
            raise ConfigError(f"cannot write a multi-line value for {k}; put it on one line")


def _atomic_write(target: Path, data: bytes, *, display: str) -> None:
    from avault.fsutil import atomic_write, private_dir  # noqa: PLC0415 - only writers pay

    try:
        private_dir(target.parent)
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o600
        atomic_write(target, data, mode=mode)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {display} ({exc.strerror or type(exc).__name__}); "
            "check the permissions of the file and its directory"
        ) from None


# -- resolution ------------------------------------------------------------------


class Flags:
    """What the command line sets before the config file is read (the resolver's base)."""

    def __init__(
        self,
        *,
        region: str = "",
        mfa_token: str = "",
        mfa_prompt: str = "",
        duration: int | None = None,
        no_session: bool = False,
    ) -> None:
        self.region = region
        self.mfa_token = mfa_token
        self.mfa_prompt = mfa_prompt
        self.duration = duration  # seconds, from -d/--duration or AWS_VAULT_DURATION
        self.no_session = no_session

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flags) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"Flags({shown})"


class ProfileConfig:
    """One resolved profile. Plain classes here, not dataclasses: importing dataclasses
    costs ~10 ms, and this module is on the cached `avs` path."""

    def __init__(
        self,
        profile_name: str,
        *,
        source_profile_name: str = "",
        source: ProfileConfig | None = None,
        chained_from: ProfileConfig | None = None,
        include_profile: str = "",
        in_config: bool = False,
        region: str = "",
        sts_regional_endpoints: str = "",
        endpoint_url: str = "",
        mfa_serial: str = "",
        mfa_token: str = "",
        mfa_process: str = "",
        mfa_prompt: str = "",
        role_arn: str = "",
        external_id: str = "",
        role_session_name: str = "",
        source_identity: str = "",
        session_tags: dict[str, str] | None = None,
        transitive_session_tags: list[str] | None = None,
        sso_session: str = "",
        sso_start_url: str = "",
        sso_region: str = "",
        sso_account_id: str = "",
        sso_role_name: str = "",
        sso_registration_scopes: str = "",
        web_identity_token_file: str = "",
        web_identity_token_process: str = "",
        credential_process: str = "",
        credential_source: str = "",
        self_sourced: bool = False,
        assume_role_duration: int = 0,
        non_chained_get_session_token_duration: int = 0,
        chained_get_session_token_duration: int = 0,
        get_federation_token_duration: int = 0,
        no_session: bool = False,
    ) -> None:
        self.profile_name = profile_name
        self.source_profile_name = source_profile_name
        self.source = source  # hydrated source_profile
        self.chained_from = chained_from  # the profile whose source this is
        self.include_profile = include_profile
        self.in_config = in_config  # a [profile X]/[default] section exists for this name
        self.region = region
        self.sts_regional_endpoints = sts_regional_endpoints
        self.endpoint_url = endpoint_url
        self.mfa_serial = mfa_serial
        self.mfa_token = mfa_token
        self.mfa_process = mfa_process
        self.mfa_prompt = mfa_prompt
        self.role_arn = role_arn
        self.external_id = external_id
        self.role_session_name = role_session_name
        self.source_identity = source_identity
        self.session_tags: dict[str, str] = session_tags if session_tags is not None else {}
        self.transitive_session_tags: list[str] = (
            transitive_session_tags if transitive_session_tags is not None else []
        )
        self.sso_session = sso_session
        self.sso_start_url = sso_start_url
        self.sso_region = sso_region
        self.sso_account_id = sso_account_id
        self.sso_role_name = sso_role_name
        self.sso_registration_scopes = sso_registration_scopes
        self.web_identity_token_file = web_identity_token_file
        self.web_identity_token_process = web_identity_token_process
        self.credential_process = credential_process
        # Read only to explain a failure: aws-vault ignores credential_source.
        self.credential_source = credential_source
        # source_profile named the profile itself, and was dropped as aws-vault does.
        self.self_sourced = self_sourced
        self.assume_role_duration = assume_role_duration
        self.non_chained_get_session_token_duration = non_chained_get_session_token_duration
        self.chained_get_session_token_duration = chained_get_session_token_duration
        self.get_federation_token_duration = get_federation_token_duration
        self.no_session = no_session

    def __eq__(self, other: object) -> bool:
        # chained_from points back up the chain; comparing it would recurse forever.
        if not isinstance(other, ProfileConfig):
            return False
        mine, theirs = dict(vars(self)), dict(vars(other))
        mine.pop("chained_from"), theirs.pop("chained_from")
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        # source is shown by name only, and chained_from not at all: both form cycles.
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k not in ("source", "chained_from"))
        return f"ProfileConfig({shown})"

    def is_chained(self) -> bool:
        """True when this profile is the source_profile of the profile being resolved."""
        return self.chained_from is not None

    def get_session_token_duration(self) -> int:
        if self.is_chained():
            return self.chained_get_session_token_duration
        return self.non_chained_get_session_token_duration

    def has_role(self) -> bool:
        return bool(self.role_arn)

    def has_sso(self) -> bool:
        return bool(self.sso_start_url)

    def has_web_identity(self) -> bool:
        return bool(self.web_identity_token_file or self.web_identity_token_process)

    def has_credential_process(self) -> bool:
        return bool(self.credential_process)


def parse_session_tags(text: str, *, where: str) -> dict[str, str]:
    """``k1=v1,k2=v2`` -> dict; an element without ``=`` (even an empty one) is an error."""
    tags: dict[str, str] = {}
    for element in text.split(","):
        key, sep, value = element.partition("=")
        if not sep:
            raise ConfigError(f"{SESSION_TAGS_SHAPE}; fix {where}")
        tags[key.strip()] = value.strip()
    return tags


def parse_transitive_tags(text: str) -> list[str]:
    """``k1,k2`` -> list; blanks trimmed, empty elements dropped."""
    return [t for t in (e.strip() for e in text.split(",")) if t]


# String fields copied first-writer-wins from a section (config key -> ProfileConfig attribute).
_COPIED = (
    ("mfa_serial", "mfa_serial"),
    ("role_arn", "role_arn"),
    ("external_id", "external_id"),
    ("region", "region"),
    ("role_session_name", "role_session_name"),
    ("source_profile", "source_profile_name"),
)
_COPIED_AFTER_SSO = (
    ("sso_start_url", "sso_start_url"),
    ("sso_region", "sso_region"),
    ("sso_account_id", "sso_account_id"),
    ("sso_role_name", "sso_role_name"),
    ("web_identity_token_file", "web_identity_token_file"),
    ("web_identity_token_process", "web_identity_token_process"),
    ("sts_regional_endpoints", "sts_regional_endpoints"),
    ("endpoint_url", "endpoint_url"),
    ("source_identity", "source_identity"),
    ("credential_process", "credential_process"),
    ("mfa_process", "mfa_process"),
)
_TTL_VARS = (
    ("AWS_ASSUME_ROLE_TTL", "assume_role_duration"),
    ("AWS_SESSION_TOKEN_TTL", "non_chained_get_session_token_duration"),
    ("AWS_CHAINED_SESSION_TOKEN_TTL", "chained_get_session_token_duration"),
    ("AWS_FEDERATION_TOKEN_TTL", "get_federation_token_duration"),
)


class _Loader:
    """aws-vault's ConfigLoader: one per top-level resolve, shared by the source chain."""

    def __init__(
        self,
        cfg: ConfigFile,
        env: Mapping[str, str],
        flags: Flags,
        active: str,
        log: Callable[[str], None] | None,
    ) -> None:
        self.cfg = cfg
        self.env = env
        self.flags = flags
        self.active = active
        self._log = log
        self._logged: set[str] = set()
        self.visited: list[str] = []
        self.source_chain: list[str] = []

    def log(self, message: str) -> None:
        """Each debug line once per resolve: every profile of a chain reads the same env and [default]."""
        if self._log is not None and message not in self._logged:
            self._logged.add(message)
            self._log(message)

    def profile_config(self, name: str) -> ProfileConfig:
        if name in self.source_chain:
            raise ConfigError(
                f"Loop detected in source_profile chain for profile '{name}'; "
                f"fix source_profile in {self.cfg.display} so the chain ends"
            )
        if len(self.source_chain) >= MAX_CHAIN:
            raise ConfigError(
                f"the source_profile chain of profile '{self.active}' is longer than {MAX_CHAIN} "
                f"profiles; shorten it in {self.cfg.display}"
            )
        self.source_chain.append(name)
        try:
            config = self._base(name)
            self._from_env(config)
            self.visited = []
            self._from_file(config, name)
            _apply_defaults(config)
            self._hydrate_source(config)
        finally:
            self.source_chain.pop()
        return config

    def _base(self, name: str) -> ProfileConfig:
        f = self.flags
        config = ProfileConfig(
            profile_name=name,
            in_config=self.cfg.has_profile(name),
            region=f.region,
            mfa_token=f.mfa_token,
            mfa_prompt=f.mfa_prompt,
            no_session=f.no_session,
        )
        if f.duration:
            # The fork's --duration sets all three (upstream left the chained one alone).
            config.assume_role_duration = f.duration
            config.non_chained_get_session_token_duration = f.duration
            config.chained_get_session_token_duration = f.duration
        return config

    def _from_env(self, config: ProfileConfig) -> None:
        env = self.env
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if env.get(var) and not config.region:
                self.log(f"Using region {env[var]!r} from {var}")
                config.region = env[var]
        for var, attr in (
            ("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"),
            ("AWS_ENDPOINT_URL", "endpoint_url"),
            ("AWS_MFA_SERIAL", "mfa_serial"),
        ):
            if env.get(var) and not getattr(config, attr):
                self.log(f"Using {attr} {env[var]!r} from {var}")
                setattr(config, attr, env[var])
        for var, attr in _TTL_VARS:
            text = env.get(var, "")
            if text and not getattr(config, attr):
                seconds = parse_go_duration(text)
                # Go's ParseDuration yields 0 on error, which leaves the field unset.
                if seconds is not None and int(seconds) > 0:
                    self.log(f"Using a duration of {int(seconds)}s from {var}")
                    setattr(config, attr, int(seconds))
        if config.profile_name != self.active:
            return
        # Only the target profile: a role's source must not pick these up.
        for var, attr in (
            ("AWS_ROLE_ARN", "role_arn"),
            ("AWS_ROLE_SESSION_NAME", "role_session_name"),
            ("AWS_SOURCE_IDENTITY", "source_identity"),
        ):
            if env.get(var) and not getattr(config, attr):
                self.log(f"Using {attr} {env[var]!r} from {var}")
                setattr(config, attr, env[var])
        if env.get("AWS_SESSION_TAGS") and not config.session_tags:
            config.session_tags = parse_session_tags(
                env["AWS_SESSION_TAGS"], where="or unset AWS_SESSION_TAGS"
            )
        if env.get("AWS_TRANSITIVE_TAGS") and not config.transitive_session_tags:
            config.transitive_session_tags = parse_transitive_tags(env["AWS_TRANSITIVE_TAGS"])

    def _from_file(self, config: ProfileConfig, name: str) -> None:
        if name in self.visited:
            raise ConfigError(
                f"Loop detected in config file for profile '{name}'; "
                f"fix include_profile in {self.cfg.display} so it does not lead back to '{name}'"
            )
        if len(self.visited) >= MAX_CHAIN:
            raise ConfigError(
                f"the include_profile chain of profile '{config.profile_name}' is longer than "
                f"{MAX_CHAIN} profiles; shorten it in {self.cfg.display}"
            )
        self.visited.append(name)
        section = self.cfg.section(name)
        if section is None:
            self.log(f"Profile '{name}' missing in config file")
            section = {}
        get = section.get
        for key, attr in _COPIED:
            if not getattr(config, attr):
                setattr(config, attr, get(key, ""))
        if not config.assume_role_duration:
            config.assume_role_duration = _duration_seconds(get("duration_seconds", ""), name)
        if not config.sso_session and get("sso_session"):
            session_name = section["sso_session"]
            sso = self.cfg.sso_session(session_name)
            if sso is None:
                raise ConfigError(
                    f"profile '{name}' names sso_session '{session_name}' but there is no "
                    f"[sso-session {session_name}] section in {self.cfg.display}; "
                    "add that section or fix sso_session"
                )
            # The sso-session's values overwrite inline ones, even those set earlier.
            config.sso_session = session_name
            config.sso_start_url = sso.get("sso_start_url", "")
            config.sso_region = sso.get("sso_region", "")
            config.sso_registration_scopes = sso.get("sso_registration_scopes", "")
        for key, attr in _COPIED_AFTER_SSO:
            if not getattr(config, attr):
                setattr(config, attr, get(key, ""))
        tags = get("session_tags", "")
        if tags and not config.session_tags:
            config.session_tags = parse_session_tags(tags, where=f"session_tags in profile '{name}'")
        transitive = get("transitive_session_tags", "")
        if transitive and not config.transitive_session_tags:
            config.transitive_session_tags = parse_transitive_tags(transitive)

        include = get("include_profile", "")
        if name == config.profile_name:
            config.include_profile = include
            config.credential_source = get("credential_source", "")
        if include:
            self._from_file(config, include)
        elif name != DEFAULT_PROFILE:
            self._from_file(config, DEFAULT_PROFILE)

        if config.source_profile_name == config.profile_name:
            config.source_profile_name = ""  # a self-reference is ignored
            config.self_sourced = True

    def _hydrate_source(self, config: ProfileConfig) -> None:
        if not config.source_profile_name:
            return
        source = self.profile_config(config.source_profile_name)
        source.chained_from = config
        config.source = source
        if not config.mfa_process:
            config.mfa_process = source.mfa_process  # the fork's inheritance


def _duration_seconds(text: str, name: str) -> int:
    if not text:
        return 0
    # Longer than 12 digits is no duration STS accepts, and int() refuses > 4300 digits.
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ConfigError(
            f"duration_seconds in profile '{name}' must be a whole number of seconds; "
            "fix it, e.g. duration_seconds = 3600"
        )
    return int(text)


def _apply_defaults(config: ProfileConfig) -> None:
    if not config.assume_role_duration:
        config.assume_role_duration = DEFAULT_SESSION_DURATION
    if not config.get_federation_token_duration:
        config.get_federation_token_duration = DEFAULT_SESSION_DURATION
    if not config.non_chained_get_session_token_duration:
        config.non_chained_get_session_token_duration = DEFAULT_SESSION_DURATION
    if not config.chained_get_session_token_duration:
        config.chained_get_session_token_duration = DEFAULT_CHAINED_SESSION_DURATION


def resolve(
    name: str,
    cfg: ConfigFile,
    env: Mapping[str, str],
    flags: Flags | None = None,
    *,
    log: Callable[[str], None] | None = None,
) -> ProfileConfig:
    """aws-vault's ``GetProfileConfig``: flags, then env, then the file chain, then defaults.

    ``log`` receives aws-vault's debug lines (never a secret). A missing section is not an
    error here; call ``ensure_profile_exists`` first, as the fork does.
    """
    return _Loader(cfg, env, flags or Flags(), name, log).profile_config(name)


def ensure_profile_exists(name: str, cfg: ConfigFile, stored_keys: Collection[str]) -> None:
    """The fork's guard: a profile needs a config section or a stored credential.

    Without it a typo'd name would silently resolve to ``[default]``.
    """
    if cfg.has_profile(name) or name in stored_keys:
        return
    raise ConfigError(
        f"profile '{name}' not found in {cfg.display} and no stored credentials exist for it; "
        f"run 'avault add {name}' or add [profile {name}] to {cfg.display}"
    )
