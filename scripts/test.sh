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

# `scripts/test.sh integration molecule` runs only the named steps (make test-integration, ...)
only=" $* "
wants() { [ -z "${only// /}" ] || [[ "$only" == *" $1 "* ]]; }

# The integration tests run on two pytest-xdist workers, each on a stack of its own (a second folder
# and ports): most of their time is spent waiting on playbooks, so two workers on two cores nearly
# halve it. LLMTWIN_TEST_WORKERS=1 runs them serially on the first stack only.
workers="${LLMTWIN_TEST_WORKERS:-2}"
stack1="$LLMTWIN_STACK_DIR"
stack2="${LLMTWIN_TEST_STACK_DIR2:-$root/.local-stack-test2}"
stacks=("$stack1")
if wants integration && [ "$workers" -gt 1 ]; then stacks+=("$stack2"); fi
export LLMTWIN_TEST_STACK_DIRS="$(IFS=:; echo "${stacks[*]}")"

started=()
up_stack() {  # up_stack <folder> <mongo> <moto> <registry> <zenml>: bring it up unless it already runs
  local dir=$1
  mkdir -p "$dir"
  if LLMTWIN_STACK_DIR="$dir" scripts/local-stack status >/dev/null 2>&1; then return 0; fi
  LLMTWIN_STACK_DIR="$dir" LLMTWIN_MONGO_PORT=$2 LLMTWIN_MOTO_PORT=$3 LLMTWIN_REGISTRY_PORT=$4 \
    LLMTWIN_ZENML_PORT=$5 scripts/local-stack up > "$dir/up.log" 2>&1
}
cleanup() {
  local dir
  for dir in "${started[@]}"; do LLMTWIN_STACK_DIR="$dir" scripts/local-stack down; done
}
trap cleanup EXIT
for dir in "${stacks[@]}"; do
  LLMTWIN_STACK_DIR="$dir" scripts/local-stack status >/dev/null 2>&1 || started+=("$dir")
done
# both stacks come up at once (each mostly waits for its ZenML server)
up_stack "$stack1" "$LLMTWIN_MONGO_PORT" "$LLMTWIN_MOTO_PORT" "$LLMTWIN_REGISTRY_PORT" "$LLMTWIN_ZENML_PORT" & up1=$!
if [ ${#stacks[@]} -gt 1 ]; then
  up_stack "$stack2" "${LLMTWIN_TEST2_MONGO_PORT:-27127}" "${LLMTWIN_TEST2_MOTO_PORT:-5115}" \
    "${LLMTWIN_TEST2_REGISTRY_PORT:-5110}" "${LLMTWIN_TEST2_ZENML_PORT:-8347}" & up2=$!
  wait $up2 || { cat "$stack2/up.log"; echo "test: the second local stack did not come up"; exit 1; }
  cat "$stack2/up.log"
fi
wait $up1 || { cat "$stack1/up.log"; echo "test: the local stack did not come up"; exit 1; }
cat "$stack1/up.log" 2>/dev/null
passed=0; failed=0; failures=()
step() {
  local name=$1; shift
  wants "$name" || return 0
  echo; echo "=== $name: $*"
  local t0=$SECONDS
  if "$@"; then passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
  else failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"; fi
}

# every stack's dockerd gets the base image (no pulls); the wheelhouse is shared
prereqs() {
  local dir
  for dir in "${stacks[@]}"; do LLMTWIN_STACK_DIR="$dir" scripts/local-stack base-image || return 1; done
  bash scripts/wheelhouse.sh
}
# the image builds of the integration tests and molecule need them, even when run alone
if [ -n "${only// /}" ] && { wants integration || wants molecule; }; then only="$only prereqs "; fi
step prereqs       prereqs
# controller-side tests apart (the callback, the mongodb_uri filter and the templates that use it):
# importing controller code flips ansible's is_controller switch for the whole process, after which
# module warnings go to the display instead of the module's result
controller_tests=(tests/unit/plugins/callback tests/unit/roles/test_mongo_role.py)
step unit          python -m pytest -q -p no:cacheprovider -n 2 tests/unit "${controller_tests[@]/#/--ignore=}"
step unit-controller python -m pytest -q -p no:cacheprovider "${controller_tests[@]}"
step lint          ansible-lint --profile production -q
step build         ansible-galaxy collection build --force --output-path "$(mktemp -d)"
step sanity        bash scripts/sanity.sh
step integration   python -m pytest -q -p no:cacheprovider --durations=15 -n "$workers" --dist loadfile tests/integration
step reliability   python -m pytest -q -p no:cacheprovider tests/reliability
step molecule      bash scripts/molecule-all.sh

echo
[ $failed -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "steps: $passed passed, $failed failed"
[ $failed -eq 0 ]
