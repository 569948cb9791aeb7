#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server started for it, then remove the server.
# The command sees DATABASE_URL=postgres://onair@127.0.0.1:PORT/onair (a superuser, so Django's
# test runner can create its test database). As root the server runs as the `postgres` user,
# since initdb and postgres refuse to run as root.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail
# Read whole before it runs (a brace group), so editing this file mid-run is harmless.
{
if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
bin=$(compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin:" \
    "install Debian's postgresql package (scripts/test-deps.sh does it as root)." >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/onair-pg.XXXXXX")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "Running as root needs the 'postgres' user (Debian's postgresql package creates it)." >&2
    rm -rf "$dir"
    exit 1
  fi
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
chmod 700 "$dir"

# Run a server binary as its owner, from a directory that owner can enter.
pg() { (cd "$dir" && "${as_pg[@]}" "$@"); }

started=
cleanup() {
  local status=$?
  if [ -n "$started" ]; then
    pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

pg "$bin/initdb" -D "$dir/data" -A trust -U onair -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { echo "initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }

# A free port chosen by the kernel; retry if another process takes it before the server binds.
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
  if [ "$attempt" = 5 ]; then
    echo "PostgreSQL did not start:" >&2
    tail -20 "$dir/server.log" >&2 || true
    exit 1
  fi
done

"$bin/createdb" -h 127.0.0.1 -p "$port" -U onair onair
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, in $dir)"
export DATABASE_URL="postgres://onair@127.0.0.1:$port/onair"
status=0
"$@" || status=$?
exit "$status"
exit
}
