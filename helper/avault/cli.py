"""Argument parsing and the one error funnel. Nothing heavy is imported here.

Each command lives in ``avault.commands.<name>`` and is imported only when it
runs (pip's command registry pattern), so ``avault init`` and the cached
``avault export`` never pay for boto3 or keyring.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, NoReturn

from avault import __version__
from avault.errors import AvaultError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from avault.context import Context

BACKENDS = ("file", "keyring", "secret-service")
EXPORT_FORMATS = ("env", "export-env", "json", "ini", "zsh", "bash", "fish")
SHELLS = ("zsh", "bash", "fish")


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one line: ``avault: <what>; see 'avault <cmd> --help'``."""

    def error(self, message: str) -> NoReturn:
        prog = self.prog.replace("avault", "", 1).strip()
        hint = f"avault {prog} --help" if prog else "avault --help"
        self.exit(2, f"avault: {message}; see '{hint}'\n")


def _global_options(*, suppress: bool) -> _Parser:
    """Options accepted before or after the command, as kingpin does for aws-vault."""
    default = argparse.SUPPRESS if suppress else None
    p = _Parser(add_help=False)
    g = p.add_argument_group("global options")
    g.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show debug output on stderr (never secrets)",
    )
    g.add_argument(
        "--backend",
        choices=BACKENDS,
        default=default,
        help="secret backend [$AWS_VAULT_BACKEND]",
    )
    g.add_argument(
        "--prompt",
        default=default,
        help="MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]",
    )
    g.add_argument("--file-dir", default=default, help="file backend directory [$AWS_VAULT_FILE_DIR]")
    g.add_argument(
        "--secret-service-collection",
        default=default,
        help="Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]",
    )
    g.add_argument(
        "--keychain",
        default=default,
        help="macOS keychain name (accepted for aws-vault compatibility) [$AWS_VAULT_KEYCHAIN_NAME]",
    )
    return p


def _session_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-d",
        "--duration",
        help="duration of the temporary or assumed-role session, e.g. 1h, 90m [$AWS_VAULT_DURATION]",
    )
    p.add_argument("-n", "--no-session", action="store_true", help="skip GetSessionToken")
    p.add_argument("--region", help="the AWS region")
    p.add_argument("-t", "--mfa-token", help="the MFA token to use")
    p.add_argument(
        "--stdout",
        action="store_true",
        help="print the SSO link instead of opening it [$AWS_VAULT_STDOUT]",
    )


def build_parser() -> argparse.ArgumentParser:
    parent = _global_options(suppress=True)
    parser = _Parser(
        prog="avault",
        description="AWS credentials kept encrypted on your machine; switch accounts in place.",
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("-v", "--version", action="version", version=f"avault {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("add", parents=[parent], help="add credentials to the vault")
    p.add_argument(
        "--env",
        action="store_true",
        help="read the keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
    )
    p.add_argument(
        "--add-config",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="add a profile to ~/.aws/config if one does not exist (default: on)",
    )
    p.add_argument("profile", help="name of the profile")
    p.set_defaults(module="add")

    p = sub.add_parser(
        "list", aliases=["ls"], parents=[parent], help="list profiles, credentials and sessions"
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--profiles", action="store_true", help="show only the profile names")
    g.add_argument("--sessions", action="store_true", help="show only the session names")
    g.add_argument("--credentials", action="store_true", help="show only the stored credential names")
    p.set_defaults(module="list")

    p = sub.add_parser("remove", aliases=["rm"], parents=[parent], help="remove credentials from the vault")
    p.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    p.add_argument("-s", "--sessions-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("profile", help="name of the profile")
    p.set_defaults(module="remove")

    p = sub.add_parser("clear", parents=[parent], help="clear temporary credentials from the vault")
    p.add_argument("profile", nargs="?", help="clear only this profile's sessions")
    p.set_defaults(module="clear")

    p = sub.add_parser("exec", parents=[parent], help="run a command with AWS credentials in its environment")
    _session_options(p)
    p.add_argument("-j", "--json", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("profile", nargs="?", help="name of the profile [$AWS_PROFILE]")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="command to run (default: $SHELL)")
    p.set_defaults(module="exec")

    p = sub.add_parser(
        "export",
        parents=[parent],
        help="print AWS credentials, or shell code that switches to them",
    )
    _session_options(p)
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="env",
        help="env, export-env, json (credential_process), ini, or zsh/bash/fish (an in-place switch)",
    )
    p.add_argument("profile", nargs="?", help="name of the profile [$AWS_PROFILE]")
    p.set_defaults(module="export")

    p = sub.add_parser("init", parents=[parent], help="print the shell integration (avs, prompt, completion)")
    p.add_argument("shell", nargs="?", choices=SHELLS, help="the shell (default: detected)")
    p.set_defaults(module="init")

    return parser


def _split_exec_argv(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """``exec [flags] PROFILE -- CMD...``: everything after the first ``--`` is the command."""
    if "exec" in argv and "--" in argv and argv.index("--") > argv.index("exec"):
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, None


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    from avault.context import Context  # noqa: PLC0415 - keep import time tiny

    args_list = list(sys.argv[1:] if argv is None else argv)
    args_list, after_dashdash = _split_exec_argv(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if after_dashdash is not None:
        args.cmd = after_dashdash
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    ctx = ctx or Context.from_os()
    ctx.debug = bool(args.debug)
    try:
        module = importlib.import_module(f"avault.commands.{args.module}")
        return int(module.run(args, ctx))
    except AvaultError as exc:
        print(f"avault: {exc}", file=ctx.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print("avault: interrupted", file=ctx.stderr, flush=True)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); exit quietly like zoxide's SilentExit.
        return 141
    except Exception as exc:
        if ctx.debug:
            import traceback  # noqa: PLC0415

            traceback.print_exc(file=ctx.stderr)
        # Only the type name: an exception's text may quote a secret.
        print(
            f"avault: internal error ({type(exc).__name__}); rerun with --debug and report it",
            file=ctx.stderr,
            flush=True,
        )
        return 70
