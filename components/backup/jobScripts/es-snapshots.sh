#!/bin/sh
# Registers the S3 snapshot repository and a snapshot lifecycle (SLM) policy on the
# Elasticsearch cluster that stores Jaeger's spans. Idempotent (PUT); run by a Job on
# every change. The cluster reaches S3 with its own credentials (IRSA for the
# in-cluster cluster; the keystore's s3.client.default.* for an external one).
# No server_side_encryption setting: it would ask for SSE-S3 and bypass the bucket's KMS
# key; without it every snapshot file gets the bucket default, SSE-KMS with that key.
set -eu

: "${ES_URL:?}" "${BUCKET:?}" "${BASE_PATH:?}" "${REPOSITORY:?}" "${POLICY:?}" "${SCHEDULE:?}" "${RETENTION_DAYS:?}"
ES_USERNAME="${ES_USERNAME:-}"
ES_PASSWORD_FILE="${ES_PASSWORD_FILE:-}"
ES_CA_FILE="${ES_CA_FILE:-}"
ES_API_KEY_FILE="${ES_API_KEY_FILE:-}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) es-snapshots: $*"; }

# Text for a double-quoted curl config value: backslashes and quotes escaped.
quoted() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }

# Credentials go to curl as a config on its standard input (-K -), never as arguments, which
# every process on the node can read in /proc/<pid>/cmdline.
credentials() {
  if [ -n "$ES_USERNAME" ] && [ -n "$ES_PASSWORD_FILE" ]; then
    printf 'user = "%s:%s"\n' "$(quoted "$ES_USERNAME")" "$(quoted "$(cat "$ES_PASSWORD_FILE")")"
  fi
  if [ -n "$ES_API_KEY_FILE" ]; then
    printf 'header = "Authorization: ApiKey %s"\n' "$(quoted "$(cat "$ES_API_KEY_FILE")")"
  fi
}

es() { # method path body
  credentials | curl --silent --show-error --fail-with-body --max-time 60 --retry 5 --retry-all-errors \
    --retry-delay 10 -K - ${ES_CA_FILE:+--cacert "$ES_CA_FILE"} \
    -X "$1" -H 'Content-Type: application/json' "$ES_URL$2" --data "$3"
  echo
}

log "registering repository $REPOSITORY -> s3://$BUCKET/$BASE_PATH"
es PUT "/_snapshot/$REPOSITORY" \
  "{\"type\":\"s3\",\"settings\":{\"bucket\":\"$BUCKET\",\"base_path\":\"$BASE_PATH\"}}"

log "installing snapshot lifecycle policy $POLICY ($SCHEDULE, keep ${RETENTION_DAYS}d)"
es PUT "/_slm/policy/$POLICY" \
  "{\"schedule\":\"$SCHEDULE\",\"name\":\"<jaeger-{now/d}>\",\"repository\":\"$REPOSITORY\",\"config\":{\"indices\":[\"*jaeger-*\"],\"include_global_state\":false},\"retention\":{\"expire_after\":\"${RETENTION_DAYS}d\",\"min_count\":3,\"max_count\":200}}"
log "done"
