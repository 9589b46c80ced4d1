# Vigil — `make run` and `make test` work on a fresh machine with python3 and make.
# uv (pinned) is installed into .tools/ with pip; it then builds .venv from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint format translations bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --locked --python $(PYTHON)
	$(BIN)/pybabel -q compile -d src/vigil/translations

run: install
	$(BIN)/vigil db upgrade
	$(BIN)/vigil keys init
	$(BIN)/vigil demo load
	@# A worker beside the server sends alerts; it stops (SIGTERM: after the message in
	@# hand) when the server stops, however the server stops.
	$(BIN)/vigil worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/vigil serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

test: install lint
	$(BIN)/pytest

format: install
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

translations: install
	bash scripts/translations.sh

# Benchmarks on real and generated data (never part of `make test`); BENCH_SCALE=small|tiny
# runs a smaller registry than the full 1,000,000 companies / 5,000,000 relationships.
BENCH_SCALE ?= full
# BENCH_ARGS="--only alerts" runs only the alert fan-out (10,000 e-mails to a local sink).
BENCH_ARGS ?=
bench: $(UV)
	$(UV) sync --locked --group bench --python $(PYTHON)
	$(BIN)/python benchmarks/run.py --scale $(BENCH_SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache test-results
