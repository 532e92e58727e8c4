#!/usr/bin/env bash
# node-lts.sh command...: runs a command on the current Node.js LTS, fetching it (scripts/with-node.sh) when
# the machine's Node is older, so the quick start, the worker and the tests run on what the project supports
# whatever the machine has. S3_KMS_MIGRATOR_NODE=system keeps the Node on PATH (with-node.sh sets it too).
set -euo pipefail
LTS=26.12.1
if [ -n "${S3_KMS_MIGRATOR_NODE:-}" ]; then exec "$@"; fi
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -ge "${LTS%%.*}" ]; then S3_KMS_MIGRATOR_NODE=system exec "$@"; fi
WITH_NODE_QUIET=1 exec bash "$(dirname "$0")/with-node.sh" "$LTS" "$@"
