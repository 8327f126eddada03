// Badger volume backups through Velero: its official Helm chart with the AWS plugin (or a Velero
// the cluster already runs), a BackupStorageLocation on our hardened bucket under its own prefix,
// and a Schedule for the Jaeger claim. Velero takes a CSI snapshot and moves its data to S3
// (data mover), or, without a snapshot class, copies the mounted volume (file-system backup).
// Jaeger keeps running: Badger recovers from a crash-consistent copy as from a power cut.
// Field names follow Velero v1.18.1 (config/crd/v1/bases/velero.io_{schedules,backupstoragelocations}.yaml)
// and the vmware-tanzu velero chart 12.1.0 (charts/velero/values.yaml).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Cron } from "croner";
import { podSecurityLevel } from "../podSecurity";
import { releaseChart } from "../helmChart";
import { HELM_CHARTS } from "../../config/charts";

/** The chart's upstream repository (config/charts.ts). */
export const VELERO_CHART_REPO = HELM_CHARTS.velero.repository;
/** The Velero release whose CRDs the tests validate against (Go module github.com/vmware-tanzu/velero). */
export const VELERO_VERSION = "v1.18.1";

/** Velero (v1.14+) takes a claim's CSI snapshot with the VolumeSnapshotClass this annotation names. */
export const VELERO_SNAPSHOT_CLASS_ANNOTATION = "velero.io/csi-volumesnapshot-class";

export const VELERO_OBJECTS = {
  /** The chart's server ServiceAccount (serviceAccount.server.name): the IRSA subject. */
  serviceAccount: "velero-server",
  storageLocation: "jaeger",
  schedule: "jaeger-badger",
  /** A read-only location on another stack's backups, when a restore reads from there. */
  restoreLocation: "jaeger-restore-source",
  restore: "jaeger-badger-restore",
} as const;

/** CSI snapshots whose data Velero moves to S3, or a copy of the mounted volume (no snapshot class). */
export type VeleroBackupMode =
  { readonly kind: "csiDataMover"; readonly volumeSnapshotClass: string } | { readonly kind: "fileSystem" };

/**
 * The longest time between two successive runs of a schedule, over its next 50 runs (UTC): a
 * five-field cron schedule (Velero, CronJobs) or a Quartz one, seconds first (Elasticsearch SLM;
 * croner reads its `?`, an optional seventh field, the year, is left out).
 */
export function maxCronGapSeconds(schedule: string, from = new Date(Date.UTC(2027, 0, 1))): number {
  const fields = schedule.trim().split(/\s+/);
  const cron = fields.length === 7 ? fields.slice(0, 6).join(" ") : fields.join(" ");
  const runs = new Cron(cron, { paused: true, timezone: "UTC" }).nextRuns(50, from);
  let gap = 0;
  for (let i = 1; i < runs.length; i++) gap = Math.max(gap, (runs[i].getTime() - runs[i - 1].getTime()) / 1000);
  return gap;
}

export interface BadgerScheduleInput {
  readonly schedule: string;
  readonly jaegerNamespace: string;
  /** Labels the Badger claim and the Jaeger pod share (the pod: for file-system backup). */
  readonly selector: Readonly<Record<string, string>>;
  /** How long a backup is kept: Velero deletes it (and its data) then. */
  readonly ttlHours: number;
  readonly mode: VeleroBackupMode;
}

/** The Schedule's spec: only the Badger claim (and, for file-system backup, the pod that mounts it). */
export function buildBadgerScheduleSpec(input: BadgerScheduleInput) {
  const fileSystem = input.mode.kind === "fileSystem";
  return {
    schedule: input.schedule,
    // Backups outlive a deleted Schedule.
    useOwnerReferencesInBackup: false,
    template: {
      includedNamespaces: [input.jaegerNamespace],
      includedResources: ["persistentvolumeclaims", "persistentvolumes", ...(fileSystem ? ["pods"] : [])],
      labelSelector: { matchLabels: { ...input.selector } },
      storageLocation: VELERO_OBJECTS.storageLocation,
      ttl: `${input.ttlHours}h0m0s`,
      ...(fileSystem
        ? { defaultVolumesToFsBackup: true, snapshotVolumes: false }
        : { snapshotVolumes: true, snapshotMoveData: true }),
    },
  };
}

export interface StorageLocationInput {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly kmsKeyArn: string;
}

/** Our BackupStorageLocation: the hardened bucket, its own prefix, every object under our KMS key. */
export function buildStorageLocationSpec(input: StorageLocationInput) {
  return {
    provider: "aws",
    objectStorage: { bucket: input.bucket, prefix: input.prefix },
    config: { region: input.region, kmsKeyId: input.kmsKeyArn },
    accessMode: "ReadWrite",
  };
}

/**
 * A location Velero only reads (accessMode ReadOnly: no backups, no deletion, no repository
 * maintenance there); our IAM role may only get and list under it and decrypt through S3.
 */
export function buildReadOnlyLocationSpec(input: Omit<StorageLocationInput, "kmsKeyArn">) {
  return {
    provider: "aws",
    objectStorage: { bucket: input.bucket, prefix: input.prefix },
    config: { region: input.region },
    accessMode: "ReadOnly",
  };
}

export interface BadgerRestoreInput {
  readonly backupName: string;
  /** Where the backed-up claim lived, and where this stack's Jaeger runs. */
  readonly sourceNamespace: string;
  readonly targetNamespace: string;
  /** The Badger claim's labels (the Schedule backs up what they select). */
  readonly selector: Readonly<Record<string, string>>;
}

/**
 * The Restore's spec: only the Badger claim (and its volume), renamed into this stack's
 * namespace; Velero's data mover fills a new volume with the backup's data. An existing claim
 * is never touched (existingResourcePolicy none).
 */
export function buildBadgerRestoreSpec(input: BadgerRestoreInput) {
  return {
    backupName: input.backupName,
    includedNamespaces: [input.sourceNamespace],
    ...(input.sourceNamespace !== input.targetNamespace && {
      namespaceMapping: { [input.sourceNamespace]: input.targetNamespace },
    }),
    includedResources: ["persistentvolumeclaims", "persistentvolumes"],
    labelSelector: { matchLabels: { ...input.selector } },
    restorePVs: true,
    existingResourcePolicy: "none",
  };
}

/**
 * A restore finds its backup only once Velero has synced the location's backups into the cluster
 * (v1.18.1 pkg/controller/restore_controller.go fetchBackupInfoInternal; otherwise the restore
 * fails validation at once); the sync ends by setting status.lastSyncedTime
 * (backup_sync_controller.go). Pulumi waits for that on the location the restore reads.
 */
export const LOCATION_SYNCED_ANNOTATIONS: Readonly<Record<string, string>> = {
  "pulumi.com/waitFor": "jsonpath={.status.lastSyncedTime}",
  "pulumi.com/timeoutSeconds": "600",
};

/** Pulumi's Kubernetes provider waits (4.18+ pulumi.com/waitFor) until the restore completed. */
export function restoreAwaitAnnotations(timeoutSeconds: number): Record<string, string> {
  return {
    "pulumi.com/waitFor": "jsonpath={.status.phase}=Completed",
    "pulumi.com/timeoutSeconds": String(timeoutSeconds),
  };
}

export interface VeleroValuesInput {
  readonly image: string;
  readonly awsPluginImage: string;
  readonly roleArn: string;
  readonly mode: VeleroBackupMode;
  /** Labels a prometheus-operator Prometheus selects ServiceMonitors by; unset: scrape annotations only. */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
}

function imageParts(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(":");
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** Chart values: the AWS plugin, IRSA (no static credentials), the node agent; our location is a CR of its own. */
export function buildVeleroValues(input: VeleroValuesInput) {
  const restricted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
  };
  return {
    image: imageParts(input.image),
    initContainers: [
      {
        name: "velero-plugin-for-aws",
        image: input.awsPluginImage,
        imagePullPolicy: "IfNotPresent",
        securityContext: restricted,
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ],
    // The CRD-upgrade Job's kubectl; the chart would otherwise take the cluster's version as the tag.
    kubectl: {
      image: { repository: "registry.k8s.io/kubectl", tag: "v1.33.4" },
      containerSecurityContext: restricted,
    },
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containerSecurityContext: restricted,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    credentials: { useSecret: false },
    serviceAccount: {
      server: {
        name: VELERO_OBJECTS.serviceAccount,
        annotations: {
          "eks.amazonaws.com/role-arn": input.roleArn,
          "eks.amazonaws.com/sts-regional-endpoints": "true",
        },
      },
    },
    configuration: {
      features: input.mode.kind === "csiDataMover" ? "EnableCSI" : "",
      uploaderType: "kopia",
    },
    // The location is created beside the chart (the same way for a Velero the cluster runs);
    // CSI snapshots need no VolumeSnapshotLocation.
    backupsEnabled: false,
    snapshotsEnabled: false,
    // The node agent moves snapshot data and copies mounted volumes (host paths: its namespace is privileged).
    deployNodeAgent: true,
    metrics: {
      enabled: true,
      serviceMonitor: input.serviceMonitorLabels
        ? { enabled: true, autodetect: false, additionalLabels: { ...input.serviceMonitorLabels } }
        : { enabled: false },
    },
  };
}

export interface VeleroBackupsArgs {
  /** Install Velero (chart) in `namespace`, or use the Velero already running there. */
  install: boolean;
  /** Velero's namespace (`backup.velero.namespace`); its location, schedule and restores go there. */
  namespace: string;
  /** The pinned vmware-tanzu velero chart version, when installing. */
  chartVersion: string;
  /** Where the chart comes from (a repository, an oci:// repository or an archive); default upstream. */
  chartRepository?: string;
  /** The chart's values (buildVeleroValues): images, the IRSA role, the node agent for file-system backups. */
  values: pulumi.Input<ReturnType<typeof buildVeleroValues>>;
  /** Our BackupStorageLocation: the bucket, its KMS key, region and prefix. */
  location: pulumi.Input<StorageLocationInput>;
  /** The Schedule that backs up the Badger pod's volume: cron, TTL, selector and mode. */
  schedule: BadgerScheduleInput;
  /**
   * Restore the Badger claim from a backup before Jaeger starts: from our own location, or from a
   * read-only location on another stack's backups.
   */
  restore?: {
    readonly spec: pulumi.Input<BadgerRestoreInput>;
    readonly source?: Omit<StorageLocationInput, "kmsKeyArn">;
    readonly timeoutSeconds: number;
  };
  /** Labels of the location, schedule and restore objects. */
  labels: Record<string, string>;
}

/**
 * Velero backups of the Badger volume: Velero itself (or the one already running), our backup
 * location on the hardened bucket, the schedule, and an optional restore before Jaeger starts.
 */
export class VeleroBackups extends pulumi.ComponentResource {
  /** The Restore that creates the Badger claim (Jaeger waits for it), when restoring. */
  public readonly restore?: pulumi.Resource;

  constructor(name: string, args: VeleroBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:VeleroBackups", name, {}, opts);
    const dependsOn: pulumi.Resource[] = [];
    if (args.install) {
      // The node agent mounts /var/lib/kubelet/pods from the host: only "privileged" admits it.
      const namespace = new k8s.core.v1.Namespace(
        `${name}-namespace`,
        {
          metadata: {
            name: args.namespace,
            labels: { ...podSecurityLevel("privileged"), ...args.labels },
          },
        },
        { parent: this },
      );
      dependsOn.push(
        new k8s.helm.v3.Release(
          `${name}-velero`,
          {
            name: "velero",
            ...releaseChart("velero", args.chartVersion, args.chartRepository),
            namespace: namespace.metadata.name,
            values: args.values,
          },
          { parent: this },
        ),
      );
    }
    const location = new k8s.apiextensions.CustomResource(
      `${name}-location`,
      {
        apiVersion: "velero.io/v1",
        kind: "BackupStorageLocation",
        metadata: {
          name: VELERO_OBJECTS.storageLocation,
          namespace: args.namespace,
          labels: args.labels,
          // A restore of this stack's own backup waits for their sync.
          ...(args.restore && !args.restore.source && { annotations: { ...LOCATION_SYNCED_ANNOTATIONS } }),
        },
        spec: pulumi.output(args.location).apply(buildStorageLocationSpec),
      },
      { parent: this, dependsOn },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-schedule`,
      {
        apiVersion: "velero.io/v1",
        kind: "Schedule",
        metadata: { name: VELERO_OBJECTS.schedule, namespace: args.namespace, labels: args.labels },
        spec: buildBadgerScheduleSpec(args.schedule),
      },
      { parent: this, dependsOn: [...dependsOn, location] },
    );
    if (args.restore) {
      const restore = args.restore;
      const source =
        restore.source &&
        new k8s.apiextensions.CustomResource(
          `${name}-restore-location`,
          {
            apiVersion: "velero.io/v1",
            kind: "BackupStorageLocation",
            metadata: {
              name: VELERO_OBJECTS.restoreLocation,
              namespace: args.namespace,
              labels: args.labels,
              annotations: { ...LOCATION_SYNCED_ANNOTATIONS },
            },
            spec: buildReadOnlyLocationSpec(restore.source),
          },
          { parent: this, dependsOn },
        );
      this.restore = new k8s.apiextensions.CustomResource(
        `${name}-restore`,
        {
          apiVersion: "velero.io/v1",
          kind: "Restore",
          metadata: {
            name: VELERO_OBJECTS.restore,
            namespace: args.namespace,
            labels: args.labels,
            annotations: restoreAwaitAnnotations(restore.timeoutSeconds),
          },
          spec: pulumi.output(restore.spec).apply(buildBadgerRestoreSpec),
        },
        {
          parent: this,
          dependsOn: [...dependsOn, location, ...(source ? [source] : [])],
          // A restore happens once; its claim then belongs to the stack's Jaeger.
          ignoreChanges: ["spec"],
        },
      );
    }
    this.registerOutputs({});
  }
}
