"""``avault doctor``: check the setup and explain each problem in one line with its fix.

Each check prints one line: ``ok``, ``note`` (worth knowing, nothing wrong) or
``FAIL`` (something is wrong; the line says how to fix it). The exit status is 1
when any check failed. The report is for people, so it goes to stdout; nothing
here is ever evaluated by a shell.

The shell's ``avs --doctor`` calls ``avault doctor --shell <name>`` (and
``--alias-clash`` when it had to remove zsh-aws-vault's ``avs`` alias), because only
the shell itself knows whether its integration is loaded: it checks each piece (the
``avs`` function, the prompt hook, completion) and passes what it found in
``AVS_DOCTOR``. ``--shell`` without that word from the shell claims nothing.
"""

from __future__ import annotations

import os
import stat

from avault.errors import AvaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from avault.config.ini import ConfigFile
    from avault.context import Context
    from avault.vault.base import Vault

OK, NOTE, FAIL = "ok", "note", "FAIL"
CLOCK_SKEW_LIMIT = 300.0  # seconds; STS rejects signatures more than 5 minutes off
# Keys the AWS CLI and SDKs read from a profile that avault itself ignores: not typos.
OTHER_TOOLS_KEYS = frozenset(
    {
        "output",
        "cli_pager",
        "cli_timestamp_format",
        "cli_follow_urlparam",
        "cli_auto_prompt",
        "cli_binary_format",
        "cli_history",
        "ca_bundle",
        "parameter_validation",
        "tcp_keepalive",
        "max_attempts",
        "retry_mode",
        "credential_source",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "s3",
        "sts",
        "services",
        "use_fips_endpoint",
        "use_dualstack_endpoint",
        "defaults_mode",
        "ignore_configured_endpoint_urls",
        "request_min_compression_size_bytes",
        "disable_request_compression",
        "sdk_ua_app_id",
        "account_id_endpoint_mode",
        "sigv4a_signing_region_set",
        "request_checksum_calculation",
        "response_checksum_validation",
        "aws_account_id",
        "metadata_service_timeout",
        "metadata_service_num_attempts",
        "ec2_metadata_service_endpoint",
        "ec2_metadata_service_endpoint_mode",
        "ec2_metadata_v1_disabled",
        "endpoint_discovery_enabled",
        "auth_scheme_preference",
        "parent_profile",
    }
)


class Report:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.failed = 0

    def line(self, level: str, topic: str, message: str) -> None:
        if level == FAIL:
            self.failed += 1
        from avault.text import printable  # noqa: PLC0415

        self.ctx.stdout.write(f"{level:<5} {topic}: {printable(message)}\n")


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


# -- the vault --------------------------------------------------------------------------------


def check_vault(args: argparse.Namespace, ctx: Context, report: Report) -> Vault | None:
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.vault.select import backend_name, file_dir, open_vault  # noqa: PLC0415

    opts = vault_options(args)

    try:
        name = backend_name(opts, ctx)
    except AvaultError as exc:
        report.line(FAIL, "backend", str(exc))
        return None
    if name == "file":
        directory = ctx.expand(file_dir(opts, ctx))
        _check_file_dir(directory, ctx, report)
        _check_file_unlock(directory, ctx, report)
    try:
        vault = open_vault(opts, ctx)
        count = len(vault.keys())
    except AvaultError as exc:
        report.line(FAIL, "backend", f"{name}: {exc}")
        return None
    if name == "pass":  # listing reads file names; gpg decrypts an entry only when it is used
        report.line(OK, "backend", f"{vault.describe()} is readable ({count} items)")
    elif name != "file":
        report.line(OK, "backend", f"{vault.describe()} is reachable and unlocked ({count} items)")
    return vault


def _check_file_dir(directory: Path, ctx: Context, report: Report) -> None:
    from avault.config.paths import display_path  # noqa: PLC0415

    shown = display_path(directory, ctx.home)
    if not directory.exists():
        report.line(
            NOTE, "backend", f"file vault {shown} does not exist yet; 'avault add PROFILE' creates it"
        )
        return
    if not directory.is_dir():
        report.line(FAIL, "backend", f"{shown} is not a directory; move it away or set AWS_VAULT_FILE_DIR")
        return
    st = directory.stat()
    problems = []
    if stat.S_IMODE(st.st_mode) & 0o077:
        problems.append(f"{shown} has mode {stat.S_IMODE(st.st_mode):03o}; fix: chmod 700 {shown}")
    if st.st_uid != os.getuid():
        problems.append(f"{shown} belongs to uid {st.st_uid}, not you; fix: chown it or use another dir")
    loose = [
        p.name for p in directory.iterdir() if p.is_file() and not p.is_symlink() and (_mode(p) or 0) & 0o077
    ]
    if loose:
        problems.append(
            f"{len(loose)} item(s) readable by others (e.g. {loose[0]}); fix: chmod 600 {shown}/*"
        )
    for p in problems:
        report.line(FAIL, "vault permissions", p)
    if not problems:
        report.line(OK, "vault permissions", f"{shown} is 0700 and its items 0600")


def _check_file_unlock(directory: Path, ctx: Context, report: Report) -> None:
    from avault.vault.passphrase import AGENT_VAR, COMMAND_VAR, PASSPHRASE_VAR  # noqa: PLC0415

    if PASSPHRASE_VAR in ctx.env:
        report.line(OK, "backend", f"file vault, unlocked by {PASSPHRASE_VAR}")
        return
    if ctx.env.get(COMMAND_VAR):
        report.line(OK, "backend", f"file vault, unlocked by {COMMAND_VAR} when needed")
        return
    if ctx.env.get(AGENT_VAR) != "0" and _agent_holds_key(ctx):
        report.line(OK, "backend", "file vault, unlocked by the running avault agent")
        return
    hint = "" if ctx.env.get(AGENT_VAR) == "1" else "; set AVAULT_AGENT=1 to be asked once per login"
    from avault.config.paths import display_path  # noqa: PLC0415

    shown = display_path(directory, ctx.home)
    report.line(NOTE, "backend", f"file vault {shown} is locked: you will be asked for its passphrase{hint}")


def _agent_holds_key(ctx: Context) -> bool:
    from avault.errors import AgentUnavailable  # noqa: PLC0415
    from avault.vault.passphrase_agent import AgentClient  # noqa: PLC0415

    try:
        client = AgentClient.connect(ctx.env, timeout=2.0)
    except (AgentUnavailable, AvaultError, OSError):
        return False
    try:
        status = client.request("status")
    except (AgentUnavailable, AvaultError, OSError):
        return False
    finally:
        client.close()
    return bool(status.get("vaults"))


# -- the config file ---------------------------------------------------------------------------


def check_config(ctx: Context, vault: Vault | None, report: Report) -> None:
    from avault import config as cfgmod  # noqa: PLC0415
    from avault.sessions import is_credential_key  # noqa: PLC0415

    path = cfgmod.config_path(ctx.env, ctx.home)
    shown = cfgmod.display_path(path, ctx.home)
    try:
        cfg = cfgmod.ConfigFile.load(path, home=ctx.home)
    except AvaultError as exc:
        report.line(FAIL, "config", str(exc))
        return
    keys = vault.keys() if vault is not None else []
    stored = {k for k in keys if is_credential_key(k)}
    names = cfg.profile_names()
    before = report.failed
    for name in names:
        _check_profile(cfg, name, ctx, stored, report)
    if report.failed == before:
        report.line(OK, "config", f"{shown}: {len(names)} profiles resolve, each with a credential source")
    _check_spaced_headers(cfg, shown, report)


def _check_spaced_headers(cfg: ConfigFile, shown: str, report: Report) -> None:
    """``[ default ]``: go-ini and botocore keep the spaces, so the section is ignored."""
    for name in dict.fromkeys(cfg.unrecognised_sections):  # once per header, in file order
        meant = name.strip()
        if meant != name and (meant == "default" or meant.startswith(("profile ", "sso-session "))):
            report.line(
                NOTE,
                "config",
                f"{shown}: section [{name}] has spaces inside its brackets, so aws-vault, the AWS CLI "
                f"and avault ignore it (it is not [{meant}]); write it as [{meant}]",
            )


def _check_profile(cfg: ConfigFile, name: str, ctx: Context, stored: set[str], report: Report) -> None:
    from avault import config as cfgmod  # noqa: PLC0415

    section = cfg.section(name) or {}
    source = section.get("source_profile", "")
    if source and source != name and not cfg.has_profile(source) and source not in stored:
        report.line(
            FAIL,
            "config",
            f"profile {name!r}: source_profile {source!r} does not exist; add [profile {source}] "
            f"or fix the name",
        )
        return
    unknown = sorted(k for k in section if k not in cfgmod.PROFILE_KEYS and k not in OTHER_TOOLS_KEYS)
    if unknown:
        report.line(
            FAIL,
            "config",
            f"profile {name!r}: unknown key(s) {', '.join(unknown)}; check the spelling "
            "(see the README's list of profile keys)",
        )
    try:
        resolved = cfgmod.resolve(name, cfg, ctx.env, cfgmod.Flags())
    except AvaultError as exc:
        report.line(FAIL, "config", f"profile {name!r}: {exc}")
        return
    root = resolved
    while root.source is not None:
        root = root.source
    has_creds = (
        root.profile_name in stored
        or root.has_sso()
        or root.has_web_identity()
        or root.has_credential_process()
    )
    if not has_creds:
        report.line(
            FAIL,
            "config",
            f"profile {name!r} has no credentials: no stored keys for {root.profile_name!r}, no SSO, "
            f"credential_process or web identity; fix: avault add {root.profile_name}",
        )


# -- the shell ---------------------------------------------------------------------------------


# `avs --doctor` checks each piece in the shell and passes "SHELL PIECE..." here.
DOCTOR_VAR = "AVS_DOCTOR"
PIECES = (("avs", "avs"), ("prompt", "prompt segment"), ("completion", "completion"))
COMPLETION_FIX = {
    "zsh": 'run compinit before eval "$(avault init zsh)" in ~/.zshrc',
    "bash": "load avault after other completion setup in ~/.bashrc",
    "fish": "load avault after other completion setup in config.fish",
}


def _report_pieces(shell: str, pieces: set[str], report: Report) -> None:
    if "avs" not in pieces:
        report.line(
            FAIL,
            "shell",
            f"the {shell} integration is not loaded: avs is not its function (an alias or another "
            "avs replaced it); load avault last in the shell's rc file",
        )
        return
    loaded = [label for piece, label in PIECES if piece in pieces]
    report.line(OK, "shell", f"the {shell} integration is loaded ({', '.join(loaded)})")
    if "prompt" not in pieces:
        report.line(
            NOTE,
            "shell",
            f"the {shell} prompt segment is not hooked (a non-interactive shell, or a prompt set "
            "up after avault); load avault last to see the profile in the prompt",
        )
    if "completion" not in pieces:
        report.line(
            NOTE, "shell", f"{shell} completion for avault is not registered; {COMPLETION_FIX[shell]}"
        )


def check_shell(args: argparse.Namespace, ctx: Context, report: Report) -> None:
    shell = getattr(args, "shell", None)
    if getattr(args, "alias_clash", False):
        report.line(
            NOTE,
            "shell",
            "zsh-aws-vault's alias avs='aws-vault server' was removed so the avs function works; "
            "load avault after zsh-aws-vault (it already is)",
        )
    if shell:
        words = ctx.env.get(DOCTOR_VAR, "").split()
        if words[:1] == [shell]:
            _report_pieces(shell, set(words[1:]), report)
            return
        report.line(
            NOTE,
            "shell",
            f"the {shell} integration was not confirmed by the shell; run 'avs --doctor' inside {shell}",
        )
    rc_files = {
        "zsh": ctx.home / ".zshrc",
        "bash": ctx.home / ".bashrc",
        "fish": ctx.expand(ctx.env.get("XDG_CONFIG_HOME") or "~/.config") / "fish/config.fish",
    }
    found = []
    for name, rc in rc_files.items():
        try:
            text = rc.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "avault init" in text or ("plugins=" in text and "avault" in text):
            found.append(name)
    if found:
        report.line(
            NOTE,
            "shell",
            f"init line found for {', '.join(found)}; "
            "run 'avs --doctor' inside the shell to check it is loaded",
        )
    else:
        report.line(
            FAIL,
            "shell",
            'no shell integration found; add eval "$(avault init zsh)" to ~/.zshrc '
            "(bash: ~/.bashrc; fish: avault init fish | source), or run ./install.sh",
        )


# -- the clock ----------------------------------------------------------------------------------


def check_clock(ctx: Context, report: Report) -> None:
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415
    from email.utils import parsedate_to_datetime  # noqa: PLC0415

    endpoint = (
        ctx.env.get("AWS_ENDPOINT_URL_STS") or ctx.env.get("AWS_ENDPOINT_URL") or "https://sts.amazonaws.com"
    )
    if not endpoint.startswith(("http://", "https://")):
        report.line(NOTE, "clock", f"skipped: {endpoint!r} is not an http(s) URL")
        return
    request = urllib.request.Request(endpoint, method="GET")  # noqa: S310 - http(s) only, checked above
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            date = response.headers.get("Date")
    except urllib.error.HTTPError as exc:  # any answer carries the server's Date
        date = exc.headers.get("Date")
    except (OSError, ValueError):
        report.line(NOTE, "clock", f"skipped: STS at {endpoint} did not answer")
        return
    if not date:
        report.line(NOTE, "clock", f"skipped: STS at {endpoint} sent no Date header")
        return
    try:
        server = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        report.line(NOTE, "clock", "skipped: STS sent an unreadable Date header")
        return
    skew = ctx.now() - server
    if abs(skew) > CLOCK_SKEW_LIMIT:
        direction = "ahead of" if skew > 0 else "behind"
        report.line(
            FAIL,
            "clock",
            f"this machine's clock is {abs(skew):.0f}s {direction} STS; AWS rejects requests more "
            "than 5 minutes off; fix: enable time sync (timedatectl set-ntp true)",
        )
    else:
        report.line(OK, "clock", f"within {abs(skew):.0f}s of STS")


# -- plaintext keys ----------------------------------------------------------------------------------


def check_plaintext(ctx: Context, report: Report) -> None:
    from avault.config.paths import display_path  # noqa: PLC0415

    path = ctx.expand(ctx.env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
    shown = display_path(path, ctx.home)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        report.line(OK, "plaintext keys", f"no {shown}")
        return
    current = ""
    keyed: dict[str, set[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        key = line.split("=", 1)[0].strip().lower() if "=" in line else ""
        if current and key in ("aws_access_key_id", "aws_session_token"):
            keyed.setdefault(current, set()).add(key)
    profiles = [p for p, keys in keyed.items() if keys == {"aws_access_key_id"}]
    if profiles:
        report.line(
            FAIL,
            "plaintext keys",
            f"{shown} still holds long-term keys for {', '.join(profiles)}; "
            "move them into the vault: avault import --remove-from-file",
        )
    else:
        report.line(OK, "plaintext keys", f"{shown} holds no long-term keys")


# -- directories others could write to ------------------------------------------------------------


def relied_on_dirs(args: argparse.Namespace, ctx: Context) -> list[Path]:
    """Directories whose files avault trusts: config, vault, SSO cache, its own state and runtime."""
    from avault import config as cfgmod  # noqa: PLC0415
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.console import pages_dir, profile_dir  # noqa: PLC0415
    from avault.recent import recent_path  # noqa: PLC0415
    from avault.vault.passphrase_agent import runtime_dir  # noqa: PLC0415
    from avault.vault.select import file_dir  # noqa: PLC0415

    vault = ctx.expand(file_dir(vault_options(args), ctx))
    dirs = [
        cfgmod.config_path(ctx.env, ctx.home).parent,
        ctx.home / ".aws" / "sso",
        ctx.home / ".aws" / "sso" / "cache",
        vault,
        ctx.home / ".awsvault",
        runtime_dir(ctx.env),
        pages_dir(ctx.env, ctx.home).parent,  # also bash's completion stamps
        pages_dir(ctx.env, ctx.home),
        recent_path(ctx.env, ctx.home).parent,
        profile_dir(ctx.env, ctx.home, "chrome", "x").parent.parent,
    ]
    return list(dict.fromkeys(dirs))


def check_dirs(args: argparse.Namespace, ctx: Context, report: Report) -> None:
    from avault.config.paths import display_path, private_group  # noqa: PLC0415

    before = report.failed
    for directory in relied_on_dirs(args, ctx):
        try:
            st = directory.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        shown = display_path(directory, ctx.home)
        mode = stat.S_IMODE(st.st_mode)
        if mode & stat.S_IWOTH or (mode & stat.S_IWGRP and not private_group(st.st_gid)):
            who = "everyone" if mode & stat.S_IWOTH else "its group"
            report.line(
                FAIL,
                "directories",
                f"{shown} (mode {mode:03o}) is writable by {who}, who could replace what avault "
                f"reads there; fix: chmod 700 {shown}",
            )
        elif st.st_uid != os.getuid():
            report.line(FAIL, "directories", f"{shown} belongs to uid {st.st_uid}, not you; fix: chown it")
    if report.failed == before:
        report.line(OK, "directories", "none of the directories avault relies on is writable by others")


def run(args: argparse.Namespace, ctx: Context) -> int:
    report = Report(ctx)
    vault = check_vault(args, ctx, report)
    check_dirs(args, ctx, report)
    check_config(ctx, vault, report)
    check_shell(args, ctx, report)
    check_clock(ctx, report)
    check_plaintext(ctx, report)
    ctx.stdout.flush()
    if report.failed:
        ctx.info(f"avault: doctor found {report.failed} problem(s); each FAIL line says how to fix it")
        return 1
    return 0
