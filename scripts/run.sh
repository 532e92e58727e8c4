#!/usr/bin/env bash
# Runs a TypeScript entry point of the project, installing the pinned dependencies first on a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# npm install, not npm ci: the registry here serves only the Linux builds of @swc/core, so the lockfile
# cannot list the other platforms and npm ci rejects it; npm install still installs the locked versions.
if [ ! -x "$root/node_modules/.bin/tsx" ]; then
  echo "[s3-kms-migrator] installing the locked dependencies" >&2
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
exec "$root/node_modules/.bin/tsx" "$@"
