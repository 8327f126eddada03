#!/bin/sh
# Builds the engines the real-engine tests run, from their Go modules at the versions pinned in
# engines/go.mod (a tools module: `go get -tool <module>@<version>` adds one), into a cache
# outside the clone: ${JAEGER_SPM_CACHE:-$HOME/.cache/jaeger-spm}/engines/<tool>-<version>.
# A build is skipped when that file exists. Used by `npm test` (pretest) and .ci/run.
# Needs Go (1.26 or newer) and the Go module proxy.
set -eu
cd "$(dirname "$0")/../engines"
cache="${JAEGER_SPM_CACHE:-${HOME:?}/.cache/jaeger-spm}/engines"
mkdir -p "$cache"
command -v go >/dev/null 2>&1 || {
  echo "engines: Go is required to build the test engines (go.dev/doc/install)" >&2
  exit 1
}
for tool in $(sed -n 's/^tool //p' go.mod); do
  module="$(go list -f '{{.Module.Path}}' "$tool")"
  version="$(go list -f '{{.Module.Version}}' "$tool")"
  target="$cache/$(basename "$tool")-$version"
  if [ -x "$target" ]; then continue; fi
  echo "engines: building $tool ($module $version) into $target"
  go build -trimpath -o "$target.tmp" "$tool"
  mv "$target.tmp" "$target"
done
