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
run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; \
	fi

## Run the whole suite (unit, view, fixture and browser tests).
test: install chromium
	$(BIN)/python -m pytest

lint:
	$(BIN)/python -m ruff check . || true

clean:
	rm -rf $(VENV) staticfiles
