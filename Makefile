# Two commands for a fresh machine: `make run` (demo server) and `make test` (lint + tests).
# Everything else is a helper they call.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# uv installs exactly what uv.lock pins; `--locked` refuses to run when uv.lock no longer matches
# pyproject.toml (refresh it with `make lock`). uv itself is pinned here and installed into the venv by pip.
UV_VERSION := 0.13.9
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv

.PHONY: run test install migrate demo lint fmt messages bench clean lock lock-check

$(BIN)/uv:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'

$(STAMP): pyproject.toml uv.lock | $(BIN)/uv
	$(UV) sync --locked --inexact --extra dev --python $(BIN)/python --quiet
	touch $(STAMP)

# Refresh the lock after changing pyproject.toml (or to take upstream releases): `make lock`.
lock: $(BIN)/uv
	$(UV) lock --python $(BIN)/python

lock-check: $(BIN)/uv
	$(UV) lock --check --python $(BIN)/python

install: $(STAMP)

migrate: install
	$(BIN)/qp migrate

demo: migrate
	$(BIN)/qp demo

run: demo
	$(BIN)/qp serve --host $(HOST) --port $(PORT)

lint: install lock-check
	$(BIN)/ruff check backend tests bench alembic
	$(BIN)/ruff format --check backend tests bench alembic
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix backend tests bench alembic
	$(BIN)/ruff format backend tests bench alembic

# The suite migrates its own databases (one per worker), so `test` needs no demo.
# `--dist loadgroup`: the browser tests share one worker (tests/conftest.py groups them), so one demo
# server and one chromium start, not one per worker. Byte-compiled modules are written even where the
# machine sets PYTHONDONTWRITEBYTECODE: otherwise every worker recompiles every module.
test: export PYTHONDONTWRITEBYTECODE :=
test: migrate lint
	$(BIN)/python -m pytest -n $(or $(WORKERS),2) --dist loadgroup $(PYTEST_ARGS)

# Extract every message (code and templates) into the template, then merge it into each catalogue.
# `N_` marks labels kept as data (enum, phase, role labels), translated where they are displayed.
# The app reads the .po files themselves (compiled in memory): there is no .mo to build.
# New msgids' English and Arabic are written in backend/locale/new/<topic>.json (see backend/i18n_fold.py)
# and folded in by the last step, which fails while any message is left untranslated.
MESSAGE_KEYWORDS := --no-default-keywords -k _ -k gettext -k ngettext:1,2 -k N_
messages: install
	$(BIN)/pybabel extract -F babel.cfg $(MESSAGE_KEYWORDS) --sort-by-file --project "Quartiers Participatifs" \
		-o backend/locale/messages.pot .
	$(BIN)/pybabel update -i backend/locale/messages.pot -d backend/locale -D messages -l en \
		--no-fuzzy-matching --ignore-obsolete -w 100
	$(BIN)/pybabel update -i backend/locale/messages.pot -d backend/locale -D messages -l ar \
		--no-fuzzy-matching --ignore-obsolete -w 100
	$(BIN)/python -m backend.i18n_fold

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache data/qp.sqlite3
