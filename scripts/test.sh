#!/usr/bin/env bash
# make test: linters, type checks, the whole suite on SQLite, then again on PostgreSQL.
set -euo pipefail
scripts/test-deps.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy .
echo "== pytest (SQLite)"
pytest -q
echo "== pytest (PostgreSQL): models, services, API, tasks"
scripts/with-postgres.sh pytest -q -m "not browser"
