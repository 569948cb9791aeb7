#!/usr/bin/env bash
# Install what the tests need beyond pip and npm: Debian's chromium (browser tests),
# postgresql (the second run of the suite) and redis-server (the tests start a throwaway one:
# config/tests/redis_server.py). As root on Debian/Ubuntu they are installed with apt-get;
# elsewhere we say what is missing and stop.
set -euo pipefail
need=()      # Debian package names
problems=()  # what a person on another system needs to know
if [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
  problems+=("Chromium at /usr/bin/chromium")
fi
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  need+=(postgresql)
  problems+=("the PostgreSQL server (/usr/lib/postgresql/VERSION/bin)")
fi
if ! command -v redis-server >/dev/null; then
  need+=(redis-server)
  problems+=("the Redis server (redis-server)")
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing test dependencies with apt-get: ${need[*]}"
  apt-get update -qq
  # A policy-rc.d that says no keeps apt from starting Debian's own PostgreSQL cluster and
  # Redis service: the tests start throwaway servers of their own.
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null || status=$?
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
  exit $status
fi
printf 'The tests need %s.\n' "$(printf '%s and ' "${problems[@]}" | sed 's/ and $//')" >&2
if command -v apt-get >/dev/null; then
  echo "Install them with: sudo apt-get install ${need[*]}   (or run make test as root)." >&2
else
  echo "This is not a Debian/Ubuntu system: install them with your package manager." >&2
fi
exit 1
