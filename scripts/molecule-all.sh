#!/usr/bin/env bash
# Every role's molecule/default scenario (converge, idempotence, verify) against the local stack.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$root/.venv/bin:$PATH" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 NO_COLOR=1
failed=()
for scenario in roles/*/molecule/default; do
  role=$(basename "$(dirname "$(dirname "$scenario")")")
  echo "== molecule: $role"
  if ! (cd "roles/$role" && molecule test) > "/tmp/molecule-$role.log" 2>&1; then
    tail -60 "/tmp/molecule-$role.log"
    failed+=("$role")
  else
    grep -E "SCENARIO RECAP|default +:" "/tmp/molecule-$role.log" | tail -1
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "molecule failed for: ${failed[*]}"; exit 1; }
