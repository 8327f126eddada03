// Every dashboard we ship, by the file it is committed as in dashboards/.
import { healthDashboard } from "./health";
import { spmDashboard } from "./spm";

export const DASHBOARD_BUILDERS = {
  "jaeger-spm.json": spmDashboard,
  "jaeger-health-badger.json": () => healthDashboard("badger"),
  "jaeger-health-elasticsearch.json": () => healthDashboard("elasticsearch"),
} as const;

export type DashboardFile = keyof typeof DASHBOARD_BUILDERS;

/** The JSON text committed for a dashboard (what the sidecar, the API and manual import receive). */
export function renderDashboard(file: DashboardFile): string {
  const dashboard = DASHBOARD_BUILDERS[file]().build();
  // The builder leaves panel ids unset (rows get 0): number every panel, in layout order.
  const panels = (dashboard.panels ?? []).map((panel, i) => ({ ...panel, id: i + 1 }));
  // The v1 builder emits `annotations: {}`; Grafana expects a list.
  const annotations = dashboard.annotations?.list ? dashboard.annotations : { list: [] };
  return JSON.stringify({ ...dashboard, annotations, panels }, null, 2) + "\n";
}
