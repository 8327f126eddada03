// The stack's decisions, as one pure function of the validated config: which components exist
// and with what settings. JaegerSpmStack (./index.ts) only creates them and hands resource
// outputs (the namespace, the bucket and its roles, the search connection, Jaeger's selectors)
// from one to the next. Tested directly in tests/plan.test.ts, without mocks.
import type { StackConfig } from "../../config/load";
import { goDurationSeconds, quantityBytes } from "../../config/units";
import { admittedPrometheusNamespace } from "../../config/schema";
import { SNAPSHOT_REPOSITORY } from "../backup/jobs";
import { SNAPSHOT_EXPORTER } from "../backup/snapshots";
import type { ElasticsearchSnapshotsArgs } from "../backup/snapshots";
import type { BackupBucketArgs, BackupWriter } from "../backup/bucket";
import type { SearchBackendArgs } from "../search";
import type { NetworkPoliciesArgs } from "../security";
import type { AccessControlArgs } from "../security/access";
import type { OidcSignInArgs } from "../security/signIn";
import {
  VELERO_OBJECTS,
  VELERO_SNAPSHOT_CLASS_ANNOTATION,
  VeleroBackupMode,
  maxCronGapSeconds,
} from "../backup/velero";
import { indexCleanerImage, retentionDays } from "../search/indexCleaner";
import { esRolloverImage } from "../search/lifecycle";
import { ECK_OBJECTS } from "../search/eck";
import { dashboardFilesFor } from "../grafana/dashboards";
import { badgerWorkload } from "../jaeger";
import { MANAGED_LABELS, PART_OF } from "../labels";
import { commonLabels, maintenanceLabels, maintenanceSelector } from "../jaeger/workload";
import type { AlertThresholds } from "../jaeger/alerts";
import type { BackupAlertsInput } from "../backup/alerts";
import type { BundledMonitoringArgs } from "../monitoring/bundled";
import { ScrapeMode, usesServiceMonitor } from "../monitoring/scrape";
import { destinationOf } from "../security/networkPolicies";
import { SIGN_IN } from "../security/signIn";

/** The `app.kubernetes.io/instance` of every workload: selectors depend on it, so it never changes. */
export const INSTANCE = "jaeger";

type Labels = Readonly<Record<string, string>>;

/** The maintenance tasks beside Jaeger, each with its own pod labels and NetworkPolicy. */
export type MaintenanceTask = "storage" | "backup" | "snapshots" | "snapshot-monitor" | "security";

/** A location in S3 another stack's backups are read from (a restore), read-only. */
export interface RestoreSource {
  readonly bucket: string;
  readonly bucketArn: string;
  readonly prefix: string;
  readonly kmsKeyArn: string;
}

/** Trace storage: Badger on a claim, or an Elasticsearch/OpenSearch cluster. */
export type TraceStoragePlan =
  | {
      readonly kind: "badger";
      readonly retention: string;
      readonly maintenanceInterval: string;
      readonly volumeSize: string;
      readonly volumeBytes: number;
      readonly volumeDerived: boolean;
      readonly storageClass?: string;
      readonly claimAnnotations?: Labels;
    }
  | { readonly kind: "search"; readonly search: SearchPlan };

/** Omits keys from each member of a union. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The search backend's settings; the stack adds the namespace, the secrets and the S3 identity. */
export type SearchPlan = Omit<
  SearchBackendArgs,
  "namespace" | "namespaceName" | "connection" | "s3Identity" | "protectData"
> & {
  readonly connection: OmitEach<SearchBackendArgs["connection"], "password" | "apiKey">;
  /** Options of Jaeger's storage settings for both roles. */
  readonly jaegerOptions: { readonly bearerTokenPropagation: boolean; readonly maxSpanAge: string };
};

/** The bucket, its key and one IRSA role per writer; the stack adds the namespace and protection. */
export type BackupBucketPlan = Omit<BackupBucketArgs, "namespace" | "protectData"> & {
  /** `s3://<bucket>/<this>`: where this stack's backups go. */
  readonly stackPrefix: string;
};

/** Backups: Velero volume backups of Badger, or Elasticsearch snapshots, to the bucket. */
export type BackupPlan =
  | {
      readonly kind: "velero";
      readonly bucket: BackupBucketPlan;
      readonly install: boolean;
      readonly namespace: string;
      readonly chartVersion: string;
      readonly chartRepository: string;
      readonly image: string;
      readonly awsPluginImage: string;
      readonly mode: VeleroBackupMode;
      readonly prefix: string;
      readonly schedule: { readonly schedule: string; readonly ttlHours: number; readonly selector: Labels };
      readonly restore?: {
        readonly backupName: string;
        /** undefined: the stack's own namespace. */
        readonly sourceNamespace?: string;
        readonly source?: { readonly bucket: string; readonly prefix: string; readonly region: string };
        readonly timeoutSeconds: number;
      };
      readonly labels: Labels;
      readonly serviceMonitorLabels?: Labels;
    }
  | (Omit<ElasticsearchSnapshotsArgs, "namespace" | "connection" | "bucket" | "exporter" | "dependsOn"> & {
      readonly kind: "snapshots";
      readonly bucket: BackupBucketPlan;
      /** The IRSA ServiceAccount the in-cluster Elasticsearch pods run under. */
      readonly serviceAccountName: string;
      readonly exporter: Pick<ElasticsearchSnapshotsArgs["exporter"], "image" | "labels">;
    })
  | {
      /** An external Elasticsearch/OpenSearch: the bucket and its key, but no writer in this stack. */
      readonly kind: "bucketOnly";
      readonly bucket: BackupBucketPlan;
    }
  | { readonly kind: "none" };

/** TLS on ingestion and the query APIs: a certificate from cert-manager or an existing Secret. */
export type TlsPlan = NonNullable<AccessControlArgs["tls"]>;

/** oauth2-proxy's settings (the stack adds the upstream), and where the UI is with it. */
export type SignInPlan = Omit<OidcSignInArgs, "namespace" | "upstream" | "upstreamCaSecret"> & {
  /** What the UI's address is with sign-in: the redirect URL's origin. */
  readonly uiUrl: string;
  readonly portForward: string;
};

/** How dashboards reach Grafana. */
export type DashboardImportPlan =
  | { readonly mode: "none" }
  | {
      readonly mode: "sidecar";
      readonly namespace?: string;
      readonly folder: string;
      readonly files: readonly string[];
    }
  | { readonly mode: "api"; readonly url: string; readonly folder: string; readonly files: readonly string[] };

/** The NetworkPolicies' settings; Jaeger's own pods and ports come from the Jaeger component. */
export type NetworkPoliciesPlan = Omit<
  NetworkPoliciesArgs,
  "namespace" | "ingestPods" | "queryPods" | "allJaegerPods" | "ingestPorts" | "queryPorts" | "metricsPorts"
>;

export interface StackPlan {
  readonly stack: string;
  readonly namespace: {
    readonly name: string;
    readonly create: boolean;
    readonly protectData: boolean;
    readonly keepOnDestroy: boolean;
  };
  readonly protectData: boolean;
  /** `pulumi destroy` deletes the trace data (storage.deleteDataOnDestroy); by default it stays. */
  readonly deleteDataOnDestroy: boolean;
  readonly bundledMonitoring?: BundledMonitoringArgs;
  readonly storage: TraceStoragePlan;
  readonly backup: BackupPlan;
  readonly tls?: TlsPlan;
  readonly signIn?: SignInPlan;
  readonly networkPolicies?: NetworkPoliciesPlan;
  readonly monitoring: {
    readonly scrape: ScrapeMode;
    readonly selectorLabels: Labels;
    readonly scrapeInterval: string;
    readonly runbookBaseUrl?: string;
    readonly thresholds: AlertThresholds;
    /** What the backups' alerts watch, when backups are on. */
    readonly backupAlerts?: BackupAlertsInput;
  };
  readonly dashboards: DashboardImportPlan;
  readonly maintenanceLabels: Readonly<Record<MaintenanceTask, Labels>>;
  /** Labels of the stack's own objects that belong to no workload (Velero's schedule, policies). */
  readonly labels: Labels;
}

const awsPartition = (region: string) =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";

/** Where each backup writer's objects go: `<backup.prefix>/<stack>/<writer>`. */
export const backupPrefix = (prefix: string, stack: string, writer: string) => `${prefix}/${stack}/${writer}`;

function planBackup(config: StackConfig, stack: string, labels: (task: MaintenanceTask) => Labels): BackupPlan {
  const backup = config.backup;
  // The config's check requires region and OIDC settings with backups; the types do not say so.
  const { region, oidcProviderArn, oidcIssuer } = backup;
  if (!backup.enabled || !region || !oidcProviderArn || !oidcIssuer) return { kind: "none" };
  const es = config.storage.elasticsearch;
  const prefix = (writer: string) => backupPrefix(backup.prefix, stack, writer);
  const restore = backup.restore;
  const restoreSource: RestoreSource | undefined =
    restore?.bucket && restore.prefix && restore.kmsKeyArn
      ? {
          bucket: restore.bucket,
          bucketArn: `arn:${awsPartition(region)}:s3:::${restore.bucket}`,
          prefix: restore.prefix,
          kmsKeyArn: restore.kmsKeyArn,
        }
      : undefined;
  const bucket = (writers: BackupWriter[]): BackupBucketPlan => ({
    stack,
    bucketName: backup.bucketName,
    lifecycle: backup,
    oidc: { providerArn: oidcProviderArn, issuer: oidcIssuer },
    writers,
    administratorArns: backup.administratorArns,
    tags: { "app.kubernetes.io/part-of": PART_OF, "pulumi:stack": stack },
    labels: labels("backup"),
    region,
    stackPrefix: `${backup.prefix}/${stack}/`,
  });
  if (config.storage.backend === "badger") {
    const velero = backup.velero;
    return {
      kind: "velero",
      // Velero deletes expired backups and its repository maintenance unused data.
      bucket: bucket([
        {
          name: "velero",
          namespace: velero.namespace,
          serviceAccount: VELERO_OBJECTS.serviceAccount,
          createServiceAccount: false,
          prefix: prefix("velero"),
          allowDelete: true,
          content: "veleroRepository",
          // A restore from another stack's backups reads them, and may do nothing else there.
          readOnly: restoreSource ? [restoreSource] : undefined,
        },
      ]),
      install: velero.install,
      namespace: velero.namespace,
      chartVersion: velero.chartVersion,
      chartRepository: velero.chartRepository,
      image: velero.image,
      awsPluginImage: velero.awsPluginImage,
      mode: backup.volumeSnapshotClass
        ? { kind: "csiDataMover", volumeSnapshotClass: backup.volumeSnapshotClass }
        : { kind: "fileSystem" },
      prefix: prefix("velero"),
      schedule: {
        schedule: backup.schedule,
        ttlHours: Math.round(goDurationSeconds(velero.ttl) / 3600),
        selector: badgerWorkload(INSTANCE).pods,
      },
      restore: restore && {
        backupName: restore.backupName,
        sourceNamespace: restore.sourceNamespace,
        source: restoreSource && { bucket: restoreSource.bucket, prefix: restoreSource.prefix, region },
        timeoutSeconds: goDurationSeconds(restore.timeout),
      },
      labels: MANAGED_LABELS,
      serviceMonitorLabels: usesServiceMonitor(config.monitoring.scrape) ? config.monitoring.selectorLabels : undefined,
    };
  }
  if (es.mode !== "inCluster") return { kind: "bucketOnly", bucket: bucket([]) };
  const serviceAccountName = "jaeger-es-snapshots";
  return {
    kind: "snapshots",
    // Snapshot retention (SLM) deletes expired snapshot files under its own prefix.
    bucket: bucket([
      {
        name: "elasticsearch",
        namespace: config.namespace,
        serviceAccount: serviceAccountName,
        createServiceAccount: true,
        prefix: prefix("elasticsearch"),
        allowDelete: true,
        content: "snapshotRepository",
      },
    ]),
    serviceAccountName,
    image: backup.curlImage,
    basePath: prefix("elasticsearch"),
    schedule: backup.snapshotSchedule,
    retentionDays: backup.snapshotRetentionDays,
    labels: labels("snapshots"),
    exporter: { image: backup.snapshotExporterImage, labels: labels("snapshot-monitor") },
  };
}

function planStorage(config: StackConfig, labels: (task: MaintenanceTask) => Labels): TraceStoragePlan {
  const storage = config.storage;
  if (storage.backend === "badger") {
    const backup = config.backup;
    return {
      kind: "badger",
      retention: storage.retention,
      maintenanceInterval: storage.badger.maintenanceInterval,
      volumeSize: storage.badger.volumeSize,
      volumeBytes: quantityBytes(storage.badger.volumeSize),
      volumeDerived: storage.badger.volumeDerived,
      storageClass: storage.badger.storageClass,
      // Velero (v1.14+) snapshots a claim with the class its annotation names.
      claimAnnotations:
        backup.enabled && backup.volumeSnapshotClass
          ? { [VELERO_SNAPSHOT_CLASS_ANNOTATION]: backup.volumeSnapshotClass }
          : undefined,
    };
  }
  const es = storage.elasticsearch;
  return {
    kind: "search",
    search: {
      flavor: es.flavor,
      indexPrefix: es.indexPrefix,
      spans: es.spans,
      otherIndices: es.otherIndices,
      connection:
        es.mode === "external"
          ? {
              mode: "external",
              serverUrls: es.serverUrls,
              auth: es.auth,
              username: es.username,
              caCert: es.caCert,
              majorVersion: es.majorVersion,
            }
          : { mode: "inCluster", ...es.inCluster },
      indexCleaner: {
        image: es.indexCleaner.image ?? indexCleanerImage(config.jaeger.image),
        schedule: es.indexCleaner.schedule,
        days: retentionDays(storage.retentionSeconds),
      },
      ...(es.rotation === "autoRollover" && {
        rollover: {
          maxPrimaryShardBytes: quantityBytes(es.rollover.maxPrimaryShardSize),
          maxAgeSeconds: goDurationSeconds(es.rollover.maxAge),
          retentionSeconds: storage.retentionSeconds,
          esRolloverImage: es.rollover.image ?? esRolloverImage(config.jaeger.image),
          curlImage: config.backup.curlImage,
        },
      }),
      labels: labels("storage"),
      jaegerOptions: { bearerTokenPropagation: config.security.bearerTokenPropagation, maxSpanAge: storage.retention },
    },
  };
}

function planTls(config: StackConfig): TlsPlan | undefined {
  const tls = config.security.tls;
  if (!tls.enabled) return undefined;
  return tls.source === "certManager"
    ? { source: "certManager", issuer: tls.issuer }
    : { source: "secret", secretName: tls.secretName };
}

function planSignIn(config: StackConfig): SignInPlan | undefined {
  const oidc = config.security.oidc;
  if (!oidc.enabled) return undefined;
  const selector = {
    "app.kubernetes.io/name": "oauth2-proxy",
    "app.kubernetes.io/instance": INSTANCE,
    "app.kubernetes.io/component": "sign-in",
  };
  return {
    image: oidc.image,
    oidc: {
      issuerUrl: oidc.issuerUrl,
      clientId: oidc.clientId,
      redirectUrl: oidc.redirectUrl,
      emailDomains: oidc.emailDomains,
      allowedGroups: oidc.allowedGroups,
      scopes: oidc.scopes,
      groupsClaim: oidc.groupsClaim,
      trustedProxyIps: oidc.trustedProxyIps,
    },
    clientSecretName: oidc.clientSecretName,
    passAuthorization: config.security.bearerTokenPropagation,
    replicas: oidc.replicas,
    labels: { ...selector, ...MANAGED_LABELS },
    selector,
    // With OIDC the UI is reached through sign-in, at the address the identity provider redirects to.
    uiUrl: new URL(oidc.redirectUrl).origin,
    portForward: `kubectl -n ${config.namespace} port-forward svc/${SIGN_IN.service} ${SIGN_IN.port}:${SIGN_IN.port}`,
  };
}

function planNetworkPolicies(
  config: StackConfig,
  backup: BackupPlan,
  signIn: SignInPlan | undefined,
): NetworkPoliciesPlan | undefined {
  const security = config.security;
  if (!security.networkPolicies) return undefined;
  const monitoring = config.monitoring;
  const es = config.storage.elasticsearch;
  const search = config.storage.backend === "elasticsearch";
  const inCluster = search && es.mode === "inCluster";
  const storageUrl = search && es.mode === "external" ? es.serverUrls[0] : undefined;
  return {
    labels: commonLabels(INSTANCE, "security", config.jaeger.image),
    ingestFrom: security.ingestFrom,
    queryFrom: security.queryFrom,
    prometheusNamespace: admittedPrometheusNamespace(security, monitoring.bundled),
    prometheus: destinationOf(config.spm.prometheusUrl),
    signIn: signIn && {
      pods: signIn.selector,
      port: SIGN_IN.port,
      identityProvider: destinationOf(signIn.oidc.issuerUrl),
    },
    storage: inCluster
      ? { namespace: config.namespace, podLabels: ECK_OBJECTS.podLabels, ports: [9200] }
      : storageUrl
        ? destinationOf(storageUrl)
        : undefined,
    elasticsearch: inCluster
      ? { pods: ECK_OBJECTS.podLabels, operatorNamespace: es.inCluster.operatorNamespace }
      : undefined,
    jobs: [
      // Periodic rotation's index cleaner, or rollover's setup Job: each only calls the cluster.
      ...(search
        ? [
            es.rotation === "autoRollover"
              ? {
                  name: "index-lifecycle",
                  pods: {
                    ...maintenanceSelector(INSTANCE, "storage"),
                    "app.kubernetes.io/component": "index-lifecycle",
                  },
                }
              : {
                  name: "index-cleaner",
                  pods: { ...maintenanceSelector(INSTANCE, "storage"), "app.kubernetes.io/component": "index-cleaner" },
                },
          ]
        : []),
      // The snapshot setup Job only calls Elasticsearch, which itself writes to S3.
      ...(backup.kind === "snapshots"
        ? [
            { name: "es-snapshots", pods: maintenanceSelector(INSTANCE, "snapshots") },
            // The exporter behind the snapshot alerts: reads Elasticsearch, scraped by Prometheus.
            {
              name: "es-snapshot-monitor",
              pods: maintenanceSelector(INSTANCE, "snapshot-monitor"),
              scrapedPort: SNAPSHOT_EXPORTER.port.port,
            },
          ]
        : []),
    ],
  };
}

function planDashboards(config: StackConfig): DashboardImportPlan {
  const grafana = config.grafana;
  const files = dashboardFilesFor(config.storage.backend);
  switch (grafana.import) {
    case "none":
      return { mode: "none" };
    case "sidecar":
      return { mode: "sidecar", namespace: grafana.namespace, folder: grafana.folder, files };
    case "api":
      return { mode: "api", url: grafana.url, folder: grafana.folder, files };
  }
}

/** Whether the stack's namespace holds trace data: a Badger claim or an in-cluster Elasticsearch. */
const holdsTraceData = (config: StackConfig) =>
  config.storage.backend === "badger" || config.storage.elasticsearch.mode === "inCluster";

/** Every decision of the stack, from its validated config; `stack` names the Pulumi stack. */
export function planStack(config: StackConfig, stack: string): StackPlan {
  const labels = (task: MaintenanceTask) => maintenanceLabels(INSTANCE, task, config.jaeger.image);
  const tasks: readonly MaintenanceTask[] = ["storage", "backup", "snapshots", "snapshot-monitor", "security"];
  const monitoring = config.monitoring;
  const backup = planBackup(config, stack, labels);
  const signIn = planSignIn(config);
  return {
    stack,
    namespace: {
      name: config.namespace,
      create: config.createNamespace,
      protectData: config.protectData,
      // The Badger claim and the in-cluster Elasticsearch live in this namespace.
      keepOnDestroy: !config.storage.deleteDataOnDestroy && holdsTraceData(config),
    },
    protectData: config.protectData,
    deleteDataOnDestroy: config.storage.deleteDataOnDestroy,
    bundledMonitoring: monitoring.bundled.enabled
      ? {
          namespace: monitoring.bundled.namespace,
          releaseName: monitoring.bundled.releaseName,
          chartVersion: monitoring.bundled.chartVersion,
          chartRepository: monitoring.bundled.chartRepository,
          selectorLabels: monitoring.selectorLabels,
        }
      : undefined,
    storage: planStorage(config, labels),
    backup,
    tls: planTls(config),
    signIn,
    networkPolicies: planNetworkPolicies(config, backup, signIn),
    monitoring: {
      scrape: monitoring.scrape,
      selectorLabels: monitoring.selectorLabels,
      scrapeInterval: monitoring.scrapeInterval,
      runbookBaseUrl: monitoring.runbookBaseUrl,
      thresholds: monitoring.alerts,
      backupAlerts:
        backup.kind === "velero"
          ? {
              kind: "velero",
              schedule: { name: VELERO_OBJECTS.schedule, maxGapSeconds: maxCronGapSeconds(config.backup.schedule) },
              runbookBaseUrl: monitoring.runbookBaseUrl,
            }
          : backup.kind === "snapshots"
            ? {
                kind: "snapshots",
                repository: {
                  name: SNAPSHOT_REPOSITORY,
                  maxGapSeconds: maxCronGapSeconds(config.backup.snapshotSchedule),
                },
                namespace: config.namespace,
                runbookBaseUrl: monitoring.runbookBaseUrl,
              }
            : undefined,
    },
    dashboards: planDashboards(config),
    maintenanceLabels: Object.fromEntries(tasks.map((t) => [t, labels(t)])) as Record<MaintenanceTask, Labels>,
    labels: MANAGED_LABELS,
  };
}
