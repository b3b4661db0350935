"""ECS server under load: 1,000 requests from 50 concurrent clients (10% with a bad token).

Not run in this round: ``avault exec --ecs-server`` (helper/avault/server.py) is being
written concurrently by another engineer; the test is left skipped with that reason so the
report table shows it, and will be filled in once the server lands.
"""

from __future__ import annotations

import pytest

from .conftest import record


@pytest.mark.skip(reason="server.py / exec --ecs-server still in progress in this round; load test pending")
def test_ecs_server_under_load() -> None:  # pragma: no cover
    record("ECS server under load", trials=0)
