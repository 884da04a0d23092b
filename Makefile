# The README's two commands: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PIP_FLAGS ?= --quiet --disable-pip-version-check
# axe-core for the browser tests' accessibility check, when Node's npm is here.
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: run test install setup lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

install: $(BIN)/.installed

# Database, demo shop and search index; every step is idempotent.
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py search_index --rebuild --quiet

run: setup
	@echo "Shop: http://$(HOST):$(PORT)/   admin: http://$(HOST):$(PORT)/admin/   GraphQL: http://$(HOST):$(PORT)/graphql/"
	@echo "Links in QR codes and e-mails: $${SITE_URL:-http://$(HOST):$(PORT)} (set SITE_URL for a public address)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install $(if $(NPM),node_modules/.installed)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The load benchmark (bench/README.md): a PostgreSQL database of its own (BENCH_DATABASE_URL,
# default ocop_bench), gunicorn, a Celery worker when Redis answers, wrk from another process.
# BENCH_ARGS="--rebuild" builds the database again; "--duration 24 --rounds 6" for steadier figures.
bench: install
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -qq wrk >/dev/null \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk (as root)"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var node_modules
