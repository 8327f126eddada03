#!/bin/sh
# Builds the engines the real-engine tests run, from their Go modules at the versions pinned in
# engines/go.mod (a tools module: `go get -tool <module>@<version>` adds one), into a cache
# outside the clone: ${JAEGER_SPM_CACHE:-$HOME/.cache/jaeger-spm}/engines/<tool>-<version>
# (skipped when that file exists), and the module's own test commands (engines/<name>/main.go,
# e.g. badgercrash on the Badger version Jaeger pins) as <name> (Go's build cache makes a rebuild
# take well under a second). Used by `npm test` (pretest) and .ci/run.
# Needs Go (1.26 or newer) and the Go module proxy.
set -eu
cd "$(dirname "$0")/../engines"
cache="${JAEGER_SPM_CACHE:-${HOME:?}/.cache/jaeger-spm}/engines"
mkdir -p "$cache"
command -v go >/dev/null 2>&1 || {
  echo "engines: Go is required to build the test engines (go.dev/doc/install)" >&2
  exit 1
}
sed -n 's/^tool //p' go.mod | while read -r tool; do
  module="$(go list -f '{{.Module.Path}}' "$tool")"
  version="$(go list -f '{{.Module.Version}}' "$tool")"
  target="$cache/$(basename "$tool")-$version"
  if [ -x "$target" ]; then continue; fi
  echo "engines: building $tool ($module $version) into $target"
  go build -trimpath -o "$target.tmp" "$tool"
  mv "$target.tmp" "$target"
done
for main in */main.go; do
  [ -f "$main" ] || continue
  name="$(dirname "$main")"
  go build -trimpath -o "$cache/$name.tmp" "./$name"
  mv "$cache/$name.tmp" "$cache/$name"
done
