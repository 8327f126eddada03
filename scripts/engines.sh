#!/bin/sh
# Builds the engines the real-engine tests run, from their Go modules at the versions pinned in
# engines/go.mod (a tools module: `go get -tool <module>@<version>` adds one), into a cache
# outside the clone: ${JAEGER_SPM_CACHE:-$HOME/.cache/jaeger-spm}/engines/<tool>-<version>
# (skipped when that file exists), and the module's own test commands (engines/<name>/main.go,
# e.g. badgercrash on the Badger version Jaeger pins) as <name> (Go's build cache makes a rebuild
# take well under a second). Run by `npm run setup` and .ci/run.
# Needs Go (1.26 or newer) and the Go module proxy.
#
# Jaeger itself (and its es-index-cleaner and es-rollover) is built from the tagged source tarball
# that engines/jaeger-source.json names (the module proxy does not serve Jaeger v2 as a module),
# found in $JAEGER_SPM_ENGINE_SOURCES (default: ../shared/engines beside the clone); its sha256 is
# checked first, and the version is stamped so `jaeger version` prints the tag. Its dependencies
# come from the module proxy. It embeds Jaeger's UI, built from its own pinned source (below) as
# the release image embeds it. About 6.5 minutes on 2 cores the first time, nothing after.
set -eu
cd "$(dirname "$0")/../engines"
cache="${JAEGER_SPM_CACHE:-${HOME:?}/.cache/jaeger-spm}/engines"
mkdir -p "$cache"
command -v go >/dev/null 2>&1 || {
  echo "engines: Go is required to build the test engines (go.dev/doc/install)" >&2
  exit 1
}

source_json="$(pwd)/jaeger-source.json"
source_field() { node -p "require(process.argv[1]).$1" "$source_json"; }
jaeger_version="$(source_field version)"
jaeger_target="$cache/jaeger-$jaeger_version"
sources="${JAEGER_SPM_ENGINE_SOURCES:-$(cd .. && pwd)/../shared/engines}"

# Jaeger's UI as the release image embeds it: jaeger-ui at the commit Jaeger's tag pins (its
# tarball, sha256 checked, plus our patch that lets it install from the npm registry, which lacks
# one exact version; both in $sources), built with the Node and pnpm it asks for (from the npm
# registry: node-linux-<arch>, pnpm), into $cache/jaeger-ui-<version>-<sha256 prefix>/. The
# jaeger binary is rebuilt when the assets it embeds change (its ui-assets file names them).
ui_field() { source_field "ui.$1"; }
ui_stamp="ui $(ui_field sha256) patch $(ui_field patchSha256) node $(ui_field node) pnpm $(ui_field pnpm)"
ui_build="$cache/jaeger-ui-$jaeger_version-$(echo "$ui_stamp" | sha256sum | cut -c1-12)"
check_sha256() { # file, sha256, what to say on a mismatch
  echo "$2  $1" | sha256sum -c --quiet - || {
    echo "engines: $1 does not match the sha256 in $3" >&2
    exit 1
  }
}
build_ui() {
  [ -f "$ui_build/index.html" ] && return 0
  ui_tarball="$sources/$(ui_field tarball)"
  ui_patch="$sources/$(ui_field patch)"
  for file in "$ui_tarball" "$ui_patch"; do
    [ -f "$file" ] || {
      echo "engines: $file is missing: Jaeger's UI is built from its tagged source and our patch (set JAEGER_SPM_ENGINE_SOURCES to the folder that holds them)" >&2
      exit 1
    }
  done
  check_sha256 "$ui_tarball" "$(ui_field sha256)" engines/jaeger-source.json
  check_sha256 "$ui_patch" "$(ui_field patchSha256)" engines/jaeger-source.json
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "engines: no node-linux package for $(uname -m), which Jaeger's UI build needs" >&2; exit 1 ;;
  esac
  node_version="$(ui_field node)"
  pnpm_version="$(ui_field pnpm)"
  toolchain="$cache/node-$node_version-pnpm-$pnpm_version"
  if [ ! -x "$toolchain/node_modules/.bin/pnpm" ]; then
    echo "engines: fetching Node $node_version (node-linux-$arch) and pnpm $pnpm_version from the npm registry for Jaeger's UI"
    rm -rf "$toolchain.tmp"
    npm install --prefix "$toolchain.tmp" --no-save --no-audit --no-fund --silent "node-linux-$arch@$node_version" "pnpm@$pnpm_version" </dev/null
    rm -rf "$toolchain"
    mv "$toolchain.tmp" "$toolchain"
  fi
  ui_work="$ui_build.build"
  rm -rf "$ui_work"
  mkdir -p "$ui_work"
  tar -xzf "$ui_tarball" -C "$ui_work"
  ui_tree="$ui_work/$(ui_field directory)"
  patch -s -p1 -d "$ui_tree" <"$ui_patch"
  echo "engines: building Jaeger's UI ($(ui_field commit)) with Node $node_version and pnpm $pnpm_version"
  started=$(date +%s)
  # No dependency may download a browser or a binary from outside the registries: each such
  # package's documented switch is set (Cypress, Playwright, Puppeteer).
  if ! (cd "$ui_tree" &&
    export PATH="$toolchain/node_modules/node-linux-$arch/bin:$toolchain/node_modules/.bin:$PATH" \
      CYPRESS_INSTALL_BINARY=0 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 CI=true &&
    pnpm install --frozen-lockfile --reporter=append-only --store-dir "$cache/pnpm-store" </dev/null >"$ui_work/install.log" 2>&1 &&
    pnpm run build </dev/null >"$ui_work/build.log" 2>&1); then
    tail -n 30 "$ui_work"/*.log >&2
    echo "engines: building Jaeger's UI failed (logs above; the tree is in $ui_work)" >&2
    exit 1
  fi
  rm -rf "$ui_build"
  mv "$ui_tree/packages/jaeger-ui/build" "$ui_build"
  rm -rf "$ui_work"
  echo "engines: built Jaeger's UI in $(( $(date +%s) - started )) s ($(du -sh "$ui_build" | cut -f1))"
}

if [ ! -x "$jaeger_target/jaeger" ] || [ "$(cat "$jaeger_target/ui-assets" 2>/dev/null)" != "$ui_stamp" ]; then
  tarball="$sources/$(source_field tarball)"
  if [ ! -f "$tarball" ] && [ "${JAEGER_SPM_WITHOUT_JAEGER:-}" = 1 ]; then
    echo "engines: not building Jaeger $jaeger_version ($tarball is missing; JAEGER_SPM_WITHOUT_JAEGER=1): npm test runs, npm run test:e2e needs it"
  else
    [ -f "$tarball" ] || {
      echo "engines: $tarball is missing: Jaeger $jaeger_version is built from its tagged source (set JAEGER_SPM_ENGINE_SOURCES to the folder that holds it)" >&2
      exit 1
    }
    echo "engines: checking the sha256 of $tarball"
    check_sha256 "$tarball" "$(source_field sha256)" engines/jaeger-source.json
    build_ui
    work="$cache/jaeger-$jaeger_version.build"
    rm -rf "$work"
    mkdir -p "$work/bin"
    tar -xzf "$tarball" -C "$work"
    commands=""
    for command in $(source_field "commands.join(' ')"); do commands="$commands ./cmd/$command"; done
    commit="$(source_field commit)"
    directory="$(source_field directory)"
    # Embedded as Jaeger's scripts/makefiles/BuildBinaries.mk (build-ui) does: the build's files,
    # each gzipped without a name, in place of the tree's empty ui/actual (its .gitignore kept).
    assets="$work/$directory/cmd/jaeger/internal/extension/jaegerquery/internal/ui/actual"
    find "$assets" -mindepth 1 -maxdepth 1 ! -name .gitignore -exec rm -rf {} +
    cp -R "$ui_build/." "$assets/"
    find "$assets" -type f ! -name .gitignore -exec gzip --no-name {} +
    echo "$ui_stamp" >"$work/bin/ui-assets"
    echo "engines: building Jaeger $jaeger_version ($commands) with its UI into $jaeger_target (about 4 min on 2 cores the first time)"
    started=$(date +%s)
    # Prints the build's progress every 30 s: the compile itself is silent for minutes.
    ( while sleep 30; do echo "engines: still building Jaeger ($(( $(date +%s) - started )) s)"; done ) &
    ticker=$!
    # shellcheck disable=SC2086
    if ! (cd "$work/$directory" && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$jaeger_version -X github.com/jaegertracing/jaeger/internal/version.commitSHA=$commit" \
      -o "$work/bin/" $commands); then
      kill "$ticker"
      echo "engines: building Jaeger $jaeger_version failed" >&2
      exit 1
    fi
    kill "$ticker"
    rm -rf "$jaeger_target"
    mv "$work/bin" "$jaeger_target"
    rm -rf "$work"
    echo "engines: Jaeger built in $(( $(date +%s) - started )) s: $("$jaeger_target/jaeger" version 2>/dev/null | tail -1)"
  fi
fi
# The tools of engines/go.mod, and of each module below it (engines/kube: kube-apiserver and etcd;
# engines/oauth2-proxy: the sign-in proxy at the pinned image's version; each keeps its dependency
# graph apart from the others'), as <name>-<version>.
build_tools() {
  tools="$(sed -n '/^tool (/,/^)/{/^tool (/d; /^)/d; s/^[[:space:]]*//p; d}; s/^tool //p' go.mod)"
  for tool in $tools; do
    module="$(go list -f '{{.Module.Path}}' "$tool")"
    version="$(go list -f '{{.Module.Version}}' "$tool")"
    name="$(basename "$tool")"
    ldflags=""
    # A module's root package is named after the module (go.etcd.io/etcd/server/v3 is etcd), and
    # oauth2-proxy stamps its version as its release build does (its Makefile), so that
    # `oauth2-proxy --version` names the pinned image's tag.
    case "$tool" in
      go.etcd.io/etcd/server/*) name=etcd ;;
      github.com/oauth2-proxy/oauth2-proxy/*) name=oauth2-proxy ldflags="-X $module/pkg/version.VERSION=$version" ;;
      # The CLI stamps its version as Pulumi's release build does (`pulumi version` prints it).
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" ;;
      # Kubernetes stamps its version as hack/lib/version.sh does; unstamped, the API server says
      # v0.0.0-master, and Helm refuses every chart with a kubeVersion constraint.
      k8s.io/kubernetes/cmd/*)
        minor="$(echo "$version" | cut -d. -f2)"
        ldflags="-X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
        ;;
    esac
    target="$cache/$name-$version"
    # A Kubernetes binary built before it was stamped is built again.
    case "$tool" in
      k8s.io/kubernetes/cmd/*)
        if [ -x "$target" ] && ! "$target" --version 2>/dev/null | grep -q "Kubernetes $version\$"; then rm -f "$target"; fi
        ;;
    esac
    if [ -x "$target" ]; then continue; fi
    echo "engines: building $tool ($module $version) into $target"
    started=$(date +%s)
    go build -trimpath -ldflags "$ldflags" -o "$target.tmp" "$tool"
    mv "$target.tmp" "$target"
    echo "engines: built $name in $(( $(date +%s) - started )) s"
  done
}
# Pulumi's Node.js language host and the kubernetes and random providers, which the module proxy
# does not serve as modules: built from the upstream tags' sources in ../shared/engines (sha256
# checked first), versions stamped, as <name>-<version> (engines/pulumi-plugins.json). Measured cold
# on 2 cores (2026-12-07): kubernetes provider 532 s, random provider 131 s, language host about a
# minute (4 s once the CLI's modules are cached).
build_pulumi_plugins() {
  plugins_json="$(pwd)/pulumi-plugins.json"
  sources="${JAEGER_SPM_ENGINE_SOURCES:-$(cd .. && pwd)/../shared/engines}"
  node -e 'for (const p of require(process.argv[1]).plugins) console.log([p.name, p.version, p.tarball, p.sha256, p.directory, p.package, p.versionVariable].join(" "))' "$plugins_json" |
    while read -r name version tarball sha256 directory package variable; do
      target="$cache/$name-$version"
      [ -x "$target" ] && continue
      if [ ! -f "$sources/$tarball" ] && [ "${JAEGER_SPM_WITHOUT_JAEGER:-}" = 1 ]; then
        echo "engines: not building $name $version ($sources/$tarball is missing; JAEGER_SPM_WITHOUT_JAEGER=1): npm test runs, the Pulumi suite of npm run test:e2e needs it"
        continue
      fi
      [ -f "$sources/$tarball" ] || {
        echo "engines: $sources/$tarball is missing: $name $version is built from its tagged source (set JAEGER_SPM_ENGINE_SOURCES to the folder that holds it)" >&2
        exit 1
      }
      echo "$sha256  $sources/$tarball" | sha256sum -c --quiet - || {
        echo "engines: $sources/$tarball does not match the sha256 in engines/pulumi-plugins.json" >&2
        exit 1
      }
      work="$cache/$name-$version.build"
      rm -rf "$work"
      mkdir -p "$work"
      tar -xzf "$sources/$tarball" -C "$work"
      echo "engines: building $name $version into $target"
      started=$(date +%s)
      ( while sleep 60; do echo "engines: still building $name ($(( $(date +%s) - started )) s)"; done ) &
      ticker=$!
      if ! (cd "$work/$directory" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-X $variable=$version" -o "$target.tmp" "$package"); then
        kill "$ticker"
        echo "engines: building $name $version failed" >&2
        exit 1
      fi
      kill "$ticker"
      mv "$target.tmp" "$target"
      rm -rf "$work"
      echo "engines: built $name in $(( $(date +%s) - started )) s: $("$target" --version 2>/dev/null | head -1)"
    done
}

build_pulumi_plugins
build_tools
for mod in */go.mod; do
  grep -q '^tool' "$mod" || continue
  (cd "$(dirname "$mod")" && build_tools)
done
for main in */main.go; do
  [ -f "$main" ] || continue
  name="$(dirname "$main")"
  # A command with its own go.mod (e.g. spansend, on the client libraries Jaeger pins) is built in
  # its module, so its dependencies do not move the pinned tools' versions.
  if [ -f "$name/go.mod" ]; then
    (cd "$name" && go build -trimpath -o "$cache/$name.tmp" .)
  else
    go build -trimpath -o "$cache/$name.tmp" "./$name"
  fi
  mv "$cache/$name.tmp" "$cache/$name"
done

# OpenSearch for the search-backend scenario: the integration-test distribution OpenSearch
# publishes to Maven Central (version: tests/e2e/support/opensearch.ts), into Maven's local
# repository (outside the clone). Elastic publishes no runnable Elasticsearch 8/9 there.
opensearch_version="$(sed -n 's/^export const OPENSEARCH_VERSION = "\(.*\)";$/\1/p' ../tests/e2e/support/opensearch.ts)"
maven_repository="${MAVEN_REPOSITORY:-${HOME}/.m2/repository}"
opensearch_zip="$maven_repository/org/opensearch/distribution/integ-test-zip/opensearch/$opensearch_version/opensearch-$opensearch_version.zip"
if [ ! -f "$opensearch_zip" ]; then
  command -v mvn >/dev/null 2>&1 || {
    echo "engines: Maven is required to fetch OpenSearch $opensearch_version from Maven Central" >&2
    exit 1
  }
  echo "engines: fetching OpenSearch $opensearch_version (integ-test-zip) from Maven Central"
  # Into the repository the tests read (MAVEN_REPOSITORY, else Maven's default).
  mvn -q -B -Dmaven.repo.local="$maven_repository" dependency:get -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$opensearch_version:zip" -Dtransitive=false </dev/null
fi
# Its security plugin (TLS and users, as prod's search backend runs), the build for that version.
security_version="$(sed -n 's/^export const OPENSEARCH_SECURITY_VERSION = "\(.*\)";$/\1/p' ../tests/e2e/support/opensearch.ts)"
security_zip="$maven_repository/org/opensearch/plugin/opensearch-security/$security_version/opensearch-security-$security_version.zip"
if [ ! -f "$security_zip" ]; then
  echo "engines: fetching the OpenSearch security plugin $security_version from Maven Central"
  mvn -q -B -Dmaven.repo.local="$maven_repository" dependency:get -Dartifact="org.opensearch.plugin:opensearch-security:$security_version:zip" -Dtransitive=false </dev/null
fi
