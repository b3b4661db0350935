"""Shell code for ``eval``: one renderer and one escaper per shell (direnv's shell_*.go pattern).

``render(shell, {name: value or None})`` turns a mapping into code where ``None`` means
unset. Every value is quoted by that shell's own rules; nothing else reaches stdout.
``unquoted`` is the check for export's line formats (env, ini), which have no quoting.
"""

from __future__ import annotations

import re

from avault.constants import SHELLS
from avault.errors import AvaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Mapping

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Everything an in-place switch may set. A switch first unsets all of these, then sets
# the new ones, so nothing from the previous profile survives (granted and awsume do
# the same). The shell files keep the same list for `avs -u`; a test checks they match.
SWITCH_VARS = (
    "AWS_VAULT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    "AWS_CREDENTIAL_FILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AVS_PROFILE",
    "AVS_EXPIRES",
    "AVS_ACCOUNT",
    "AVS_REGION",
    "AVS_ENDPOINT_URL",
)
# Set together with the keys when the profile resolves a region; unset on a switch only
# when a previous switch set them (AWS_REGION == AVS_REGION), never the user's own.
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
# The same for an endpoint_url the profile resolves: AWS_ENDPOINT_URL is unset only when
# it equals AVS_ENDPOINT_URL, i.e. a previous switch set it.


def quote_sh(value: str) -> str:
    """POSIX single quoting, right for bash and zsh: ``'`` becomes ``'\\''``."""
    _check(value)
    if value and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def quote_fish(value: str) -> str:
    """fish single quotes treat ``\\`` and ``'`` specially, so both are escaped."""
    _check(value)
    if value and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check(value: str) -> None:
    if "\0" in value:
        raise AvaultError(
            "a value contains a NUL byte, which no shell variable can hold; "
            "remove it from the config file or variable it came from"
        )


def unquoted(key: str, value: str, fmt: str) -> str:
    """VALUE as it is, or an error: the line formats (env, ini) have no quoting."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise AvaultError(
            f"the value of {key} holds a line break or NUL, which --format {fmt} (a KEY=value "
            "a line, unquoted) cannot carry; remove it from the config file or variable it "
            "came from, or use --format json"
        )
    return value


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise AvaultError(f"{name!r} is not a valid environment variable name")


def render(shell: str, assignments: Mapping[str, str | None]) -> str:
    """Shell code that unsets (None) or exports each name, in the mapping's order."""
    lines: list[str] = []
    for name, value in assignments.items():
        _check_name(name)
        if shell in ("bash", "zsh"):
            lines.append(f"unset {name};" if value is None else f"export {name}={quote_sh(value)};")
        elif shell == "fish":
            lines.append(f"set -e {name};" if value is None else f"set -gx {name} {quote_fish(value)};")
        else:
            raise AvaultError(f"unsupported shell {shell!r}; use one of: {', '.join(SHELLS)}")
    return "\n".join(lines) + ("\n" if lines else "")
