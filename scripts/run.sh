#!/usr/bin/env bash
# make run: prepare the database, static files, admin and demo content, then start web + worker
# under honcho (Procfile). Ctrl-C stops them all. Safe to run again: it reuses everything.
set -euo pipefail

# All in a function: bash reads a script as it runs, and this one runs for hours; a function
# is read whole first, so editing the file meanwhile cannot change what a running one does.
main() {
  cd "$(dirname "$0")/.."
  # A .env file (shell syntax: NAME=value lines) applies to every step and process below.
  if [ -f .env ]; then
    set -a
    # shellcheck disable=SC1091
    . ./.env
    set +a
  fi
  export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
  export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
  export PYTHONUNBUFFERED=1
  py=.venv/bin/python

  # Browsers send the host they were given; let the one we listen on through.
  case "$HOST" in
    127.0.0.1 | localhost | 0.0.0.0 | ::) ;;
    *) export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost,$HOST} ;;
  esac
  case "$HOST" in
    0.0.0.0 | ::) url_host=127.0.0.1 ;;
    *:*) url_host="[$HOST]" ;;
    *) url_host=$HOST ;;
  esac
  url="http://$url_host:$PORT"

  ingest_host=${LIVE_INGEST_HOST:-127.0.0.1} ingest_port=${LIVE_INGEST_PORT:-1935}
  if ! "$py" - "$HOST" "$PORT" "$ingest_host" "$ingest_port" <<'PY'; then
import socket, sys
for (host, port), hint in zip(
    [(sys.argv[1], int(sys.argv[2])), (sys.argv[3], int(sys.argv[4]))],
    ["make run PORT={}", "LIVE_INGEST_PORT={} make run (and LIVE_INGEST_URL to match)"],
):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            sys.exit(f"Cannot listen on {host}:{port} ({exc.strerror}). "
                     f"Is Onair already running? Pick another port: {hint.format(port + 1)}")
PY
    exit 1
  fi

  echo "== Preparing the database, static files, admin user and demo videos"
  "$py" manage.py migrate --noinput -v 0
  "$py" manage.py collectstatic --noinput -v 0
  "$py" manage.py ensure_admin
  if [ "${ONAIR_DEMO:-1}" != 0 ]; then
    "$py" manage.py seed_demo
  fi

  # Say where Onair is once /healthz answers. The waiter is detached (no zombie left behind) and
  # ends by itself when this script does.
  ( "$py" scripts/wait_ready.py --url "$url" --parent $$ & )

  echo "== Starting web ($url), workers and the RTMP ingest (rtmp://$ingest_host:$ingest_port/live); Ctrl-C stops them"
  plain=()
  [ -t 1 ] || plain=(--no-colour)  # colours only on a terminal, not in a log file
  status=0
  # -e /dev/null: honcho must not read .env a second time, with rules of its own.
  # supervise.py is honcho whose processes die with it, even when it is killed outright.
  "$py" scripts/supervise.py "${plain[@]}" -e /dev/null -f Procfile start -p "$PORT" || status=$?
  # honcho exits 130 after Ctrl-C, once everything has stopped: that is a normal end here.
  if [ "$status" = 130 ] || [ "$status" = 143 ]; then
    echo "Onair stopped."
    exit 0
  fi
  exit "$status"
}

main "$@"
exit
