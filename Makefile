# `make run` serves the LRS on the embedded store; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-$(shell cksum pyproject.toml | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.test-$(shell cksum pyproject.toml | cut -d' ' -f1)

JS_STAMP := tests/js/node_modules/.installed

.PHONY: run test lint typecheck

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The client-library tests drive the LRS with the @xapi/xapi npm package.
$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --silent
	touch $@

run: $(RUN_STAMP)
	$(BIN)/lrs credentials bootstrap
	$(BIN)/lrs serve

lint: $(TEST_STAMP)
	$(BIN)/ruff check lrs analytics conformance tests bench
	$(BIN)/ruff format --check lrs analytics conformance tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

test: lint typecheck $(JS_STAMP)
	$(BIN)/pytest --cov=lrs --cov-report=term:skip-covered
