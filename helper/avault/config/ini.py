"""The ~/.aws/config INI parser, with aws-vault (maintained fork) semantics.

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

from avault.config.paths import check_owner_and_mode, config_path, display_path, write_config_file
from avault.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from avault.fsutil import StatCache

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


_INLINE_COMMENT = re.compile(r"[ \t][#;]")


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
# The same and the non-ASCII rest, as a pattern compiled only for a non-ASCII file (re caches it).
_ODD_SPACE_CLASS = "[" + _ODD_SPACE + "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
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
        cls,
        path: Path,
        *,
        home: Path | None = None,
        warn: Callable[[str], None] | None = None,
        cache: StatCache | None = None,
    ) -> ConfigFile:
        """Read and parse ``path``; refuse it if another user could have written it.

        ``warn`` receives the group-writable warning (default: stderr, once per process).
        ``cache`` (the agent's): the parse is reused while the file's stat is unchanged,
        shared between threads, so the result is read-only (never ``add_profile``).
        """
        if cache is not None:
            return cache.get(path, f"config\0{home}", lambda: cls.load(path, home=home, warn=warn))
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
        elif re.search(_ODD_SPACE_CLASS, text):
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
        write_config_file(target, new, display=self.display)
        keys = self._profiles.get(name)
        if keys is None:
            keys = self._profiles.table(name)
        keys.update({k.lower(): v for k, v in values.items()})


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
