// Prometheus integration for Jaeger: a ServiceMonitor for both metrics endpoints
// and a PrometheusRule with the SPM recording rules and Jaeger alerts (when the
// prometheus-operator convention is in use). Annotation-based scraping is applied
// to the Jaeger Services by the Jaeger component (see scrapeAnnotations).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { JaegerPort } from "../jaeger/ports";
import type { RuleFile } from "./rules";
import { ScrapeMode, buildServiceMonitorSpec, usesServiceMonitor } from "./scrape";

export interface JaegerMonitoringArgs {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  scrape: ScrapeMode;
  /** Labels the Prometheus CR selects ServiceMonitors and PrometheusRules by. */
  selectorLabels: Readonly<Record<string, string>>;
  /** Labels of the Jaeger Services. */
  serviceSelector: Readonly<Record<string, string>>;
  metricsPorts: readonly JaegerPort[];
  scrapeInterval: string;
  rules: RuleFile;
  /** Resources that must exist first (e.g. the chart that installs the CRDs). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class JaegerMonitoring extends pulumi.ComponentResource {
  public readonly serviceMonitorName?: pulumi.Output<string>;
  public readonly prometheusRuleName?: pulumi.Output<string>;

  constructor(name: string, args: JaegerMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:monitoring:JaegerMonitoring", name, {}, opts);
    if (usesServiceMonitor(args.scrape)) {
      const metadata = (objectName: string) => ({
        name: objectName,
        namespace: args.namespace,
        labels: {
          ...args.selectorLabels,
          "app.kubernetes.io/part-of": "jaeger-spm",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      });
      const childOpts = { parent: this, dependsOn: args.dependsOn };
      const serviceMonitor = new k8s.apiextensions.CustomResource(
        `${name}-servicemonitor`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: metadata("jaeger"),
          spec: buildServiceMonitorSpec({
            serviceSelector: args.serviceSelector,
            namespace: args.namespaceName,
            ports: args.metricsPorts,
            interval: args.scrapeInterval,
          }),
        },
        childOpts,
      );
      const rule = new k8s.apiextensions.CustomResource(
        `${name}-rules`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: metadata("jaeger"),
          spec: { groups: args.rules.groups },
        },
        childOpts,
      );
      this.serviceMonitorName = serviceMonitor.metadata.name;
      this.prometheusRuleName = rule.metadata.name;
    }
    this.registerOutputs({ serviceMonitorName: this.serviceMonitorName, prometheusRuleName: this.prometheusRuleName });
  }
}
