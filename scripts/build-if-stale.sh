#!/usr/bin/env bash
# Builds dist/ (npm run build) when it is missing or older than a source file, so `npm run worker`
# always runs the compiled worker of the code in the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/workflow-bundle.js
if [ ! -f "$stamp" ] || [ -n "$(find common workflows activities workers client package.json package-lock.json tsconfig.json tsconfig.build.json -newer "$stamp" -type f -print -quit)" ]; then
  bash scripts/install-deps.sh
  echo "[s3-kms-migrator] building dist/ (npm run build)" >&2
  npm run --silent build >&2
fi
