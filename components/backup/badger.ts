// Scheduled, consistent Badger backups, an on-demand restore and a guard that brings Jaeger
// back if a backup dies while Jaeger is stopped, as CronJobs in Jaeger's namespace, with
// RBAC limited to what each of them does.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  BADGER_BACKUP_OBJECTS,
  BadgerJobInput,
  buildBadgerBackupCronJob,
  buildBadgerGuardCronJob,
  buildBadgerRestoreCronJob,
  buildBadgerUploadCronJob,
  loadScripts,
} from "./jobs";

export interface BadgerBackupsArgs extends Omit<BadgerJobInput, "namespace" | "bucket" | "scriptsConfigMap"> {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  schedule: string;
  bucket: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
}

export const BACKUP_OBJECTS = {
  scripts: "jaeger-backup-scripts",
  role: "jaeger-backup",
  backup: "jaeger-badger-backup",
  upload: BADGER_BACKUP_OBJECTS.uploadCronJob,
  restore: "jaeger-badger-restore",
  guard: "jaeger-badger-backup-guard",
} as const;

/** How long Jaeger may stay stopped by a backup before the guard starts it whatever the backup does. */
export const MAX_DOWN_SECONDS = 1800;

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/** Scale the Jaeger Deployment and mark it (annotations) while it is stopped; watch its pods. */
export function scalingRules(deployment: string): PolicyRule[] {
  return [
    { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [deployment], verbs: ["get", "patch"] },
    {
      apiGroups: ["apps"],
      resources: ["deployments/scale"],
      resourceNames: [deployment],
      verbs: ["get", "patch", "update"],
    },
    // `kubectl wait --for=delete` watches the Jaeger pods; the guard lists backup pods.
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
  ];
}

/** Snapshot mode: snapshot the claim, restore it into the clone claim, start the upload Job. */
export function snapshotRules(sourceClaim: string): PolicyRule[] {
  return [
    // Snapshot names carry a timestamp, so they cannot be listed by name; create cannot be anyway.
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshots"],
      verbs: ["get", "create", "patch", "delete"],
    },
    { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create"] },
    {
      apiGroups: [""],
      resources: ["persistentvolumeclaims"],
      resourceNames: [sourceClaim, BADGER_BACKUP_OBJECTS.cloneClaim],
      verbs: ["get", "patch", "delete"],
    },
    {
      apiGroups: ["batch"],
      resources: ["cronjobs"],
      resourceNames: [BADGER_BACKUP_OBJECTS.uploadCronJob],
      verbs: ["get"],
    },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get"] },
  ];
}

export class BadgerBackups extends pulumi.ComponentResource {
  constructor(name: string, args: BadgerBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:BadgerBackups", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: { ...args.labels } });
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: meta(BACKUP_OBJECTS.scripts), data: loadScripts() },
      { parent: this },
    );
    const grant = (resource: string, roleName: string, serviceAccount: string, rules: PolicyRule[]) => {
      const role = new k8s.rbac.v1.Role(
        `${name}-${resource}role`,
        { metadata: meta(roleName), rules },
        { parent: this },
      );
      return new k8s.rbac.v1.RoleBinding(
        `${name}-${resource}binding`,
        {
          metadata: meta(roleName),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
          subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: args.namespaceName }],
        },
        { parent: this, dependsOn: [role] },
      );
    };
    const snapshots = !!args.volumeSnapshotClass;
    const binding = grant("", BACKUP_OBJECTS.role, args.serviceAccountName, [
      ...scalingRules(args.deployment),
      ...(snapshots ? snapshotRules(args.claimName) : []),
    ]);
    // The guard has its own identity: no S3 access, only scaling Jaeger back.
    const guardAccount = new k8s.core.v1.ServiceAccount(
      `${name}-guard-sa`,
      { metadata: meta(BACKUP_OBJECTS.guard), automountServiceAccountToken: false },
      { parent: this },
    );
    const guardBinding = grant("guard-", BACKUP_OBJECTS.guard, BACKUP_OBJECTS.guard, scalingRules(args.deployment));

    const jobArgs = pulumi.all([args.bucket, args.kmsKeyArn]).apply(([bucket, kmsKeyId]) => ({
      ...args,
      namespace: args.namespaceName,
      bucket,
      kmsKeyId,
      scriptsConfigMap: BACKUP_OBJECTS.scripts,
    }));
    const after = { parent: this, dependsOn: [scripts, binding] };
    if (snapshots) {
      new k8s.batch.v1.CronJob(
        `${name}-upload`,
        { metadata: meta(BACKUP_OBJECTS.upload), spec: jobArgs.apply(buildBadgerUploadCronJob) },
        after,
      );
    }
    new k8s.batch.v1.CronJob(
      `${name}-backup`,
      { metadata: meta(BACKUP_OBJECTS.backup), spec: jobArgs.apply(buildBadgerBackupCronJob) },
      after,
    );
    new k8s.batch.v1.CronJob(
      `${name}-restore`,
      { metadata: meta(BACKUP_OBJECTS.restore), spec: jobArgs.apply(buildBadgerRestoreCronJob) },
      after,
    );
    new k8s.batch.v1.CronJob(
      `${name}-guard`,
      {
        metadata: meta(BACKUP_OBJECTS.guard),
        spec: jobArgs.apply((a) =>
          buildBadgerGuardCronJob({
            ...a,
            guardServiceAccountName: BACKUP_OBJECTS.guard,
            maxDownSeconds: MAX_DOWN_SECONDS,
          }),
        ),
      },
      { parent: this, dependsOn: [scripts, guardAccount, guardBinding] },
    );
    this.registerOutputs({});
  }
}
