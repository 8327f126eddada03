// Jaeger v2 as one single-writer process on Badger: collector, query UI, remote
// sampling and SPM (spanmetrics -> Prometheus exporter -> Prometheus -> Monitor tab).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SamplingConfig } from "../../config/schema";
import type { Resources } from "../../config/sizing";
import type { DeepReadonly } from "../../config/types";
import { JaegerEndpoints, jaegerEndpoints } from "./endpoints";
import { buildUiConfig, renderJaegerConfig } from "./jaegerConfig";
import { PORTS } from "./ports";
import { SAMPLING_FILE, renderSamplingStrategies } from "./sampling";
import {
  CONFIG_CHECKSUM_ANNOTATION,
  CONFIG_FILE,
  MOUNTS,
  UI_CONFIG_FILE,
  buildAllInOnePodSpec,
  commonLabels,
  configChecksum,
  selectorLabels,
  servicePorts,
} from "./workload";

export interface JaegerArgs {
  /** Namespace for every object (created by the caller). */
  namespace: pulumi.Input<string>;
  image: string;
  resources: Resources;
  terminationGracePeriodSeconds: number;
  storage: {
    /** Go duration for Badger's ttl.spans. */
    retention: string;
    volumeSize: string;
    storageClass?: string;
  };
  sampling: DeepReadonly<SamplingConfig>;
  spm: { prometheusUrl: string; metricsFlushInterval: string };
  query: { serviceType: "ClusterIP" | "NodePort"; nodePort: number };
  exporterQueue?: { queueSize: number; numConsumers: number };
  /** Extra annotations per Service (e.g. prometheus.io/* scrape annotations). */
  serviceAnnotations?: { metrics?: Record<string, string>; spanMetrics?: Record<string, string> };
  /** Protect the Badger claim from deletion and keep it when removed from the program. */
  protectData: boolean;
}

const COMPONENT = "all-in-one";

/** Kubernetes object names: stable, because clients and dashboards address them. */
export const NAMES = {
  deployment: "jaeger",
  serviceAccount: "jaeger",
  config: "jaeger-config",
  sampling: "jaeger-sampling",
  claim: "jaeger-badger",
  queryService: "jaeger-query",
  collectorService: "jaeger-collector",
  metricsService: "jaeger-metrics",
  spanMetricsService: "jaeger-span-metrics",
} as const;

export class Jaeger extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly deploymentName: pulumi.Output<string>;
  public readonly queryServiceName: pulumi.Output<string>;
  public readonly collectorServiceName: pulumi.Output<string>;
  public readonly metricsServiceName: pulumi.Output<string>;
  public readonly spanMetricsServiceName: pulumi.Output<string>;
  public readonly endpoints: pulumi.Output<JaegerEndpoints>;
  /** Selector labels of the Jaeger pods (for NetworkPolicies, monitors). */
  public readonly podSelector: Record<string, string>;
  /** Labels every Jaeger Service carries (for ServiceMonitors). */
  public readonly serviceSelector: Record<string, string>;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:jaeger:Jaeger", name, {}, opts);
    const namespace = args.namespace;
    const labels = commonLabels(name, COMPONENT, args.image);
    const selector = selectorLabels(name, COMPONENT);
    const meta = (objectName: string) => ({ name: objectName, namespace, labels });

    const configFiles = {
      [CONFIG_FILE]: renderJaegerConfig({
        storage: {
          kind: "badger",
          keysDirectory: `${MOUNTS.badger}/keys`,
          valuesDirectory: `${MOUNTS.badger}/values`,
          ttl: args.storage.retention,
        },
        spm: args.spm,
        sampling: {
          strategiesFile: `${MOUNTS.sampling}/${SAMPLING_FILE}`,
          reloadInterval: args.sampling.reloadInterval,
        },
        uiConfigFile: `${MOUNTS.config}/${UI_CONFIG_FILE}`,
        exporterQueue: args.exporterQueue,
      }),
      [UI_CONFIG_FILE]: JSON.stringify(buildUiConfig(), null, 2) + "\n",
    };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta(NAMES.serviceAccount), automountServiceAccountToken: false },
      { parent: this },
    );

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: meta(NAMES.config), data: configFiles },
      { parent: this },
    );

    // Updated in place (the provider treats ConfigMaps as mutable) and re-read by
    // Jaeger every reload interval: a sampling change never restarts the pod.
    const sampling = new k8s.core.v1.ConfigMap(
      `${name}-sampling`,
      { metadata: meta(NAMES.sampling), data: { [SAMPLING_FILE]: renderSamplingStrategies(args.sampling) } },
      { parent: this },
    );

    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-badger`,
      {
        metadata: {
          ...meta(NAMES.claim),
          // With WaitForFirstConsumer storage classes the claim binds only once the pod
          // exists; the Deployment's own readiness is the check that matters.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storage.storageClass,
          resources: { requests: { storage: args.storage.volumeSize } },
        },
      },
      {
        parent: this,
        protect: args.protectData,
        retainOnDelete: args.protectData,
        // The class of an existing claim cannot change in place; never replace (= delete) trace data for it.
        ignoreChanges: ["spec.storageClassName"],
      },
    );

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta(NAMES.deployment),
        spec: {
          replicas: 1,
          // Badger holds an exclusive directory lock and the claim is ReadWriteOnce:
          // the old pod must be gone before the new one starts.
          strategy: { type: "Recreate" },
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(configFiles) },
            },
            spec: buildAllInOnePodSpec({
              image: args.image,
              resources: args.resources,
              configMapName: NAMES.config,
              samplingConfigMapName: NAMES.sampling,
              claimName: NAMES.claim,
              serviceAccountName: NAMES.serviceAccount,
              terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
            }),
          },
        },
      },
      { parent: this, dependsOn: [serviceAccount, config, sampling, claim] },
    );

    const service = (
      resourceName: string,
      objectName: string,
      spec: k8s.types.input.core.v1.ServiceSpec,
      annotations?: Record<string, string>,
    ) =>
      new k8s.core.v1.Service(
        `${name}-${resourceName}`,
        { metadata: { ...meta(objectName), annotations }, spec: { selector, ...spec } },
        { parent: this },
      );

    const query = service("query", NAMES.queryService, {
      type: args.query.serviceType,
      ports: servicePorts(
        [PORTS.queryHttp, PORTS.queryGrpc],
        args.query.serviceType === "NodePort" ? { [PORTS.queryHttp.name]: args.query.nodePort } : {},
      ),
    });
    const collector = service("collector", NAMES.collectorService, {
      type: "ClusterIP",
      ports: servicePorts([
        PORTS.otlpGrpc,
        PORTS.otlpHttp,
        PORTS.jaegerGrpc,
        PORTS.jaegerThriftHttp,
        PORTS.zipkin,
        PORTS.samplingHttp,
        PORTS.samplingGrpc,
      ]),
    });
    const metrics = service(
      "metrics",
      NAMES.metricsService,
      {
        type: "ClusterIP",
        ports: servicePorts([PORTS.metrics, PORTS.health]),
      },
      args.serviceAnnotations?.metrics,
    );
    const spanMetrics = service(
      "span-metrics",
      NAMES.spanMetricsService,
      {
        type: "ClusterIP",
        ports: servicePorts([PORTS.spanMetrics]),
      },
      args.serviceAnnotations?.spanMetrics,
    );

    this.namespace = pulumi.output(namespace);
    this.deploymentName = deployment.metadata.name;
    this.queryServiceName = query.metadata.name;
    this.collectorServiceName = collector.metadata.name;
    this.metricsServiceName = metrics.metadata.name;
    this.spanMetricsServiceName = spanMetrics.metadata.name;
    this.endpoints = pulumi
      .all([this.namespace, this.queryServiceName, this.collectorServiceName])
      .apply(([ns, queryService, collectorService]) =>
        jaegerEndpoints({ namespace: ns, queryService, collectorService, query: args.query }),
      );
    this.podSelector = selector;
    this.serviceSelector = { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": name };
    this.registerOutputs({
      endpoints: this.endpoints,
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      queryServiceName: this.queryServiceName,
      collectorServiceName: this.collectorServiceName,
      metricsServiceName: this.metricsServiceName,
      spanMetricsServiceName: this.spanMetricsServiceName,
    });
  }
}
