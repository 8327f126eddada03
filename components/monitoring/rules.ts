// One source of truth for Jaeger's Prometheus rules: SPM RED recording rules (the
// exact metric names and labels Jaeger's Monitor tab queries) and alerts on Jaeger
// v2's own telemetry: OpenTelemetry Collector metric names, and Jaeger's storage metrics as
// its jaeger_storage extension names them (jaeger.storage.* with labels name and role;
// https://github.com/jaegertracing/jaeger/blob/v2.20.0/cmd/internal/storageconfig/factory.go).
// Rendered as a PrometheusRule for prometheus-operator and as a plain rules file.
import { stringify } from "yaml";

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "warning" | "critical" };
  annotations: { summary: string; description: string; runbook_url?: string };
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export interface AlertThresholds {
  readonly for: string;
  readonly spansRefusedRatio: number;
  readonly exportFailedRatio: number;
  readonly noSpansFor: string;
  readonly targetDownFor: string;
  readonly exporterQueueRatio: number;
  /** Badger: fire when less than (1 - this) of the volume's size is free. */
  readonly volumeUsedRatio: number;
  readonly spanMetricsMissingFor: string;
  readonly memoryRatio: number;
}

export interface RuleInput {
  /** Namespace Jaeger runs in (a label on every scraped series, in both scrape modes). */
  readonly namespace: string;
  /** Services whose :8888 endpoints serve Jaeger's own telemetry, each with its pods' memory limit. */
  readonly telemetry: readonly { readonly service: string; readonly memoryLimitBytes: number }[];
  /** Service whose :8889 endpoint serves span metrics. */
  readonly spanMetricsService: string;
  /** What stores the spans: Badger's volume size decides when free space is low. */
  readonly storage: { readonly kind: "badger"; readonly volumeBytes: number } | { readonly kind: "search" };
  /**
   * The Velero Schedule that backs up the Badger volume, when backups are on, with the longest
   * gap between two of its runs (seconds): a backup older than that is overdue.
   */
  readonly veleroSchedule?: { readonly name: string; readonly maxGapSeconds: number };
  /**
   * The Elasticsearch snapshot repository SLM writes to, when backups are on, with the longest
   * gap between two runs of the SLM schedule (seconds); its snapshot exporter runs in `namespace`.
   */
  readonly snapshotRepository?: { readonly name: string; readonly maxGapSeconds: number };
  /** Absolute URL of the README; each alert links to its runbook section there. */
  readonly runbookBaseUrl?: string;
  /** Whether the storage exporter has a queue (its size/capacity metrics exist only then). */
  readonly exporterQueue: boolean;
  readonly thresholds: AlertThresholds;
}

export const CALLS = "traces_span_metrics_calls_total";
export const DURATION_BUCKET = "traces_span_metrics_duration_milliseconds_bucket";
export const SERVER = 'span_kind="SPAN_KIND_SERVER"';
export const ERROR = 'status_code="STATUS_CODE_ERROR"';
export const QUANTILES = [0.5, 0.95, 0.99] as const;
const WINDOW = "5m";

/** Recording-rule names, by aggregation level. */
export function recordName(level: "service" | "operation", measure: string): string {
  const by = level === "service" ? "service_name" : "service_name_span_name";
  return `${by}:traces_span_metrics_${measure}`;
}

export function spmRecordingRules(): RecordingRule[] {
  const rules: RecordingRule[] = [];
  const levels = [
    { level: "service" as const, by: "service_name" },
    { level: "operation" as const, by: "service_name, span_name" },
  ];
  for (const { level, by } of levels) {
    const calls = `sum by (${by}) (rate(${CALLS}{${SERVER}}[${WINDOW}]))`;
    const errors = `sum by (${by}) (rate(${CALLS}{${SERVER}, ${ERROR}}[${WINDOW}]))`;
    rules.push({ record: recordName(level, `calls:rate${WINDOW}`), expr: calls });
    // "or calls * 0": a service without any error series reports 0, as Jaeger's Monitor tab does.
    rules.push({
      record: recordName(level, `errors:ratio_rate${WINDOW}`),
      expr: `(${errors} or ${calls} * 0) / ${calls}`,
    });
    for (const q of QUANTILES) {
      rules.push({
        record: recordName(level, `duration_milliseconds:p${Math.round(q * 100)}_rate${WINDOW}`),
        expr: `histogram_quantile(${q}, sum by (${by}, le) (rate(${DURATION_BUCKET}{${SERVER}}[${WINDOW}])))`,
      });
    }
  }
  return rules;
}

/** GitHub-style anchor of the README heading `#### <alert>`. */
export const runbookAnchor = (alert: string) => alert.toLowerCase();

const percent = (ratio: number) => `${+(ratio * 100).toFixed(2)}%`;

export function jaegerAlerts(input: RuleInput): AlertingRule[] {
  const t = input.thresholds;
  const telemetry = `namespace="${input.namespace}", service=~"${input.telemetry.map((t) => t.service).join("|")}"`;
  const spanMetrics = `namespace="${input.namespace}", service="${input.spanMetricsService}"`;
  const rate = (metric: string, by = "namespace", selector = telemetry) =>
    `sum by (${by}) (rate(${metric}{${selector}}[${WINDOW}]))`;
  const alert = (
    name: string,
    severity: AlertingRule["labels"]["severity"],
    expr: string,
    forDuration: string,
    summary: string,
    description: string,
  ): AlertingRule => ({
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: {
      summary,
      description,
      ...(input.runbookBaseUrl && { runbook_url: `${input.runbookBaseUrl}#${runbookAnchor(name)}` }),
    },
  });

  const accepted = rate("otelcol_receiver_accepted_spans_total");
  const refused = rate("otelcol_receiver_refused_spans_total");
  const sent = rate("otelcol_exporter_sent_spans_total", "namespace, exporter");
  const failed = rate("otelcol_exporter_send_failed_spans_total", "namespace, exporter");

  const alerts: AlertingRule[] = [
    alert(
      "JaegerSpansRefused",
      "warning",
      `${refused} / (${accepted} + ${refused}) > ${t.spansRefusedRatio}`,
      t.for,
      "Jaeger in {{ $labels.namespace }} refuses {{ $value | humanizePercentage }} of incoming spans",
      `More than ${percent(t.spansRefusedRatio)} of spans sent to Jaeger's receivers are refused (malformed data, memory pressure or back-pressure from storage). Refused spans are lost.`,
    ),
    alert(
      "JaegerSpanExportFailing",
      "critical",
      `${failed} / (${sent} + ${failed}) > ${t.exportFailedRatio}`,
      t.for,
      "Jaeger in {{ $labels.namespace }} fails to write {{ $value | humanizePercentage }} of spans ({{ $labels.exporter }})",
      `More than ${percent(t.exportFailedRatio)} of spans fail to reach trace storage. Those spans are lost.`,
    ),
    alert(
      "JaegerNoSpansAccepted",
      "warning",
      // After a restart the counter has no series until the first span arrives: count that as 0.
      `(${accepted} or on (namespace) max by (namespace) (up{${telemetry}}) * 0) == 0 and on (namespace) max by (namespace) (up{${telemetry}}) == 1`,
      t.noSpansFor,
      "Jaeger in {{ $labels.namespace }} has accepted no spans for " + t.noSpansFor,
      "Jaeger is up but no receiver accepted a span: clients or the OpenTelemetry Collector cannot reach it, or sampling drops everything.",
    ),
    alert(
      "JaegerTargetDown",
      "critical",
      `max by (namespace, service, instance) (up{${telemetry}}) == 0`,
      t.targetDownFor,
      "Prometheus cannot scrape Jaeger at {{ $labels.instance }} in {{ $labels.namespace }}",
      "The Jaeger telemetry endpoint (:8888) does not answer: the pod is down, restarting, or blocked by a network policy.",
    ),
    alert(
      "JaegerTargetMissing",
      "warning",
      `absent(up{${telemetry}})`,
      t.targetDownFor,
      `Prometheus has no Jaeger target in ${input.namespace}`,
      "No scrape target exists for Jaeger's telemetry: the ServiceMonitor is not selected by Prometheus, or the scrape annotations are not honoured.",
    ),
    alert(
      "JaegerSpanMetricsMissing",
      "warning",
      `${accepted} > 0 unless on (namespace) ${rate(CALLS, "namespace", spanMetrics)} > 0`,
      t.spanMetricsMissingFor,
      "Jaeger in {{ $labels.namespace }} accepts spans but produces no span metrics",
      `Spans arrive but ${CALLS} does not increase: the spanmetrics pipeline is broken or :8889 is not scraped, so the Monitor tab and SPM dashboards go blank.`,
    ),
    alert(
      "JaegerMemoryNearLimit",
      "warning",
      input.telemetry
        .map(
          (role) =>
            `max by (namespace, service, instance) (otelcol_process_memory_rss_bytes{namespace="${input.namespace}", service="${role.service}"}) / ${role.memoryLimitBytes} > ${t.memoryRatio}`,
        )
        .join(" or "),
      t.for,
      "Jaeger at {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory limit",
      `Resident memory is above ${percent(t.memoryRatio)} of the container limit; the pod will be OOM-killed if it grows further.`,
    ),
  ];

  if (input.exporterQueue) {
    alerts.push(
      alert(
        "JaegerExporterQueueNearFull",
        "warning",
        `max by (namespace, exporter) (otelcol_exporter_queue_size{${telemetry}} / otelcol_exporter_queue_capacity{${telemetry}}) > ${t.exporterQueueRatio}`,
        t.for,
        "Jaeger's {{ $labels.exporter }} queue in {{ $labels.namespace }} is {{ $value | humanizePercentage }} full",
        "Storage writes are slower than ingestion; once the queue is full, new spans are dropped.",
      ),
    );
  }
  if (input.storage.kind === "search") {
    // Elasticsearch/OpenSearch writes are asynchronous bulk requests: the exporter reports
    // success before the bulk fails, so only the storage's own counters see lost spans.
    const bulk = (what: string) =>
      `sum by (namespace) (rate(jaeger_storage_bulk_index_${what}_total{${telemetry}, role="tracestore"}[${WINDOW}]))`;
    alerts.push(
      alert(
        "JaegerStorageWritesFailing",
        "critical",
        `${bulk("errors")} / ${bulk("attempts")} > ${t.exportFailedRatio}`,
        t.for,
        "Jaeger in {{ $labels.namespace }} fails {{ $value | humanizePercentage }} of its bulk writes to Elasticsearch/OpenSearch",
        `More than ${percent(t.exportFailedRatio)} of bulk index requests fail (rejections, mapping errors, read-only or full disks). The spans in them are lost.`,
      ),
    );
  } else {
    // Jaeger's own measure of the free space under Badger's directories (statfs); it also
    // works where kubelet volume stats do not exist, such as hostPath volumes on kind or k3d.
    const available = (log: "value" | "key") => `jaeger_storage_badger_${log}_log_bytes_available{${telemetry}}`;
    const floor = Math.round((1 - t.volumeUsedRatio) * input.storage.volumeBytes);
    alerts.push(
      alert(
        "JaegerBadgerDiskSpaceLow",
        "critical",
        `min by (namespace) (${available("value")} or ${available("key")}) < ${floor}`,
        t.for,
        "Badger in {{ $labels.namespace }} has {{ $value | humanize1024 }}B of disk left",
        `Less than ${percent(1 - t.volumeUsedRatio)} of the Badger volume's size (${floor} bytes) is free. A full disk stops compaction and writes.`,
      ),
    );
  }
  if (input.veleroSchedule) {
    // Velero's server metrics (vmware-tanzu/velero v1.18.1 pkg/metrics/metrics.go), per schedule.
    const schedule = `schedule="${input.veleroSchedule.name}"`;
    const day = "26h";
    const overdue = input.veleroSchedule.maxGapSeconds + 2 * 3600;
    alerts.push(
      alert(
        "JaegerBackupFailed",
        "critical",
        `sum by (schedule) (increase(velero_backup_failure_total{${schedule}}[${day}])) > 0`,
        "0m",
        "A Velero backup of the Badger volume (schedule {{ $labels.schedule }}) failed",
        "A scheduled Velero backup of Jaeger's Badger volume failed in the last day; the newest good backup is older than planned. See `velero backup describe` of the newest backup.",
      ),
      alert(
        "JaegerBackupPartiallyFailed",
        "warning",
        `sum by (schedule) (increase(velero_backup_partial_failure_total{${schedule}}[${day}])) > 0`,
        "0m",
        "A Velero backup of the Badger volume (schedule {{ $labels.schedule }}) partially failed",
        "A scheduled Velero backup finished with errors: some items (the volume's data, perhaps) are missing from it.",
      ),
      alert(
        "JaegerBackupMissing",
        "critical",
        // The newest successful backup is older than the schedule's longest gap, plus 2h for a run.
        `time() - max by (schedule) (velero_backup_last_successful_timestamp{${schedule}}) > ${overdue}`,
        "15m",
        `No successful Velero backup of the Badger volume for over ${Math.round(overdue / 3600)}h`,
        "Velero has not completed a backup of Jaeger's Badger volume within the schedule: the newest good backup is older than planned.",
      ),
      alert(
        "JaegerBackupMetricsAbsent",
        "warning",
        // No success recorded since Velero started (a new install, a restart) for as long as a run may take to come.
        `absent(velero_backup_last_successful_timestamp{${schedule}})`,
        `${Math.round(overdue / 60)}m`,
        "Velero has recorded no successful backup of the Badger volume",
        "Prometheus has no successful backup of the Badger schedule from Velero for longer than the schedule's gap: Velero is not scraped, not running, or no backup has succeeded since it started.",
      ),
    );
  }
  if (input.snapshotRepository) {
    // The Elasticsearch exporter's snapshots collector (prometheus-community/elasticsearch_exporter
    // v1.10.0 collector/snapshots.go; names checked on the running exporter). It reports the
    // state of the repository's newest snapshot, and the start of its newest SUCCESS or PARTIAL
    // one (0 while there is none). SLM failures that leave no snapshot behind (the repository
    // unreachable, a refused request) show as no new successful snapshot.
    const repository = `namespace="${input.namespace}", repository="${input.snapshotRepository.name}"`;
    const overdue = input.snapshotRepository.maxGapSeconds + 2 * 3600;
    const lastSuccess = `elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{${repository}} > 0`;
    alerts.push(
      alert(
        "JaegerSnapshotFailed",
        "critical",
        `count by (namespace, repository, state) (elasticsearch_snapshot_stats_snapshot_start_time_timestamp{${repository}, state=~"FAILED|PARTIAL|INCOMPATIBLE"}) > 0`,
        "0m",
        "The newest Elasticsearch snapshot in {{ $labels.repository }} is {{ $labels.state }}",
        "The newest snapshot SLM took of Jaeger's indices did not complete: some or all shards are missing from it. It stays so until a snapshot succeeds.",
      ),
      alert(
        "JaegerSnapshotMissing",
        "critical",
        `time() - max by (namespace, repository) (${lastSuccess}) > ${overdue}`,
        "15m",
        `No successful Elasticsearch snapshot of Jaeger's indices for over ${Math.round(overdue / 3600)}h`,
        "The newest successful snapshot in the repository is older than the SLM schedule's longest gap plus 2h: SLM has failed, is stopped, or cannot reach the repository.",
      ),
      alert(
        "JaegerSnapshotMetricsAbsent",
        "warning",
        // A new stack has no snapshot until SLM's first run: wait as long as a run may take to come.
        `absent(${lastSuccess})`,
        `${Math.round(overdue / 60)}m`,
        "Prometheus sees no successful Elasticsearch snapshot of Jaeger's indices",
        "The snapshot exporter reports no successful snapshot in the repository, or is not scraped, for longer than the SLM schedule's gap: no snapshot has ever succeeded, or the exporter is not running.",
      ),
      alert(
        "JaegerSnapshotCheckFailing",
        "warning",
        `max by (namespace) (elasticsearch_scrape_success{namespace="${input.namespace}", collector="snapshots"}) == 0`,
        "30m",
        "The snapshot exporter in {{ $labels.namespace }} cannot read the snapshot repositories",
        "The exporter's requests for the repository's snapshots fail (credentials, privileges, TLS, or Elasticsearch down), so the other snapshot alerts see nothing new.",
      ),
    );
  }
  return alerts;
}

export function buildRuleFile(input: RuleInput): RuleFile {
  return {
    groups: [
      { name: "jaeger-spm-recording", rules: spmRecordingRules() },
      { name: "jaeger-alerts", rules: jaegerAlerts(input) },
    ],
  };
}

export function renderRuleFile(input: RuleInput): string {
  return stringify(buildRuleFile(input), { lineWidth: 0 });
}
