#!/usr/bin/env bash
# The README's test command (make test): unit tests, lint, collection build, ansible-test sanity,
# integration tests and every molecule scenario, against the local stack it brings up (and down
# again if it was not already running). Every step runs; the exit code says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$root/.venv/bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg" ZENML_ANALYTICS_OPT_IN=false
# The tests run on a stack of their own (own folder, own ports), never on the one `make deploy` uses:
# they create, break and tear down resources. LLMTWIN_STACK_DIR of the caller (a deployment) is
# deliberately not used. Molecule runs playbooks from a temporary inventory, so the folder is exported.
export LLMTWIN_STACK_DIR="${LLMTWIN_TEST_STACK_DIR:-$root/.local-stack-test}"
export LLMTWIN_MONGO_PORT="${LLMTWIN_TEST_MONGO_PORT:-27117}" LLMTWIN_MOTO_PORT="${LLMTWIN_TEST_MOTO_PORT:-5105}"
export LLMTWIN_REGISTRY_PORT="${LLMTWIN_TEST_REGISTRY_PORT:-5100}" LLMTWIN_ZENML_PORT="${LLMTWIN_TEST_ZENML_PORT:-8337}"

started_stack=0
if ! scripts/local-stack status >/dev/null 2>&1; then
  scripts/local-stack up || { echo "test: the local stack did not come up"; exit 1; }
  started_stack=1
fi
cleanup() { [ "$started_stack" = 1 ] && scripts/local-stack down; }
trap cleanup EXIT

# `scripts/test.sh integration molecule` runs only the named steps (make test-integration, ...)
only=" $* "
passed=0; failed=0; failures=()
step() {
  local name=$1; shift
  if [ -n "${only// /}" ] && [[ "$only" != *" $name "* ]]; then return 0; fi
  echo; echo "=== $name: $*"
  local t0=$SECONDS
  if "$@"; then passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
  else failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"; fi
}

step prereqs       bash -c 'scripts/local-stack base-image && bash scripts/wheelhouse.sh'
step unit          python -m pytest -q -p no:cacheprovider tests/unit --ignore=tests/unit/plugins/callback
# controller plugins apart: importing them flips ansible's is_controller switch for the whole process,
# after which module warnings go to the display instead of the module's result
step unit-callback python -m pytest -q -p no:cacheprovider tests/unit/plugins/callback
step lint          ansible-lint --profile production -q
step build         ansible-galaxy collection build --force --output-path "$(mktemp -d)"
step sanity        bash scripts/sanity.sh
step integration   python -m pytest -q -p no:cacheprovider tests/integration
step reliability   python -m pytest -q -p no:cacheprovider tests/reliability
step molecule      bash scripts/molecule-all.sh

echo
[ $failed -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "steps: $passed passed, $failed failed"
[ $failed -eq 0 ]
