"""Re-running `avs PROFILE` while the shell holds a fresh session starts no helper at all.

"Fresh" means more than AWS_MIN_TTL (default 5m) left. Near expiry, with flags, after
`avs -u`, or through `avr`, the helper is asked (and refreshes in place when due).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.shells import SHELLS, run_shell

pytestmark = pytest.mark.shells


def exports(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return [c for c in calls if c and c[0] == "export"]


def _run(shell: str, script: str, env: dict[str, str]) -> None:
    r = run_shell(shell, script, env)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_second_switch_to_a_fresh_profile_starts_no_helper(shell: str, fake_env: dict[str, str]) -> None:
    log = Path(fake_env["FAKE_AVAULT_LOG"])
    _run(shell, "avs prod\navs prod\navs prod", fake_env)
    assert len(exports(log)) == 1  # prod has ~8h left: the 2nd and 3rd switches were instant


@pytest.mark.parametrize("shell", SHELLS)
def test_helper_is_asked_near_expiry_with_flags_after_unset_and_by_avr(
    shell: str, fake_env: dict[str, str]
) -> None:
    log = Path(fake_env["FAKE_AVAULT_LOG"])
    if shell == "fish":
        near = "set -gx AVS_EXPIRES (math (date +%s) + 200)"  # < 5m left
    else:
        near = "export AVS_EXPIRES=$(( $(date +%s) + 200 ))"
    script = f"avs dev\n{near}\navs dev\navs dev -d 2h\navr\navs -u\navs dev"
    _run(shell, script, fake_env)
    calls = exports(log)
    # dev, then: near expiry, with a flag, avr, and after avs -u: five helper calls in all
    assert len(calls) == 5, calls
    assert any("-d" in c for c in calls)


@pytest.mark.parametrize("shell", SHELLS)
def test_min_ttl_is_honoured_and_unparsed_values_ask_the_helper(shell: str, fake_env: dict[str, str]) -> None:
    log = Path(fake_env["FAKE_AVAULT_LOG"])
    setenv = {"fish": "set -gx AWS_MIN_TTL {}"}.get(shell, "export AWS_MIN_TTL={}")
    # dev has 1h: a 2h MIN_TTL makes it due; 1m30s is a Go duration the shell leaves to the helper
    script = "\n".join(["avs dev", setenv.format("2h"), "avs dev", setenv.format("1m30s"), "avs dev",
                        setenv.format("10m"), "avs dev"])  # fmt: skip
    _run(shell, script, fake_env)
    assert len(exports(log)) == 3  # dev, the 2h one and the 1m30s one; 10m: fresh, instant
