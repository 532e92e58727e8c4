#!/usr/bin/env bash
# start.sh PORT: Temporal's time-skipping test server, as @temporalio/testing runs
# it (TestWorkflowEnvironment.createTimeSkipping with an existing-path executable). The classpath is resolved
# by Maven once per pom and cached.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/s3-kms-migrator"
classpath="$cache/time-skipping-server-$(sha256sum "$here/pom.xml" | cut -c1-12).classpath"
if [ ! -s "$classpath" ]; then
  mkdir -p "$cache"
  mvn -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$classpath.tmp" >&2
  mv "$classpath.tmp" "$classpath"
fi
exec java -cp "$(cat "$classpath")" io.temporal.testserver.TestServer "$@"
