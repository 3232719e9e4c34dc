# The Makefile is the only entry point: `make demo`, `make test`, `make test-fast`, `make lint`,
# `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two locks: requirements-runtime.lock (what aicost needs to run: `make demo`) and
# requirements.lock (the dev lock, a superset: tests, lint, bench).
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint fmt bench clean

$(RUNTIME_STAMP): pyproject.toml requirements-runtime.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-runtime.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP) requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/aicost demo --db demo.duckdb

# two workers (pytest-xdist), as test-fast: serial, the whole suite took 9 min 53 s
# on this 2-core machine (limit: 10 min)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# Everything but the tests marked slow (pyproject `markers`), property tests at a fifth
# of their examples (tests/conftest.py `examples`): 548 tests in about 57 s on 2 cores.
# two workers (pytest-xdist, --dist worksteal from pyproject): the tests are CPU-bound
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# ruff, mypy --strict over aicost_cli and tests (pyproject [tool.mypy] files), and a
# DuckDB parse (no binding) of every file under sql/.
LINT_PATHS := aicost_cli aicost tests bench sample_data

# Every check runs (so one run shows all problems); lint fails if any failed.
lint: $(STAMP)
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check $(LINT_PATHS) || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check $(LINT_PATHS) || status=1; \
	echo "== mypy --strict"; $(BIN)/mypy || status=1; \
	echo "== sql/ parse check"; $(BIN)/python -m tests.check_sql || status=1; \
	exit $$status

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# Benchmark: `make bench` (1M operations), `make bench SIZE=10m`; writes bench/RESULTS.md.
SIZE ?= 1m
REPEAT ?= 3

bench: $(STAMP)
	$(BIN)/python bench/run.py --size $(SIZE) --repeat $(REPEAT)

clean:
	rm -rf $(VENV) demo.duckdb demo.duckdb.wal .pytest_cache
