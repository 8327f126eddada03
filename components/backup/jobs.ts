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
export const SCRIPT_FILES = [
  "badger-backup.sh",
  "badger-upload.sh",
  "badger-guard.sh",
  "badger-restore.sh",
  "es-snapshots.sh",
] as const;
export type ScriptFile = (typeof SCRIPT_FILES)[number];

export function loadScripts(): Record<ScriptFile, string> {
  return Object.fromEntries(SCRIPT_FILES.map((f) => [f, fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8")])) as Record<
    ScriptFile,
    string
  >;
}

const SCRIPTS_MOUNT = "/opt/jaeger-backup";
const DATA_MOUNT = "/badger";

/** Label on every backup-related pod saying which task it runs (the guard looks for running backups). */
export const TASK_LABEL = "jaeger-spm.io/task";
export type BadgerTask = "backup" | "upload" | "restore" | "guard";

export const BADGER_BACKUP_OBJECTS = {
  /** The claim a VolumeSnapshot is restored into for the upload (snapshot mode). */
  cloneClaim: "jaeger-badger-backup-source",
  uploadCronJob: "jaeger-badger-upload",
} as const;

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
  /**
   * Local space for a copy of the data (copy mode) or a downloaded archive (restore): it is both
   * the pod's ephemeral-storage request, so it lands on a node that has it, and its limit.
   */
  readonly scratchSize: string;
  /** CSI VolumeSnapshotClass: snapshot mode (Jaeger down only until the snapshot is cut). */
  readonly volumeSnapshotClass?: string;
  /** Upper bound of an archive, in bytes (the Badger volume's size), for streamed uploads. */
  readonly volumeBytes: number;
  readonly labels: Readonly<Record<string, string>>;
}

function env(values: Record<string, string>): EnvVar[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

const selectorOf = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Pod labels of one task. */
export const taskLabels = (labels: Readonly<Record<string, string>>, task: BadgerTask) => ({
  ...labels,
  [TASK_LABEL]: task,
});

interface TaskPod {
  readonly script: ScriptFile;
  readonly env: EnvVar[];
  readonly serviceAccountName: string;
  /** Jaeger's claim mounted at /badger (and the pod placed on Jaeger's node), or another claim. */
  readonly data?: { readonly claimName: string; readonly readOnly: boolean; readonly besideJaeger: boolean };
  /** Local scratch space (request and limit). */
  readonly scratch: string;
}

function taskPod(input: BadgerJobInput, pod: TaskPod): PodSpec {
  const data = pod.data;
  return {
    serviceAccountName: pod.serviceAccountName,
    // kubectl needs the ServiceAccount token (RBAC limited to what each task does).
    automountServiceAccountToken: true,
    enableServiceLinks: false,
    restartPolicy: "Never",
    securityContext: restrictedPodSecurityContext(),
    // A ReadWriteOnce claim that Jaeger has attached can only be mounted on Jaeger's node.
    affinity: data?.besideJaeger
      ? {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { ...input.jaegerPodLabels } }, topologyKey: "kubernetes.io/hostname" },
            ],
          },
        }
      : undefined,
    containers: [
      {
        name: pod.script.replace(/\.sh$/, ""),
        image: input.image,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", `${SCRIPTS_MOUNT}/${pod.script}`],
        env: [
          ...env({
            NAMESPACE: input.namespace,
            DEPLOYMENT: input.deployment,
            POD_SELECTOR: selectorOf(input.jaegerPodLabels),
            DATA_DIR: DATA_MOUNT,
            BUCKET: input.bucket,
            KEY_PREFIX: input.keyPrefix,
            AWS_REGION: input.region,
            AWS_DEFAULT_REGION: input.region,
            HOME: "/tmp",
            WORK_DIR: "/tmp/work",
          }),
          ...pod.env,
        ],
        resources: {
          requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": pod.scratch },
          limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": pod.scratch },
        },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
          { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
          ...(data ? [{ name: "badger", mountPath: DATA_MOUNT, readOnly: data.readOnly }] : []),
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "scripts", configMap: { name: input.scriptsConfigMap, defaultMode: 0o555 } },
      ...(data
        ? [{ name: "badger", persistentVolumeClaim: { claimName: data.claimName, readOnly: data.readOnly } }]
        : []),
      { name: "tmp", emptyDir: { sizeLimit: pod.scratch } },
    ],
  };
}

function cronJob(
  schedule: string,
  pod: PodSpec,
  labels: Readonly<Record<string, string>>,
  suspend: boolean,
  activeDeadlineSeconds = 3 * 3600,
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
        activeDeadlineSeconds,
        template: { metadata: { labels: { ...labels } }, spec: pod },
      },
    },
  };
}

/** Scratch space of the pods that only run kubectl or stream: their logs and a few small files. */
const SMALL_SCRATCH = "256Mi";

/**
 * The scheduled backup. With a VolumeSnapshotClass it never mounts Jaeger's claim and keeps
 * Jaeger down only until the snapshot is cut; without one it copies the data beside Jaeger.
 */
export function buildBadgerBackupCronJob(input: BadgerJobInput & { schedule: string; kmsKeyId: string }): CronJobSpec {
  const common = { KMS_KEY_ID: input.kmsKeyId };
  const pod = input.volumeSnapshotClass
    ? taskPod(input, {
        script: "badger-backup.sh",
        serviceAccountName: input.serviceAccountName,
        env: env({
          ...common,
          MODE: "snapshot",
          SNAPSHOT_CLASS: input.volumeSnapshotClass,
          SOURCE_CLAIM: input.claimName,
          CLONE_CLAIM: BADGER_BACKUP_OBJECTS.cloneClaim,
          UPLOAD_CRONJOB: BADGER_BACKUP_OBJECTS.uploadCronJob,
        }),
        scratch: SMALL_SCRATCH,
      })
    : taskPod(input, {
        script: "badger-backup.sh",
        serviceAccountName: input.serviceAccountName,
        env: env({ ...common, MODE: "copy" }),
        data: { claimName: input.claimName, readOnly: true, besideJaeger: true },
        scratch: input.scratchSize,
      });
  return cronJob(input.schedule, pod, taskLabels(input.labels, "backup"), false, 4 * 3600);
}

/**
 * Suspended: the snapshot-mode backup creates a Job from it to archive and upload the claim
 * restored from the snapshot (streamed, so it needs no scratch space for the archive).
 */
export function buildBadgerUploadCronJob(input: BadgerJobInput & { kmsKeyId: string }): CronJobSpec {
  return cronJob(
    "0 0 1 1 *",
    taskPod(input, {
      script: "badger-upload.sh",
      serviceAccountName: input.serviceAccountName,
      env: env({
        KMS_KEY_ID: input.kmsKeyId,
        CLONE_CLAIM: BADGER_BACKUP_OBJECTS.cloneClaim,
        EXPECTED_SIZE: String(input.volumeBytes),
      }),
      data: { claimName: BADGER_BACKUP_OBJECTS.cloneClaim, readOnly: true, besideJaeger: false },
      scratch: SMALL_SCRATCH,
    }),
    taskLabels(input.labels, "upload"),
    true,
  );
}

/**
 * Suspended: never runs on a schedule. A restore is started by hand with
 * `kubectl create job --from=cronjob/jaeger-badger-restore` (README runbook).
 */
export function buildBadgerRestoreCronJob(input: BadgerJobInput): CronJobSpec {
  return cronJob(
    "0 0 1 1 *",
    taskPod(input, {
      script: "badger-restore.sh",
      serviceAccountName: input.serviceAccountName,
      env: env({ BACKUP_KEY: "" }),
      data: { claimName: input.claimName, readOnly: false, besideJaeger: true },
      scratch: input.scratchSize,
    }),
    taskLabels(input.labels, "restore"),
    true,
  );
}

/** Every 5 minutes: scales Jaeger back if a backup that stopped it died (SIGKILL, eviction, node loss). */
export function buildBadgerGuardCronJob(
  input: BadgerJobInput & { guardServiceAccountName: string; maxDownSeconds: number },
): CronJobSpec {
  const spec = cronJob(
    "*/5 * * * *",
    taskPod(input, {
      script: "badger-guard.sh",
      serviceAccountName: input.guardServiceAccountName,
      env: env({
        BACKUP_POD_SELECTOR: selectorOf(taskLabels(input.labels, "backup")),
        MAX_DOWN_SECONDS: String(input.maxDownSeconds),
      }),
      scratch: SMALL_SCRATCH,
    }),
    taskLabels(input.labels, "guard"),
    false,
    240,
  );
  return { ...spec, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 3 };
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
