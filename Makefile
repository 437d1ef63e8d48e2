# Every target sets itself up: a fresh machine needs only python3 (3.11+), make and, for the
# Docker checks, root (they install Debian's docker.io).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo demo-full test lint unit integration docker-test benchmark clean

$(BIN)/activate: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[tests]'
	touch $(BIN)/activate

## Run the connector's main job: a real sync of every stream against the bundled simulator (the last 30 days of
## analytics and reports: under a minute).
demo: $(BIN)/activate
	$(BIN)/python scripts/demo.py

## The same, as far back as each endpoint allows (914 days of every report: minutes).
demo-full: $(BIN)/activate
	$(BIN)/python scripts/demo.py --full

## The whole test suite, as CI runs it.
test: lint unit integration docker-test

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python scripts/generate_api_enums.py --check
	$(BIN)/python scripts/generate_switches.py --check
	$(BIN)/python scripts/generate_schemas.py --check
	$(BIN)/python scripts/generate_docs.py --check

unit: $(BIN)/activate
	$(BIN)/python -m pytest unit_tests -q

integration: $(BIN)/activate
	$(BIN)/python -m pytest integration_tests -q

docker-test: $(BIN)/activate
	PYTHON=$(BIN)/python bash scripts/ci/docker-test.sh

## Figures for the README: a full sync of the large simulated dataset, with latency (see the script).
## py-spy samples run 5 for the profile split (not a test dependency: only the benchmark needs it)
benchmark: $(BIN)/activate
	$(BIN)/pip install -q 'py-spy>=0.3,<1'
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf $(VENV) build *.egg-info
