"""Argument parsing: argparse only. The error funnel is ``avault.main.main``.

Each command lives in ``avault.commands.<name>`` and is imported only when it
runs (pip's command registry pattern), so ``avault init`` and the cached
``avault export`` never pay for boto3 or keyring. It imports nothing from ``main``:
the lists of shells, backends and formats come from ``avault.constants``.
"""

from __future__ import annotations

import argparse

from avault import __version__
from avault.constants import BACKENDS, EXPORT_FORMATS, SHELLS

__all__ = ["BACKENDS", "EXPORT_FORMATS", "SHELLS", "build_parser"]

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from typing import Any, NoReturn


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one line: ``avault: <what>; see 'avault <cmd> --help'``."""

    def error(self, message: str) -> NoReturn:
        prog = self.prog.replace("avault", "", 1).strip()
        hint = f"avault {prog} --help" if prog else "avault --help"
        self.exit(2, f"avault: {message}; see '{hint}'\n")


class _Available:
    """The backends available on this machine, worked out only when --help is shown."""

    def __str__(self) -> str:
        import os  # noqa: PLC0415

        from avault.vault.select import available  # noqa: PLC0415

        return ", ".join(available(os.environ))


def _backend(value: str) -> str:
    """--backend's value; an unknown one is a one-line error naming those available here."""
    if value not in BACKENDS:
        import os  # noqa: PLC0415

        from avault.vault.select import not_available  # noqa: PLC0415

        raise argparse.ArgumentTypeError(not_available(value, os.environ))
    return value


#: The global options that take a value and default to their $AWS_VAULT_* variable.
_VAULT_OPTIONS = (
    ("--prompt", "MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]"),
    ("--file-dir", "file backend directory [$AWS_VAULT_FILE_DIR]"),
    ("--secret-service-collection", "Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]"),
    ("--keychain", "macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]"),
    ("--pass-dir", "pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]"),
    ("--pass-cmd", "the pass command [$AWS_VAULT_PASS_CMD]"),
    ("--pass-prefix", "prefix of avault's pass entries [$AWS_VAULT_PASS_PREFIX]"),
)


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
    backend = g.add_argument(
        "--backend",
        choices=BACKENDS,
        type=_backend,
        metavar="BACKEND",
        default=default,
        help="secret backend, one of those available here: %(available)s [$AWS_VAULT_BACKEND]",
    )
    backend.available = _Available()  # type: ignore[attr-defined]  # read by argparse's help formatting
    for flag, help_text in _VAULT_OPTIONS:
        g.add_argument(flag, default=default, help=help_text)
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


def _server_options(p: argparse.ArgumentParser) -> None:
    """exec's credential-server mode (avault.ecs_exec, avault.server)."""
    p.add_argument(
        "-s",
        "--server",
        "--ecs-server",
        dest="ecs_server",
        action="store_true",
        help="serve credentials to the command through a local ECS endpoint instead of env keys",
    )
    p.add_argument("--lazy", action="store_true", help="with --ecs-server, fetch credentials on first use")
    p.add_argument(
        "--ecs-server-address",
        metavar="IP",
        help="with --ecs-server: listen on this address, e.g. for containers (default 127.0.0.1) "
        "[$AVAULT_ECS_SERVER_ADDRESS]",
    )
    p.add_argument("--ec2-server", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--background",
        action="store_true",
        help="with --ecs-server: detach the server and print shell code exporting its address (avs --server)",
    )
    p.add_argument("--format", choices=SHELLS, help="with --background: the shell to print code for")
    p.add_argument(
        "--watch-pid",
        type=int,
        metavar="PID",
        help="with --background: stop the server when this process exits (default: the parent)",
    )


def _login_logout_rotate(sub: Any, parent: argparse.ArgumentParser) -> None:  # noqa: ANN401 - argparse's private type
    p = sub.add_parser("login", parents=[parent], help="open the AWS console signed in as a profile")
    p.add_argument("-d", "--duration", help="duration of the console session, e.g. 1h [$AWS_VAULT_DURATION]")
    p.add_argument("-n", "--no-session", action="store_true", help="skip GetSessionToken for every profile")
    p.add_argument("-t", "--mfa-token", help="the MFA token to use")
    p.add_argument("--region", help="the console region")
    p.add_argument("--path", help="console path (e.g. s3/home), used when a region is set")
    p.add_argument(
        "-s",
        "--stdout",
        action="store_true",
        help="print the login URL instead of opening it [$AWS_VAULT_STDOUT]",
    )
    p.add_argument(
        "-a",
        "--auto-logout",
        action="store_true",
        help="log out of any console session first [$AWS_VAULT_AUTO_LOGOUT]",
    )
    p.add_argument(
        "--browser-profile",
        metavar="NAME",
        help="open a separate browser profile NAME, so accounts sit side by side [$AVS_LOGIN_ISOLATED=1]",
    )
    p.add_argument(
        "profile", nargs="?", help="name of the profile [$AWS_PROFILE; else env credentials; else a menu]"
    )
    p.set_defaults(module="login")

    p = sub.add_parser("logout", parents=[parent], help="forget a profile's cached sessions")
    p.add_argument("--sso", action="store_true", help="also forget the SSO token")
    p.add_argument(
        "--revoke",
        action="store_true",
        help="also revoke every active session of the profile's role (affects all its users)",
    )
    p.add_argument("-f", "--force", action="store_true", help="with --revoke: do not ask for confirmation")
    p.add_argument("--format", choices=SHELLS, help="print shell code that clears this shell (avs --logout)")
    p.add_argument("profile", nargs="?", help="name of the profile [$AVS_PROFILE]")
    p.set_defaults(module="logout")

    p = sub.add_parser("rotate", parents=[parent], help="replace a profile's access key with a new one")
    p.add_argument("-n", "--no-session", action="store_true", help="use the stored keys, not a session")
    p.add_argument("profile", nargs="?", help="name of the profile (default: a menu, at a terminal)")
    p.set_defaults(module="rotate")


def _version_and_proxy(sub: Any, parent: argparse.ArgumentParser) -> None:  # noqa: ANN401 - argparse's type
    """``version``, and aws-vault's hidden ``proxy`` (alias ``server``): no help, so hidden."""
    p = sub.add_parser("version", parents=[parent], help="print the avault version")
    p.set_defaults(module="version")
    p = sub.add_parser("proxy", aliases=["server"], parents=[parent])
    p.add_argument("--stop", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(module="proxy")


def build_parser() -> argparse.ArgumentParser:
    parent = _global_options(suppress=True)
    # `--version` after the command too, as kingpin reads aws-vault's (not after exec's `--`).
    version = f"avault {__version__}"
    parent.add_argument("--version", action="version", version=version, help=argparse.SUPPRESS)
    parser = _Parser(
        prog="avault",
        description="AWS credentials kept encrypted on your machine; switch accounts in place.",
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("-v", "--version", action="version", version=version)
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
    # Not exclusive: as in aws-vault, --credentials wins over --profiles, which wins over --sessions.
    p.add_argument("--profiles", action="store_true", help="show only the profile names")
    p.add_argument("--sessions", action="store_true", help="show only the session names")
    p.add_argument("--credentials", action="store_true", help="show only the stored credential names")
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
    p.add_argument(
        "--profile-env",
        action="store_true",
        help="give the command AWS_PROFILE instead of keys, once they were fetched [$AWS_VAULT_PROFILE_ENV]",
    )
    _server_options(p)
    p.add_argument("profile", nargs="?", help="name of the profile [$AWS_PROFILE; else a menu at a terminal]")
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
    p.add_argument("profile", nargs="?", help="name of the profile [$AWS_PROFILE; else a menu at a terminal]")
    p.set_defaults(module="export")

    _login_logout_rotate(sub, parent)

    p = sub.add_parser("init", parents=[parent], help="print the shell integration (avs, prompt, completion)")
    p.add_argument(
        "shell",
        nargs="?",
        choices=(*SHELLS, "direnv"),
        help="the shell (default: detected); direnv: the `use avault PROFILE` extension",
    )
    p.set_defaults(module="init")

    # -- the profile picker behind `avs` with no argument (avault.picker) ----------------
    p = sub.add_parser("pick", parents=[parent], help="choose a profile in a menu; print its name")
    p.add_argument(
        "--picker",
        choices=("fzf", "builtin"),
        help="the menu to use [$AVS_PICKER; default: fzf if installed]",
    )
    p.set_defaults(module="pick")

    # -- passphrase agent and migration (avault.vault.passphrase, .passphrase_agent) -------
    p = sub.add_parser(
        "agent", parents=[parent], help="keep the file vault's passphrase in memory (like ssh-agent)"
    )
    p.add_argument("--stop", action="store_true", help="stop the running agent")
    p.add_argument("--foreground", action="store_true", help="run in this process instead of detaching")
    p.set_defaults(module="agent")

    p = sub.add_parser("lock", parents=[parent], help="make the agent forget the passphrase")
    p.set_defaults(module="lock")

    p = sub.add_parser(
        "import", parents=[parent], help="move plaintext keys from ~/.aws/credentials into the vault"
    )
    p.add_argument(
        "--from-credentials-file",
        nargs="?",
        const="",
        default="",
        metavar="PATH",
        help="the credentials file [$AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials]",
    )
    p.add_argument(
        "--profile",
        dest="profiles",
        action="extend",
        nargs="+",
        default=[],
        metavar="P",
        help="import only these profiles (default: every profile with long-term keys)",
    )
    p.add_argument(
        "--remove-from-file",
        action="store_true",
        help="then remove the imported keys from the file (a 0600 backup is kept)",
    )
    p.set_defaults(module="import_creds")

    p = sub.add_parser(
        "migrate-backend", parents=[parent], help="copy long-term credentials to another backend"
    )
    p.add_argument(
        "--from", dest="from_backend", required=True, choices=BACKENDS, type=_backend, help="source backend"
    )
    p.add_argument(
        "--to", dest="to_backend", required=True, choices=BACKENDS, type=_backend, help="destination backend"
    )
    p.add_argument("--profile", help="migrate only this profile")
    p.add_argument("--dry-run", action="store_true", help="show what would be migrated, change nothing")
    p.add_argument("--overwrite", action="store_true", help="replace credentials already in the destination")
    p.add_argument(
        "--delete-source", action="store_true", help="delete each credential from the source once verified"
    )
    p.set_defaults(module="migrate_backend")

    # -- IAM Identity Center (avault.sso) ------------------------------------------------
    p = sub.add_parser("sso", parents=[parent], help="IAM Identity Center: list accounts and roles")
    sso_sub = p.add_subparsers(dest="sso_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser)
    p = sso_sub.add_parser(
        "accounts", parents=[parent], help="list the accounts and roles your SSO sign-in can use"
    )
    p.add_argument("session", nargs="?", help="the [sso-session] name (default: the only one)")
    p.add_argument(
        "--write-config",
        action="store_true",
        help="add a [profile ACCOUNT-ROLE] for each pair with no profile (dry run without --yes)",
    )
    p.add_argument("--yes", action="store_true", help="with --write-config: really write ~/.aws/config")
    p.add_argument("--region", help="with --write-config: the profiles' region (default: sso_region)")
    p.add_argument("--stdout", action="store_true", help="print the SSO link instead of opening it")
    p.set_defaults(module="sso_accounts")

    p = sub.add_parser("doctor", parents=[parent], help="check the setup; one line per problem, with its fix")
    p.add_argument("--shell", choices=SHELLS, help=argparse.SUPPRESS)  # set by `avs --doctor`
    p.add_argument("--alias-clash", action="store_true", help=argparse.SUPPRESS)  # likewise
    p.set_defaults(module="doctor")

    _version_and_proxy(sub, parent)
    # `avault avs check -- ARGS`: avs's usage and messages, for the shells' error paths;
    # `avault avs status|avr|avp`: avs -s, and what the avr and avp aliases print;
    # `avault avs profiles`: bash's completion cache, as code (hidden).
    p = sub.add_parser("avs", add_help=False)
    p.add_argument("what", choices=["check", "status", "avr", "avp", "profiles"])
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(module="avs")
    return parser
