// The project as a library for other Pulumi TypeScript programs (the project's own stacks start
// at index.ts). The stack component with its config validation, and the building blocks for a
// program that composes its own stack, each from its folder's index. See examples/ and the
// README's "Use it from your program".
export { JaegerSpmStack, planStack } from "./components/stack";
export type { JaegerSpmOutputs, JaegerSpmStackArgs, StackPlan } from "./components/stack";
export { StackConfigError, loadStackConfig, parseStackConfig, stackConfigFrom } from "./config/load";
export type { StackConfig, StackSettings } from "./config/load";

// Building blocks, each a ComponentResource with typed args, and the alerts each owner defines.
export { Jaeger, badgerWorkload, jaegerAlerts } from "./components/jaeger";
export type { AlertThresholds, JaegerArgs, JaegerStorageArgs } from "./components/jaeger";
export { SearchBackend } from "./components/search";
export type { SearchBackendArgs } from "./components/search";
export { BundledMonitoring, JaegerMonitoring, buildRuleFile } from "./components/monitoring";
export type { BundledMonitoringArgs, JaegerMonitoringArgs, RuleFile, RuleGroup } from "./components/monitoring";
export { GrafanaDashboards } from "./components/grafana";
export type { GrafanaDashboardsArgs } from "./components/grafana";
export { AccessControl, NetworkPolicies, OidcSignIn } from "./components/security";
export type { AccessControlArgs, NetworkPoliciesArgs, OidcSignInArgs } from "./components/security";
export { ElasticsearchSnapshots, VeleroBackups, backupAlerts } from "./components/backup";
export type {
  BackupBucket,
  BackupBucketArgs,
  ElasticsearchSnapshotsArgs,
  VeleroBackupsArgs,
} from "./components/backup";
