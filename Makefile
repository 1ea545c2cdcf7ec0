# The two commands a new user needs: `make run` and `make test`. Everything they install lives
# in this file, pyproject.toml and constraints/lock.txt (the exact versions: every install here
# and in CI is constrained by it), so a fresh clone on a machine with Python 3.11+ and PyPI works.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := constraints/lock.txt
UV     := uv==0.13.9
MIN_VENV  := .venv-minimum
# The suite's core against the oldest supported versions: store, rules, KPIs, data and
# pages (server side), the collectors' HTTP, runner and scheduler, the CLI, the embedded
# cluster, and the browser tests of the order and integrations pages (dmc, ag-grid).
MIN_TESTS ?= tests/data tests/auth tests/store tests/rules tests/kpis tests/collectors/test_http.py \
             tests/collectors/test_runner.py tests/collectors/test_scheduler.py \
             tests/test_config.py tests/commands/test_db.py tests/test_pg.py tests/browser/test_orders.py \
             tests/browser/test_integrations.py

.PHONY: run test install install-test browser clean lock test-minimum

$(BIN)/tower: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	@touch $@

$(VENV)/.test-deps: $(BIN)/tower
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $@

install: $(BIN)/tower

install-test: $(VENV)/.test-deps

## run: start tower (embedded Postgres, simulated distributor, collectors, web app)
run: install
	$(BIN)/tower run

## test: run every test (Postgres and the sandbox are started by the tests themselves), on
##       TEST_WORKERS processes (pytest-xdist; each has its own Postgres; a file's tests stay on
##       one worker). TEST_WORKERS=0 runs them in this process, one after the other.
TEST_WORKERS ?= 2
test: install-test
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

## browser: install Debian's Chromium for the browser tests (needs root and apt)
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

## lock: re-resolve constraints/lock.txt from pyproject.toml (all extras, ruff and mypy among them)
##       to the newest versions allowed, then reinstall; commit the new lock with what it fixes
lock: install
	$(BIN)/pip install --quiet '$(UV)'
	$(BIN)/uv pip compile pyproject.toml --extra test --extra bench \
	    --universal --python-version 3.11 --quiet --upgrade --custom-compile-command "make lock" \
	    -o $(LOCK)

## test-minimum: build $(MIN_VENV) from constraints/minimum.txt (every floor in pyproject.toml)
##               and run the suite's core against it
test-minimum:
	rm -rf $(MIN_VENV)
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/pip install --quiet -c constraints/minimum.txt setuptools
	$(MIN_VENV)/bin/pip install --quiet --no-build-isolation -c constraints/minimum.txt -e '.[test]'
	$(MIN_VENV)/bin/python -m pytest -p no:cacheprovider $(or $(PYTEST_ARGS),-q) $(MIN_TESTS)

clean:
	rm -rf $(VENV) $(MIN_VENV) .tower build
