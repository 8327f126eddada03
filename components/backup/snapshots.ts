// Elasticsearch snapshots to the backup bucket: a Job registers the S3 repository and
// a snapshot lifecycle policy (schedule, retention) through the cluster's REST API, and the
// Prometheus community's Elasticsearch exporter reports the repository's snapshots, which the
// snapshot alerts watch (components/backup/alerts.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SearchConnection, SearchCredentials, SecretKeyRef } from "../search/connection";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../podSecurity";
import { METRICS_PATH } from "../jaeger/ports";
import {
  ScrapeMode,
  buildServiceMonitorSpec,
  scrapeAnnotations,
  usesAnnotations,
  usesServiceMonitor,
} from "../monitoring/scrape";
import { SnapshotJobInput, buildSnapshotSetupJob, loadScripts } from "./jobs";

/**
 * The exporter (github.com/prometheus-community/elasticsearch_exporter v1.10.0): its snapshots
 * collector lists every repository's snapshots (GET /_snapshot, /_snapshot/<repository>/_all)
 * and reports, per repository, the newest SUCCESS or PARTIAL snapshot's start time and the state
 * of the newest one (collector/snapshots.go). Names checked on the running exporter
 * (tests/snapshotExporter.test.ts).
 */
export const SNAPSHOT_EXPORTER = {
  name: "jaeger-es-snapshot-exporter",
  port: { name: "metrics", port: 9114 },
  /** Where it serves its metrics: the path the shared scrape annotations and ServiceMonitors name. */
  path: METRICS_PATH,
  /** The exporter's version; the default image and the tests' build use it. */
  version: "v1.10.0",
} as const;

export interface SnapshotExporterInput {
  readonly image: string;
  readonly esUrl: string;
  readonly credentials: SearchCredentials;
  readonly ca?: SecretKeyRef;
}

const EXPORTER_SECRETS = "/etc/es-secrets";

/**
 * The exporter reads credentials only from ES_USERNAME/ES_PASSWORD or ES_API_KEY (main.go). They
 * reach the pod as mounted Secret files; this start-up script, run by the image's busybox sh,
 * reads them into the exporter's environment only, never into the pod spec.
 */
export const EXPORTER_START = [
  "set -eu",
  'if [ -n "${ES_PASSWORD_FILE:-}" ]; then ES_PASSWORD="$(cat "$ES_PASSWORD_FILE")"; export ES_PASSWORD; fi',
  'if [ -n "${ES_API_KEY_FILE:-}" ]; then ES_API_KEY="$(cat "$ES_API_KEY_FILE")"; export ES_API_KEY; fi',
  'exec elasticsearch_exporter "$@"',
].join("\n");

/** The exporter's pod: the snapshots collector on, credentials and CA from mounted Secret files. */
export function buildSnapshotExporterPodSpec(input: SnapshotExporterInput): k8s.types.input.core.v1.PodSpec {
  const c = input.credentials;
  const files = [
    ...(c.kind === "basic" ? [{ env: "ES_PASSWORD_FILE", name: "password", ref: c.password }] : []),
    ...(c.kind === "apiKey" ? [{ env: "ES_API_KEY_FILE", name: "api-key", ref: c.apiKey }] : []),
    ...(input.ca ? [{ env: undefined, name: "ca", ref: input.ca }] : []),
  ].map((f) => ({ ...f, path: `${EXPORTER_SECRETS}/${f.name}/${f.ref.key}` }));
  const caFile = files.find((f) => f.name === "ca");
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
    containers: [
      {
        name: "exporter",
        image: input.image,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", "-c", EXPORTER_START, "elasticsearch_exporter"],
        args: [
          `--es.uri=${input.esUrl}`,
          "--collector.snapshots",
          // Listing a repository's snapshots takes longer than the default 5s on a busy cluster.
          "--es.timeout=30s",
          `--web.listen-address=:${SNAPSHOT_EXPORTER.port.port}`,
          `--web.telemetry-path=${SNAPSHOT_EXPORTER.path}`,
          ...(caFile ? [`--es.ca=${caFile.path}`] : []),
        ],
        env: [
          ...(c.kind === "basic" ? [{ name: "ES_USERNAME", value: c.username }] : []),
          ...files.filter((f) => f.env).map((f) => ({ name: f.env as string, value: f.path })),
        ],
        ports: [{ name: SNAPSHOT_EXPORTER.port.name, containerPort: SNAPSHOT_EXPORTER.port.port, protocol: "TCP" }],
        readinessProbe: { httpGet: { path: "/healthz", port: SNAPSHOT_EXPORTER.port.name } },
        livenessProbe: { httpGet: { path: "/healthz", port: SNAPSHOT_EXPORTER.port.name }, periodSeconds: 30 },
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: files.map((f) => ({ name: f.name, mountPath: `${EXPORTER_SECRETS}/${f.name}`, readOnly: true })),
      },
    ],
    volumes: files.map((f) => ({
      name: f.name,
      secret: { secretName: f.ref.name, items: [{ key: f.ref.key, path: f.ref.key }], defaultMode: 0o440 },
    })),
  };
}

export interface ElasticsearchSnapshotsArgs {
  /** Jaeger's namespace: the setup Job, its script and the exporter run there. */
  namespace: pulumi.Input<string>;
  /** The setup Job's image (curl and a POSIX shell; `backup.curlImage`). */
  image: string;
  /** The in-cluster Elasticsearch: URL, CA and the snapshot user's credentials (as Secret references). */
  connection: SearchConnection;
  /** The backup bucket the S3 repository points at. */
  bucket: pulumi.Input<string>;
  /** The repository's key prefix in the bucket (`<prefix>/<stack>/elasticsearch`). */
  basePath: string;
  /** When SLM takes a snapshot: Elasticsearch's cron syntax (`backup.snapshotSchedule`). */
  schedule: string;
  /** How long SLM keeps snapshots (`backup.snapshotRetentionDays`). */
  retentionDays: number;
  /** Labels of the Job, its ConfigMap and the exporter's objects. */
  labels: Record<string, string>;
  /** The snapshot exporter: its image, its pods' labels, and how Prometheus finds it. */
  exporter: {
    image: string;
    labels: Record<string, string>;
    scrape: ScrapeMode;
    /** Labels the Prometheus CR selects ServiceMonitors by. */
    selectorLabels: Record<string, string>;
    scrapeInterval: string;
  };
  /** What the setup Job waits for (the cluster and its users). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Snapshots of Jaeger's indices to the backup bucket: a Job registers the S3 repository and the
 * SLM policy through the cluster's API, and the snapshot exporter reports what SLM did.
 */
export class ElasticsearchSnapshots extends pulumi.ComponentResource {
  constructor(name: string, args: ElasticsearchSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:ElasticsearchSnapshots", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: { ...args.labels } });
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: meta("jaeger-es-snapshot-scripts"), data: { "es-snapshots.sh": loadScripts()["es-snapshots.sh"] } },
      { parent: this },
    );
    const c = args.connection;
    const credentials = c.credentials.snapshots;
    const secretFiles: SnapshotJobInput["secretFiles"] = [
      ...(credentials.kind === "basic"
        ? [
            {
              envVar: "ES_PASSWORD_FILE" as const,
              secretName: credentials.password.name,
              key: credentials.password.key,
            },
          ]
        : []),
      ...(credentials.kind === "apiKey"
        ? [{ envVar: "ES_API_KEY_FILE" as const, secretName: credentials.apiKey.name, key: credentials.apiKey.key }]
        : []),
      ...(c.ca ? [{ envVar: "ES_CA_FILE" as const, secretName: c.ca.name, key: c.ca.key }] : []),
    ];
    new k8s.batch.v1.Job(
      `${name}-setup`,
      {
        metadata: meta("jaeger-es-snapshots"),
        spec: pulumi.output(args.bucket).apply((bucket) =>
          buildSnapshotSetupJob({
            image: args.image,
            scriptsConfigMap: "jaeger-es-snapshot-scripts",
            esUrl: c.serverUrls[0],
            username: credentials.kind === "basic" ? credentials.username : undefined,
            secretFiles,
            bucket,
            basePath: args.basePath,
            schedule: args.schedule,
            retentionDays: args.retentionDays,
            labels: args.labels,
          }),
        ),
      },
      { parent: this, dependsOn: [scripts, ...(args.dependsOn ?? [])] },
    );

    const ex = args.exporter;
    const exporterMeta = (annotations?: Record<string, string>) => ({
      name: SNAPSHOT_EXPORTER.name,
      namespace: args.namespace,
      labels: { ...ex.labels },
      ...(annotations && { annotations }),
    });
    new k8s.apps.v1.Deployment(
      `${name}-exporter`,
      {
        metadata: exporterMeta(),
        spec: {
          replicas: 1,
          selector: { matchLabels: { ...ex.labels } },
          template: {
            metadata: { labels: { ...ex.labels } },
            spec: buildSnapshotExporterPodSpec({
              image: ex.image,
              esUrl: c.serverUrls[0],
              credentials: c.credentials.snapshotMonitor,
              ca: c.ca,
            }),
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    new k8s.core.v1.Service(
      `${name}-exporter`,
      {
        metadata: exporterMeta(usesAnnotations(ex.scrape) ? scrapeAnnotations(SNAPSHOT_EXPORTER.port) : undefined),
        spec: {
          selector: { ...ex.labels },
          ports: [{ ...SNAPSHOT_EXPORTER.port, targetPort: SNAPSHOT_EXPORTER.port.name, protocol: "TCP" }],
        },
      },
      { parent: this },
    );
    if (usesServiceMonitor(ex.scrape)) {
      new k8s.apiextensions.CustomResource(
        `${name}-exporter`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "ServiceMonitor",
          metadata: { ...exporterMeta(), labels: { ...ex.labels, ...ex.selectorLabels } },
          spec: pulumi.output(args.namespace).apply((namespace) =>
            buildServiceMonitorSpec({
              serviceSelector: ex.labels,
              namespace,
              ports: [SNAPSHOT_EXPORTER.port],
              interval: ex.scrapeInterval,
            }),
          ),
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
