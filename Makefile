# Crisis Timeline — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Python >= 3.12: pyenv's shims pick 3.13 from .python-version; otherwise the newest found.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
CHROMIUM := /usr/bin/chromium

.PHONY: run test serve install chromium migrate seed lint clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (pyenv install 3.13, or apt-get install python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock file changes.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py load_seed

## Serve the timeline on http://127.0.0.1:$(PORT)/ (creates the venv, migrates, loads the seed).
# Development: DEBUG on for runserver and the migrate/seed steps it runs first (settings
# refuse to start with DEBUG off and no SECRET_KEY).
run: export DEBUG ?= 1
# The background worker (spreadsheet imports, timeline/imports.py) runs beside runserver and
# stops with it.
run: seed
	$(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Serve in production mode with gunicorn on 127.0.0.1:$(PORT), for a TLS proxy in front (see
## gunicorn.conf.py). Needs SECRET_KEY and ALLOWED_HOSTS; migrations are applied separately
## (`make migrate`), and this refuses to start while any is missing.
serve: install
	$(BIN)/python manage.py check --deploy
	@$(BIN)/python manage.py migrate --check >/dev/null || { \
		echo "Unapplied migrations: run 'make migrate' with the same DATABASE_URL first."; exit 1; }
	$(BIN)/python manage.py collectstatic --noinput -v0
	PORT=$(PORT) exec $(BIN)/gunicorn -c gunicorn.conf.py timeline.wsgi

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; \
	fi

# The real TimelineJS library for tests/test_timelinejs_browser.py, from npm at the version in
# tests/timelinejs/package-lock.json (the site never serves it). Reinstalled only when missing or
# when the lock file is newer than the installation.
timelinejs:
	@[ tests/timelinejs/node_modules/.package-lock.json -nt tests/timelinejs/package-lock.json ] || \
		npm ci --prefix tests/timelinejs --ignore-scripts --no-audit --no-fund

.PHONY: timelinejs

## Run the whole suite (unit, view, fixture and browser tests).
test: install chromium timelinejs
	$(BIN)/python -m pytest

## Back up the database (timeline, audit history, users, groups) to backups/timeline-YYYYMMDD-HHMMSS.json.
dump: install
	$(BIN)/python manage.py dump

## Restore a backup: make restore FILE=backups/timeline-….json (into an empty database; FORCE=1 loads into
## a non-empty one, still refusing rows an editor changed; OVERWRITE=1 overwrites those too).
restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/timeline-YYYYMMDD-HHMMSS.json [FORCE=1] [OVERWRITE=1]"; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddata $(if $(FORCE),,--empty-only) $(if $(OVERWRITE),--overwrite) "$(FILE)"

.PHONY: dump restore

## Check the code with ruff (its rules are in pyproject.toml); tests/test_lint.py runs the same
## check, so `make test` fails when this does.
lint: install
	$(BIN)/python -m ruff check .

clean:
	rm -rf $(VENV) staticfiles
