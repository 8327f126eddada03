#!/bin/sh
# Backup guard: brings Jaeger back when a backup stopped it and can no longer start it.
#
# badger-backup.sh records the replica count and the time in the Deployment's annotations
# jaeger-spm.io/backup-replicas and jaeger-spm.io/backup-since before it scales Jaeger to
# 0, and removes them when Jaeger runs again. If its pod is SIGKILLed, OOM-killed, evicted
# or loses its node, nothing would scale Jaeger back, and the next backup could not even
# schedule. Run every few minutes, this script restores the recorded count when no backup
# pod is running any more, or when Jaeger has been held down longer than $MAX_DOWN_SECONDS
# whatever the backup is doing.
set -eu

: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${BACKUP_POD_SELECTOR:?}"
MAX_DOWN_SECONDS="${MAX_DOWN_SECONDS:-1800}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) badger-guard: $*"; }
k() { kubectl -n "$NAMESPACE" "$@"; }
annotation() { k get deployment "$DEPLOYMENT" -o "jsonpath={.metadata.annotations.jaeger-spm\.io/backup-$1}"; }

recorded="$(annotation replicas)"
if [ -z "$recorded" ]; then
  log "no backup holds $DEPLOYMENT down"
  exit 0
fi
case "$recorded" in *[!0-9]* | 0) recorded=1 ;; esac
since="$(annotation since)"
case "$since" in '' | *[!0-9]*) since=0 ;; esac
down_seconds=$(($(date -u +%s) - since))

running="$(k get pods -l "$BACKUP_POD_SELECTOR" --field-selector=status.phase=Running -o name)"
if [ -n "$running" ] && [ "$down_seconds" -lt "$MAX_DOWN_SECONDS" ]; then
  log "a backup is running ($(echo "$running" | tr '\n' ' ')); $DEPLOYMENT held down for ${down_seconds}s"
  exit 0
fi
if [ -n "$running" ]; then
  log "$DEPLOYMENT has been held down for ${down_seconds}s (limit ${MAX_DOWN_SECONDS}s) by a backup"
else
  log "no backup pod is running, but $DEPLOYMENT is still held down (the backup was killed)"
fi
log "scaling $DEPLOYMENT back to $recorded"
k scale deployment "$DEPLOYMENT" --replicas="$recorded"
k annotate deployment "$DEPLOYMENT" jaeger-spm.io/backup-replicas- jaeger-spm.io/backup-since-
