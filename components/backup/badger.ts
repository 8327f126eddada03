// Scheduled, consistent Badger backups and an on-demand restore, as CronJobs in
// Jaeger's namespace, with RBAC that lets them scale only the Jaeger Deployment.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BadgerJobInput, buildBadgerBackupCronJob, buildBadgerRestoreCronJob, loadScripts } from "./jobs";

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
  restore: "jaeger-badger-restore",
} as const;

export class BadgerBackups extends pulumi.ComponentResource {
  constructor(name: string, args: BadgerBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:BadgerBackups", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: { ...args.labels } });
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: meta(BACKUP_OBJECTS.scripts), data: loadScripts() },
      { parent: this },
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-role`,
      {
        metadata: meta(BACKUP_OBJECTS.role),
        rules: [
          { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [args.deployment], verbs: ["get"] },
          {
            apiGroups: ["apps"],
            resources: ["deployments/scale"],
            resourceNames: [args.deployment],
            verbs: ["get", "patch", "update"],
          },
          // `kubectl wait --for=delete` watches the Jaeger pods.
          { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        ],
      },
      { parent: this },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: meta(BACKUP_OBJECTS.role),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: BACKUP_OBJECTS.role },
        subjects: [{ kind: "ServiceAccount", name: args.serviceAccountName, namespace: args.namespaceName }],
      },
      { parent: this, dependsOn: [role] },
    );
    const jobArgs = pulumi.all([args.bucket, args.kmsKeyArn]).apply(([bucket, kmsKeyId]) => ({
      ...args,
      namespace: args.namespaceName,
      bucket,
      kmsKeyId,
      scriptsConfigMap: BACKUP_OBJECTS.scripts,
    }));
    new k8s.batch.v1.CronJob(
      `${name}-backup`,
      { metadata: meta(BACKUP_OBJECTS.backup), spec: jobArgs.apply(buildBadgerBackupCronJob) },
      { parent: this, dependsOn: [scripts, binding] },
    );
    new k8s.batch.v1.CronJob(
      `${name}-restore`,
      { metadata: meta(BACKUP_OBJECTS.restore), spec: jobArgs.apply(buildBadgerRestoreCronJob) },
      { parent: this, dependsOn: [scripts, binding] },
    );
    this.registerOutputs({});
  }
}
