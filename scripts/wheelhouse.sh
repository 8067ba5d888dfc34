#!/usr/bin/env bash
# Build the image's wheelhouse from requirements-app.txt and expose it as .wheelhouse/ in the build context.
#
# The wheels are built once per requirements-app.txt (and Python) into a cache outside the repository,
#   ${LLMTWIN_CACHE_DIR:-~/.cache/llmtwin-deploy}/wheelhouse-<hash>
# and reused when present; .wheelhouse/ (git-ignored) is then filled with hard links to them (a copy
# across filesystems). The Dockerfile installs from it with `pip --no-index`, so builds need no network.
# Idempotent: a second run with the same requirements changes nothing. PYTHON overrides python3.11.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3.11}
requirements=$repo/requirements-app.txt
cache_root=${LLMTWIN_CACHE_DIR:-$HOME/.cache/llmtwin-deploy}
target=$repo/.wheelhouse

command -v "$python" >/dev/null || { echo "wheelhouse: $python not found (set PYTHON)" >&2; exit 1; }
[ -f "$requirements" ] || { echo "wheelhouse: $requirements not found" >&2; exit 1; }

# the wheels depend on the pins and on the interpreter/platform they were resolved for
abi=$("$python" -c 'import platform, sys; print(sys.implementation.cache_tag, platform.machine())')
hash=$( { cat "$requirements"; echo "$abi"; } | sha256sum | cut -c1-16)
cache=$cache_root/wheelhouse-$hash

if [ -f "$cache/.complete" ]; then
    echo "wheelhouse: reusing $cache ($(find "$cache" -name '*.whl' | wc -l) wheels)"
else
    mkdir -p "$cache_root"
    partial=$(mktemp -d "$cache_root/.wheelhouse-$hash.XXXXXX")
    trap 'rm -rf "$partial"' EXIT
    echo "wheelhouse: building $cache with $python ($abi); this downloads ~1 GB once"
    start=$(date +%s)
    # the machine-wide pip config may name index folders that do not exist: drop those warnings only
    "$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$partial" -r "$requirements" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    touch "$partial/.complete"
    rm -rf "$cache"
    mv "$partial" "$cache"
    trap - EXIT
    echo "wheelhouse: built $(find "$cache" -name '*.whl' | wc -l) wheels in $(( $(date +%s) - start ))s"
fi

if [ -f "$target/.hash" ] && [ "$(cat "$target/.hash")" = "$hash" ]; then
    echo "wheelhouse: $target is up to date"
    exit 0
fi
rm -rf "$target"
mkdir -p "$target"
if cp -al "$cache"/*.whl "$target"/ 2>/dev/null; then
    how="hard-linked"
else
    cp -a "$cache"/*.whl "$target"/
    how="copied"
fi
echo "$hash" > "$target/.hash"
echo "wheelhouse: $how $(find "$target" -name '*.whl' | wc -l) wheels into $target"
