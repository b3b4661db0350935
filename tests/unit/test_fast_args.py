"""The export fast path reads its arguments exactly as argparse does, or defers to argparse."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avault.cli import build_parser
from avault.main import fast_export_args

TOKENS = [
    "--format", "zsh", "bash", "fish", "json", "env", "bogus", "--format=zsh", "--format=ini",
    "-d", "1h", "--duration", "--duration=90m", "-n", "--no-session", "--region", "eu-west-1",
    "-t", "123456", "--mfa-token", "--mfa-token=654321", "--stdout", "--debug", "--backend",
    "file", "keyring", "--backend=nope", "--prompt", "ykman", "--file-dir", "/tmp/v",
    "--secret-service-collection", "--keychain", "prod", "dev", "my profile", "-", "--",
    "-h", "--help", "--form", "-dn", "-t1", "--region=", "--mfa-arg", "--mfa-arg=1",
]  # fmt: skip


def argparse_view(argv: list[str]) -> dict[str, object] | None:
    try:
        return vars(build_parser().parse_args(argv))
    except SystemExit:
        return None


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_fast_path_agrees_with_argparse(tokens: list[str]) -> None:
    argv = ["export", *tokens]
    fast = fast_export_args(argv)
    if fast is None:
        return  # argparse decides; nothing to compare
    assert argparse_view(argv) == vars(fast)


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--format", "zsh", "prod"],
        ["export", "prod", "--format=bash", "-d", "2h", "-n", "--region", "us-west-2", "-t", "123456"],
        ["export", "--debug", "--backend", "file", "--file-dir", "/x", "--stdout", "prod"],
        ["export"],
        # exactly what avs runs: the profile after --, so a name starting with - is a name
        ["export", "--format", "zsh", "-t", "123456", "--", "prod"],
        ["export", "--format", "fish", "--", "-odd-name"],
        ["export", "--format", "zsh", "--mfa-token", "123456", "--", "prod"],
        ["export", "--mfa-token=123456", "prod"],
    ],
)
def test_common_avs_invocations_take_the_fast_path(argv: list[str]) -> None:
    fast = fast_export_args(argv)
    assert fast is not None
    assert vars(fast) == argparse_view(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--help"],
        ["export", "--format", "bogus", "p"],
        ["export", "a", "b"],
        ["export", "--", "a", "b"],
        ["export", "a", "--", "b"],
        ["export", "--form", "zsh", "p"],
        ["list"],
        ["--debug", "export", "p"],
    ],
)
def test_anything_unusual_goes_to_argparse(argv: list[str]) -> None:
    assert fast_export_args(argv) is None


def test_cached_export_does_not_import_argparse() -> None:
    """The argument parsing on the `avs` path costs no argparse (nor the shutil it pulls in)."""
    code = (
        "import sys; from avault.main import fast_export_args, main; "
        "assert fast_export_args(['export','--format','zsh','p']) is not None; "
        "print('argparse' in sys.modules, 'shutil' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_misspelt_mfa_flag_is_refused_through_the_cli(run_avault) -> None:
    """`--mfa-arg` is no option of export: the fast path must not read it as -t."""
    r = run_avault("export", "--mfa-arg", "123456", "prod")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "unrecognized arguments: --mfa-arg" in r.stderr
