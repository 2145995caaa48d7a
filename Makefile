# The two commands: `make run` and `make test`. Both set themselves up from a clean clone on Debian with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test bench install dev clean

run: $(STAMP)
	$(BIN)/backcoach serve

test: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	scripts/ensure-tools
	BACKCOACH_TEST_POSTGRES_URL="$$(scripts/ensure-postgres)" $(BIN)/pytest

bench: $(DEV_STAMP)
	$(BIN)/python bench/timing.py

install: $(STAMP)
dev: $(DEV_STAMP)

$(VENV)/bin/python:
	@scripts/ensure-venv "$(PYTHON)" "$(VENV)"

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(DEV_STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP) $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
