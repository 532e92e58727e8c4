#!/usr/bin/env bash
# npm run bench [-- --objects N --size BYTES]: on a local stack of its own, torn down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-own-stack.sh .stack-bench node_modules/.bin/tsx scripts/bench.ts "$@"
