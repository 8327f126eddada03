// Pod templates of the backup, restore and snapshot-setup jobs. The shell scripts
// themselves live in ./scripts (tested on their own) and reach the pods through a
// ConfigMap mounted read-only.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../podSecurity";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;

export const SCRIPTS_DIR = path.join(__dirname, "scripts");
export const SCRIPT_FILES = ["badger-backup.sh", "badger-restore.sh", "es-snapshots.sh"] as const;
export type ScriptFile = (typeof SCRIPT_FILES)[number];

export function loadScripts(): Record<ScriptFile, string> {
  return Object.fromEntries(SCRIPT_FILES.map((f) => [f, fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8")])) as Record<
    ScriptFile,
    string
  >;
}

const SCRIPTS_MOUNT = "/opt/jaeger-backup";
const DATA_MOUNT = "/badger";

export interface BadgerJobInput {
  readonly image: string;
  readonly namespace: string;
  readonly deployment: string;
  /** Labels of the Jaeger pod: the job waits for them to go and runs on their node. */
  readonly jaegerPodLabels: Readonly<Record<string, string>>;
  readonly claimName: string;
  readonly serviceAccountName: string;
  readonly scriptsConfigMap: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly region: string;
  /** Scratch space for the archive: at least the Badger volume's size. */
  readonly scratchSize: string;
  readonly labels: Readonly<Record<string, string>>;
}

function env(values: Record<string, string>): EnvVar[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

function badgerPod(input: BadgerJobInput, script: ScriptFile, extraEnv: EnvVar[], readOnlyData: boolean): PodSpec {
  const selector = Object.entries(input.jaegerPodLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    serviceAccountName: input.serviceAccountName,
    // kubectl needs the ServiceAccount token (RBAC limited to scaling the Jaeger Deployment).
    automountServiceAccountToken: true,
    enableServiceLinks: false,
    restartPolicy: "Never",
    securityContext: restrictedPodSecurityContext(),
    // The claim is ReadWriteOnce: run on the node where Jaeger has it attached.
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { ...input.jaegerPodLabels } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    },
    containers: [
      {
        name: script.replace(/\.sh$/, ""),
        image: input.image,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", `${SCRIPTS_MOUNT}/${script}`],
        env: [
          ...env({
            NAMESPACE: input.namespace,
            DEPLOYMENT: input.deployment,
            POD_SELECTOR: selector,
            DATA_DIR: DATA_MOUNT,
            BUCKET: input.bucket,
            KEY_PREFIX: input.keyPrefix,
            AWS_REGION: input.region,
            AWS_DEFAULT_REGION: input.region,
            HOME: "/tmp",
            WORK_DIR: "/tmp/work",
          }),
          ...extraEnv,
        ],
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
          { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
          { name: "badger", mountPath: DATA_MOUNT, readOnly: readOnlyData },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "scripts", configMap: { name: input.scriptsConfigMap, defaultMode: 0o555 } },
      { name: "badger", persistentVolumeClaim: { claimName: input.claimName, readOnly: readOnlyData } },
      { name: "tmp", emptyDir: { sizeLimit: input.scratchSize } },
    ],
  };
}

function cronJob(
  schedule: string,
  pod: PodSpec,
  labels: Readonly<Record<string, string>>,
  suspend: boolean,
): CronJobSpec {
  return {
    schedule,
    suspend,
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 5,
    jobTemplate: {
      spec: {
        // One attempt: a retry would stop Jaeger again; the next schedule tries anew.
        backoffLimit: 0,
        activeDeadlineSeconds: 3 * 3600,
        template: { metadata: { labels: { ...labels } }, spec: pod },
      },
    },
  };
}

export function buildBadgerBackupCronJob(input: BadgerJobInput & { schedule: string; kmsKeyId: string }): CronJobSpec {
  return cronJob(
    input.schedule,
    badgerPod(input, "badger-backup.sh", env({ KMS_KEY_ID: input.kmsKeyId }), true),
    input.labels,
    false,
  );
}

/**
 * Suspended: never runs on a schedule. A restore is started by hand with
 * `kubectl create job --from=cronjob/jaeger-badger-restore` (README runbook).
 */
export function buildBadgerRestoreCronJob(input: BadgerJobInput): CronJobSpec {
  return cronJob(
    "0 0 1 1 *",
    badgerPod(input, "badger-restore.sh", env({ BACKUP_KEY: "" }), false),
    input.labels,
    true,
  );
}

export interface SnapshotJobInput {
  readonly image: string;
  readonly scriptsConfigMap: string;
  readonly esUrl: string;
  readonly username?: string;
  /** Files mounted from Secrets, by environment variable that points at them. */
  readonly secretFiles: readonly {
    readonly envVar: "ES_PASSWORD_FILE" | "ES_API_KEY_FILE" | "ES_CA_FILE";
    readonly secretName: string;
    readonly key: string;
  }[];
  readonly bucket: string;
  readonly basePath: string;
  readonly schedule: string;
  readonly retentionDays: number;
  readonly labels: Readonly<Record<string, string>>;
}

export const SNAPSHOT_REPOSITORY = "jaeger-s3";
export const SNAPSHOT_POLICY = "jaeger-daily";

export function buildSnapshotSetupJob(input: SnapshotJobInput): k8s.types.input.batch.v1.JobSpec {
  const mounts = input.secretFiles.map((f, i) => ({ ...f, volume: `secret-${i}`, dir: `/etc/es-secrets/${i}` }));
  return {
    backoffLimit: 6,
    activeDeadlineSeconds: 1800,
    template: {
      metadata: { labels: { ...input.labels } },
      spec: {
        restartPolicy: "OnFailure",
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(),
        containers: [
          {
            name: "es-snapshots",
            image: input.image,
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", `${SCRIPTS_MOUNT}/es-snapshots.sh`],
            env: [
              ...env({
                ES_URL: input.esUrl,
                BUCKET: input.bucket,
                BASE_PATH: input.basePath,
                REPOSITORY: SNAPSHOT_REPOSITORY,
                POLICY: SNAPSHOT_POLICY,
                SCHEDULE: input.schedule,
                RETENTION_DAYS: String(input.retentionDays),
                ...(input.username && { ES_USERNAME: input.username }),
              }),
              ...mounts.map((m) => ({ name: m.envVar, value: `${m.dir}/${m.key}` })),
            ],
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [
              { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
              ...mounts.map((m) => ({ name: m.volume, mountPath: m.dir, readOnly: true })),
            ],
          },
        ],
        volumes: [
          { name: "scripts", configMap: { name: input.scriptsConfigMap, defaultMode: 0o555 } },
          ...mounts.map((m) => ({
            name: m.volume,
            secret: { secretName: m.secretName, items: [{ key: m.key, path: m.key }], defaultMode: 0o440 },
          })),
        ],
      },
    },
  };
}
