"""The reliability suite: avault never loses a key, never runs a stranger's code, never leaks a secret.

Each module proves one claim with numbers (bench/reliability_report.py prints them as one
table): concurrency, crash safety (kill -9), tampering and permissions, injection through
export/avs/completion, fuzzing (hypothesis), secret hygiene, the ECS server under load,
and clock/expiry edges.

The default run is sized for ``./scripts/test`` (``pytest -n 2``) on 2 cores, about three
minutes. Heavier variants:

    AVAULT_SLOW_TESTS=1 ./scripts/test tests/reliability

multiplies the counts (more processes, more kill trials, 10x the hypothesis examples) and
runs the tests marked ``slow``. Randomness is seeded (``AVAULT_RELIABILITY_SEED``, default
20261125), so a failing trial is reproducible.
"""
