// "Jaeger health": is Jaeger v2 accepting, writing and serving spans, and how are its
// resources and storage doing. Metric names are Jaeger v2's OpenTelemetry Collector
// telemetry and its jaeger_storage extension's metrics (jaeger.storage.*, labels name and
// role; https://github.com/jaegertracing/jaeger/blob/v2.20.0/cmd/internal/storageconfig/factory.go);
// one variant per storage backend, each with its own uid so both can live in one Grafana.
import {
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DATASOURCE, datasourceVariable, queries, timeseriesPanel } from "./common";

export type Backend = "badger" | "elasticsearch";
export const healthDashboardUid = (backend: Backend) => `jaeger-health-${backend}`;

const NS = 'namespace="$namespace"';
const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}{${NS}}[$__rate_interval]))`;

function panel(title: string, description: string, unit: string, ...targets: { expr: string; legend: string }[]) {
  return queries(...targets).reduce((p, target) => p.withTarget(target), timeseriesPanel(title, description, unit));
}

/** The trace store's own metrics (the jaeger_storage backend "traces" is the only trace store). */
const TRACE_STORE = `${NS}, role="tracestore"`;

export function healthDashboard(backend: Backend) {
  const accepted = rate("otelcol_receiver_accepted_spans_total", "namespace");
  const refused = rate("otelcol_receiver_refused_spans_total", "namespace");
  const sent = rate("otelcol_exporter_sent_spans_total", "exporter");
  // The failed counter exists only from an exporter's first failure (collector exporterhelper
  // obs_report_sender.go counts failures only when there are some): until then it reads as 0,
  // so that "failed" and "Export success %" show 0 and 100% rather than no data.
  const failed = `(${rate("otelcol_exporter_send_failed_spans_total", "exporter")} or ${sent} * 0)`;
  const builder = new DashboardBuilder(`Jaeger health (${backend})`)
    .uid(healthDashboardUid(backend))
    .tags(["jaeger", "tracing"])
    .description("Jaeger v2 ingestion, storage writes, queries and resources.")
    .refresh("1m")
    .time({ from: "now-3h", to: "now" })
    .timezone("browser")
    .withVariable(datasourceVariable())
    .withVariable(
      new QueryVariableBuilder("namespace")
        .label("Namespace")
        .datasource(DATASOURCE)
        .query("label_values(otelcol_receiver_accepted_spans_total, namespace)")
        .refresh(VariableRefresh.OnTimeRangeChanged),
    )
    .withRow(new RowBuilder("Ingestion and export"))
    .withPanel(
      panel(
        "Spans accepted / refused",
        "Spans per second accepted and refused by Jaeger's receivers.",
        units.Short,
        {
          expr: rate("otelcol_receiver_accepted_spans_total", "receiver, transport"),
          legend: "accepted {{receiver}}/{{transport}}",
        },
        {
          expr: rate("otelcol_receiver_refused_spans_total", "receiver, transport"),
          legend: "refused {{receiver}}/{{transport}}",
        },
      ),
    )
    .withPanel(
      panel("Spans refused %", "Share of incoming spans refused.", units.Percent, {
        expr: `100 * ${refused} / (${accepted} + ${refused})`,
        legend: "refused",
      }),
    )
    .withPanel(
      panel(
        "Spans written / failed",
        "Spans per second written to storage and failing to be written.",
        units.Short,
        { expr: sent, legend: "written {{exporter}}" },
        { expr: failed, legend: "failed {{exporter}}" },
      ),
    )
    .withPanel(
      panel("Export success %", "Share of spans written successfully.", units.Percent, {
        expr: `100 * ${sent} / (${sent} + ${failed})`,
        legend: "{{exporter}}",
      }),
    )
    .withRow(new RowBuilder("Storage and queries"))
    .withPanel(
      // Jaeger 2.20 instruments the trace store's reads only (operation find_traces, get_trace,
      // get_services, ...: internal/storage/v2/api/tracestore/tracestoremetrics/reader_metrics.go);
      // writes are the exporter's "Spans written / failed".
      panel("Storage reads", "Trace-store reads per second (the query API's), by operation and result.", units.Short, {
        expr: rate("jaeger_storage_requests_total", "operation, result"),
        legend: "{{operation}} {{result}}",
      }),
    )
    .withPanel(
      panel("Storage read latency P99", "99th percentile latency of trace-store reads, by operation.", units.Seconds, {
        expr: `histogram_quantile(0.99, ${rate("jaeger_storage_latency_seconds_bucket", "le, operation")})`,
        legend: "{{operation}}",
      }),
    )
    .withPanel(
      panel("Query latency P99", "99th percentile latency of the query HTTP API, per route.", units.Seconds, {
        expr: `histogram_quantile(0.99, ${rate("http_server_request_duration_seconds_bucket", "le, http_route")})`,
        legend: "{{http_route}}",
      }),
    )
    .withPanel(
      panel("Query requests", "Query HTTP API requests per second, per route.", units.RequestsPerSecond, {
        expr: rate("http_server_request_duration_seconds_count", "http_route"),
        legend: "{{http_route}}",
      }),
    )
    .withRow(new RowBuilder("Resources"))
    .withPanel(
      panel("CPU", "CPU cores used by each Jaeger process.", units.Short, {
        expr: rate("otelcol_process_cpu_seconds_total", "instance"),
        legend: "{{instance}}",
      }),
    )
    .withPanel(
      panel("Memory (RSS)", "Resident memory of each Jaeger process.", units.BytesIEC, {
        expr: `sum by (instance) (otelcol_process_memory_rss_bytes{${NS}})`,
        legend: "{{instance}}",
      }),
    );

  if (backend === "badger") {
    // Free bytes under Badger's directories (statfs), refreshed at each maintenance run;
    // it also works on hostPath volumes, which have no kubelet volume stats.
    return builder
      .withRow(new RowBuilder("Badger"))
      .withPanel(
        panel(
          "Badger free disk",
          "Free bytes on the volume under Badger's value and key directories, as Jaeger measures them.",
          units.BytesIEC,
          {
            expr: `min by (instance) (jaeger_storage_badger_value_log_bytes_available{${TRACE_STORE}})`,
            legend: "values {{instance}}",
          },
          {
            expr: `min by (instance) (jaeger_storage_badger_key_log_bytes_available{${TRACE_STORE}})`,
            legend: "keys {{instance}}",
          },
        ),
      )
      .withPanel(
        panel(
          "Since last value-log GC",
          "Time since Badger's value-log garbage collection last finished (it frees space of expired spans).",
          units.Seconds,
          {
            expr: `time() - max by (instance) (jaeger_storage_badger_storage_valueloggc_last_run{${TRACE_STORE}}) / 1e9`,
            legend: "{{instance}}",
          },
        ),
      );
  }
  const bulk = (what: string) =>
    `sum by (namespace) (rate(jaeger_storage_bulk_index_${what}_total{${TRACE_STORE}}[$__rate_interval]))`;
  return builder
    .withRow(new RowBuilder("Elasticsearch"))
    .withPanel(
      panel(
        "Bulk inserts / errors",
        "Spans per second indexed by Jaeger's bulk writer, and failed bulk items (writes are asynchronous: these are the spans lost).",
        units.Short,
        { expr: bulk("inserts"), legend: "inserted" },
        { expr: bulk("errors"), legend: "errors" },
      ),
    )
    .withPanel(
      panel("Bulk error %", "Share of bulk index attempts that failed.", units.Percent, {
        expr: `100 * ${bulk("errors")} / ${bulk("attempts")}`,
        legend: "errors",
      }),
    );
}
