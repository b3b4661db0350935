"""avault.cmdline: the one reader of a parsed command line into the domain's options."""

from __future__ import annotations

import pytest

from avault.cli import build_parser
from avault.cmdline import session_options, vault_options
from avault.fastargs import fast_export_args
from avault.switch import SessionOptions
from avault.vault.select import VaultOptions

VAULT_FIELDS = VaultOptions.__slots__
SESSION_FIELDS = tuple(f for f in SessionOptions.__slots__ if f != "vault")


def fields(opts: SessionOptions) -> dict[str, object]:
    out: dict[str, object] = {f: getattr(opts, f) for f in SESSION_FIELDS}
    out.update({f"vault.{f}": getattr(opts.vault, f) for f in VAULT_FIELDS})
    return out


def parse(*argv: str) -> SessionOptions:
    return session_options(build_parser().parse_args(list(argv)))


EVERY_VAULT_OPTION = (
    "--backend",
    "pass",
    "--file-dir",
    "/v",
    "--secret-service-collection",
    "c",
    "--keychain",
    "login",
    "--pass-dir",
    "/p",
    "--pass-cmd",
    "gopass",
    "--pass-prefix",
    "aws",
)


def test_every_option_reaches_its_field() -> None:
    opts = parse(
        "export",
        *EVERY_VAULT_OPTION,
        "-d",
        "2h",
        "-t",
        "123456",
        "--region",
        "eu-west-1",
        "--prompt",
        "terminal",
        "--stdout",
        "--format",
        "zsh",
        "prod",
    )
    assert fields(opts) == {
        "duration": "2h",
        "foreground_server": False,
        "mfa_token": "123456",
        "no_session": False,
        "print_only": True,
        "prompt": "terminal",
        "region": "eu-west-1",
        "shell_switch": True,
        "vault.backend": "pass",
        "vault.file_dir": "/v",
        "vault.keychain": "login",
        "vault.pass_cmd": "gopass",
        "vault.pass_dir": "/p",
        "vault.pass_prefix": "aws",
        "vault.secret_service_collection": "c",
    }


def test_nothing_given_is_empty_so_the_variables_decide() -> None:
    opts = parse("export", "prod")
    assert fields(opts) == {
        **dict.fromkeys(("duration", "mfa_token", "prompt", "region"), ""),
        "foreground_server": False,
        "no_session": False,
        "print_only": None,
        "shell_switch": False,
        **{f"vault.{f}": "" for f in VAULT_FIELDS},
    }


@pytest.mark.parametrize(
    ("argv", "foreground"),
    [
        (("exec", "--ecs-server", "prod", "--", "true"), True),
        (("exec", "--ecs-server", "--background", "--format", "bash", "prod"), False),
        (("exec", "prod", "--", "true"), False),
    ],
)
def test_a_foreground_ecs_server_is_told_apart(argv: tuple[str, ...], foreground: bool) -> None:
    assert parse(*argv).foreground_server is foreground


def test_login_s_stdout_is_its_url_not_the_sso_link() -> None:
    ns = build_parser().parse_args(["login", "--stdout", "prod"])
    assert session_options(ns, sso_print_only=False).print_only is None
    assert session_options(ns).print_only is True


def test_rotate_reads_no_session_and_the_vault() -> None:
    opts = parse("rotate", "-n", "--backend", "file", "prod")
    assert (opts.no_session, opts.vault.backend, opts.duration) == (True, "file", "")


@pytest.mark.parametrize(
    "argv",
    [
        ("export", "--format", "zsh", "--", "prod"),
        ("export", *EVERY_VAULT_OPTION, "-n", "--region", "us-east-1", "prod"),
        ("export", "-d", "1h", "-t", "000000", "--stdout", "--format", "json", "prod"),
    ],
)
def test_the_fast_path_and_argparse_give_the_same_options(argv: tuple[str, ...]) -> None:
    """The cached switch (and the agent) read export's line without argparse: same options."""
    fast = fast_export_args(list(argv))
    assert fast is not None
    assert fields(session_options(fast)) == fields(parse(*argv))


def test_migrate_backend_overrides_only_the_backend() -> None:
    ns = build_parser().parse_args(["migrate-backend", "--from", "file", "--to", "pass", "--file-dir", "/v"])
    opts = vault_options(ns, backend="pass")
    assert (opts.backend, opts.file_dir) == ("pass", "/v")
