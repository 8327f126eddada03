#!/bin/sh
# Installs the Debian tools the tests run for real, when they are missing:
# promtool (package "prometheus": Prometheus' rule engine, for rules and dashboard queries),
# ShellCheck (lints the backup scripts), curl (the snapshot script runs it for real), openssl and
# unzip (the real-engine suite), Chromium and NSS's certutil (the browser tests: a real headless
# Chromium, whose trust store certutil gives the tests' CAs), and patch (Jaeger's UI build).
# Used by `npm test` (pretest) and .ci/run.
# Needs root or password-less sudo; otherwise it prints the command to run and fails.
# Debian's prometheus package also ships a Prometheus server that its install would start on
# :9090, now and at every boot, shadowing a `kubectl port-forward ... 9090`. Only promtool is
# wanted: services are kept from starting during the install (policy-rc.d, as Debian provides
# for exactly this) and the server is disabled at boot. The script says what it changed.
set -eu

missing=""
command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
# The real-engine suite: openssl makes its certificates, unzip unpacks OpenSearch.
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v unzip >/dev/null 2>&1 || missing="$missing unzip"
# The browser tests (tests/e2e/ui.e2e.ts) and the UI build (scripts/engines.sh).
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v certutil >/dev/null 2>&1 || missing="$missing libnss3-tools"
command -v patch >/dev/null 2>&1 || missing="$missing patch"
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "test-tools: missing:$missing; install with: sudo apt-get install -y$missing" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools: missing:$missing and no apt-get; install$missing with your package manager" >&2
  exit 1
fi
echo "test-tools: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
policy="${POLICY_RC_D:-/usr/sbin/policy-rc.d}"
if [ ! -e "$policy" ]; then
  # 101: "action forbidden" for every service the packages would start (invoke-rc.d, deb-systemd-invoke).
  printf '#!/bin/sh\nexit 101\n' | $as_root tee "$policy" >/dev/null
  $as_root chmod 755 "$policy"
  trap '$as_root rm -f "$policy"' EXIT
fi
$as_root apt-get update -qq </dev/null
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
case " $missing " in
  *" prometheus "*)
    if command -v deb-systemd-helper >/dev/null 2>&1; then
      $as_root deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
      $as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
    echo "test-tools: installed Debian's prometheus for promtool only; its server was not started and is disabled at boot (enable it with: sudo systemctl enable --now prometheus)"
    ;;
esac
