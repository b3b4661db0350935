"""avs's usage and messages, the same in every shell: avault prints them (``avault avs check``).

The texts and exit statuses are those the shells printed themselves before the helper
owned them; each case runs in a strict shell with the real avault on PATH.
"""

from __future__ import annotations

import pytest

from avault.commands.avs import USAGE
from fixtures.shells import SHELLS, run_shell

pytestmark = pytest.mark.shells

SEE = "; see 'avs --help'"
CASES = [
    ("-d", 2, f"avs: -d needs a value{SEE}"),
    ("prod --region", 2, f"avs: --region needs a value{SEE}"),
    ("-", 1, "avs: no previous profile to switch back to"),
    ("-- a b", 2, "avs: give one profile after --"),
    ("--", 2, "avs: give one profile after --"),
    ("--bogus", 2, f"avs: unknown option '--bogus'{SEE}"),
    ("prod -nx", 2, f"avs: unknown option '-nx'{SEE}"),
    ("a b", 2, f"avs: one profile at a time{SEE}"),
    ("--logout -n", 2, f"avs: --logout takes only a profile{SEE}"),
    ("-n", 2, "avs: which profile? see 'avs --help'"),
    ("--server", 2, "avs: which profile? see 'avs --help'"),
    ("--server -- -x", 2, "avs: --server cannot take a profile starting with '-'"),
    ("-s", 1, "avs: no profile active; switch with 'avs PROFILE'"),
    ("prod -d1h --bogus -u", 2, f"avs: unknown option '--bogus'{SEE}"),
]


def _run(shell: str, args: str, env: dict[str, str]):
    script = (
        f"avs {args}; echo rc=$status"
        if shell == "fish"
        else f"if avs {args}; then echo rc=0; else echo rc=$?; fi"
    )
    return run_shell(shell, script, env)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("args", "rc", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_usage_gets_the_one_line_message(
    shell: str, args: str, rc: int, message: str, env: dict[str, str]
) -> None:
    r = _run(shell, args, env)
    assert (r.stdout, r.stderr) == (f"rc={rc}\n", message + "\n")


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("args", ["--help", "-h", "-h -d", "prod -h"])
def test_help_prints_the_usage(shell: str, args: str, env: dict[str, str]) -> None:
    r = _run(shell, args, env)
    assert (r.stdout, r.stderr) == (USAGE + "rc=0\n", "")
    assert r.stdout.startswith("usage: avs PROFILE [-d DURATION] [-t MFA_CODE] [-n] [--region REGION]\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_the_shells_carry_no_copy_of_the_texts(shell: str) -> None:
    """The usage and the messages live in avault.commands.avs only."""
    from fixtures.shells import SOURCE  # noqa: PLC0415

    text = SOURCE[shell].read_text()
    for message in [USAGE.splitlines()[0], *(m.split(";")[0] for _a, _rc, m in CASES)]:
        assert message not in text, message
