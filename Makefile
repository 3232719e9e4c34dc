# The Makefile is the only entry point: `make demo`, `make test`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aicost demo --db demo.duckdb

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check aicost_cli tests bench sample_data
	$(BIN)/ruff format --check aicost_cli

fmt: $(STAMP)
	$(BIN)/ruff format aicost_cli tests
	$(BIN)/ruff check --fix aicost_cli tests

# Benchmark: `make bench` (1M operations), `make bench SIZE=10m`; writes bench/RESULTS.md.
SIZE ?= 1m
REPEAT ?= 3

bench: $(STAMP)
	$(BIN)/python bench/run.py --size $(SIZE) --repeat $(REPEAT)

clean:
	rm -rf $(VENV) demo.duckdb demo.duckdb.wal .pytest_cache
