// Entry point: read and validate the stack config, wire the components, export outputs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { parseBytesQuantity, parseGoDurationSeconds } from "./config/units";
import {
  VELERO_OBJECTS,
  VELERO_SNAPSHOT_CLASS_ANNOTATION,
  VeleroBackupMode,
  VeleroBackups,
  buildVeleroValues,
  maxCronGapSeconds,
} from "./components/backup/velero";
import { ElasticsearchSnapshots, SNAPSHOT_EXPORTER } from "./components/backup/snapshots";
import { SNAPSHOT_REPOSITORY } from "./components/backup/jobs";
import type { BackupStorage, BackupWriter } from "./components/backup/storage";
import { SearchBackend } from "./components/elasticsearch";
import { jaegerSearchStorage } from "./components/elasticsearch/connection";
import { indexCleanerImage, retentionDays } from "./components/elasticsearch/indexCleaner";
import { GrafanaDashboards } from "./components/grafana";
import { dashboardFilesFor, loadDashboard } from "./components/grafana/dashboards";
import { ECK_OBJECTS } from "./components/elasticsearch/eck";
import { Jaeger, JaegerStorageArgs, NAMES } from "./components/jaeger";
import { rolePorts } from "./components/jaeger/jaegerConfig";
import { PORTS } from "./components/jaeger/ports";
import { commonLabels, selectorLabels } from "./components/jaeger/workload";
import { JaegerMonitoring } from "./components/monitoring";
import { BundledMonitoring } from "./components/monitoring/bundled";
import { buildRuleFile } from "./components/monitoring/rules";
import { scrapeAnnotations, usesAnnotations, usesServiceMonitor } from "./components/monitoring/scrape";
import { tracingNamespace } from "./components/namespace";
import { NetworkPolicies } from "./components/security";
import { AccessControl } from "./components/security/access";
import { destinationOf } from "./components/security/networkPolicies";
import { OidcSignIn, SIGN_IN } from "./components/security/signIn";

const config = loadStackConfig();

// Labels of the maintenance workloads: their own app name, so that selectors of Jaeger's
// pods (Services, NetworkPolicies) never match them; one set per task, so that each task's
// NetworkPolicy allows only what that task calls.
type MaintenanceTask = "storage" | "backup" | "snapshots" | "snapshot-monitor" | "security";
const maintenanceSelector = (component: MaintenanceTask) => ({
  ...selectorLabels("jaeger", component),
  "app.kubernetes.io/name": `jaeger-${component}`,
});
const maintenanceLabels = (component: MaintenanceTask) => ({
  ...commonLabels("jaeger", component, config.jaeger.image),
  ...maintenanceSelector(component),
});

const kubernetes = new k8s.Provider("kubernetes", {
  context: config.kubernetesContext || undefined,
  // Sampling strategies are updated in place (and hot-reloaded by Jaeger) instead of replaced.
  enableConfigMapMutable: true,
});
const providers = { kubernetes };

const monitoring = config.monitoring;
const bundled = monitoring.bundled.enabled
  ? new BundledMonitoring(
      "monitoring",
      {
        namespace: monitoring.bundled.namespace,
        releaseName: monitoring.bundled.releaseName,
        chartVersion: monitoring.bundled.chartVersion,
        selectorLabels: monitoring.selectorLabels,
      },
      { providers },
    )
  : undefined;

const namespaceName = tracingNamespace(
  { name: config.namespace, create: config.createNamespace, protectData: config.protectData },
  { provider: kubernetes },
);

// Backups to S3 (AWS): the bucket and one IRSA identity per writer, created before the
// storage so the in-cluster Elasticsearch can run under its snapshot identity.
const stack = pulumi.getStack();
const backupConfig = config.backup;
const es = config.storage.elasticsearch;
const backupPrefix = (what: string) => `${backupConfig.prefix}/${stack}/${what}`;
const velero = backupConfig.velero;
const restoreConfig = backupConfig.restore;
const awsPartition = (region: string) =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
const restoreSource =
  restoreConfig?.bucket && restoreConfig.prefix && restoreConfig.kmsKeyArn && backupConfig.region
    ? {
        bucket: restoreConfig.bucket,
        bucketArn: `arn:${awsPartition(backupConfig.region)}:s3:::${restoreConfig.bucket}`,
        prefix: restoreConfig.prefix,
        kmsKeyArn: restoreConfig.kmsKeyArn,
      }
    : undefined;
const backupWriters: BackupWriter[] =
  config.storage.backend === "badger"
    ? // Velero deletes expired backups and its repository maintenance unused data.
      [
        {
          name: "velero",
          namespace: velero.namespace,
          serviceAccount: VELERO_OBJECTS.serviceAccount,
          createServiceAccount: false,
          prefix: backupPrefix("velero"),
          allowDelete: true,
          content: "veleroRepository",
          // A restore from another stack's backups reads them, and may do nothing else there.
          readOnly: restoreSource ? [restoreSource] : undefined,
        },
      ]
    : es.mode === "inCluster"
      ? // Snapshot retention (SLM) deletes expired snapshot files under its own prefix.
        [
          {
            name: "elasticsearch",
            namespace: config.namespace,
            serviceAccount: "jaeger-es-snapshots",
            createServiceAccount: true,
            prefix: backupPrefix("elasticsearch"),
            allowDelete: true,
            content: "snapshotRepository",
          },
        ]
      : [];
// Loaded only when needed: @pulumi/aws and its provider modules add several hundred
// milliseconds to every preview of a stack that has no backups.
const loadBackupStorage = () =>
  (require("./components/backup/storage") as typeof import("./components/backup/storage")).BackupStorage;
const backup: BackupStorage | undefined =
  backupConfig.enabled && backupConfig.region && backupConfig.oidcProviderArn && backupConfig.oidcIssuer
    ? new (loadBackupStorage())(
        "backup",
        {
          stack,
          namespace: namespaceName,
          namespaceName: config.namespace,
          bucketName: backupConfig.bucketName,
          lifecycle: backupConfig,
          oidc: { providerArn: backupConfig.oidcProviderArn, issuer: backupConfig.oidcIssuer },
          writers: backupWriters,
          administratorArns: backupConfig.administratorArns,
          protectData: config.protectData,
          tags: { "app.kubernetes.io/part-of": "jaeger-spm", "pulumi:stack": stack },
          labels: maintenanceLabels("backup"),
          region: backupConfig.region,
        },
        { providers },
      )
    : undefined;

const search =
  config.storage.backend === "elasticsearch"
    ? new SearchBackend(
        "storage",
        {
          namespace: namespaceName,
          namespaceName: config.namespace,
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
                  password: pulumi.secret(config.elasticsearchPassword),
                  apiKey: pulumi.secret(config.elasticsearchApiKey),
                  caCert: es.caCert,
                  majorVersion: es.majorVersion,
                }
              : { mode: "inCluster", ...es.inCluster },
          indexCleaner: {
            image: es.indexCleaner.image ?? indexCleanerImage(config.jaeger.image),
            schedule: es.indexCleaner.schedule,
            days: retentionDays(config.storage.retentionSeconds),
          },
          protectData: config.protectData,
          labels: maintenanceLabels("storage"),
          s3Identity:
            backup && backup.roleArns.elasticsearch && backupConfig.region
              ? {
                  serviceAccountName: "jaeger-es-snapshots",
                  roleArn: backup.roleArns.elasticsearch,
                  region: backupConfig.region,
                }
              : undefined,
        },
        { providers },
      )
    : undefined;

// Badger volume backups by Velero, before Jaeger: a restore (backup.restore) creates the claim
// that Jaeger then opens.
const veleroMode: VeleroBackupMode = backupConfig.volumeSnapshotClass
  ? { kind: "csiDataMover", volumeSnapshotClass: backupConfig.volumeSnapshotClass }
  : { kind: "fileSystem" };
const badgerSelector = selectorLabels("jaeger", "all-in-one");
const veleroBackups =
  backup && backupConfig.region && config.storage.backend === "badger"
    ? new VeleroBackups(
        "badger-backups",
        {
          install: velero.install,
          namespace: velero.namespace,
          chartVersion: velero.chartVersion,
          values: backup.roleArns.velero.apply((roleArn) =>
            buildVeleroValues({
              image: velero.image,
              awsPluginImage: velero.awsPluginImage,
              roleArn,
              mode: veleroMode,
              serviceMonitorLabels: usesServiceMonitor(monitoring.scrape) ? monitoring.selectorLabels : undefined,
            }),
          ),
          location: pulumi.all([backup.bucketName, backup.kmsKeyArn]).apply(([bucket, kmsKeyArn]) => ({
            bucket,
            kmsKeyArn,
            region: backupConfig.region ?? "",
            prefix: backupPrefix("velero"),
          })),
          schedule: {
            schedule: backupConfig.schedule,
            jaegerNamespace: config.namespace,
            selector: badgerSelector,
            ttlHours: Math.round((parseGoDurationSeconds(velero.ttl) ?? 0) / 3600),
            mode: veleroMode,
          },
          restore: restoreConfig && {
            // Through the namespace's name, so the restore waits for the namespace it fills.
            spec: namespaceName.apply((targetNamespace) => ({
              backupName: restoreConfig.backupName,
              sourceNamespace: restoreConfig.sourceNamespace ?? targetNamespace,
              targetNamespace,
              selector: badgerSelector,
            })),
            source: restoreSource && {
              bucket: restoreSource.bucket,
              prefix: restoreSource.prefix,
              region: backupConfig.region,
            },
            timeoutSeconds: parseGoDurationSeconds(restoreConfig.timeout) ?? 0,
          },
          labels: { "app.kubernetes.io/part-of": "jaeger-spm", "app.kubernetes.io/managed-by": "pulumi" },
        },
        { providers, dependsOn: [backup] },
      )
    : undefined;

const security = config.security;
const badgerVolumeBytes = parseBytesQuantity(config.storage.badger.volumeSize) ?? 0;
const searchOptions = {
  bearerTokenPropagation: security.bearerTokenPropagation,
  maxSpanAge: config.storage.retention,
};
const storage: JaegerStorageArgs = search
  ? {
      kind: "search",
      roles: {
        collector: jaegerSearchStorage(search.connection, "collector", searchOptions),
        query: jaegerSearchStorage(search.connection, "query", searchOptions),
      },
    }
  : {
      kind: "badger",
      retention: config.storage.retention,
      volumeSize: config.storage.badger.volumeSize,
      volumeDerived: config.storage.badger.volumeDerived,
      storageClass: config.storage.badger.storageClass,
      restoredBy: veleroBackups?.restore,
      // Velero (v1.14+) snapshots a claim with the class its annotation names.
      claimAnnotations:
        backupConfig.enabled && backupConfig.volumeSnapshotClass
          ? { [VELERO_SNAPSHOT_CLASS_ANNOTATION]: backupConfig.volumeSnapshotClass }
          : undefined,
    };

const tls = security.tls;
const access = new AccessControl(
  "access",
  {
    namespace: namespaceName,
    namespaceName: config.namespace,
    collectorService: NAMES.collectorService,
    queryService: NAMES.queryService,
    tls: !tls.enabled
      ? undefined
      : tls.source === "certManager" && tls.issuer
        ? { source: "certManager", issuer: tls.issuer }
        : { source: "secret", secretName: tls.secretName ?? "" },
    uiHtpasswd: security.uiBasicAuth ? pulumi.secret(config.uiHtpasswd) : undefined,
    labels: maintenanceLabels("security"),
  },
  { providers },
);

const annotate = usesAnnotations(monitoring.scrape);
const jaeger = new Jaeger(
  "jaeger",
  {
    namespace: namespaceName,
    image: config.jaeger.image,
    resources: config.jaeger.resources,
    terminationGracePeriodSeconds: config.jaeger.terminationGracePeriodSeconds,
    storage,
    sampling: config.sampling,
    spm: config.spm,
    query: config.jaeger.query,
    collector: config.jaeger.collector,
    exporterQueue: config.jaeger.exporterQueue.enabled ? config.jaeger.exporterQueue : undefined,
    serviceAnnotations: annotate
      ? { metrics: scrapeAnnotations(PORTS.metrics), spanMetrics: scrapeAnnotations(PORTS.spanMetrics) }
      : undefined,
    tls: access.tlsSecretName
      ? {
          secretName: access.tlsSecretName,
          clientCaSecret: tls.mtls ? tls.clientCaSecret : undefined,
          legacyReceivers: tls.legacyReceivers,
        }
      : undefined,
    uiAuth: access.uiAuth,
    bearerTokenPropagation: security.bearerTokenPropagation,
    protectData: config.protectData,
    dependsOn: [...(search?.ready ?? []), ...access.ready],
  },
  { providers },
);

// OIDC sign-in: oauth2-proxy in front of the query Service, which then answers only to it.
const oidc = security.oidc;
const signInSelector = {
  "app.kubernetes.io/name": "oauth2-proxy",
  "app.kubernetes.io/instance": "jaeger",
  "app.kubernetes.io/component": "sign-in",
};
const signIn =
  oidc.enabled && oidc.issuerUrl && oidc.clientId && oidc.redirectUrl
    ? new OidcSignIn(
        "sign-in",
        {
          namespace: namespaceName,
          image: oidc.image,
          oidc: {
            issuerUrl: oidc.issuerUrl,
            clientId: oidc.clientId,
            redirectUrl: oidc.redirectUrl,
            emailDomains: oidc.emailDomains,
            allowedGroups: oidc.allowedGroups,
          },
          clientSecretName: oidc.clientSecretName,
          upstream: `${access.tlsSecretName ? "https" : "http"}://${NAMES.queryService}.${config.namespace}.svc:${PORTS.queryHttp.port}`,
          upstreamCaSecret: access.tlsSecretName,
          passAuthorization: security.bearerTokenPropagation,
          replicas: oidc.replicas,
          labels: {
            ...signInSelector,
            "app.kubernetes.io/part-of": "jaeger-spm",
            "app.kubernetes.io/managed-by": "pulumi",
          },
          selector: signInSelector,
        },
        { providers, dependsOn: [jaeger] },
      )
    : undefined;

if (backup && search) {
  new ElasticsearchSnapshots(
    "es-snapshots",
    {
      namespace: namespaceName,
      image: backupConfig.curlImage,
      connection: search.connection,
      bucket: backup.bucketName,
      basePath: backupPrefix("elasticsearch"),
      schedule: backupConfig.snapshotSchedule,
      retentionDays: backupConfig.snapshotRetentionDays,
      labels: maintenanceLabels("snapshots"),
      exporter: {
        image: backupConfig.snapshotExporterImage,
        labels: maintenanceLabels("snapshot-monitor"),
        scrape: monitoring.scrape,
        selectorLabels: monitoring.selectorLabels,
        scrapeInterval: monitoring.scrapeInterval,
      },
      dependsOn: search.ready,
    },
    { providers, dependsOn: [backup] },
  );
}

if (security.networkPolicies) {
  const single = config.storage.backend === "badger";
  const ingestRole = single ? "all-in-one" : "collector";
  const queryRole = single ? "all-in-one" : "query";
  const storageUrl = search?.connection.serverUrls[0];
  const prometheusNamespace =
    security.prometheusNamespace ?? (monitoring.bundled.enabled ? monitoring.bundled.namespace : "monitoring");
  new NetworkPolicies(
    "network-policies",
    {
      namespace: namespaceName,
      labels: commonLabels("jaeger", "security", config.jaeger.image),
      ingestPods: selectorLabels("jaeger", ingestRole),
      queryPods: selectorLabels("jaeger", queryRole),
      allJaegerPods: jaeger.serviceSelector,
      ingestPorts: jaeger.ingestPorts,
      queryPorts: [PORTS.queryHttp.port, PORTS.queryGrpc.port],
      metricsPorts: rolePorts(ingestRole)
        .filter((p) => p === PORTS.metrics || p === PORTS.spanMetrics)
        .map((p) => p.port),
      ingestFrom: security.ingestFrom,
      queryFrom: security.queryFrom,
      prometheusNamespace,
      prometheus: destinationOf(config.spm.prometheusUrl),
      signIn:
        signIn && oidc.issuerUrl
          ? { pods: signInSelector, port: SIGN_IN.port, identityProvider: destinationOf(oidc.issuerUrl) }
          : undefined,
      storage: !storageUrl
        ? undefined
        : es.mode === "inCluster"
          ? { namespace: config.namespace, podLabels: ECK_OBJECTS.podLabels, ports: [9200] }
          : destinationOf(storageUrl),
      elasticsearch:
        search && es.mode === "inCluster"
          ? { pods: ECK_OBJECTS.podLabels, operatorNamespace: es.inCluster.operatorNamespace }
          : undefined,
      // Selectors without app.kubernetes.io/version: an upgrade changes it.
      jobs: [
        ...(search
          ? [
              {
                name: "index-cleaner",
                pods: { ...maintenanceSelector("storage"), "app.kubernetes.io/component": "index-cleaner" },
              },
            ]
          : []),
        // The snapshot setup Job only calls Elasticsearch, which itself writes to S3.
        ...(backup && search
          ? [
              {
                name: "es-snapshots",
                pods: maintenanceSelector("snapshots"),
              },
              // The exporter behind the snapshot alerts: reads Elasticsearch, scraped by Prometheus.
              {
                name: "es-snapshot-monitor",
                pods: maintenanceSelector("snapshot-monitor"),
                scrapedPort: SNAPSHOT_EXPORTER.port.port,
              },
            ]
          : []),
      ],
    },
    { providers },
  );
}

const rules = buildRuleFile({
  namespace: config.namespace,
  telemetry: jaeger.telemetryServices.map((t) => ({
    service: t.service,
    memoryLimitBytes: parseBytesQuantity(t.memoryLimit) ?? 0,
  })),
  spanMetricsService: NAMES.spanMetricsService,
  storage:
    config.storage.backend === "badger" ? { kind: "badger", volumeBytes: badgerVolumeBytes } : { kind: "search" },
  veleroSchedule:
    backup && config.storage.backend === "badger"
      ? { name: VELERO_OBJECTS.schedule, maxGapSeconds: maxCronGapSeconds(backupConfig.schedule) }
      : undefined,
  snapshotRepository:
    backup && search
      ? { name: SNAPSHOT_REPOSITORY, maxGapSeconds: maxCronGapSeconds(backupConfig.snapshotSchedule) }
      : undefined,
  runbookBaseUrl: monitoring.runbookBaseUrl,
  exporterQueue: config.jaeger.exporterQueue.enabled,
  thresholds: monitoring.alerts,
});

const jaegerMonitoring = new JaegerMonitoring(
  "jaeger-monitoring",
  {
    namespace: namespaceName,
    namespaceName: config.namespace,
    scrape: monitoring.scrape,
    selectorLabels: monitoring.selectorLabels,
    serviceSelector: jaeger.serviceSelector,
    metricsPorts: [PORTS.metrics, PORTS.spanMetrics],
    scrapeInterval: monitoring.scrapeInterval,
    rules,
    dependsOn: bundled ? [bundled.release] : undefined,
  },
  { providers },
);

const grafanaConfig = config.grafana;
const dashboards =
  grafanaConfig.import === "none"
    ? undefined
    : new GrafanaDashboards(
        "grafana-dashboards",
        {
          dashboards: dashboardFilesFor(config.storage.backend).map(loadDashboard),
          folder: grafanaConfig.folder,
          import:
            grafanaConfig.import === "sidecar"
              ? { mode: "sidecar", namespace: grafanaConfig.namespace ?? namespaceName }
              : { mode: "api", url: grafanaConfig.url ?? "", token: pulumi.secret(config.grafanaApiToken) },
        },
        { providers },
      );

export const namespace = jaeger.namespace;
export const storageBackend = config.storage.backend;
export const jaegerRoles = jaeger.roles;
// With OIDC the UI is reached through sign-in, at the address the identity provider redirects to.
export const uiUrl = signIn && oidc.redirectUrl ? new URL(oidc.redirectUrl).origin : jaeger.endpoints.uiUrl;
export const uiPortForward = signIn
  ? `kubectl -n ${config.namespace} port-forward svc/${SIGN_IN.service} ${SIGN_IN.port}:${SIGN_IN.port}`
  : jaeger.endpoints.uiPortForward;
export const otlpGrpcEndpoint = jaeger.endpoints.otlpGrpc;
export const otlpHttpEndpoint = jaeger.endpoints.otlpHttp;
export const jaegerGrpcEndpoint = jaeger.endpoints.jaegerGrpc;
export const jaegerThriftHttpEndpoint = jaeger.endpoints.jaegerThriftHttp;
export const zipkinEndpoint = jaeger.endpoints.zipkin;
export const samplingEndpoint = jaeger.endpoints.samplingHttp;
export const searchServerUrls = search?.connection.serverUrls ?? [];
export const prometheusUrl = config.spm.prometheusUrl;
// A summary, not the rule file itself (it would fill every `pulumi up` summary): where the rules
// are and what they hold. The file: `npm run render -- <stack>` (out/<stack>/prometheus/).
export const prometheusRules = {
  objects: jaegerMonitoring.ruleObjects,
  groups: rules.groups.map((g) => ({ name: g.name, rules: g.rules.length })),
};
// null (not undefined) when monitoring is not bundled, so Pulumi does not warn about a missing output.
export const grafanaAdminPassword = bundled?.grafanaAdminPassword ?? null;
export const grafanaPortForward = bundled?.grafanaPortForward ?? null;
export const grafanaDashboardUids = dashboards?.uids ?? [];
export const backupBucket = backup?.bucketName ?? null;
export const backupLocation = backup
  ? pulumi.interpolate`s3://${backup.bucketName}/${backupConfig.prefix}/${stack}/`
  : null;
