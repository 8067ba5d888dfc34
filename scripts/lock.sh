#!/usr/bin/env bash
# make lock: resolve requirements.in with pip's resolver in a throwaway virtualenv and write the exact
# versions it installed to requirements.txt, which `make setup` installs (and CI with it).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --upgrade "pip==25.3" 2>&1 | grep -v "^WARNING: Location" || true
"$tmp/venv/bin/pip" install -q -r requirements.in 2>&1 | grep -v "^WARNING: Location" || true
{
  echo "# Locked Python dependencies of the project virtualenv (pip's resolution of requirements.in)."
  "$tmp/venv/bin/pip" list --format=freeze --exclude pip
} > "$tmp/requirements.txt"
mv "$tmp/requirements.txt" requirements.txt
echo "lock: $(grep -vc '^#' requirements.txt) packages pinned in requirements.txt; run 'make setup' to install them"
