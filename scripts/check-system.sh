#!/usr/bin/env bash
# Make sure the machine has what the project cannot install through pip or npm.
set -euo pipefail
missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]/npm/nodejs npm}" >/dev/null
else
  echo "Onair needs: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and run make again." >&2
  exit 1
fi
