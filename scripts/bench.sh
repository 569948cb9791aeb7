#!/usr/bin/env bash
# make bench [NAME=transcode_ladder]: run bench/NAME.py, or every bench/*.py in turn.
# Each benchmark prints its figures as key=value pairs on its last line; nothing follows it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
export PYTHONUNBUFFERED=1
py=.venv/bin/python
available=$(cd bench && ls [!_]*.py 2>/dev/null | sed 's/\.py$//' | tr '\n' ' ')

if [ -n "${1:-}" ]; then
  script=bench/${1%.py}.py
  if [ ! -f "$script" ]; then
    echo "There is no benchmark '$1'. Available: ${available:-none}" >&2
    exit 2
  fi
  exec "$py" "$script"
fi

if [ -z "$available" ]; then
  echo "No benchmarks in bench/." >&2
  exit 2
fi
for name in $available; do
  echo "== bench/$name.py"
  "$py" "bench/$name.py"
done
