// Shared pieces of our dashboards: the datasource variable every query goes through
// (no hard-coded datasource uid, so file provisioning, the sidecar and manual import
// all work), and small helpers that always set refIds.
import { DatasourceVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";

export const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus");
}

const REF_IDS = "ABCDEFGHIJ";

/** Range queries A, B, C… for a panel, each with a legend. */
export function queries(...targets: { expr: string; legend: string }[]): DataqueryBuilder[] {
  return targets.map((t, i) =>
    new DataqueryBuilder().refId(REF_IDS[i]).datasource(DATASOURCE).expr(t.expr).legendFormat(t.legend).range(),
  );
}

/** One instant query (for tables). */
export function instantQuery(expr: string): DataqueryBuilder {
  return new DataqueryBuilder().refId("A").datasource(DATASOURCE).expr(expr).instant().format(PromQueryFormat.Table);
}

/** A time-series panel with our defaults: the datasource variable, a visible legend, y from 0. */
export function timeseriesPanel(title: string, description: string, unit: string): TimeseriesBuilder {
  return new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .min(0)
    .span(12)
    .height(8)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    );
}
