"""``avault init [zsh|bash|fish|direnv]``: print the shell integration for ``eval``/``source``.

The files under ``shell/`` are the single source (zoxide's ``templates/`` idea, but
with no templating): the wheel carries a copy at ``avault/shell``, a source checkout
has them at the repository root, and this command prints the one for the shell (for
fish, the fisher layout's parts joined).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import avault
from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context

# shell name -> the file that `avault init <shell>` prints, relative to shell/
FILES = {
    "zsh": "zsh/avs.zsh",
    "bash": "bash/avs.bash",
    # fish: the fisher layout under fish/, printed joined (see fish_source)
    "fish": "fish/conf.d/avault.fish",
    # not a shell: a direnv stdlib extension (`use avault PROFILE` in an .envrc)
    "direnv": "direnv/avault.sh",
}


def shell_dir() -> Path:
    """The wheel's copy (``avault/shell``) if present, else the checkout's ``shell/``."""
    package = Path(avault.__file__).resolve().parent
    for candidate in (package / "shell", package.parent.parent / "shell"):
        if (candidate / FILES["zsh"]).is_file():
            return candidate
    raise AvaultError("the shell integration files are missing from this install; reinstall avault")


def fish_parts(root: Path) -> list[Path]:
    """The fisher layout's files in the order ``avault init fish`` joins them."""
    fish = root / "fish"
    functions = sorted((fish / "functions").glob("*.fish"))
    return [fish / "conf.d/avault.fish", *functions, fish / "completions/avault.fish"]


def fish_source(root: Path) -> str:
    """The fish integration as one text for ``source``: the fisher layout, joined."""
    return "\n".join(p.read_text(encoding="utf-8") for p in fish_parts(root))


def detect_shell() -> str:
    """The shell that started us, as shellingham sees it (parent processes, then $SHELL)."""
    import shellingham  # noqa: PLC0415 - only `init` without a shell name needs it

    try:
        name, _path = shellingham.detect_shell()
    except shellingham.ShellDetectionFailure:
        raise AvaultError(f"could not detect your shell; name it: avault init {'|'.join(FILES)}") from None
    return str(name).lower()


def run(args: argparse.Namespace, ctx: Context) -> int:
    shell = args.shell or detect_shell()
    if shell not in FILES:
        raise AvaultError(
            f"unsupported shell {shell!r}; supported shells: {', '.join(FILES)} "
            "(to ask for another, open an issue in the avault repository)"
        )
    root = shell_dir()
    text = fish_source(root) if shell == "fish" else (root / FILES[shell]).read_text(encoding="utf-8")
    ctx.stdout.write(text)
    ctx.stdout.flush()
    return 0
