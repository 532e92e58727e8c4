#!/usr/bin/env bash
# npm test: type-check, then unit and integration tests against a stack of their own
# (fresh Temporal database, free ports, so it never clashes with a demo stack), torn down on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm install, not npm ci: see scripts/run.sh.
if [ ! -x node_modules/.bin/tsx ]; then
  echo "[test] installing the locked dependencies" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
echo "[test] type-checking" >&2
node_modules/.bin/tsc --noEmit -p .

bash scripts/install-stack.sh chromium >/dev/null # the Web UI test drives Debian's Chromium

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/unit/*.test.ts test/workflows/*.test.ts test/emulator/*.test.ts test/integration/*.test.ts)
bash scripts/with-own-stack.sh "${TEST_STACK_DIR:-.stack-test}" \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
