#!/usr/bin/env bash
# Installs the pinned dependencies on a fresh clone. npm install, not npm ci: the registry here serves only
# the Linux builds of @swc/core, so the lockfile cannot list the other platforms and npm ci rejects it; npm
# install still installs the locked versions.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ]; then
  echo "[s3-kms-migrator] installing the locked dependencies" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
