// Values for the bundled kube-prometheus-stack (dev laptops have no Prometheus or
// Grafana): its Prometheus selects our ServiceMonitor and PrometheusRule by the
// configured selector labels, and its Grafana sidecar loads dashboards from
// ConfigMaps labelled grafana_dashboard=1 into the folder named by grafana_folder.

import { HELM_CHARTS } from "../../config/charts";

/** The chart's upstream repository (config/charts.ts). */
export const KUBE_PROMETHEUS_STACK_REPO = HELM_CHARTS.kubePrometheusStack.repository;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
export const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

export interface KubePrometheusStackInput {
  /** Labels our ServiceMonitors and PrometheusRules carry. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Prometheus' own TSDB retention (e.g. "7d"). */
  readonly retention: string;
  /** Where the node exporter runs: the one component that needs the host (a privileged namespace). */
  readonly nodeExporterNamespace: string;
}

/** The node exporter's own namespace, beside the monitoring one. */
export function nodeExporterNamespace(monitoringNamespace: string): string {
  return `${monitoringNamespace}-node-exporter`;
}

export function kubePrometheusStackValues(input: KubePrometheusStackInput) {
  const selector = { matchLabels: { ...input.selectorLabels } };
  return {
    prometheus: {
      prometheusSpec: {
        serviceMonitorSelector: selector,
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: selector,
        podMonitorNamespaceSelector: {},
        ruleSelector: selector,
        ruleNamespaceSelector: {},
        retention: input.retention,
        resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "2Gi" } },
      },
    },
    grafana: {
      enabled: true,
      // The admin password comes from a Secret we create from a generated password,
      // never from chart values (which would put it in the Helm release).
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
      sidecar: {
        dashboards: {
          enabled: true,
          label: Object.keys(GRAFANA_DASHBOARD_LABEL)[0],
          labelValue: Object.values(GRAFANA_DASHBOARD_LABEL)[0],
          searchNamespace: "ALL",
          folderAnnotation: GRAFANA_FOLDER_ANNOTATION,
          provider: { foldersFromFilesStructure: true },
        },
      },
    },
    // hostNetwork, hostPID and hostPath: Pod Security "privileged" only, so it runs apart from
    // the rest of the stack (prometheus-node-exporter chart value namespaceOverride).
    "prometheus-node-exporter": { namespaceOverride: input.nodeExporterNamespace },
    // Laptop clusters (kind, k3d, minikube) do not expose these control-plane
    // endpoints; scraping them would only raise permanent TargetDown alerts.
    kubeEtcd: { enabled: false },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
  };
}
