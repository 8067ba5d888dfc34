#!/usr/bin/env bash
# ansible-test must run from .../ansible_collections/<ns>/<name>: copy the tracked and new files there
# (a symlinked path is resolved by ansible-test and rejected) and run sanity with a managed venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/llmtwin/deploy"
mkdir -p "$dest"
git ls-files -co --exclude-standard | grep -v '^collections/' | while read -r f; do
  [ -e "$f" ] && { mkdir -p "$dest/$(dirname "$f")"; cp -P "$f" "$dest/$f"; }
done
cd "$dest"
git init -q && git add -A && git -c user.email=ci@local -c user.name=ci commit -qm sanity
python=$("$root/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$root/.venv/bin/ansible-test" sanity --venv --python "$python" --color no "$@"
