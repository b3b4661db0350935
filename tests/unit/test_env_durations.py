"""Every duration avault reads from the environment goes through ``durations.env_seconds``:
unset means the caller's default, junk is either the default (lenient readers) or one
one-line error naming the variable (strict readers)."""

from __future__ import annotations

import pytest

from avault import aws, console, fsutil
from avault.durations import env_seconds
from avault.errors import AvaultError, LockError, PassphraseCommandError
from avault.vault import desktop, passphrase, passphrase_agent


def test_unset_or_blank_is_none() -> None:
    assert env_seconds({}, "X") is None
    assert env_seconds({"X": "  "}, "X", error=AvaultError) is None


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30.0), (" 1.5 ", 1.5), ("2m", 120.0), ("1h30m", 5400.0)]
)
def test_seconds_or_a_go_duration(text: str, seconds: float) -> None:
    assert env_seconds({"X": text}, "X") == seconds


def test_go_only_refuses_bare_seconds() -> None:
    assert env_seconds({"X": "30"}, "X", go=True) is None
    assert env_seconds({"X": "30s"}, "X", go=True) == 30.0


def test_junk_is_none_or_the_callers_error() -> None:
    assert env_seconds({"X": "soon"}, "X") is None
    assert env_seconds({"X": "-5"}, "X") is None  # negative: refused by the default rule
    with pytest.raises(LockError) as err:
        env_seconds({"X": "soon"}, "X", error=LockError, hint="unset it")
    assert str(err.value) == "X='soon' is not a duration; unset it"


def test_the_strict_readers() -> None:
    with pytest.raises(LockError, match="AVAULT_LOCK_TIMEOUT='x' is not a duration"):
        fsutil.lock_timeout({"AVAULT_LOCK_TIMEOUT": "x"})
    assert fsutil.lock_timeout({"AVAULT_LOCK_TIMEOUT": "0"}) == 0.0  # 0: try once
    assert fsutil.lock_timeout({}) == fsutil.DEFAULT_TIMEOUT
    with pytest.raises(PassphraseCommandError, match="not a duration"):
        passphrase.command_timeout({passphrase.COMMAND_TIMEOUT_VAR: "0"})  # must be > 0
    with pytest.raises(AvaultError, match=r"use e\.g\. 20s or 1m"):
        aws.deadline_seconds({aws.DEADLINE_VAR: "2h"})  # at most an hour
    assert aws.deadline_seconds({aws.DEADLINE_VAR: "20s"}) == 20.0


def test_the_lenient_readers_fall_back() -> None:
    assert desktop.keyring_timeout({desktop.TIMEOUT_VAR: "0"}) == desktop.DEFAULT_TIMEOUT
    assert desktop.keyring_timeout({desktop.TIMEOUT_VAR: "5s"}) == 5.0
    assert console.page_seconds({console.PAGE_SECONDS_VAR: "junk"}) == console.PAGE_SECONDS
    assert passphrase_agent.agent_timeout({passphrase_agent.TIMEOUT_VAR: "0"}) == 0.0  # no expiry
    assert (
        passphrase_agent.agent_timeout({passphrase_agent.TIMEOUT_VAR: "60"})
        == passphrase_agent.DEFAULT_TIMEOUT
    )
