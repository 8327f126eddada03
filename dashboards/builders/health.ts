// "Jaeger health": is Jaeger v2 accepting, writing and serving spans, and how are its
// resources and storage doing. Metric names are Jaeger v2's OpenTelemetry Collector
// telemetry (../shared/reference/jaeger-v2.md §6); one variant per storage backend.
import {
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DATASOURCE, datasourceVariable, queries, timeseriesPanel } from "./common";

export const HEALTH_DASHBOARD_UID = "jaeger-health";
export type Backend = "badger" | "elasticsearch";

const NS = 'namespace="$namespace"';
const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}{${NS}}[$__rate_interval]))`;

function panel(title: string, description: string, unit: string, ...targets: { expr: string; legend: string }[]) {
  return queries(...targets).reduce((p, target) => p.withTarget(target), timeseriesPanel(title, description, unit));
}

export function healthDashboard(backend: Backend, badgerClaim = "jaeger-badger") {
  const accepted = rate("otelcol_receiver_accepted_spans_total", "namespace");
  const refused = rate("otelcol_receiver_refused_spans_total", "namespace");
  const sent = rate("otelcol_exporter_sent_spans_total", "exporter");
  const failed = rate("otelcol_exporter_send_failed_spans_total", "exporter");
  const builder = new DashboardBuilder(`Jaeger health (${backend})`)
    .uid(HEALTH_DASHBOARD_UID)
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
      panel("Storage requests", "Storage operations per second by result.", units.Short, {
        expr: rate("jaeger_storage_requests_total", "operation, result"),
        legend: "{{operation}} {{result}}",
      }),
    )
    .withPanel(
      panel("Storage latency P99", "99th percentile storage operation latency.", units.Seconds, {
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
    const claim = `${NS}, persistentvolumeclaim="${badgerClaim}"`;
    return builder
      .withRow(new RowBuilder("Badger"))
      .withPanel(
        panel(
          "Badger size",
          "Bytes in Badger's LSM tree and value log.",
          units.BytesIEC,
          { expr: `sum by (instance) (jaeger_badger_size_bytes_lsm{${NS}})`, legend: "LSM {{instance}}" },
          { expr: `sum by (instance) (jaeger_badger_size_bytes_vlog{${NS}})`, legend: "value log {{instance}}" },
        ),
      )
      .withPanel(
        panel("Badger volume used %", "Share of the Badger volume in use (kubelet volume stats).", units.Percent, {
          expr: `100 * (1 - sum(kubelet_volume_stats_available_bytes{${claim}}) / sum(kubelet_volume_stats_capacity_bytes{${claim}}))`,
          legend: badgerClaim,
        }),
      );
  }
  return builder
    .withRow(new RowBuilder("Elasticsearch"))
    .withPanel(
      panel(
        "Bulk inserts / errors",
        "Documents per second indexed by Jaeger's bulk processor, and bulk errors.",
        units.Short,
        { expr: rate("jaeger_bulk_index_inserts_total", "namespace"), legend: "inserted" },
        { expr: rate("jaeger_bulk_index_errors_total", "namespace"), legend: "errors" },
      ),
    )
    .withPanel(
      panel("Bulk error %", "Share of bulk index attempts that failed.", units.Percent, {
        expr: `100 * ${rate("jaeger_bulk_index_errors_total", "namespace")} / ${rate("jaeger_bulk_index_attempts_total", "namespace")}`,
        legend: "errors",
      }),
    );
}
