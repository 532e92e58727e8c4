#!/usr/bin/env bash
# npm run chaos [-- --objects N --kills K ...]: on a local stack of its own, torn down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-own-stack.sh .stack-chaos node_modules/.bin/tsx scripts/chaos.ts "$@"
