"""A keyring that never answers is a one-line error after AVAULT_KEYRING_TIMEOUT, not a hang."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from avault.errors import VaultError
from avault.vault.desktop import DEFAULT_TIMEOUT
from avault.vault.desktop import keyring_timeout as _timeout
from avault.vault.keyring import KeyringVault


class HangingBackend:
    """Stands in for a wedged Secret Service: every call blocks until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None


def test_a_keyring_that_never_answers_fails_fast_with_the_fix(tmp_path: Path) -> None:
    backend = HangingBackend()
    vault = KeyringVault(backend, index_lock=tmp_path / "lock", timeout=0.3)
    start = time.monotonic()
    with pytest.raises(VaultError, match=r"did not answer within 0\.3s.*AVAULT_KEYRING_TIMEOUT"):
        vault.get("prod")
    assert time.monotonic() - start < 5
    backend.release.set()


def test_errors_from_the_keyring_still_become_vault_errors(tmp_path: Path) -> None:
    class Broken:
        def get_password(self, service: str, username: str) -> str | None:
            raise OSError("dbus went away")

    vault = KeyringVault(Broken(), index_lock=tmp_path / "lock", timeout=5)
    with pytest.raises(VaultError, match=r"the OS keyring failed \(OSError\)"):
        vault.get("prod")


def test_timeout_setting() -> None:
    assert _timeout({}) == DEFAULT_TIMEOUT
    assert _timeout({"AVAULT_KEYRING_TIMEOUT": "5"}) == 5
    assert _timeout({"AVAULT_KEYRING_TIMEOUT": "1m"}) == 60
    assert _timeout({"AVAULT_KEYRING_TIMEOUT": "nonsense"}) == DEFAULT_TIMEOUT
