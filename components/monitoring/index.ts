// Prometheus integration for Jaeger: a ServiceMonitor for both metrics endpoints and a
// PrometheusRule with the SPM recording rules and the alerts of Jaeger and its backups (when the
// prometheus-operator convention is in use). Annotation-based scraping is applied to the Jaeger
// Services by the Jaeger component (see scrapeAnnotations); the rules then come as a rule file in
// a ConfigMap. Also the folder's public face: bundled monitoring and the rule file builders.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { JaegerPort } from "../jaeger/ports";
import type { RuleFile } from "./prometheusRules";
import { ScrapeMode, buildServiceMonitorSpec, usesAnnotations, usesServiceMonitor } from "./scrape";
import { MANAGED_LABELS } from "../labels";

export interface JaegerMonitoringArgs {
  /** Jaeger's namespace: the ServiceMonitor, PrometheusRule and rule-file ConfigMap go there. */
  namespace: pulumi.Input<string>;
  /** The same namespace by name (the ServiceMonitor selects Services in it). */
  namespaceName: string;
  /**
   * How Prometheus finds Jaeger (`monitoring.scrape`): a ServiceMonitor and PrometheusRule
   * (prometheus-operator), scrape annotations and a rule file, or both.
   */
  scrape: ScrapeMode;
  /** Labels the Prometheus CR selects ServiceMonitors and PrometheusRules by. */
  selectorLabels: Readonly<Record<string, string>>;
  /** Labels of the Jaeger Services. */
  serviceSelector: Readonly<Record<string, string>>;
  /** The ports scraped: Jaeger's own telemetry and the span metrics. */
  metricsPorts: readonly JaegerPort[];
  /** The ServiceMonitor's scrape interval (`monitoring.scrapeInterval`). */
  scrapeInterval: string;
  /** The recording rules and every owner's alerts (buildRuleFile); may wait on what is deployed. */
  rules: pulumi.Input<RuleFile>;
  /** Resources that must exist first (e.g. the chart that installs the CRDs). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Where the rule file lives for a Prometheus that reads rule files (annotation scraping). */
export const RULES_CONFIG_MAP = { name: "jaeger-prometheus-rules", key: "jaeger-rules.yaml" } as const;

/** How Prometheus scrapes Jaeger and which rules it evaluates for it, in either scrape convention. */
export class JaegerMonitoring extends pulumi.ComponentResource {
  /** The ServiceMonitor, when prometheus-operator scrapes. */
  public readonly serviceMonitorName?: pulumi.Output<string>;
  /** The PrometheusRule, when prometheus-operator evaluates the rules. */
  public readonly prometheusRuleName?: pulumi.Output<string>;
  /** Where the rules were put: the PrometheusRule and/or the rule-file ConfigMap, as namespace/name. */
  public readonly ruleObjects: string[] = [];

  constructor(name: string, args: JaegerMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:monitoring:JaegerMonitoring", name, {}, opts);
    if (usesAnnotations(args.scrape)) {
      // A Prometheus that finds targets by annotation loads rules from files: mount this ConfigMap
      // (e.g. the prometheus chart's server.extraConfigmapMounts) and list it in rule_files.
      new k8s.core.v1.ConfigMap(
        `${name}-rule-file`,
        {
          metadata: {
            name: RULES_CONFIG_MAP.name,
            namespace: args.namespace,
            labels: { ...MANAGED_LABELS },
          },
          data: {
            [RULES_CONFIG_MAP.key]: pulumi.output(args.rules).apply((rules) => stringify(rules, { lineWidth: 0 })),
          },
        },
        { parent: this },
      );
      this.ruleObjects.push(`ConfigMap ${args.namespaceName}/${RULES_CONFIG_MAP.name} (${RULES_CONFIG_MAP.key})`);
    }
    if (usesServiceMonitor(args.scrape)) {
      const metadata = (objectName: string) => ({
        name: objectName,
        namespace: args.namespace,
        labels: {
          ...args.selectorLabels,
          ...MANAGED_LABELS,
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
          spec: { groups: pulumi.output(args.rules).apply((rules) => rules.groups) },
        },
        childOpts,
      );
      this.serviceMonitorName = serviceMonitor.metadata.name;
      this.prometheusRuleName = rule.metadata.name;
      this.ruleObjects.push(`PrometheusRule ${args.namespaceName}/jaeger`);
    }
    this.registerOutputs({ serviceMonitorName: this.serviceMonitorName, prometheusRuleName: this.prometheusRuleName });
  }
}

export { BundledMonitoring } from "./bundled";
export type { BundledMonitoringArgs } from "./bundled";
export { buildRuleFile } from "./prometheusRules";
export type { Alert, AlertingRule, RecordingRule, RuleFile, RuleGroup } from "./prometheusRules";
export { scrapeAnnotations, usesAnnotations } from "./scrape";
export type { ScrapeMode } from "./scrape";
