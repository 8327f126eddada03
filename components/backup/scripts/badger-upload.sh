#!/bin/sh
# Archives a snapshot of Jaeger's Badger volume and uploads it to S3. Run by a Job that
# badger-backup.sh (MODE=snapshot) creates from a suspended CronJob; its pod mounts the
# claim restored from the VolumeSnapshot, never Jaeger's own claim, so Jaeger runs and
# can move between nodes meanwhile.
#
# The archive streams to S3 (no scratch copy): tar | gzip | aws s3 cp -, with its SHA-256
# computed on the way; the .sha256 object is written last, so an archive without it is
# known to be incomplete and is never restored. Nothing is ever deleted.
set -eu

: "${NAMESPACE:?}" "${DATA_DIR:?}" "${CLONE_CLAIM:?}" "${BUCKET:?}" "${KEY_PREFIX:?}" "${KMS_KEY_ID:?}"
WORK_DIR="${WORK_DIR:-/tmp/upload}"
# Upper bound of the archive's size: the AWS CLI sizes multipart parts from it for streams.
EXPECTED_SIZE="${EXPECTED_SIZE:-}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) badger-upload: $*"; }

stamp="$(kubectl -n "$NAMESPACE" get pvc "$CLONE_CLAIM" -o jsonpath='{.metadata.annotations.jaeger-spm\.io/backup-stamp}')"
[ -n "$stamp" ] || stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive="$stamp.tar.gz"
mkdir -p "$WORK_DIR"
failed="$WORK_DIR/failed"
fifo="$WORK_DIR/checksum"
rm -f "$failed" "$fifo"
mkfifo "$fifo"
sha256sum < "$fifo" > "$WORK_DIR/sum" &
sum_pid=$!

log "streaming $DATA_DIR to s3://$BUCKET/$KEY_PREFIX/$archive"
# No pipefail in POSIX sh: each stage reports its own failure in $failed.
{ tar -C "$DATA_DIR" -cf - . || echo tar >> "$failed"; } |
  { gzip -c || echo gzip >> "$failed"; } |
  { tee "$fifo" || echo tee >> "$failed"; } |
  { aws s3 cp - "s3://$BUCKET/$KEY_PREFIX/$archive" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" \
      ${EXPECTED_SIZE:+--expected-size "$EXPECTED_SIZE"} --only-show-errors || echo upload >> "$failed"; }
wait "$sum_pid"
if [ -s "$failed" ]; then
  log "FAILED in: $(tr '\n' ' ' < "$failed"); no checksum written, so this archive is never restored"
  exit 1
fi
echo "$(cut -d' ' -f1 "$WORK_DIR/sum")  $archive" > "$WORK_DIR/$archive.sha256"
aws s3 cp "$WORK_DIR/$archive.sha256" "s3://$BUCKET/$KEY_PREFIX/$archive.sha256" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ID" --only-show-errors
log "done: s3://$BUCKET/$KEY_PREFIX/$archive ($(cut -d' ' -f1 "$WORK_DIR/sum"))"
