#!/bin/sh
# Consistent backup of Jaeger's Badger volume to S3.
#
# Badger holds an exclusive lock and keeps writing while Jaeger runs, so a copy of
# the live directory is not consistent. This script stops the single writer (scales
# the Deployment to 0 and waits until its pods are gone, so Badger has flushed and
# closed), archives the directory, starts Jaeger again as soon as the archive exists,
# and only then uploads the archive and its SHA-256 to
#   s3://$BUCKET/$KEY_PREFIX/<UTC timestamp>.tar.gz(.sha256)
# Jaeger is scaled back on every exit path; nothing is ever deleted.
#
# Runs in the backup CronJob's pod, which mounts the Badger claim read-only at
# $DATA_DIR on the same node as Jaeger (pod affinity; the claim is ReadWriteOnce).
set -eu

: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${DATA_DIR:?}"
: "${BUCKET:?}" "${KEY_PREFIX:?}" "${KMS_KEY_ID:?}"
WORK_DIR="${WORK_DIR:-/tmp/backup}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-300s}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) badger-backup: $*"; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive="$stamp.tar.gz"
replicas="$(kubectl -n "$NAMESPACE" get deployment "$DEPLOYMENT" -o jsonpath='{.spec.replicas}')"
[ -n "$replicas" ] && [ "$replicas" -gt 0 ] || replicas=1
scaled_down=0

scale_back() {
  if [ "$scaled_down" -eq 1 ]; then
    log "scaling $DEPLOYMENT back to $replicas"
    kubectl -n "$NAMESPACE" scale deployment "$DEPLOYMENT" --replicas="$replicas"
    scaled_down=0
  fi
}
on_exit() {
  status=$?
  scale_back || status=1
  [ "$status" -eq 0 ] || log "FAILED (exit $status); Jaeger is running, no backup object was deleted"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 143' TERM INT

mkdir -p "$WORK_DIR"
log "stopping $DEPLOYMENT (was $replicas replica(s)) so Badger closes cleanly"
scaled_down=1
kubectl -n "$NAMESPACE" scale deployment "$DEPLOYMENT" --replicas=0
kubectl -n "$NAMESPACE" wait --for=delete pod -l "$POD_SELECTOR" --timeout="$WAIT_TIMEOUT"

log "archiving $DATA_DIR"
tar -C "$DATA_DIR" -czf "$WORK_DIR/$archive" .
(cd "$WORK_DIR" && sha256sum "$archive" > "$archive.sha256")
scale_back

log "uploading s3://$BUCKET/$KEY_PREFIX/$archive"
aws s3 cp "$WORK_DIR/$archive" "s3://$BUCKET/$KEY_PREFIX/$archive" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --only-show-errors
aws s3 cp "$WORK_DIR/$archive.sha256" "s3://$BUCKET/$KEY_PREFIX/$archive.sha256" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --only-show-errors
log "done: s3://$BUCKET/$KEY_PREFIX/$archive ($(cut -d' ' -f1 "$WORK_DIR/$archive.sha256"))"
