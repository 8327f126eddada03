// Entry point of the project's own stacks: read and validate the stack config, create the
// stack component, export its outputs. Everything the stack decides is in components/stack/.
import * as k8s from "@pulumi/kubernetes";
import { loadStackConfig } from "./config/load";
import { JaegerSpmStack } from "./components/stack";

const config = loadStackConfig();

const kubernetes = new k8s.Provider("kubernetes", {
  context: config.kubernetesContext || undefined,
  // Sampling strategies are updated in place (and hot-reloaded by Jaeger) instead of replaced.
  enableConfigMapMutable: true,
  // `pulumi destroy` keeps the trace data and its namespace (storage.deleteDataOnDestroy); the next
  // `pulumi up` of the stack takes them over again by server-side apply instead of failing with
  // "already exists" (the provider's default since 4.32). Fields another manager owns still conflict.
  upsertExistingObjects: true,
});

const { outputs } = new JaegerSpmStack("jaeger-spm", { config }, { providers: { kubernetes } });

export const namespace = outputs.namespace;
export const storageBackend = outputs.storageBackend;
export const jaegerRoles = outputs.jaegerRoles;
export const uiUrl = outputs.uiUrl;
export const uiPortForward = outputs.uiPortForward;
export const otlpGrpcEndpoint = outputs.otlpGrpcEndpoint;
export const otlpHttpEndpoint = outputs.otlpHttpEndpoint;
export const jaegerGrpcEndpoint = outputs.jaegerGrpcEndpoint;
export const jaegerThriftHttpEndpoint = outputs.jaegerThriftHttpEndpoint;
export const zipkinEndpoint = outputs.zipkinEndpoint;
export const samplingEndpoint = outputs.samplingEndpoint;
export const searchServerUrls = outputs.searchServerUrls;
export const prometheusUrl = outputs.prometheusUrl;
// A summary, not the rule file itself (it would fill every `pulumi up` summary); the file:
// `npm run render -- <stack>` (out/<stack>/prometheus/).
export const prometheusRules = outputs.prometheusRules;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
export const grafanaPortForward = outputs.grafanaPortForward;
export const grafanaDashboardUids = outputs.grafanaDashboardUids;
export const backupBucket = outputs.backupBucket;
export const backupLocation = outputs.backupLocation;
