# Onair: `make run` starts the platform on embedded defaults; `make test` runs every check;
# `make bench [NAME=transcode_ladder]` runs the benchmarks in bench/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSETS := build/.assets
HOST ?= 127.0.0.1
PORT ?= 8000
NAME ?=
ARGS ?=
export HOST PORT PYTHON
MAKEFLAGS += --no-print-directory

.PHONY: run setup test lint typecheck pytest pytest-postgres bench assets lock clean reset

# The Python environment: rebuilt when a locked requirements file changes. The .txt files pin
# every package to one version and the hashes of its files (make lock writes them from the
# .in ranges); --require-hashes refuses anything else.
$(STAMP): requirements/base.txt requirements/dev.txt requirements/prod.txt
	@scripts/check-system.sh
	@test -x $(PY) || { echo "Creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing Python packages into $(VENV) (the first time takes a few minutes)"
	@$(PY) -m pip install -qq --disable-pip-version-check --require-hashes \
		-r requirements/dev.txt  # -qq: errors only
	@touch $@

# Front-end packages from npm, exactly as package-lock.json says.
$(NODE_STAMP): package.json package-lock.json
	@scripts/check-system.sh
	@echo "Installing npm packages"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The player bundle (hls.js, media-chrome, hls-video-element) for collectstatic, and the
# CSP hashes of the <style> elements its components create (read by config/csp.py).
$(ASSETS): $(NODE_STAMP) static/js/vendor-entry.js scripts/csp-style-hashes.mjs
	@echo "Bundling front-end packages with esbuild"
	@node_modules/.bin/esbuild static/js/vendor-entry.js --bundle --format=esm --minify \
		--outfile=build/static/vendor/player-bundle.js --log-level=warning
	@node scripts/csp-style-hashes.mjs static/js/vendor-entry.js build/csp-style-hashes.json
	@touch $@

assets: $(ASSETS)

setup: $(STAMP) $(ASSETS)

run: setup
	@scripts/run.sh

test: setup
	@scripts/test.sh

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	@$(VENV)/bin/mypy .

pytest: setup
	@$(VENV)/bin/pytest -p no:cacheprovider

pytest-postgres: setup
	@scripts/test-deps.sh
	@scripts/with-postgres.sh $(VENV)/bin/pytest -p no:cacheprovider -m "not browser and not database_free and not sqlite_pass_only"

# The last line of the output is the benchmark's key=value figures: nothing is printed after it.
bench: setup
	@scripts/bench.sh $(NAME)

# Compile requirements/*.in into the locked .txt files; keeps every pin it can unless told
# otherwise: make lock ARGS="--upgrade-package django" (or ARGS=--upgrade for everything).
lock: $(STAMP)
	@scripts/lock.sh $(ARGS)

# Remove what set-up installs and builds (keeps var/: the database, media and secret key).
clean:
	rm -rf $(VENV) node_modules build

# Also remove var/: the database, uploaded and generated media, the secret key.
reset: clean
	rm -rf var
