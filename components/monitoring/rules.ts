// One source of truth for Jaeger's Prometheus rules: SPM RED recording rules (the
// exact metric names and labels Jaeger's Monitor tab queries) and alerts on Jaeger
// v2's own telemetry (OpenTelemetry Collector metric names, ../shared/reference/jaeger-v2.md §6).
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
  annotations: { summary: string; description: string; runbook: string };
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
  /** Badger's claim, when the storage is Badger. */
  readonly badgerClaim?: string;
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

function runbook(alert: string): string {
  return `README.md#${alert.toLowerCase()}`;
}

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
    annotations: { summary, description, runbook: runbook(name) },
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
      `${accepted} == 0 and on (namespace) max by (namespace) (up{${telemetry}}) == 1`,
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
  if (input.badgerClaim) {
    const claim = `namespace="${input.namespace}", persistentvolumeclaim="${input.badgerClaim}"`;
    alerts.push(
      alert(
        "JaegerBadgerVolumeNearFull",
        "critical",
        `1 - max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${claim}}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${claim}}) > ${t.volumeUsedRatio}`,
        t.for,
        "Badger volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full",
        `More than ${percent(t.volumeUsedRatio)} of the Badger volume is used. A full volume stops compaction and writes.`,
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
