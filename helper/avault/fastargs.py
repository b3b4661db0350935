"""``export``'s command line read without argparse, for the cached switch.

argparse and the ``shutil`` its help formatter pulls in cost ~9 ms to import and build, so
the one command a shell runs on every switch is read here: main's fast path, and the
agent's switch (``avault.agentswitch``) for the same arguments. Only plain, unambiguous
spellings are accepted; everything else goes to argparse (None), and a test checks the two
agree on every argument list accepted here.
"""

from __future__ import annotations

import types

from avault.constants import BACKENDS, EXPORT_FORMATS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Sequence

# export's options: spelling -> (destination, choices or None). Globals are included,
# because aws-vault accepts them after the command too.
_EXPORT_VALUES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "--format": ("format", EXPORT_FORMATS),
    "-d": ("duration", None),
    "--duration": ("duration", None),
    "--region": ("region", None),
    "-t": ("mfa_token", None),
    "--mfa-token": ("mfa_token", None),
    "--backend": ("backend", BACKENDS),
    "--prompt": ("prompt", None),
    "--file-dir": ("file_dir", None),
    "--secret-service-collection": ("secret_service_collection", None),
    "--keychain": ("keychain", None),
    "--pass-dir": ("pass_dir", None),
    "--pass-cmd": ("pass_cmd", None),
    "--pass-prefix": ("pass_prefix", None),
}
_EXPORT_FLAGS = {"-n": "no_session", "--no-session": "no_session", "--stdout": "stdout", "--debug": "debug"}


def fast_export_args(argv: Sequence[str]) -> types.SimpleNamespace | None:
    """``export``'s arguments exactly as argparse would give them, or None to ask argparse."""
    if not argv or argv[0] != "export":
        return None
    ns: dict[str, object] = {
        "debug": False,
        "backend": None,
        "prompt": None,
        "file_dir": None,
        "secret_service_collection": None,
        "keychain": None,
        "pass_dir": None,
        "pass_cmd": None,
        "pass_prefix": None,
        "command": "export",
        "duration": None,
        "no_session": False,
        "region": None,
        "mfa_token": None,
        "stdout": False,
        "format": "env",
        "profile": None,
        "module": "export",
    }
    profile_seen = False
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in _EXPORT_FLAGS:
            ns[_EXPORT_FLAGS[arg]] = True
        elif arg in _EXPORT_VALUES or (arg.startswith("--") and arg.split("=", 1)[0] in _EXPORT_VALUES):
            name, _, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if arg.startswith("--") and "=" in arg:
                value = attached
            else:
                if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                    return None  # missing value, or one argparse reads differently
                i += 1
                value = argv[i]
            dest, choices = _EXPORT_VALUES[name]
            if choices is not None and value not in choices:
                return None  # argparse prints the error
            ns[dest] = value
        elif arg == "--" and i == len(argv) - 2 and not profile_seen:
            # `avs` passes the profile after `--`, so one starting with `-` is still a name.
            ns["profile"] = argv[i + 1]
            profile_seen = True
            i += 1
        elif arg.startswith("-") or profile_seen:
            return None  # --help, abbreviations, attached short values, a 2nd positional
        else:
            ns["profile"] = arg
            profile_seen = True
        i += 1
    return types.SimpleNamespace(**ns)
