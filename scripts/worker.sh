#!/usr/bin/env bash
# npm run worker: the compiled worker of the code in the checkout, on the current Node LTS.
set -euo pipefail
[ -n "${S3_KMS_MIGRATOR_NODE:-}" ] || exec bash "$(dirname "$0")/node-lts.sh" bash "$0" "$@"
cd "$(dirname "$0")/.."
bash scripts/build-if-stale.sh
exec node dist/workers/main.js "$@"
