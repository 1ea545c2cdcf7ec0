# The two commands a new user needs: `make run` and `make test`. Everything they install lives
# in this file and pyproject.toml, so a fresh clone on a machine with Python 3.11+ and PyPI works.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test browser clean

$(BIN)/tower: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: $(BIN)/tower
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/tower

install-test: $(VENV)/.test-deps

## run: start tower (embedded Postgres, simulated distributor, collectors, web app)
run: install
	$(BIN)/tower run

## test: run every test (Postgres and the sandbox are started by the tests themselves)
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## browser: install Debian's Chromium for the browser tests (needs root and apt)
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) .tower
