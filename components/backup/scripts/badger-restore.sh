#!/bin/sh
# Restore Jaeger's Badger volume from a backup made by badger-backup.sh.
#
#   BACKUP_KEY   object key under s3://$BUCKET/$KEY_PREFIX/ (e.g. 20261124T020000Z.tar.gz);
#                empty = the newest backup.
#
# Downloads and verifies the archive's SHA-256 *before* touching anything, stops
# Jaeger, moves the current data aside to $DATA_DIR/.pre-restore-<timestamp> (kept,
# never deleted: remove it by hand once the restore is verified), unpacks the
# archive, and starts Jaeger again on every exit path. If unpacking fails, the
# previous data is moved back.
set -eu

: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${DATA_DIR:?}" "${BUCKET:?}" "${KEY_PREFIX:?}"
WORK_DIR="${WORK_DIR:-/tmp/restore}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-300s}"
BACKUP_KEY="${BACKUP_KEY:-}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) badger-restore: $*"; }

mkdir -p "$WORK_DIR"
if [ -z "$BACKUP_KEY" ]; then
  # The newest complete backup: its .sha256 is written last, so an archive without one is partial.
  keys="$(aws s3 ls "s3://$BUCKET/$KEY_PREFIX/" | awk '{print $4}')"
  BACKUP_KEY="$(echo "$keys" | grep '\.tar\.gz$' | sort -r | while read -r key; do
    if echo "$keys" | grep -qxF "$key.sha256"; then echo "$key"; break; fi
  done)"
  [ -n "$BACKUP_KEY" ] || { log "no complete backup found under s3://$BUCKET/$KEY_PREFIX/"; exit 1; }
fi
log "restoring s3://$BUCKET/$KEY_PREFIX/$BACKUP_KEY"
aws s3 cp "s3://$BUCKET/$KEY_PREFIX/$BACKUP_KEY" "$WORK_DIR/$BACKUP_KEY" --only-show-errors
aws s3 cp "s3://$BUCKET/$KEY_PREFIX/$BACKUP_KEY.sha256" "$WORK_DIR/$BACKUP_KEY.sha256" --only-show-errors
(cd "$WORK_DIR" && sha256sum -c "$BACKUP_KEY.sha256") || { log "checksum mismatch; nothing changed"; exit 1; }

replicas="$(kubectl -n "$NAMESPACE" get deployment "$DEPLOYMENT" -o jsonpath='{.spec.replicas}')"
[ -n "$replicas" ] && [ "$replicas" -gt 0 ] || replicas=1
scaled_down=0
on_exit() {
  status=$?
  if [ "$scaled_down" -eq 1 ]; then
    log "starting $DEPLOYMENT again ($replicas replica(s))"
    kubectl -n "$NAMESPACE" scale deployment "$DEPLOYMENT" --replicas="$replicas" || status=1
  fi
  [ "$status" -eq 0 ] || log "FAILED (exit $status)"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 143' TERM INT

log "stopping $DEPLOYMENT"
scaled_down=1
kubectl -n "$NAMESPACE" scale deployment "$DEPLOYMENT" --replicas=0
kubectl -n "$NAMESPACE" wait --for=delete pod -l "$POD_SELECTOR" --timeout="$WAIT_TIMEOUT"

aside="$DATA_DIR/.pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
log "moving current data to $aside"
mkdir "$aside"
for entry in "$DATA_DIR"/* "$DATA_DIR"/.[!.]*; do
  [ -e "$entry" ] || continue
  case "$entry" in "$DATA_DIR"/.pre-restore-*) continue ;; esac
  mv "$entry" "$aside/"
done

if ! tar -C "$DATA_DIR" -xzf "$WORK_DIR/$BACKUP_KEY"; then
  log "unpacking failed; putting the previous data back"
  for entry in "$DATA_DIR"/* "$DATA_DIR"/.[!.]*; do
    [ -e "$entry" ] || continue
    case "$entry" in "$DATA_DIR"/.pre-restore-*) continue ;; esac
    rm -rf "$entry"
  done
  for entry in "$aside"/* "$aside"/.[!.]*; do
    [ -e "$entry" ] || continue
    mv "$entry" "$DATA_DIR/"
  done
  rmdir "$aside"
  exit 1
fi
log "restored $BACKUP_KEY; previous data kept in $aside"
