#!/usr/bin/env bash
# npm run scale [-- --objects 10000,100000]: on a local stack of its own, torn down at the end. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-own-stack.sh .stack-scale node_modules/.bin/tsx scripts/scale.ts "$@"
