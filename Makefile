# Onair: `make run` starts the platform on embedded defaults; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
NAME ?=
export HOST PORT

.PHONY: run setup test lint typecheck pytest pytest-postgres bench assets clean

$(STAMP): requirements/base.txt requirements/dev.txt requirements/prod.txt
	@scripts/check-system.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build/static/player.js: node_modules/.installed static/js/vendor-entry.js
	npx esbuild static/js/vendor-entry.js --bundle --format=esm --minify \
		--outfile=build/static/vendor/player-bundle.js --log-level=warning
	@mkdir -p build/static && touch $@

assets: build/static/player.js

setup: $(STAMP) assets

run: setup
	@scripts/run.sh

test: setup
	@scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

bench: setup
	@scripts/bench.sh $(NAME)

clean:
	rm -rf $(VENV) node_modules build var
