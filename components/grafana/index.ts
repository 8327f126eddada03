// Imports our dashboards into Grafana, either through the dashboard sidecar
// (ConfigMaps labelled grafana_dashboard=1, as the bundled kube-prometheus-stack and
// the Grafana chart use) or through Grafana's HTTP API with a service-account token.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION } from "../monitoring/kubePrometheusStack";
import type { DashboardDocument } from "./dashboards";
import { PART_OF } from "../labels";

export interface GrafanaDashboardsArgs {
  /** The dashboards as JSON with their uids (the committed files under dashboards/). */
  dashboards: readonly DashboardDocument[];
  /** The Grafana folder they go into (`grafana.folder`, default "Jaeger"). */
  folder: string;
  /**
   * How they reach Grafana: ConfigMaps in `namespace` for the dashboard sidecar to pick up, or
   * Grafana's HTTP API at `url` with a service-account token (a secret).
   */
  import:
    { mode: "sidecar"; namespace: pulumi.Input<string> } | { mode: "api"; url: string; token: pulumi.Input<string> };
}

export const FOLDER_UID = "jaeger";

/** Our Grafana dashboards, imported through the dashboard sidecar or Grafana's API. */
export class GrafanaDashboards extends pulumi.ComponentResource {
  /** Dashboard uids imported. */
  public readonly uids: string[];

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:grafana:GrafanaDashboards", name, {}, opts);
    const target = args.import;
    if (target.mode === "sidecar") {
      for (const dashboard of args.dashboards) {
        new k8s.core.v1.ConfigMap(
          `${name}-${dashboard.uid}`,
          {
            metadata: {
              name: `grafana-dashboard-${dashboard.uid}`,
              namespace: target.namespace,
              labels: { ...GRAFANA_DASHBOARD_LABEL, "app.kubernetes.io/part-of": PART_OF },
              annotations: { [GRAFANA_FOLDER_ANNOTATION]: args.folder },
            },
            data: { [`${dashboard.uid}.json`]: dashboard.json },
          },
          { parent: this },
        );
      }
    } else {
      const provider = new grafana.Provider(
        `${name}-grafana`,
        { url: target.url, auth: pulumi.secret(target.token) },
        { parent: this },
      );
      const folder = new grafana.oss.Folder(
        `${name}-folder`,
        { title: args.folder, uid: FOLDER_UID },
        { parent: this, provider },
      );
      for (const dashboard of args.dashboards) {
        new grafana.oss.Dashboard(
          `${name}-${dashboard.uid}`,
          {
            configJson: dashboard.json,
            folder: folder.uid,
            overwrite: true,
            message: "Managed by Pulumi (jaeger-spm)",
          },
          { parent: this, provider },
        );
      }
    }
    this.uids = args.dashboards.map((d) => d.uid);
    this.registerOutputs({ uids: this.uids });
  }
}

export { loadDashboard } from "./dashboards";
export type { DashboardDocument } from "./dashboards";
