#!/bin/sh
# Installs the Debian tools the tests run for real, when they are missing:
# promtool (package "prometheus": Prometheus' rule engine, for rules and dashboard queries),
# ShellCheck (lints the backup scripts) and curl (the snapshot script runs it for real).
# Used by `npm test` (pretest) and .ci/run.
# Needs root or password-less sudo; otherwise it prints the command to run and fails.
set -eu

missing=""
command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
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
  echo "test-tools: missing:$missing and no apt-get; install promtool, shellcheck and curl with your package manager" >&2
  exit 1
fi
echo "test-tools: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq </dev/null
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
