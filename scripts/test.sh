#!/usr/bin/env bash
# Every test of the project, failing on the first problem, ending with a plain summary line.
# Runs the setup first, so on a fresh machine this command alone installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh
export PATH="$root/node_modules/.bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
# Screenshots and logs of the browser tests land here.
export CHASITOR_TEST_OUTPUT="$root/test-output"
mkdir -p "$CHASITOR_TEST_OUTPUT"
log="$CHASITOR_TEST_OUTPUT/test-run.log"
: > "$log"

steps=0
step() {
  local name=$1; shift
  printf '\n==> %s\n' "$name"
  local started; started=$(date +%s)
  # Each step's output goes to the terminal and to the log the summary is counted from.
  if ! "$@" 2>&1 | tee -a "$log"; then
    printf '\nFAILED: %s\n' "$name"
    exit 1
  fi
  steps=$((steps + 1))
  printf -- '--- %s: ok in %s s\n' "$name" "$(( $(date +%s) - started ))"
}

step "cargo fmt --check" cargo fmt --all --check
step "layout: no import circles (scripts/import-cycles.mjs)" node --test tests/layout/
step "clippy (native)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p chasitor --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
step "clippy (wasm32, the Live Agent-only build)" cargo clippy -p chasitor --target wasm32-unknown-unknown --lib \
  --no-default-features --features live-agent --locked -- -D warnings
step "clippy (wasm32, the Enhanced Chat-only build)" cargo clippy -p chasitor --target wasm32-unknown-unknown --lib \
  --no-default-features --features miaw --locked -- -D warnings
step "native tests" cargo test --workspace --locked
step "browser tests (wasm-bindgen-test, headless Chromium)" \
  cargo test -p chasitor --target wasm32-unknown-unknown --locked --test 'browser_*'
step "release build (scripts/build.sh: trunk, Live Agent only, Enhanced Chat only, both APIs)" scripts/build.sh
step "size report" scripts/size-report.sh
if compgen -G "tests/e2e/*.test.mjs" > /dev/null; then
  step "end-to-end tests (playwright-core, headless Chromium, simulator)" \
    node --test --test-concurrency=1 tests/e2e/
fi

# Count every test the runners reported: cargo's "test result" lines and node's "# pass/# fail".
passed=$(grep -oE '^test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -oE '; [0-9]+ failed;' "$log" | awk '{s += $2} END {print s + 0}')
node_pass=$(grep -oE '^(ℹ|#) pass [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
node_fail=$(grep -oE '^(ℹ|#) fail [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
printf '\nAll %s steps passed. Screenshots and logs: %s\n' "$steps" "$CHASITOR_TEST_OUTPUT"
printf 'summary: %s passed, %s failed\n' "$((passed + node_pass))" "$((failed + node_fail))"
