#!/bin/sh
# Measures what a file-by-file copy of a live Badger directory keeps (what Velero's file-system
# backup does while Jaeger writes): RUNS times, the badgercrash writer (Badger v4.9.2, Jaeger's
# options) writes for SECONDS, the directories are copied with cp while it runs, the writer is
# killed, and the copy is opened and checked for every write acknowledged before the copy began.
# Usage: sh scripts/badger-live-copy.sh [RUNS] [SECONDS]   (after sh scripts/engines.sh)
set -eu
runs="${1:-10}"
seconds="${2:-3}"
bin="${JAEGER_SPM_CACHE:-$HOME/.cache/jaeger-spm}/engines/badgercrash"
[ -x "$bin" ] || { echo "run sh scripts/engines.sh first ($bin is missing)" >&2; exit 1; }
work="$(mktemp -d)"
writer=""
trap '[ -z "$writer" ] || kill -9 "$writer" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
short=0
broken=0
i=1
while [ "$i" -le "$runs" ]; do
  rm -rf "$work/live" "$work/copy"
  mkdir -p "$work/live/keys" "$work/live/values" "$work/copy"
  "$bin" write "$work/live/keys" "$work/live/values" >"$work/acks" 2>&1 &
  writer=$!
  sleep "$seconds"
  acked="$(tail -n 1 "$work/acks" | sed -n 's/^acked //p')"
  # Files Badger deletes during the copy (compacted tables) cannot be copied: cp says so and goes on.
  vanished=""
  cp -a --sparse=always "$work/live/keys" "$work/live/values" "$work/copy/" 2>"$work/cp.err" ||
    vanished=" ($(grep -c 'No such file' "$work/cp.err") files vanished during the copy)"
  kill -9 "$writer"
  wait "$writer" 2>/dev/null || true
  writer=""
  if result="$("$bin" check "$work/copy/keys" "$work/copy/values" "$acked" 2>&1)"; then
    echo "run $i: acknowledged before the copy $acked, all in the copy$vanished"
  elif echo "$result" | grep -q '^found'; then
    short=$((short + 1))
    echo "run $i: acknowledged before the copy $acked$vanished, $(echo "$result" | tr '\n' ' ')"
  else
    broken=$((broken + 1))
    echo "run $i: acknowledged before the copy $acked$vanished, the copy does not open: $(echo "$result" | head -n 1)"
  fi
  i=$((i + 1))
done
echo "$runs live copies: $short opened without some acknowledged writes, $broken did not open"
