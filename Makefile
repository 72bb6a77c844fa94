# Dangjian — one command to set up and serve, one to set up and test.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 3
VENDOR := dangjian/core/static/vendor
# PostgreSQL used by `make test` for the second run of the suite.
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: setup run dev test test-sqlite test-pg e2e bench lint typecheck format clean lock

setup: $(VENV)/.installed $(VENDOR)/.built
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput -v 0

# Dependencies come from the hash-locked requirements.lock only (supply chain: a changed or substituted
# package fails the install); the project itself is installed on top without resolving anything, and
# built with the locked setuptools (no build isolation, so nothing unlocked is fetched for the build).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m dangjian.core.pinyin
	touch $@

# Refresh the lock after changing dependencies in pyproject.toml (needs the index; see README).
lock: $(VENV)/.installed
	$(BIN)/pip-compile -q --generate-hashes --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

$(VENDOR)/.built: package.json
	npm install --no-audit --no-fund --silent
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/fonts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/
	cp node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp node_modules/signature_pad/dist/signature_pad.umd.min.js $(VENDOR)/
	touch $@

run: setup
	@$(BIN)/python manage.py demo_logins
	@echo "服务地址 http://127.0.0.1:$(PORT)/"
	@# One background worker (jobs and the daily schedule) beside gunicorn, stopped when gunicorn stops.
	@# Demo mode (DANGJIAN_DEMO=1): a banner, loopback only, demo logins exempt from the second factor.
	export DANGJIAN_DEMO=1 DJANGO_DEBUG=$${DJANGO_DEBUG:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
		DANGJIAN_DEFAULT_YEAR=$${DANGJIAN_DEFAULT_YEAR:-2023}; \
	$(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

dev: setup
	DANGJIAN_DEFAULT_YEAR=$${DANGJIAN_DEFAULT_YEAR:-2023} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite (with the browser tests), then again on PostgreSQL.
test: $(VENV)/.installed $(VENDOR)/.built
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python scripts/check_browser.py
	$(BIN)/pytest
	@if $(BIN)/python scripts/pg_ready.py "$(TEST_PG_URL)"; then \
		DATABASE_URL="$(TEST_PG_URL)" $(BIN)/pytest -m "not e2e"; \
	elif [ -n "$$REQUIRE_PG" ]; then \
		echo "!!! PostgreSQL at $(TEST_PG_URL) is not reachable and REQUIRE_PG is set"; exit 1; \
	else \
		echo "!!! PostgreSQL at $(TEST_PG_URL) is not reachable: the PostgreSQL run was SKIPPED"; \
	fi

test-sqlite: $(VENV)/.installed $(VENDOR)/.built
	$(BIN)/pytest

test-pg: $(VENV)/.installed $(VENDOR)/.built
	DATABASE_URL="$(TEST_PG_URL)" $(BIN)/pytest -m "not e2e"

e2e: $(VENV)/.installed $(VENDOR)/.built
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/pytest -m e2e

bench: $(VENV)/.installed $(VENDOR)/.built
	$(BIN)/python bench/run.py

# ruff, and the layering contracts of pyproject.toml ([tool.importlinter]): core imports no domain app,
# an app reaches another only through its selectors and services.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# mypy with django-stubs ([tool.mypy]): the flags of --strict on core, every app's function bodies
# checked; CI fails on any error (.ci/run).
typecheck: $(VENV)/.installed
	$(BIN)/mypy dangjian config

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var staticfiles
