// Jaeger v2 on Kubernetes, in the shape its storage allows:
//  - Badger: one single-writer all-in-one process (collector, query UI, sampling, SPM)
//    on a persistent volume, replaced with the Recreate strategy;
//  - Elasticsearch/OpenSearch: stateless collectors (HPA, PDB, spread over nodes) and
//    query servers (PDB), from the same image.
// Service names and ports are the same in both shapes, so clients and dashboards do
// not change with the backend.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SamplingConfig } from "../../config/shapes";
import type { Resources } from "../../config/sizing";
import type { DeepReadonly } from "../../config/types";
import { JaegerEndpoints, jaegerEndpoints } from "./endpoints";
import {
  Role,
  SearchStorage,
  Storage,
  buildUiConfig,
  legacyReceiversEnabled,
  renderJaegerConfig,
} from "./jaegerConfig";
import { PORTS, ingestPorts } from "./ports";
import { SAMPLING_FILE, renderSamplingStrategies } from "./sampling";
import {
  CONFIG_CHECKSUM_ANNOTATION,
  CONFIG_FILE,
  HTPASSWD_CHECKSUM_ANNOTATION,
  MOUNTS,
  SecretFile,
  UI_CONFIG_FILE,
  buildJaegerPodSpec,
  commonLabels,
  configChecksum,
  secretFilePath,
  selectorLabels,
  servicePorts,
} from "./workload";

export type JaegerStorageArgs =
  | {
      kind: "badger";
      /** Go duration for Badger's ttl.spans. */
      retention: string;
      /** Go duration between Badger's value-log GC runs and free-disk measurements. */
      maintenanceInterval: string;
      volumeSize: string;
      /** Extra annotations on the claim (e.g. the VolumeSnapshotClass Velero snapshots it with). */
      claimAnnotations?: Record<string, string>;
      /** The size was derived from the load: applied at creation only (a claim cannot shrink). */
      volumeDerived: boolean;
      storageClass?: string;
      /**
       * The claim is created by this (a Velero Restore that fills it from a backup), not by this
       * component: Jaeger waits for it, and Pulumi never manages (or deletes) that claim.
       */
      restoredBy?: pulumi.Resource;
    }
  | {
      kind: "search";
      /**
       * Per role: connection settings with credential and CA paths inside the pods, and the
       * Secrets those paths are mounted from (collectors and query servers use their own credentials).
       */
      roles: Record<"collector" | "query", { config: SearchStorage; secretFiles: readonly SecretFile[] }>;
    };

export interface JaegerArgs {
  /** Namespace for every object (created by the caller). */
  namespace: pulumi.Input<string>;
  /**
   * The `app.kubernetes.io/instance` label of every object (default "jaeger"). Selectors use it, so
   * it must stay the same for the life of a stack; the component's Pulumi name does not matter.
   */
  instance?: string;
  /** A pinned Jaeger v2 image (`jaeger.image`); every role runs it. */
  image: string;
  /** Resources of the all-in-one process or of each collector. */
  resources: Resources;
  /** How long a stopping pod has to flush to storage and, on Badger, release its lock (`jaeger.terminationGracePeriodSeconds`). */
  terminationGracePeriodSeconds: number;
  /**
   * Where spans go: Badger on a claim in one all-in-one pod (single writer), or a search backend
   * with separately scaled collectors and query servers.
   */
  storage: JaegerStorageArgs;
  /** The default and per-service sampling strategies, served to SDKs and re-read without a restart. */
  sampling: DeepReadonly<SamplingConfig>;
  /**
   * The Prometheus the Monitor tab queries, how often span metrics are flushed, and how many
   * series per service they may have (an idle one is dropped after `seriesExpiration`).
   */
  spm: { prometheusUrl: string; metricsFlushInterval: string; cardinalityLimit: number; seriesExpiration: string };
  /** The query servers (search backends; with Badger only `serviceType` and `nodePort` apply). */
  query: { serviceType: "ClusterIP" | "NodePort"; nodePort: number; replicas: number; resources: Resources };
  /** The collectors' autoscaling (search backends only). */
  collector: { minReplicas: number; maxReplicas: number; targetCpuUtilizationPercent: number };
  /** An in-memory queue in front of the storage writer (default: none, as upstream). */
  exporterQueue?: { queueSize: number; numConsumers: number };
  /** Extra annotations for the Services of each metrics endpoint (e.g. prometheus.io/* scrape annotations). */
  serviceAnnotations?: { metrics?: Record<string, string>; spanMetrics?: Record<string, string> };
  /**
   * TLS for ingestion and the query APIs from a kubernetes.io/tls Secret (tls.crt, tls.key);
   * mTLS on ingestion with a client CA Secret (ca.crt).
   */
  tls?: { secretName: string; clientCaSecret?: string; legacyReceivers: boolean };
  /** Basic auth for the query UI/API from a Secret holding an htpasswd file. */
  uiAuth?: { secretName: string; key: string; checksum: pulumi.Input<string> };
  /** Forward the caller's bearer token to Elasticsearch/OpenSearch on queries (default false). */
  bearerTokenPropagation?: boolean;
  /** Protect the Badger claim from deletion (prod). */
  protectData: boolean;
  /** Let `pulumi destroy` delete the Badger claim (storage.deleteDataOnDestroy); by default it stays in the cluster. */
  deleteDataOnDestroy?: boolean;
  /** Resources the workloads need first (e.g. the search cluster). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Kubernetes object names: stable, because clients and dashboards address them. */
export const NAMES = {
  serviceAccount: "jaeger",
  sampling: "jaeger-sampling",
  claim: "jaeger-badger",
  queryService: "jaeger-query",
  collectorService: "jaeger-collector",
  metricsService: "jaeger-metrics",
  queryMetricsService: "jaeger-query-metrics",
  spanMetricsService: "jaeger-span-metrics",
  deployment: { "all-in-one": "jaeger", collector: "jaeger-collector", query: "jaeger-query" },
  config: { "all-in-one": "jaeger-config", collector: "jaeger-collector-config", query: "jaeger-query-config" },
} as const;

/**
 * The Badger shape's single-writer workload: its pods' labels and the claim holding the data (what
 * volume backups select and restores fill).
 */
export function badgerWorkload(instance: string): {
  readonly pods: Record<string, string>;
  readonly claimName: string;
} {
  return { pods: selectorLabels(instance, "all-in-one"), claimName: NAMES.claim };
}

/** A Service that exposes a role's own telemetry, and that role's memory limit (for alerts). */
export interface TelemetryService {
  readonly service: string;
  readonly memoryLimit: string;
}

/**
 * Jaeger v2 with SPM: one all-in-one pod on Badger, or collectors and query servers on a search
 * backend; their config, sampling strategies, Services and, for collectors, autoscaling.
 */
export class Jaeger extends pulumi.ComponentResource {
  /** The namespace, once the objects in it exist. */
  public readonly namespace: pulumi.Output<string>;
  /** The Service of the query UI and APIs. */
  public readonly queryServiceName: pulumi.Output<string>;
  /** The Service clients send spans to and read sampling strategies from. */
  public readonly collectorServiceName: pulumi.Output<string>;
  /** In-cluster URLs of every ingestion, sampling and query endpoint. */
  public readonly endpoints: pulumi.Output<JaegerEndpoints>;
  /** Labels every Jaeger Service carries (for ServiceMonitors). */
  public readonly serviceSelector: Record<string, string>;
  /** Services serving :8888 telemetry, one per role. */
  public readonly telemetryServices: TelemetryService[];
  /** The roles the stack runs: all-in-one, or collector and query. */
  public readonly roles: Role[];
  /** Ports the jaeger-collector Service serves (without the legacy receivers when TLS would not cover them). */
  public readonly ingestPorts: number[];
  /** Labels of the pods that ingest spans (the all-in-one pod with Badger, else the collectors). */
  public readonly ingestPods: Record<string, string>;
  /** Labels of the pods that serve the query UI and APIs. */
  public readonly queryPods: Record<string, string>;
  /** The query UI/API ports (HTTP, gRPC). */
  public readonly queryPorts: number[];
  /** Ports Prometheus scrapes on the ingesting pods: Jaeger's own telemetry and the span metrics. */
  public readonly metricsPorts: number[];
  /** The `app.kubernetes.io/instance` label of every object. */
  public readonly instance: string;
  /** With Badger: the single-writer workload's pod labels and the claim holding the data. */
  public readonly badger?: { readonly pods: Record<string, string>; readonly claimName: string };
  /** The Badger claim's size as applied (undefined when a Velero restore creates the claim). */
  public readonly badgerVolumeSize?: pulumi.Output<string>;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:jaeger:Jaeger", name, {}, opts);
    const namespace = args.namespace;
    const instance = args.instance ?? "jaeger";
    this.instance = instance;
    const meta = (objectName: string, role: Role) => ({
      name: objectName,
      namespace,
      labels: commonLabels(instance, role, args.image),
    });
    const storage = args.storage;
    const single = storage.kind === "badger";
    const ingestRole: Role = single ? "all-in-one" : "collector";
    // With TLS, the Jaeger native and Zipkin receivers run only when they get it too.
    const legacyReceivers = legacyReceiversEnabled(args.tls);
    this.ingestPorts = ingestPorts(legacyReceivers).map((p) => p.port);
    /** The search-backed settings a role uses (the all-in-one role exists only with Badger). */
    const searchRole = (role: Role) => (role === "query" ? "query" : "collector");
    const queryRole: Role = single ? "all-in-one" : "query";
    this.roles = single ? ["all-in-one"] : ["collector", "query"];
    this.ingestPods = selectorLabels(instance, ingestRole);
    this.queryPods = selectorLabels(instance, queryRole);
    this.queryPorts = [PORTS.queryHttp.port, PORTS.queryGrpc.port];
    this.metricsPorts = [PORTS.metrics.port, PORTS.spanMetrics.port];
    this.badger = single ? badgerWorkload(instance) : undefined;

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta(NAMES.serviceAccount, ingestRole), automountServiceAccountToken: false },
      { parent: this },
    );

    // Updated in place (the provider treats ConfigMaps as mutable) and re-read by
    // Jaeger every reload interval: a sampling change never restarts a pod.
    const sampling = new k8s.core.v1.ConfigMap(
      `${name}-sampling`,
      {
        metadata: meta(NAMES.sampling, ingestRole),
        data: { [SAMPLING_FILE]: renderSamplingStrategies(args.sampling) },
      },
      { parent: this },
    );

    const jaegerStorage = (role: Role): Storage =>
      storage.kind === "badger"
        ? {
            kind: "badger",
            keysDirectory: `${MOUNTS.badger}/keys`,
            valuesDirectory: `${MOUNTS.badger}/values`,
            ttl: storage.retention,
            maintenanceInterval: storage.maintenanceInterval,
          }
        : storage.roles[searchRole(role)].config;

    const dependsOn: pulumi.Input<pulumi.Resource>[] = [serviceAccount, sampling, ...(args.dependsOn ?? [])];
    if (storage.kind === "badger" && storage.restoredBy) {
      dependsOn.push(storage.restoredBy);
    } else if (storage.kind === "badger") {
      const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-badger`,
        {
          metadata: {
            ...meta(NAMES.claim, "all-in-one"),
            // With WaitForFirstConsumer storage classes the claim binds only once the pod
            // exists; the Deployment's own readiness is the check that matters.
            annotations: { "pulumi.com/skipAwait": "true", ...storage.claimAnnotations },
          },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: storage.storageClass,
            resources: { requests: { storage: storage.volumeSize } },
          },
        },
        {
          parent: this,
          protect: args.protectData,
          // Not deleted by Pulumi unless the stack asks (storage.deleteDataOnDestroy): `pulumi
          // destroy`, switching to another backend or removing the stack's Badger leaves the
          // trace data in place.
          retainOnDelete: !args.deleteDataOnDestroy,
          // The class of an existing claim cannot change in place; never replace (= delete) trace data for it.
          // A derived size follows retention and spans/s, which may go down; Kubernetes refuses to shrink
          // a claim, so only an explicit storage.badger.volumeSize resizes an existing one.
          ignoreChanges: [
            "spec.storageClassName",
            ...(storage.volumeDerived ? ["spec.resources.requests.storage"] : []),
          ],
        },
      );
      dependsOn.push(claim);
      // What the claim holds once applied: with a derived size ignored after creation, the size it
      // was created with, not the one the config derives today.
      this.badgerVolumeSize = claim.spec.apply((spec) => spec.resources.requests.storage);
    }

    const secretMount = (volume: string, secretName: string, key: string, fileName: string): SecretFile => ({
      volume,
      secretName,
      key,
      mountPath: `${MOUNTS.secrets}/${volume}`,
      fileName,
    });
    const tlsFiles = args.tls && {
      cert: secretMount("tls-cert", args.tls.secretName, "tls.crt", "tls.crt"),
      key: secretMount("tls-key", args.tls.secretName, "tls.key", "tls.key"),
      clientCa: args.tls.clientCaSecret
        ? secretMount("tls-client-ca", args.tls.clientCaSecret, "ca.crt", "ca.crt")
        : undefined,
    };
    const htpasswd = args.uiAuth && secretMount("ui-htpasswd", args.uiAuth.secretName, args.uiAuth.key, "htpasswd");
    const roleSecretFiles = (role: Role): SecretFile[] => [
      ...(storage.kind === "search" ? storage.roles[searchRole(role)].secretFiles : []),
      // The certificate serves ingestion and the query APIs; the client CA only ingestion.
      ...(tlsFiles ? [tlsFiles.cert, tlsFiles.key] : []),
      ...(role !== "query" && tlsFiles?.clientCa ? [tlsFiles.clientCa] : []),
      ...(role !== "collector" && htpasswd ? [htpasswd] : []),
    ];

    const workload = (role: Role) => {
      const configFiles = {
        [CONFIG_FILE]: renderJaegerConfig({
          role,
          storage: jaegerStorage(role),
          spm: args.spm,
          sampling: {
            strategiesFile: `${MOUNTS.sampling}/${SAMPLING_FILE}`,
            reloadInterval: args.sampling.reloadInterval,
          },
          uiConfigFile: `${MOUNTS.config}/${UI_CONFIG_FILE}`,
          exporterQueue: args.exporterQueue,
          tls: tlsFiles && {
            certFile: secretFilePath(tlsFiles.cert),
            keyFile: secretFilePath(tlsFiles.key),
            clientCaFile: tlsFiles.clientCa && secretFilePath(tlsFiles.clientCa),
            legacyReceivers: args.tls?.legacyReceivers ?? false,
          },
          queryTls: tlsFiles && { certFile: secretFilePath(tlsFiles.cert), keyFile: secretFilePath(tlsFiles.key) },
          queryBasicAuth: htpasswd && { htpasswdFile: secretFilePath(htpasswd) },
          bearerTokenPropagation: args.bearerTokenPropagation,
        }),
        ...(role !== "collector" && { [UI_CONFIG_FILE]: JSON.stringify(buildUiConfig(), null, 2) + "\n" }),
      };
      const config = new k8s.core.v1.ConfigMap(
        `${name}-${role === "all-in-one" ? "config" : `${role}-config`}`,
        { metadata: meta(NAMES.config[role], role), data: configFiles },
        { parent: this },
      );
      const selector = selectorLabels(instance, role);
      const stateless = role !== "all-in-one";
      const deployment = new k8s.apps.v1.Deployment(
        `${name}-${role === "all-in-one" ? "deployment" : role}`,
        {
          metadata: meta(NAMES.deployment[role], role),
          spec: {
            // Collectors are scaled by their HorizontalPodAutoscaler; the all-in-one is a single writer.
            replicas: role === "collector" ? undefined : role === "query" ? args.query.replicas : 1,
            // Badger holds an exclusive directory lock and the claim is ReadWriteOnce: the old
            // pod must be gone before the new one starts. Stateless roles roll without downtime.
            strategy: stateless
              ? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
              : { type: "Recreate" },
            revisionHistoryLimit: 5,
            selector: { matchLabels: selector },
            template: {
              metadata: {
                labels: commonLabels(instance, role, args.image),
                annotations: {
                  [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(configFiles),
                  // The basicauth extension reads the htpasswd file only at start-up.
                  ...(role !== "collector" && args.uiAuth && { [HTPASSWD_CHECKSUM_ANNOTATION]: args.uiAuth.checksum }),
                },
              },
              spec: buildJaegerPodSpec({
                role,
                image: args.image,
                resources: role === "query" ? args.query.resources : args.resources,
                configMapName: NAMES.config[role],
                samplingConfigMapName: role === "query" ? undefined : NAMES.sampling,
                claimName: role === "all-in-one" ? NAMES.claim : undefined,
                secretFiles: roleSecretFiles(role),
                serviceAccountName: NAMES.serviceAccount,
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
                spreadSelector: stateless ? selector : undefined,
                legacyReceivers,
              }),
            },
          },
        },
        { parent: this, dependsOn: [config, ...dependsOn] },
      );
      if (stateless) {
        new k8s.policy.v1.PodDisruptionBudget(
          `${name}-${role}-pdb`,
          {
            metadata: meta(NAMES.deployment[role], role),
            spec: {
              maxUnavailable: 1,
              unhealthyPodEvictionPolicy: "AlwaysAllow",
              selector: { matchLabels: selector },
            },
          },
          { parent: this },
        );
      }
      if (role === "collector") {
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
          `${name}-collector-hpa`,
          {
            metadata: meta(NAMES.deployment.collector, role),
            spec: {
              scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
              minReplicas: args.collector.minReplicas,
              maxReplicas: args.collector.maxReplicas,
              metrics: [
                {
                  type: "Resource",
                  resource: {
                    name: "cpu",
                    target: { type: "Utilization", averageUtilization: args.collector.targetCpuUtilizationPercent },
                  },
                },
              ],
            },
          },
          { parent: this },
        );
      }
      return selector;
    };

    const ingestSelector = workload(ingestRole);
    const querySelector = single ? ingestSelector : workload(queryRole);

    const service = (
      resourceName: string,
      objectName: string,
      role: Role,
      selector: Record<string, string>,
      spec: k8s.types.input.core.v1.ServiceSpec,
      annotations?: Record<string, string>,
    ) =>
      new k8s.core.v1.Service(
        `${name}-${resourceName}`,
        { metadata: { ...meta(objectName, role), annotations }, spec: { selector, ...spec } },
        { parent: this },
      );

    const query = service("query", NAMES.queryService, queryRole, querySelector, {
      type: args.query.serviceType,
      ports: servicePorts(
        [PORTS.queryHttp, PORTS.queryGrpc],
        args.query.serviceType === "NodePort" ? { [PORTS.queryHttp.name]: args.query.nodePort } : {},
      ),
    });
    const collector = service("collector", NAMES.collectorService, ingestRole, ingestSelector, {
      type: "ClusterIP",
      ports: servicePorts(ingestPorts(legacyReceivers)),
    });
    const telemetryPorts = { type: "ClusterIP", ports: servicePorts([PORTS.metrics, PORTS.health]) };
    service(
      "metrics",
      NAMES.metricsService,
      ingestRole,
      ingestSelector,
      telemetryPorts,
      args.serviceAnnotations?.metrics,
    );
    if (!single) {
      service(
        "query-metrics",
        NAMES.queryMetricsService,
        queryRole,
        querySelector,
        telemetryPorts,
        args.serviceAnnotations?.metrics,
      );
    }
    service(
      "span-metrics",
      NAMES.spanMetricsService,
      ingestRole,
      ingestSelector,
      { type: "ClusterIP", ports: servicePorts([PORTS.spanMetrics]) },
      args.serviceAnnotations?.spanMetrics,
    );

    this.telemetryServices = single
      ? [{ service: NAMES.metricsService, memoryLimit: args.resources.limits.memory }]
      : [
          { service: NAMES.metricsService, memoryLimit: args.resources.limits.memory },
          { service: NAMES.queryMetricsService, memoryLimit: args.query.resources.limits.memory },
        ];
    this.namespace = pulumi.output(namespace);
    this.queryServiceName = query.metadata.name;
    this.collectorServiceName = collector.metadata.name;
    this.endpoints = pulumi
      .all([this.namespace, this.queryServiceName, this.collectorServiceName])
      .apply(([ns, queryService, collectorService]) =>
        jaegerEndpoints({
          namespace: ns,
          queryService,
          collectorService,
          query: args.query,
          tls: !!args.tls,
          legacyReceivers,
        }),
      );
    this.serviceSelector = { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": instance };
    this.registerOutputs({
      endpoints: this.endpoints,
      namespace: this.namespace,
      queryServiceName: this.queryServiceName,
      collectorServiceName: this.collectorServiceName,
    });
  }
}

export { jaegerAlerts } from "./alerts";
export type { AlertThresholds, JaegerAlertsInput } from "./alerts";
export { PORTS } from "./ports";
export type { Role } from "./jaegerConfig";
