#!/usr/bin/env bash
# Install what the project needs on a fresh Debian 12 machine: Debian packages for the local stack,
# the pinned Python virtualenv, and ansible-test's get-pip stand-in. Safe to run again: it skips
# whatever is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${LLMTWIN_VENV:-.venv}
python=${PYTHON:-python3.11}

apt_packages=(docker.io docker-registry debootstrap apache2-utils)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The venv is rebuilt only when requirements.txt changes (its hash is stamped inside).
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the virtualenv $venv (pinned requirements.txt)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade "pip==25.3" 2>&1 | grep -v "^WARNING: Location" || true
  "$venv/bin/pip" install -q -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
  "$venv/bin/python" -c "import ansible, pymongo, qdrant_client, boto3, zenml, docker, moto" \
    || { echo "setup: the virtualenv is incomplete; see the pip output above" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# ansible-test sanity --venv downloads get-pip.py; nothing outside the package registries is
# reachable, so give it a stand-in that bootstraps pip from the interpreter's own ensurepip.
getpip="$HOME/.ansible/test/cache/get_pip_24_2.py"
if [ ! -f "$getpip" ]; then
  mkdir -p "$(dirname "$getpip")"
  cat > "$getpip" <<'PY'
"""Stand-in for get-pip.py: bootstrap pip offline with ensurepip, then honour pip's arguments."""
import subprocess
import sys

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if not a.startswith("--no-")]
if args:
    subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args], check=True)
PY
fi
echo "setup: ready ($venv)"
