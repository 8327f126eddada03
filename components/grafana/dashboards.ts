// The committed dashboard JSON (dashboards/*.json, generated from dashboards/builders)
// that a stack imports. Read from disk so the Grafana SDK is not loaded by `pulumi up`.
import * as fs from "node:fs";
import * as path from "node:path";

export const DASHBOARDS_DIR = path.resolve(__dirname, "..", "..", "dashboards");

export interface DashboardDocument {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  /** The dashboard model as committed (no `{dashboard: …}` wrapper). */
  readonly json: string;
}

export function dashboardFilesFor(backend: "badger" | "elasticsearch"): string[] {
  return ["jaeger-spm.json", `jaeger-health-${backend}.json`];
}

export function loadDashboard(file: string): DashboardDocument {
  const json = fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8");
  const model = JSON.parse(json) as { uid?: unknown; title?: unknown };
  if (typeof model.uid !== "string" || typeof model.title !== "string") {
    throw new Error(`dashboards/${file} has no uid or title; regenerate it with npm run dashboards`);
  }
  return { file, uid: model.uid, title: model.title, json };
}
