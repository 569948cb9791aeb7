#!/usr/bin/env bash
# make lock [ARGS="--upgrade-package NAME"]: compile requirements/{base,prod,dev}.in (the ranges
# we accept) into the .txt files that get installed: one exact version of every package, with
# the hashes of all its files, valid on any OS for Python 3.11 and newer (--universal). Pins
# already in a .txt file are kept unless ARGS asks for an upgrade. base.txt comes first:
# prod.in and dev.in constrain themselves to it (-c base.txt), so all three agree.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv  # from requirements/dev.txt, so every re-lock uses the same uv
for name in base prod dev; do
  echo "Locking requirements/$name.txt"
  "$uv" pip compile --quiet --generate-hashes --universal --python-version 3.11 \
    --custom-compile-command "make lock" --output-file "requirements/$name.txt" "$@" \
    "requirements/$name.in"
done
