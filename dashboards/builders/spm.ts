// "Jaeger SPM (RED)": request rate, error rate and latency per service and per
// operation, plus the busiest and slowest operations. Server spans only, as in
// Jaeger's Monitor tab; built on the recording rules of components/monitoring/prometheusRules.ts.
import {
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { CALLS, QUANTILES, recordName } from "../../components/monitoring/prometheusRules";
import { DATASOURCE, datasourceVariable, instantQuery, queries, timeseriesPanel } from "./common";

export const SPM_DASHBOARD_UID = "jaeger-spm-red";

const SERVICE = 'service_name=~"$service"';
/**
 * Lines per time-series panel. With every service picked, a panel per operation at 1,000 services
 * x 20 operations drew 20,000 lines and took Prometheus 1.9 s (npm run bench:spm); no one reads
 * more than a few dozen lines, so each panel shows the top ones at each point in time.
 */
export const TOP = 20;
const top = (expr: string) => `topk(${TOP}, ${expr})`;
const OPERATION = 'service_name=~"$service", span_name=~"$operation"';
const rate = (level: "service" | "operation") => recordName(level, "calls:rate5m");
const errors = (level: "service" | "operation") => recordName(level, "errors:ratio_rate5m");
const latency = (level: "service" | "operation", q: number) =>
  recordName(level, `duration_milliseconds:p${Math.round(q * 100)}_rate5m`);

const timeseries = timeseriesPanel;

export function spmDashboard() {
  return new DashboardBuilder("Jaeger SPM (RED)")
    .uid(SPM_DASHBOARD_UID)
    .tags(["jaeger", "spm", "tracing"])
    .description("Service Performance Monitoring from Jaeger span metrics: rate, errors, duration of server spans.")
    .refresh("1m")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .withVariable(datasourceVariable())
    .withVariable(
      new QueryVariableBuilder("service")
        .label("Service")
        .datasource(DATASOURCE)
        .query(`label_values(${CALLS}, service_name)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue(".+"),
    )
    .withVariable(
      new QueryVariableBuilder("operation")
        .label("Operation")
        .datasource(DATASOURCE)
        .query(`label_values(${CALLS}{${SERVICE}}, span_name)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue(".+"),
    )
    .withRow(new RowBuilder("Services"))
    .withPanel(
      timeseries(
        "Request rate by service",
        `Server spans per second, per service (5m rate): the ${TOP} busiest at each point in time.`,
        units.RequestsPerSecond,
      ).withTarget(
        queries({ expr: top(`sum by (service_name) (${rate("service")}{${SERVICE}})`), legend: "{{service_name}}" })[0],
      ),
    )
    .withPanel(
      timeseries(
        "Error rate by service",
        `Share of server spans with status ERROR, per service (5m): the ${TOP} highest.`,
        units.Percent,
      ).withTarget(
        queries({ expr: `100 * ${top(`${errors("service")}{${SERVICE}}`)}`, legend: "{{service_name}}" })[0],
      ),
    )
    .withPanel(
      queries(
        ...QUANTILES.map((q) => ({
          expr: top(`${latency("service", q)}{${SERVICE}}`),
          legend: `{{service_name}} p${Math.round(q * 100)}`,
        })),
      ).reduce(
        (panel, target) => panel.withTarget(target),
        timeseries(
          "Latency by service (P50 / P95 / P99)",
          `Server span duration quantiles (5m): for each quantile the ${TOP} slowest services.`,
          units.Milliseconds,
        ).span(24),
      ),
    )
    .withRow(new RowBuilder("Operations"))
    .withPanel(
      timeseries(
        "Request rate per operation",
        `Server spans per second, per operation (5m rate): the ${TOP} busiest; pick a service to see its own.`,
        units.RequestsPerSecond,
      ).withTarget(
        queries({ expr: top(`${rate("operation")}{${OPERATION}}`), legend: "{{service_name}} {{span_name}}" })[0],
      ),
    )
    .withPanel(
      timeseries(
        "Error rate per operation",
        `Share of server spans with status ERROR, per operation (5m): the ${TOP} highest.`,
        units.Percent,
      ).withTarget(
        queries({
          expr: `100 * ${top(`${errors("operation")}{${OPERATION}}`)}`,
          legend: "{{service_name}} {{span_name}}",
        })[0],
      ),
    )
    .withPanel(
      timeseries(
        "P95 latency per operation",
        `95th percentile of server span duration, per operation (5m): the ${TOP} slowest.`,
        units.Milliseconds,
      )
        .span(24)
        .withTarget(
          queries({
            expr: top(`${latency("operation", 0.95)}{${OPERATION}}`),
            legend: "{{service_name}} {{span_name}}",
          })[0],
        ),
    )
    .withRow(new RowBuilder("Top operations"))
    .withPanel(
      new TableBuilder()
        .title("Busiest operations")
        .description("The 10 operations with the most server spans per second now.")
        .datasource(DATASOURCE)
        .unit(units.RequestsPerSecond)
        .span(12)
        .height(10)
        .withTarget(instantQuery(`topk(10, ${rate("operation")}{${SERVICE}})`)),
    )
    .withPanel(
      new TableBuilder()
        .title("Slowest operations (P95)")
        .description("The 10 operations with the highest 95th percentile latency now.")
        .datasource(DATASOURCE)
        .unit(units.Milliseconds)
        .span(12)
        .height(10)
        .withTarget(instantQuery(`topk(10, ${latency("operation", 0.95)}{${SERVICE}})`)),
    );
}
