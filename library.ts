// The project as a library for other Pulumi TypeScript programs (the project's own stacks start
// at index.ts). The stack component with its config validation, and the building blocks for a
// program that composes its own stack. See examples/ and the README's "Use it from your program".
export { JaegerSpmStack } from "./components/stack";
export type { JaegerSpmOutputs, JaegerSpmStackArgs } from "./components/stack";
export { planStack } from "./components/stack/plan";
export type { StackPlan } from "./components/stack/plan";
export { StackConfigError, loadStackConfig, parseStackConfig, stackConfigFrom } from "./config/load";
export type { StackConfig, StackSettings } from "./config/load";

// Building blocks, each a ComponentResource with typed args.
export { Jaeger, badgerWorkload } from "./components/jaeger";
export type { JaegerArgs, JaegerStorageArgs } from "./components/jaeger";
export { SearchBackend } from "./components/search";
export type { SearchBackendArgs } from "./components/search";
export { JaegerMonitoring } from "./components/monitoring";
export type { JaegerMonitoringArgs } from "./components/monitoring";
export { BundledMonitoring } from "./components/monitoring/bundled";
export type { BundledMonitoringArgs } from "./components/monitoring/bundled";
export { buildRuleFile } from "./components/monitoring/prometheusRules";
export { GrafanaDashboards } from "./components/grafana";
export type { GrafanaDashboardsArgs } from "./components/grafana";
export { NetworkPolicies } from "./components/security";
export type { NetworkPoliciesArgs } from "./components/security";
export { AccessControl } from "./components/security/access";
export type { AccessControlArgs } from "./components/security/access";
export { OidcSignIn } from "./components/security/signIn";
export type { OidcSignInArgs } from "./components/security/signIn";
export { VeleroBackups } from "./components/backup/velero";
export type { VeleroBackupsArgs } from "./components/backup/velero";
export { ElasticsearchSnapshots } from "./components/backup/snapshots";
export type { ElasticsearchSnapshotsArgs } from "./components/backup/snapshots";
export type { BackupBucket, BackupBucketArgs } from "./components/backup/bucket";
