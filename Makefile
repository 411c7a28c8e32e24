# The two commands a newcomer needs: `make run` (the service on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: install run demo test mutation openapi migration clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	touch $@

install: $(VENV)/.installed

## Serve the API, scheduler included, on the embedded SQLite database (migrated first).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask homeshare serve --host $(HOST) --port $(PORT)

## The same, with a demo scheme and one account of each role to sign in with.
demo: install
	$(BIN)/flask db upgrade
	$(BIN)/flask homeshare seed-demo
	$(BIN)/flask homeshare serve --host $(HOST) --port $(PORT)

## The import contracts (docs/architecture.md), then every test, on SQLite and (when it
## answers, or always under CI=true) PostgreSQL, whose test database is made if missing.
test: install
	$(BIN)/python -m tests.pg_database
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

## Mutation testing of the dense rules (slow, not part of CI): scoring, vetting rules, weekly hours.
## Settings in pyproject.toml [tool.mutmut]; SQLite only, for speed. Survivors: $(BIN)/mutmut show NAME
mutation: install
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	rm -rf mutants  # a fresh run: mutmut's map of which tests reach which function goes stale
	HOMESHARE_TEST_POSTGRES=off $(BIN)/mutmut run
	$(BIN)/mutmut results

## Regenerate openapi.yaml from the code.
openapi: install
	$(BIN)/flask homeshare write-openapi openapi.yaml

## Write a new migration from the models: make migration m="what changed"
migration: install
	$(BIN)/flask db migrate -m "$(m)"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache mutants
