// Backups to S3: the components and their alerts. BackupBucket is exported as a type only: its
// module loads @pulumi/aws, which JaegerSpmStack loads only when backups are on
// (import it from "./bucket" to create one).
export { VeleroBackups, buildVeleroValues } from "./velero";
export type { VeleroBackupsArgs } from "./velero";
export { ElasticsearchSnapshots } from "./snapshots";
export type { ElasticsearchSnapshotsArgs } from "./snapshots";
export type { BackupBucket, BackupBucketArgs, BackupWriter } from "./bucket";
export { backupAlerts } from "./alerts";
export type { BackupAlertsInput } from "./alerts";
