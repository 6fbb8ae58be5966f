# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The tests' virtual sound card. Only the test and benchmark commands see it:
# `make run` finds the user's own sound server the ordinary way.
PULSE_DIR  := $(or $(PARLEY_PULSE_DIR),/tmp/parley-pulse)
PULSE      := PARLEY_PULSE_DIR=$(PULSE_DIR) bash tests/virtual_audio.sh
TEST_SOUND := PULSE_SERVER=unix:$(PULSE_DIR)/native

.PHONY: run test lint typecheck pytest dist package-check clean benchmarks

# System packages first: on Debian and Ubuntu, venv itself may need python3-venv.
$(BIN)/python:
	PYTHON=$(PYTHON) bash packaging/system-deps.sh run
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	PYTHON=$(PYTHON) bash packaging/system-deps.sh run
	$(BIN)/pip install -q -e ".[offline,aec]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	PYTHON=$(PYTHON) bash packaging/system-deps.sh dist
	$(BIN)/pip install -q -e ".[offline,aec,test,dev,packaging]"
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/parley $(ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy desktop audio_engine ui tests/support

pytest: $(VENV)/.test-installed
	$(PULSE) start
	$(TEST_SOUND) QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(PYTEST_ARGS); status=$$?; $(PULSE) stop; exit $$status

# Lint, types, the whole suite, then the installers: build the bundle and the
# .deb and run the frozen app's smoke test.
test: lint typecheck pytest package-check

dist: $(VENV)/.test-installed
	bash packaging/build.sh

package-check: $(VENV)/.test-installed
	bash packaging/check.sh

benchmarks: $(VENV)/.test-installed
	$(PULSE) start
	for b in benchmarks/bench_*.py; do $(TEST_SOUND) $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
