# fahuo — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/fahuo
REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test install lint fmt typecheck test-sqlite test-postgres test-redis bench clean migrations-check

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/fahuo demo $(DEMO_ARGS)

lint: install
	$(BIN)/ruff check src bench conftest.py
	$(BIN)/ruff format --check src bench conftest.py
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format src bench conftest.py
	$(BIN)/ruff check --fix src bench conftest.py

typecheck: install
	$(BIN)/mypy src/fahuo

migrations-check: install
	FAHUO_DATA_DIR=$$(mktemp -d) $(BIN)/fahuo manage makemigrations --check --dry-run

# The non-browser suite runs spread over all cores (pytest-xdist; each worker gets its own data dir),
# the browser walks after it in one serial process. XDIST="" runs everything in one process.
XDIST ?= -n auto --dist loadfile

test-sqlite: install
	FAHUO_DATA_DIR=$$(mktemp -d) $(BIN)/pytest $(XDIST) -m "not browser"
	FAHUO_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -m browser

test-postgres: install
	@rc=0; scripts/ensure-services.sh postgres || rc=$$?; \
	if [ $$rc = 0 ]; then FAHUO_DATA_DIR=$$(mktemp -d) FAHUO_DATABASE_URL=$(PG_URL) $(BIN)/pytest $(XDIST) -m "not browser"; \
	elif [ $$rc = 1 ]; then echo "!!! SKIPPED the PostgreSQL run: PostgreSQL is not reachable (see above) !!!"; \
	else exit 1; fi

test-redis: install
	@rc=0; scripts/ensure-services.sh redis || rc=$$?; \
	if [ $$rc = 0 ]; then FAHUO_DATA_DIR=$$(mktemp -d) FAHUO_REDIS_URL=$(REDIS_URL) FAHUO_HUEY_IMMEDIATE=0 $(BIN)/pytest -m redis; \
	elif [ $$rc = 1 ]; then echo "!!! SKIPPED the Redis run: Redis is not reachable (see above) !!!"; \
	else exit 1; fi

test: lint typecheck migrations-check test-sqlite test-postgres test-redis

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var test-results
