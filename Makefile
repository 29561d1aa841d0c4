# Onramp's verbs. `make run` starts it on http://127.0.0.1:8000; `make test` runs every test.
# The work is done by scripts/ and the `onramp` command; this file only wires them together.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
ONRAMP := $(VENV)/bin/onramp
export PYTHON VENV
# Test processes in parallel (pytest-xdist); TEST_JOBS=0 runs them in this process.
TEST_JOBS ?= 2

.PHONY: run test lint bench lock install

run: $(STAMP)  ## Migrate, load the demo on the first run, serve with a task worker until Ctrl-C.
	$(ONRAMP) run $(ARGS)

test: $(STAMP)  ## Run the whole test suite (installs Chromium for the browser tests if missing).
	scripts/ensure-chromium.sh
	ONRAMP_VAR_DIR=var/test $(VENV)/bin/pytest -n $(TEST_JOBS) --durations=10 $(ARGS)

lint: $(STAMP)  ## ruff: lint and formatting.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)  ## Run every bench/*.py in turn.
	scripts/bench.sh

lock:  ## Regenerate requirements.lock from pyproject.toml's dependencies.
	scripts/lock.sh

install: $(STAMP)

# Reinstalls only when the lock or the package metadata changed.
$(STAMP): requirements.lock pyproject.toml
	scripts/bootstrap-venv.sh
	touch $@
