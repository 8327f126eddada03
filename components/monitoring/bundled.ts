// Bundled monitoring for clusters that have none (dev laptops): kube-prometheus-stack
// through Helm, with a generated Grafana admin password kept in a Kubernetes Secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { releaseChart } from "../helmChart";
import { GRAFANA_ADMIN_SECRET, kubePrometheusStackValues, nodeExporterNamespace } from "./kubePrometheusStack";
import { podSecurityLevel } from "../podSecurity";
import { PART_OF } from "../labels";
import { prometheusOperatedUrl } from "../../config/schema";

export interface BundledMonitoringArgs {
  /** The namespace it creates and runs in (`monitoring.bundled.namespace`, default "monitoring"). */
  namespace: string;
  /** The Helm release's name (default "kube-prometheus-stack"). */
  releaseName: string;
  /** The pinned kube-prometheus-stack chart version. */
  chartVersion: string;
  /** Where the chart comes from (a repository, an oci:// repository or an archive); default upstream. */
  chartRepository?: string;
  /** Labels its Prometheus selects ServiceMonitors and PrometheusRules by. */
  selectorLabels: Readonly<Record<string, string>>;
}

/**
 * A kube-prometheus-stack for clusters without Prometheus (dev): Prometheus, Grafana with the
 * dashboard sidecar, and the node exporter alone in a privileged namespace.
 */
export class BundledMonitoring extends pulumi.ComponentResource {
  /** The Helm release: what needs its CRDs (ServiceMonitor, PrometheusRule) waits for it. */
  public readonly release: k8s.helm.v3.Release;
  /** Where its Prometheus answers queries (the Monitor tab's default). */
  public readonly prometheusUrl: string;
  /** Grafana's generated admin password (a secret). */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** The command that reaches its Grafana on localhost:3000. */
  public readonly grafanaPortForward: string;

  constructor(name: string, args: BundledMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:monitoring:BundledMonitoring", name, {}, opts);

    // Prometheus, Grafana, the operator and kube-state-metrics need nothing from the host:
    // "baseline" enforced (the charts' defaults are not all "restricted", which is reported as a
    // warning). Only the node exporter, in a namespace of its own, may use the host.
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: { ...podSecurityLevel("baseline"), "app.kubernetes.io/part-of": PART_OF },
        },
      },
      { parent: this },
    );
    const hostNamespace = new k8s.core.v1.Namespace(
      `${name}-node-exporter-namespace`,
      {
        metadata: {
          name: nodeExporterNamespace(args.namespace),
          labels: { "pod-security.kubernetes.io/enforce": "privileged", "app.kubernetes.io/part-of": PART_OF },
        },
      },
      { parent: this },
    );

    const password = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this },
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET, namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: { "admin-user": "admin", "admin-password": password.result },
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-kube-prometheus-stack`,
      {
        name: args.releaseName,
        ...releaseChart("kubePrometheusStack", args.chartVersion, args.chartRepository),
        namespace: namespace.metadata.name,
        values: kubePrometheusStackValues({
          selectorLabels: args.selectorLabels,
          retention: "7d",
          nodeExporterNamespace: nodeExporterNamespace(args.namespace),
        }),
        timeout: 900,
      },
      { parent: this, dependsOn: [adminSecret, hostNamespace] },
    );

    this.prometheusUrl = prometheusOperatedUrl(args.namespace);
    this.grafanaAdminPassword = pulumi.secret(password.result);
    this.grafanaPortForward = `kubectl -n ${args.namespace} port-forward svc/${args.releaseName}-grafana 3000:80`;
    this.registerOutputs({
      prometheusUrl: this.prometheusUrl,
      grafanaAdminPassword: this.grafanaAdminPassword,
      grafanaPortForward: this.grafanaPortForward,
    });
  }
}
