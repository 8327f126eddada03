// Entry point: read and validate the stack config, wire the components, export outputs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { Jaeger } from "./components/jaeger";
import { tracingNamespace } from "./components/namespace";

const config = loadStackConfig();

if (config.storage.backend !== "badger") {
  throw new pulumi.RunError(
    `jaeger-spm:storage.backend = "${config.storage.backend}": the Elasticsearch/OpenSearch deployment is not available in this version; use "badger".`,
  );
}

const kubernetes = new k8s.Provider("kubernetes", {
  context: config.kubernetesContext || undefined,
  // Sampling strategies are updated in place (and hot-reloaded by Jaeger) instead of replaced.
  enableConfigMapMutable: true,
});

const namespaceName = tracingNamespace(
  { name: config.namespace, create: config.createNamespace, protectData: config.protectData },
  { provider: kubernetes },
);

const jaeger = new Jaeger(
  "jaeger",
  {
    namespace: namespaceName,
    image: config.jaeger.image,
    resources: config.jaeger.resources,
    terminationGracePeriodSeconds: config.jaeger.terminationGracePeriodSeconds,
    storage: {
      retention: config.storage.retention,
      volumeSize: config.storage.badger.volumeSize,
      storageClass: config.storage.badger.storageClass,
    },
    sampling: config.sampling,
    spm: config.spm,
    query: config.jaeger.query,
    protectData: config.protectData,
  },
  { providers: { kubernetes } },
);

export const namespace = jaeger.namespace;
export const storageBackend = config.storage.backend;
export const uiUrl = jaeger.endpoints.uiUrl;
export const uiPortForward = jaeger.endpoints.uiPortForward;
export const otlpGrpcEndpoint = jaeger.endpoints.otlpGrpc;
export const otlpHttpEndpoint = jaeger.endpoints.otlpHttp;
export const jaegerGrpcEndpoint = jaeger.endpoints.jaegerGrpc;
export const jaegerThriftHttpEndpoint = jaeger.endpoints.jaegerThriftHttp;
export const zipkinEndpoint = jaeger.endpoints.zipkin;
export const samplingEndpoint = jaeger.endpoints.samplingHttp;
export const spmPrometheusUrl = config.spm.prometheusUrl;
