# The two commands: `make run` and `make test`. Both set themselves up from a clean clone on Debian with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check bench simulate thorough install dev clean

run: $(STAMP)
	scripts/ensure-pose >/dev/null || echo "The camera coach could not be installed (scripts/ensure-pose); the app runs without it." >&2
	$(BIN)/backcoach serve

test: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	scripts/ensure-tools
	scripts/ensure-js >/dev/null
	scripts/ensure-pose >/dev/null && scripts/ensure-test-media >/dev/null
	HYPOTHESIS_PROFILE=ci BACKCOACH_REQUIRE_POSE=1 BACKCOACH_TEST_POSTGRES_URL="$$(scripts/ensure-postgres)" $(BIN)/pytest -n 2 --durations=25

# The fast loop while you work (under a minute): the same checks, and every test not marked slow (no browser,
# tmux, server or process) on both cores, with a small hypothesis budget. `make test` (and CI) runs everything.
check: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	scripts/ensure-js >/dev/null
	BACKCOACH_TEST_POSTGRES_URL="$$(scripts/ensure-postgres)" $(BIN)/pytest -m "not slow" -n 2 -q

# Benchmarks (not tests): about 15 minutes on a quiet machine; writes bench/results/*.json and BENCHMARKS.md.
# A quick look at the harness: BENCH_DURATION=3s BENCH_ROUNDS=1 BENCH_USERS=20 (bench/NOTES.md lists the rest).
bench: $(DEV_STAMP)
	scripts/ensure-tools
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	command -v hyperfine >/dev/null || (apt-get update -qq && apt-get install -y -qq hyperfine)
	$(BIN)/python -m bench.planner > /dev/null
	$(BIN)/python -m bench.progress > /dev/null
	$(BIN)/python -m bench.startup > /dev/null
	$(BIN)/python -m bench.weight > /dev/null
	$(BIN)/python -m bench.timing > /dev/null
	$(BIN)/python -m bench.camera_signals > /dev/null
	BACKCOACH_BENCH_POSTGRES_URL="$$(scripts/ensure-postgres)" $(BIN)/python -m bench.web > /dev/null
	BACKCOACH_BENCH_POSTGRES_URL="$$(scripts/ensure-postgres)" $(BIN)/python -m bench.clinic > /dev/null
	scripts/ensure-pose >/dev/null && scripts/ensure-test-media >/dev/null && $(BIN)/python -m bench.camera > /dev/null
	scripts/ensure-pose >/dev/null && scripts/ensure-test-media >/dev/null && $(BIN)/python -m bench.camera_timing > /dev/null
	$(BIN)/python -m bench.report

# The dose rules followed by 1,000 simulated people for 12 weeks; writes bench/results/simulate.json and the
# report in docs/dosing.md (about 3 minutes).
simulate: $(DEV_STAMP)
	$(BIN)/python -m bench.simulate

# The dose rules' property test at 100,000 random histories (the fast profile in `make test` runs a few hundred).
thorough: $(DEV_STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest tests/test_dosing.py -q -p no:cacheprovider

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache test-output
