// The Elasticsearch snapshot-setup Job. Its shell script lives in ./jobScripts (tested on its
// own) and reaches the pod through a ConfigMap mounted read-only. Badger volumes are backed up
// by Velero (./velero.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurityContext, maintenancePodSettings } from "../podSecurity";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Shell scripts the backup Jobs run in their pods (not the project's own scripts/). */
export const JOB_SCRIPTS_DIR = path.join(__dirname, "jobScripts");
export const SCRIPT_FILES = ["es-snapshots.sh"] as const;
export type ScriptFile = (typeof SCRIPT_FILES)[number];

export function loadScripts(): Record<ScriptFile, string> {
  return Object.fromEntries(
    SCRIPT_FILES.map((f) => [f, fs.readFileSync(path.join(JOB_SCRIPTS_DIR, f), "utf8")]),
  ) as Record<ScriptFile, string>;
}

const SCRIPTS_MOUNT = "/opt/jaeger-backup";

function env(values: Record<string, string>): EnvVar[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
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
        ...maintenancePodSettings(),
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
