#!/bin/sh
# Consistent backup of Jaeger's Badger volume to S3.
#
# Badger holds an exclusive lock and keeps writing while Jaeger runs, so a copy of the
# live directory is not consistent. This script stops the single writer (scales the
# Deployment to 0 and waits until its pods are gone, so Badger has flushed and closed),
# captures the data, and starts Jaeger again at once. Two ways to capture:
#
#   MODE=snapshot  a CSI VolumeSnapshot of the claim (SNAPSHOT_CLASS): Jaeger is down only
#                  until the snapshot is cut. A claim cloned from it is then archived and
#                  uploaded by a Job created from the suspended CronJob $UPLOAD_CRONJOB;
#                  this pod never mounts Jaeger's claim. The clone and the snapshot are
#                  deleted afterwards on every path.
#   MODE=copy      no snapshot class: this pod (on Jaeger's node, the claim is
#                  ReadWriteOnce) copies the directory to local scratch space, starts
#                  Jaeger, then archives and uploads the copy.
#
# Objects: s3://$BUCKET/$KEY_PREFIX/<UTC timestamp>.tar.gz and .tar.gz.sha256 (written
# last: an archive without its checksum is incomplete and never restored).
# Jaeger is scaled back on every exit path this shell sees. For the paths it cannot see
# (SIGKILL, eviction, node loss) it records the replica count and the time in the
# Deployment's annotations jaeger-spm.io/backup-replicas and jaeger-spm.io/backup-since;
# the guard CronJob (badger-guard.sh) restores the count.
# Nothing is ever deleted from S3.
set -eu

: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${MODE:?}"
: "${BUCKET:?}" "${KEY_PREFIX:?}" "${KMS_KEY_ID:?}"
WORK_DIR="${WORK_DIR:-/tmp/backup}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-300s}"
STEP_TIMEOUT_SECONDS="${STEP_TIMEOUT_SECONDS:-600}"
UPLOAD_TIMEOUT_SECONDS="${UPLOAD_TIMEOUT_SECONDS:-10800}"
POLL_SECONDS="${POLL_SECONDS:-5}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) badger-backup: $*"; }
k() { kubectl -n "$NAMESPACE" "$@"; }

# Polls a jsonpath of an object until it equals $3 (or is non-empty when $3 is "*").
wait_for() { # object jsonpath expected timeout-seconds
  waited=0
  while :; do
    value="$(k get "$1" -o "jsonpath=$2" 2>/dev/null || true)"
    if [ "$3" = "*" ] && [ -n "$value" ]; then return 0; fi
    if [ "$value" = "$3" ]; then return 0; fi
    [ "$waited" -lt "$4" ] || { log "timed out waiting for $1 $2"; return 1; }
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_SECONDS))
  done
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name_stamp="$(echo "$stamp" | tr 'TZ' 'tz')"
replicas="$(k get deployment "$DEPLOYMENT" -o jsonpath='{.spec.replicas}')"
[ -n "$replicas" ] && [ "$replicas" -gt 0 ] || replicas=1
scaled_down=0
snapshot=""
clone=""

scale_back() {
  if [ "$scaled_down" -eq 1 ]; then
    log "scaling $DEPLOYMENT back to $replicas"
    k scale deployment "$DEPLOYMENT" --replicas="$replicas"
    k annotate deployment "$DEPLOYMENT" jaeger-spm.io/backup-replicas- jaeger-spm.io/backup-since-
    scaled_down=0
  fi
}
clean_up() {
  [ -z "$clone" ] || k delete pvc "$clone" --ignore-not-found --wait=false || true
  [ -z "$snapshot" ] || k delete volumesnapshot "$snapshot" --ignore-not-found --wait=false || true
}
on_exit() {
  status=$?
  scale_back || status=1
  clean_up
  [ "$status" -eq 0 ] || log "FAILED (exit $status); Jaeger is running, no backup object was deleted"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 143' TERM INT

stop_jaeger() {
  log "stopping $DEPLOYMENT (was $replicas replica(s)) so Badger closes cleanly"
  k annotate deployment "$DEPLOYMENT" --overwrite \
    "jaeger-spm.io/backup-replicas=$replicas" "jaeger-spm.io/backup-since=$(date -u +%s)"
  scaled_down=1
  k scale deployment "$DEPLOYMENT" --replicas=0
  k wait --for=delete pod -l "$POD_SELECTOR" --timeout="$WAIT_TIMEOUT"
}

if [ "$MODE" = "snapshot" ]; then
  : "${SNAPSHOT_CLASS:?}" "${SOURCE_CLAIM:?}" "${CLONE_CLAIM:?}" "${UPLOAD_CRONJOB:?}"
  size="$(k get pvc "$SOURCE_CLAIM" -o jsonpath='{.status.capacity.storage}')"
  class="$(k get pvc "$SOURCE_CLAIM" -o jsonpath='{.spec.storageClassName}')"
  stop_jaeger
  snapshot="$SOURCE_CLAIM-$name_stamp"
  log "taking VolumeSnapshot $snapshot of $SOURCE_CLAIM (class $SNAPSHOT_CLASS)"
  k apply -f - <<EOF
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata:
  name: $snapshot
  labels: {app.kubernetes.io/part-of: jaeger-spm, jaeger-spm.io/task: backup}
spec:
  volumeSnapshotClassName: $SNAPSHOT_CLASS
  source: {persistentVolumeClaimName: $SOURCE_CLAIM}
EOF
  # The snapshot's point in time is fixed once creationTime is set; it may upload for a while after.
  wait_for "volumesnapshot/$snapshot" '{.status.creationTime}' '*' "$STEP_TIMEOUT_SECONDS"
  scale_back
  wait_for "volumesnapshot/$snapshot" '{.status.readyToUse}' true "$UPLOAD_TIMEOUT_SECONDS"

  clone="$CLONE_CLAIM"
  log "restoring the snapshot into claim $clone ($size${class:+, class $class})"
  k apply -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $clone
  labels: {app.kubernetes.io/part-of: jaeger-spm, jaeger-spm.io/task: backup}
  annotations: {jaeger-spm.io/backup-stamp: "$stamp"}
spec:
  accessModes: [ReadWriteOnce]
  ${class:+storageClassName: $class}
  resources: {requests: {storage: $size}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: $snapshot}
EOF
  job="$UPLOAD_CRONJOB-$name_stamp"
  log "uploading from $clone with Job $job"
  k create job "$job" --from="cronjob/$UPLOAD_CRONJOB"
  waited=0
  while :; do
    succeeded="$(k get job "$job" -o jsonpath='{.status.succeeded}')"
    failed="$(k get job "$job" -o jsonpath='{.status.failed}')"
    [ "${succeeded:-0}" -lt 1 ] || break
    [ "${failed:-0}" -lt 1 ] || { log "upload Job $job failed: kubectl -n $NAMESPACE logs job/$job"; exit 1; }
    [ "$waited" -lt "$UPLOAD_TIMEOUT_SECONDS" ] || { log "upload Job $job did not finish in time"; exit 1; }
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_SECONDS))
  done
  log "done: s3://$BUCKET/$KEY_PREFIX/$stamp.tar.gz"
  exit 0
fi

# MODE=copy
: "${DATA_DIR:?}"
copy="$WORK_DIR/data"
mkdir -p "$copy"
[ -d "$DATA_DIR" ] || { log "$DATA_DIR is not mounted; Jaeger was not stopped"; exit 1; }
need_kib="$(du -sk "$DATA_DIR" | cut -f1)"
free_kib="$(df -Pk "$WORK_DIR" | awk 'NR == 2 {print $4}')"
if [ "$need_kib" -ge "$free_kib" ]; then
  log "not enough scratch space: Badger holds ${need_kib} KiB, $WORK_DIR has ${free_kib} KiB free (raise backup.scratchSize or set backup.volumeSnapshotClass); Jaeger was not stopped"
  exit 1
fi
stop_jaeger
log "copying $DATA_DIR (${need_kib} KiB) to scratch space"
cp -a "$DATA_DIR/." "$copy/"
scale_back

archive="$stamp.tar.gz"
log "archiving the copy"
tar -C "$copy" -czf "$WORK_DIR/$archive" .
rm -rf "$copy"
(cd "$WORK_DIR" && sha256sum "$archive" > "$archive.sha256")
log "uploading s3://$BUCKET/$KEY_PREFIX/$archive"
aws s3 cp "$WORK_DIR/$archive" "s3://$BUCKET/$KEY_PREFIX/$archive" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --only-show-errors
aws s3 cp "$WORK_DIR/$archive.sha256" "s3://$BUCKET/$KEY_PREFIX/$archive.sha256" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --only-show-errors
log "done: s3://$BUCKET/$KEY_PREFIX/$archive ($(cut -d' ' -f1 "$WORK_DIR/$archive.sha256"))"
