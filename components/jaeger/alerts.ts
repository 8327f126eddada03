// Jaeger's alerts, on its own telemetry: OpenTelemetry Collector metric names, and Jaeger's storage
// metrics as its jaeger_storage extension names them (jaeger.storage.* with labels name and role;
// https://github.com/jaegertracing/jaeger/blob/v2.20.0/cmd/internal/storageconfig/factory.go).
import { Alert, CALLS, RuleGroup, WINDOW, alertingRule, percent } from "../monitoring/prometheusRules";

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

export interface JaegerAlertsInput {
  /** Namespace Jaeger runs in (a label on every scraped series, in both scrape modes). */
  readonly namespace: string;
  /** Services whose :8888 endpoints serve Jaeger's own telemetry, each with its pods' memory limit. */
  readonly telemetry: readonly { readonly service: string; readonly memoryLimitBytes: number }[];
  /** Service whose :8889 endpoint serves span metrics. */
  readonly spanMetricsService: string;
  /** What stores the spans: Badger's volume size decides when free space is low. */
  readonly storage: { readonly kind: "badger"; readonly volumeBytes: number } | { readonly kind: "search" };
  /** Whether the storage exporter has a queue (its size/capacity metrics exist only then). */
  readonly exporterQueue: boolean;
  readonly thresholds: AlertThresholds;
  /** Absolute URL of docs/runbooks.md; each alert links to its runbook section there. */
  readonly runbookBaseUrl?: string;
}

export const JAEGER_ALERTS_GROUP = "jaeger-alerts";

export function jaegerAlerts(input: JaegerAlertsInput): RuleGroup {
  const t = input.thresholds;
  const telemetry = `namespace="${input.namespace}", service=~"${input.telemetry.map((s) => s.service).join("|")}"`;
  const spanMetrics = `namespace="${input.namespace}", service="${input.spanMetricsService}"`;
  const rate = (metric: string, by = "namespace", selector = telemetry) =>
    `sum by (${by}) (rate(${metric}{${selector}}[${WINDOW}]))`;
  const up = `max by (namespace) (up{${telemetry}})`;

  const accepted = rate("otelcol_receiver_accepted_spans_total");
  const refused = rate("otelcol_receiver_refused_spans_total");
  const sent = rate("otelcol_exporter_sent_spans_total", "namespace, exporter");
  const failed = rate("otelcol_exporter_send_failed_spans_total", "namespace, exporter");

  const alerts: Alert[] = [
    {
      name: "JaegerSpansRefused",
      severity: "warning",
      expr: `${refused} / (${accepted} + ${refused}) > ${t.spansRefusedRatio}`,
      for: t.for,
      summary: "Jaeger in {{ $labels.namespace }} refuses {{ $value | humanizePercentage }} of incoming spans",
      description: `More than ${percent(t.spansRefusedRatio)} of spans sent to Jaeger's receivers are refused (malformed data, memory pressure or back-pressure from storage). Refused spans are lost.`,
    },
    {
      name: "JaegerSpanExportFailing",
      severity: "critical",
      expr: `${failed} / (${sent} + ${failed}) > ${t.exportFailedRatio}`,
      for: t.for,
      summary:
        "Jaeger in {{ $labels.namespace }} fails to write {{ $value | humanizePercentage }} of spans ({{ $labels.exporter }})",
      description: `More than ${percent(t.exportFailedRatio)} of spans fail to reach trace storage. Those spans are lost.`,
    },
    {
      name: "JaegerNoSpansAccepted",
      severity: "warning",
      // After a restart the counter has no series until the first span arrives: count that as 0.
      expr: `(${accepted} or on (namespace) ${up} * 0) == 0 and on (namespace) ${up} == 1`,
      for: t.noSpansFor,
      summary: `Jaeger in {{ $labels.namespace }} has accepted no spans for ${t.noSpansFor}`,
      description:
        "Jaeger is up but no receiver accepted a span: clients or the OpenTelemetry Collector cannot reach it, or sampling drops everything.",
    },
    {
      name: "JaegerTargetDown",
      severity: "critical",
      expr: `max by (namespace, service, instance) (up{${telemetry}}) == 0`,
      for: t.targetDownFor,
      summary: "Prometheus cannot scrape Jaeger at {{ $labels.instance }} in {{ $labels.namespace }}",
      description:
        "The Jaeger telemetry endpoint (:8888) does not answer: the pod is down, restarting, or blocked by a network policy.",
    },
    {
      name: "JaegerTargetMissing",
      severity: "warning",
      expr: `absent(up{${telemetry}})`,
      for: t.targetDownFor,
      summary: `Prometheus has no Jaeger target in ${input.namespace}`,
      description:
        "No scrape target exists for Jaeger's telemetry: the ServiceMonitor is not selected by Prometheus, or the scrape annotations are not honoured.",
    },
    {
      name: "JaegerSpanMetricsMissing",
      severity: "warning",
      expr: `${accepted} > 0 unless on (namespace) ${rate(CALLS, "namespace", spanMetrics)} > 0`,
      for: t.spanMetricsMissingFor,
      summary: "Jaeger in {{ $labels.namespace }} accepts spans but produces no span metrics",
      description: `Spans arrive but ${CALLS} does not increase: the spanmetrics pipeline is broken or :8889 is not scraped, so the Monitor tab and SPM dashboards go blank.`,
    },
    {
      // Past spm.cardinalityLimit the span_metrics connector puts a service's new combinations in
      // one series with only otel_metric_overflow="true" and the resource's job, which Prometheus
      // keeps as exported_job (connector/spanmetricsconnector internal/metrics/metrics.go; seen on
      // Jaeger 2.20 in tests/e2e/cardinality.e2e.ts).
      name: "JaegerSpanMetricsOverflow",
      severity: "warning",
      expr: `${rate(CALLS, "namespace, exported_job", `${spanMetrics}, otel_metric_overflow="true"`)} > 0`,
      for: t.for,
      summary: "Span metrics of {{ $labels.exported_job }} in {{ $labels.namespace }} are past spm.cardinalityLimit",
      description:
        "A service has more span name, kind and status combinations than spm.cardinalityLimit (usually ids in span names: raw URLs or queries). New ones are counted together in one overflow series, so the Monitor tab and SPM dashboards miss those operations.",
    },
    {
      name: "JaegerMemoryNearLimit",
      severity: "warning",
      expr: input.telemetry
        .map(
          (role) =>
            `max by (namespace, service, instance) (otelcol_process_memory_rss_bytes{namespace="${input.namespace}", service="${role.service}"}) / ${role.memoryLimitBytes} > ${t.memoryRatio}`,
        )
        .join(" or "),
      for: t.for,
      summary: "Jaeger at {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory limit",
      description: `Resident memory is above ${percent(t.memoryRatio)} of the container limit; the pod will be OOM-killed if it grows further.`,
    },
  ];

  if (input.exporterQueue) {
    alerts.push({
      name: "JaegerExporterQueueNearFull",
      severity: "warning",
      expr: `max by (namespace, exporter) (otelcol_exporter_queue_size{${telemetry}} / otelcol_exporter_queue_capacity{${telemetry}}) > ${t.exporterQueueRatio}`,
      for: t.for,
      summary:
        "Jaeger's {{ $labels.exporter }} queue in {{ $labels.namespace }} is {{ $value | humanizePercentage }} full",
      description: "Storage writes are slower than ingestion; once the queue is full, new spans are dropped.",
    });
  }
  if (input.storage.kind === "search") {
    // Elasticsearch/OpenSearch writes are asynchronous bulk requests: the exporter reports
    // success before the bulk fails, so only the storage's own counters see lost spans.
    const bulk = (what: string) =>
      `sum by (namespace) (rate(jaeger_storage_bulk_index_${what}_total{${telemetry}, role="tracestore"}[${WINDOW}]))`;
    alerts.push({
      name: "JaegerStorageWritesFailing",
      severity: "critical",
      expr: `${bulk("errors")} / ${bulk("attempts")} > ${t.exportFailedRatio}`,
      for: t.for,
      summary:
        "Jaeger in {{ $labels.namespace }} fails {{ $value | humanizePercentage }} of its bulk writes to Elasticsearch/OpenSearch",
      description: `More than ${percent(t.exportFailedRatio)} of bulk index requests fail (rejections, mapping errors, read-only or full disks). The spans in them are lost.`,
    });
  } else {
    // Jaeger's own measure of the free space under Badger's directories (statfs); it also
    // works where kubelet volume stats do not exist, such as hostPath volumes on kind or k3d.
    const available = (log: "value" | "key") => `jaeger_storage_badger_${log}_log_bytes_available{${telemetry}}`;
    const floor = Math.round((1 - t.volumeUsedRatio) * input.storage.volumeBytes);
    alerts.push({
      name: "JaegerBadgerDiskSpaceLow",
      severity: "critical",
      expr: `min by (namespace) (${available("value")} or ${available("key")}) < ${floor}`,
      for: t.for,
      summary: "Badger in {{ $labels.namespace }} has {{ $value | humanize1024 }}B of disk left",
      description: `Less than ${percent(1 - t.volumeUsedRatio)} of the Badger volume's size (${floor} bytes) is free. A full disk stops compaction and writes.`,
    });
  }
  return { name: JAEGER_ALERTS_GROUP, rules: alerts.map((a) => alertingRule(a, input.runbookBaseUrl)) };
}
