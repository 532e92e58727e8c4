#!/usr/bin/env bash
# Runs a TypeScript entry point of the project, installing the pinned dependencies first on a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/node_modules/.bin/tsx" ]; then
  echo "[s3-kms-migrator] installing dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exec "$root/node_modules/.bin/tsx" "$@"
