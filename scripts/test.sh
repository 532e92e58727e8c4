#!/usr/bin/env bash
# npm test: on the current Node LTS (scripts/node-lts.sh), type-check, then unit and integration tests against a stack of their own
# (fresh Temporal database, free ports, so it never clashes with a demo stack), torn down on exit.
set -euo pipefail
[ -n "${S3_KMS_MIGRATOR_NODE:-}" ] || exec bash "$(dirname "$0")/node-lts.sh" bash "$0" "$@"
cd "$(dirname "$0")/.."
echo "[test] on Node $(node --version)" >&2
bash scripts/install-deps.sh
echo "[test] type-checking, formatting (prettier) and lint (eslint)" >&2
node_modules/.bin/tsc --noEmit -p .
node_modules/.bin/prettier --check . --log-level warn
node_modules/.bin/eslint .

bash scripts/install-stack.sh chromium >/dev/null # the Web UI test drives Debian's Chromium

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/unit/*.test.ts test/workflows/*.test.ts test/emulator/*.test.ts test/integration/*.test.ts)
bash scripts/with-own-stack.sh "${TEST_STACK_DIR:-.stack-test}" \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
