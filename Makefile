# One command per task. `make test` is exactly what CI runs (./scripts/test).
.PHONY: test lint test-unit test-e2e test-shells test-zsh test-bash test-fish bench demo completions

test:
	./scripts/test

lint:
	./scripts/test --lint

test-unit:
	.venv/bin/python -m pytest tests/unit

test-e2e:
	.venv/bin/python -m pytest tests/e2e

test-shells:
	.venv/bin/python -m pytest tests/shells

test-zsh test-bash test-fish:
	.venv/bin/python -m pytest tests/shells -k $(subst test-,,$@)

bench:
	.venv/bin/python bench/run_all.py

demo:
	./install.sh --demo

completions:
	.venv/bin/python scripts/gen_completions.py
