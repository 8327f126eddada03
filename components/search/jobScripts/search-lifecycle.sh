#!/bin/sh
# Installs the index lifecycle policies of storage.elasticsearch.rotation autoRollover on the
# Elasticsearch/OpenSearch cluster that stores Jaeger's spans, before es-rollover init (which
# refuses to run without the rollover policy) creates the first indices and aliases:
# - the rollover policy ($POLICIES_DIR/rollover-policy.json): ILM or ISM;
# - for a stack that wrote daily indices before (periodic rotation), the daily-delete policy, and
#   those indices added to their type's read alias (so reads still find them) and given that
#   policy (so they are deleted as the index cleaner would have deleted them).
# Idempotent; run by a Job whenever its spec changes.
set -eu

: "${ES_URL:?}" "${FLAVOR:?}" "${ROLLOVER_POLICY_PATH:?}" "${DAILY_POLICY_PATH:?}" "${DAILY_POLICY:?}" "${POLICIES_DIR:?}"
INDEX_PREFIX="${INDEX_PREFIX:-}"
ES_USERNAME="${ES_USERNAME:-}"
ES_PASSWORD_FILE="${ES_PASSWORD_FILE:-}"
ES_CA_FILE="${ES_CA_FILE:-}"
ES_API_KEY_FILE="${ES_API_KEY_FILE:-}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) search-lifecycle: $*"; }

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

# es METHOD PATH [BODY]: the answer on stdout; fails on an HTTP error after retries. BODY is JSON
# text, or @file (no temporary files: the root filesystem is read-only).
es() {
  credentials | curl --silent --show-error --fail-with-body --max-time 60 --retry 5 --retry-all-errors \
    --retry-delay 10 -K - ${ES_CA_FILE:+--cacert "$ES_CA_FILE"} \
    -X "$1" -H 'Content-Type: application/json' "$ES_URL$2" ${3:+--data-binary "$3"}
}

# es_status METHOD PATH: only the HTTP status (404 is an answer here, not a failure).
es_status() {
  credentials | curl --silent --show-error --max-time 60 --retry 5 --retry-delay 10 -K - \
    ${ES_CA_FILE:+--cacert "$ES_CA_FILE"} -o /dev/null -w '%{http_code}' -X "$1" "$ES_URL$2"
}

# put_policy PATH FILE: ILM takes a PUT as create-or-replace; ISM replaces a policy only with
# the sequence number and primary term of the version it read (the index-management plugin's
# optimistic concurrency), so those are read first.
put_policy() {
  if [ "$FLAVOR" = opensearch ] && [ "$(es_status GET "$1")" = 200 ]; then
    current="$(es GET "$1")"
    seq_no="$(printf '%s' "$current" | sed -n 's/.*"_seq_no":\([0-9]*\).*/\1/p')"
    primary_term="$(printf '%s' "$current" | sed -n 's/.*"_primary_term":\([0-9]*\).*/\1/p')"
    es PUT "$1?if_seq_no=$seq_no&if_primary_term=$primary_term" "$2" >/dev/null
  else
    es PUT "$1" "$2" >/dev/null
  fi
}

# OpenSearch answers 400 ("no handler found") for the ISM API when its index-management plugin is
# not installed (the minimal distribution): say so, rather than fail on a bare HTTP error.
if [ "$FLAVOR" = opensearch ] && [ "$(es_status GET "$ROLLOVER_POLICY_PATH")" = 400 ]; then
  log "the cluster has no ISM API ($ROLLOVER_POLICY_PATH answers 400): rotation autoRollover needs OpenSearch's index-management plugin; install it, or set storage.elasticsearch.rotation to periodic" >&2
  exit 1
fi

log "installing the rollover policy ($ROLLOVER_POLICY_PATH)"
put_policy "$ROLLOVER_POLICY_PATH" "@$POLICIES_DIR/rollover-policy.json"

prefix="${INDEX_PREFIX:+$INDEX_PREFIX-}"
daily_found=""
for type in jaeger-span jaeger-service jaeger-dependencies; do
  # Daily indices of this type a periodic stack wrote: <prefix><type>-YYYY-MM-DD.
  daily="$(es GET "/_cat/indices/$prefix$type-2*?h=index&expand_wildcards=open" | tr -d ' ' | grep -E "^$prefix$type-[0-9]{4}-[0-9]{2}-[0-9]{2}\$" || true)"
  [ -n "$daily" ] || continue
  if [ -z "$daily_found" ]; then
    log "installing the daily-delete policy ($DAILY_POLICY_PATH) for the daily indices of periodic rotation"
    put_policy "$DAILY_POLICY_PATH" "@$POLICIES_DIR/daily-delete-policy.json"
    daily_found=yes
  fi
  actions=""
  for index in $daily; do
    actions="$actions${actions:+,}{\"add\":{\"index\":\"$index\",\"alias\":\"$prefix$type-read\"}}"
  done
  log "$type: $(echo "$daily" | wc -l | tr -d ' ') daily indices stay readable through $prefix$type-read"
  es POST /_aliases "{\"actions\":[$actions]}" >/dev/null
  for index in $daily; do
    if [ "$FLAVOR" = opensearch ]; then
      # Only an index no policy manages yet: a policy already attached (an earlier run's) stays.
      es POST "/_plugins/_ism/add/$index" "{\"policy_id\":\"$DAILY_POLICY\"}" >/dev/null
    else
      es PUT "/$index/_settings" "{\"index.lifecycle.name\":\"$DAILY_POLICY\"}" >/dev/null
    fi
  done
done
log "done"
