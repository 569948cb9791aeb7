#!/usr/bin/env bash
# Make sure the machine has what pip and npm cannot install: Python 3.11+ with venv, Node.js + npm.
# As root on Debian/Ubuntu the missing packages are installed with apt-get; elsewhere we say what
# to install and stop.
set -euo pipefail
PYTHON=${PYTHON:-python3}
missing=()   # Debian package names
problems=()  # what a person on another system needs to know
if ! command -v "$PYTHON" >/dev/null; then
  missing+=(python3 python3-venv)
  problems+=("Python 3.11 or newer ($PYTHON not found)")
elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Onair needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
  if command -v apt-get >/dev/null; then
    echo "On Ubuntu 22.04: sudo apt-get install python3.11 python3.11-venv, then: make PYTHON=python3.11 run" >&2
  else
    echo "Install a newer Python, then: make PYTHON=/path/to/python3.11 run" >&2
  fi
  exit 1
elif ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
  problems+=("Python's venv module with ensurepip")
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  missing+=(nodejs npm)
  problems+=("Node.js 18 or newer with npm")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  exit 0
fi
echo "Onair needs: $(IFS=,; echo "${problems[*]}" | sed 's/,/, /g')." >&2
if command -v apt-get >/dev/null; then
  echo "Install them with: sudo apt-get install ${missing[*]}   (or run make as root), then run make again." >&2
else
  echo "This is not a Debian/Ubuntu system: install them with your package manager, then run make again." >&2
fi
exit 1
