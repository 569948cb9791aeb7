#!/usr/bin/env bash
# make test: linters, type checks, Django's deployment check of the production settings, the
# whole suite on SQLite, then again (all but the browser tests) on a throwaway PostgreSQL
# server. Every step runs even if an earlier one failed; the exit status is non-zero if any
# failed.
set -uo pipefail
# Read whole before it runs (a brace group), so editing this file mid-run is harmless.
{
cd "$(dirname "$0")/.."
scripts/test-deps.sh || exit 1
export PATH="$PWD/.venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1
pytest_args=(-p no:cacheprovider --durations=15 --durations-min=1.0)

failed=()
started=$SECONDS
step() {
  local name=$1
  shift
  echo
  echo "== $name"
  local begin=$SECONDS status=0
  "$@" || status=$?
  if [ "$status" = 5 ]; then
    echo "$name collected no tests: that is a failure here." >&2
  fi
  if [ "$status" != 0 ]; then
    failed+=("$name")
  fi
  echo "== $name: $([ "$status" = 0 ] && echo ok || echo "FAILED (exit $status)") in $((SECONDS - begin)) s"
}

# Production settings pass Django's deployment checklist (warnings included) with only the two
# variables prod requires, on the default database: a clean environment, so that a developer's
# own variables cannot make it pass. It reads settings only: no database, no files written.
deploy_check() {
  local key
  key=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')
  env -i PATH="$PATH" HOME="${HOME:-/}" PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod DJANGO_SECRET_KEY="$key" \
    DJANGO_ALLOWED_HOSTS=onair.example.com \
    python manage.py check --deploy --fail-level WARNING
}

step "ruff check" ruff check .
step "ruff format" ruff format --check .
step "mypy" mypy .
step "deploy check" deploy_check
step "pytest on SQLite" pytest "${pytest_args[@]}"
step "pytest on PostgreSQL" scripts/with-postgres.sh pytest "${pytest_args[@]}" -m "not browser and not database_free and not sqlite_pass_only"

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "make test FAILED after $((SECONDS - started)) s: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')" >&2
  exit 1
fi
echo "make test: every check succeeded in $((SECONDS - started)) s"
exit
}
