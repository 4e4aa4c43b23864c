# make run  - install, start an embedded PostgreSQL unless DATABASE_URL is set, migrate, seed, serve.
# make test - the same bootstrap, then pytest.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WITH_DB := $(BIN)/python -m config.devdb run
# Two workers (pytest-xdist); the suite's time is printed at its end (README: what it measured).
PYTEST_ARGS ?= -n 2 --dist worksteal --durations=5
# Development and tests run with DEBUG on unless the caller says otherwise.
export DJANGO_DEBUG ?= true

.PHONY: bootstrap run test lint bench mutation migrate messages stop-db clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

bootstrap: $(BIN)/.installed
	@test -f .env || printf '# Local development settings (not committed; see README).\nDJANGO_DEBUG=true\n' > .env
	@$(BIN)/python scripts/compile_catalogues.py

migrate: bootstrap
	$(WITH_DB) $(BIN)/python manage.py migrate --noinput

run: migrate
	$(WITH_DB) $(BIN)/python manage.py seed_demo
	$(WITH_DB) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Where the environment sets PYTHONDONTWRITEBYTECODE, each xdist worker and each subprocess a
# test starts would compile the project again: compile it once, and let them keep what they compile.
test: bootstrap
	@$(BIN)/python -m compileall -q -j 0 config consent requests_app tests > /dev/null
	PYTHONDONTWRITEBYTECODE= $(WITH_DB) $(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: migrate
	$(WITH_DB) $(BIN)/python -m bench $(BENCH_ARGS)

# Mutation testing of the core modules (mutmut 3, in mutants/): the score per module, non-zero
# under 95 %. By hand, not in `make test`. MUTATION_ARGS: module names, or --report (see mutation/run.py).
mutation: bootstrap
	$(WITH_DB) $(BIN)/python -m mutation.run $(MUTATION_ARGS)

# Extract new strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: bootstrap
	$(WITH_DB) $(BIN)/python manage.py makemessages --all --no-obsolete --ignore='.venv/*' --ignore='var/*' --ignore='tests/*'

stop-db:
	@test -x $(BIN)/python && $(BIN)/python -m config.devdb stop || true

clean: stop-db
	rm -rf $(VENV) var staticfiles
