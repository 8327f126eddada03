// The Jaeger SPM stack as a Pulumi component package, for Python, Go, C#, Java and YAML programs:
//   pulumi package add <path to this folder>
// PulumiPlugin.yaml makes this folder a Node.js plugin; Pulumi's Node.js host serves every
// ComponentResource exported here, and infers the package schema from the args and outputs types
// below (args.ts is generated from the stack config schema). Only the component may be exported.
import * as pulumi from "@pulumi/pulumi";
import { stackConfigFrom } from "../config/load";
import { SECRET_KEY_NAMES, SecretKey } from "../config/schema";
import { JaegerSpmStack } from "../components/stack";
import type { JaegerSpmArgs } from "./args";

/** What the config checks see for a secret given as an input: set, never its value. */
const SECRET_PLACEHOLDER = "(secret input)";

/** A Prometheus rule group of the stack and how many rules it holds. */
export interface RuleGroupSummary {
  name: string;
  rules: number;
}

/** Where the stack's Prometheus rules are and what they hold. */
export interface PrometheusRulesSummary {
  /** The PrometheusRule or ConfigMap objects holding the rules. */
  objects: string[];
  groups: RuleGroupSummary[];
}

/**
 * A production Jaeger v2 tracing stack with Service Performance Monitoring: Jaeger on Badger or
 * Elasticsearch/OpenSearch, Prometheus scraping and rules, Grafana dashboards, backups to S3.
 * Its inputs are the project's stack config keys, with the same defaults and checks.
 */
export class JaegerSpm extends pulumi.ComponentResource {
  /** The namespace Jaeger runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** `badger` or `elasticsearch`. */
  public readonly storageBackend: pulumi.Output<string>;
  /** Jaeger's roles: `all-in-one`, or `collector` and `query`. */
  public readonly jaegerRoles: pulumi.Output<string[]>;
  /** Where the query UI is. */
  public readonly uiUrl: pulumi.Output<string>;
  /** The kubectl command that forwards the UI to localhost. */
  public readonly uiPortForward: pulumi.Output<string>;
  /** OTLP over gRPC, for SDKs and collectors. */
  public readonly otlpGrpcEndpoint: pulumi.Output<string>;
  /** OTLP over HTTP. */
  public readonly otlpHttpEndpoint: pulumi.Output<string>;
  /** Jaeger's gRPC receiver (absent with TLS and no legacy receivers). */
  public readonly jaegerGrpcEndpoint: pulumi.Output<string | undefined>;
  /** Jaeger's Thrift-over-HTTP receiver (absent with TLS and no legacy receivers). */
  public readonly jaegerThriftHttpEndpoint: pulumi.Output<string | undefined>;
  /** The Zipkin receiver (absent with TLS and no legacy receivers). */
  public readonly zipkinEndpoint: pulumi.Output<string | undefined>;
  /** Remote sampling, for SDKs. */
  public readonly samplingEndpoint: pulumi.Output<string>;
  /** The Elasticsearch/OpenSearch URLs Jaeger uses (none with Badger). */
  public readonly searchServerUrls: pulumi.Output<string[]>;
  /** The Prometheus the SPM tab queries. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** Where the alert and recording rules are, and their groups. */
  public readonly prometheusRules: pulumi.Output<PrometheusRulesSummary>;
  /** The bundled Grafana's admin password (a secret; absent without bundled monitoring). */
  public readonly grafanaAdminPassword: pulumi.Output<string | undefined>;
  /** The kubectl command that forwards the bundled Grafana to localhost. */
  public readonly grafanaPortForward: pulumi.Output<string | undefined>;
  /** The uids of the imported dashboards. */
  public readonly grafanaDashboardUids: pulumi.Output<string[]>;
  /** The backup bucket (absent without backups). */
  public readonly backupBucket: pulumi.Output<string | undefined>;
  /** `s3://<bucket>/<prefix>/<stack>/`: where this stack's backups are. */
  public readonly backupLocation: pulumi.Output<string | undefined>;

  constructor(name: string, args: JaegerSpmArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before anything is registered: a bad setting fails with every problem at once.
    const settings: Record<string, unknown> = { ...args };
    const secrets: Partial<Record<SecretKey, pulumi.Input<string>>> = {};
    for (const key of SECRET_KEY_NAMES) {
      const value = args[key];
      if (value === undefined) continue;
      secrets[key] = value;
      settings[key] = SECRET_PLACEHOLDER;
    }
    const { config, warnings } = stackConfigFrom(settings);
    super("jaeger-spm:index:JaegerSpm", name, {}, opts);
    for (const warning of warnings) void pulumi.log.warn(warning, this);
    const stack = new JaegerSpmStack(name, { config, secrets }, { parent: this });
    const o = stack.outputs;
    const optional = <T>(value: pulumi.Output<T | null>) => value.apply((v) => v ?? undefined);
    this.namespace = o.namespace;
    this.storageBackend = o.storageBackend;
    this.jaegerRoles = o.jaegerRoles;
    this.uiUrl = o.uiUrl;
    this.uiPortForward = o.uiPortForward;
    this.otlpGrpcEndpoint = o.otlpGrpcEndpoint;
    this.otlpHttpEndpoint = o.otlpHttpEndpoint;
    this.jaegerGrpcEndpoint = optional(o.jaegerGrpcEndpoint);
    this.jaegerThriftHttpEndpoint = optional(o.jaegerThriftHttpEndpoint);
    this.zipkinEndpoint = optional(o.zipkinEndpoint);
    this.samplingEndpoint = o.samplingEndpoint;
    this.searchServerUrls = o.searchServerUrls;
    this.prometheusUrl = o.prometheusUrl;
    this.prometheusRules = o.prometheusRules;
    this.grafanaAdminPassword = optional(o.grafanaAdminPassword);
    this.grafanaPortForward = optional(o.grafanaPortForward);
    this.grafanaDashboardUids = o.grafanaDashboardUids;
    this.backupBucket = optional(o.backupBucket);
    this.backupLocation = optional(o.backupLocation);
    this.registerOutputs({
      namespace: this.namespace,
      storageBackend: this.storageBackend,
      jaegerRoles: this.jaegerRoles,
      uiUrl: this.uiUrl,
      uiPortForward: this.uiPortForward,
      otlpGrpcEndpoint: this.otlpGrpcEndpoint,
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      jaegerGrpcEndpoint: this.jaegerGrpcEndpoint,
      jaegerThriftHttpEndpoint: this.jaegerThriftHttpEndpoint,
      zipkinEndpoint: this.zipkinEndpoint,
      samplingEndpoint: this.samplingEndpoint,
      searchServerUrls: this.searchServerUrls,
      prometheusUrl: this.prometheusUrl,
      prometheusRules: this.prometheusRules,
      grafanaAdminPassword: this.grafanaAdminPassword,
      grafanaPortForward: this.grafanaPortForward,
      grafanaDashboardUids: this.grafanaDashboardUids,
      backupBucket: this.backupBucket,
      backupLocation: this.backupLocation,
    });
  }
}
