#!/usr/bin/env bash
# Runs a TypeScript entry point of the project on the current Node LTS, installing the pinned dependencies
# first on a fresh clone.
set -euo pipefail
[ -n "${S3_KMS_MIGRATOR_NODE:-}" ] || exec bash "$(dirname "$0")/node-lts.sh" bash "$0" "$@"
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
exec "$root/node_modules/.bin/tsx" "$@"
