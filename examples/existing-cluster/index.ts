// A platform team's own Pulumi program that adds a Jaeger SPM stack to a cluster it already runs:
// its own namespace (with its own quota) and its own Prometheus (kube-prometheus-stack, release
// "platform"), and a ConfigMap telling its OpenTelemetry collectors where to send spans.
// Run under mocks by tests/examples.test.ts; in a real program, import from the package instead
// of "../../library".
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JaegerSpmStack, stackConfigFrom } from "../../library";

const kubernetes = new k8s.Provider("platform-cluster", { enableConfigMapMutable: true });

const namespace = new k8s.core.v1.Namespace(
  "tracing",
  { metadata: { name: "tracing", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
  { provider: kubernetes },
);
new k8s.core.v1.ResourceQuota(
  "tracing-quota",
  { metadata: { namespace: namespace.metadata.name }, spec: { hard: { "requests.memory": "16Gi" } } },
  { provider: kubernetes },
);

const { config, warnings } = stackConfigFrom({
  namespace: "tracing",
  createNamespace: false,
  protectData: false,
  storage: { backend: "badger", retention: "72h", badger: { volumeSize: "20Gi" } },
  spm: { prometheusUrl: "http://platform-prometheus.monitoring.svc:9090" },
  monitoring: {
    scrape: "serviceMonitor",
    selectorLabels: { release: "platform" },
    bundled: { enabled: false },
  },
  grafana: { import: "sidecar", namespace: "monitoring" },
  sampling: { default: { type: "probabilistic", param: 0.2 } },
});
for (const warning of warnings) void pulumi.log.warn(warning);

const tracing = new JaegerSpmStack("tracing", { config }, { providers: { kubernetes }, dependsOn: [namespace] });

// The program's own use of the stack's outputs.
new k8s.core.v1.ConfigMap(
  "otel-exporter-endpoint",
  {
    metadata: { namespace: "opentelemetry", name: "jaeger-endpoint" },
    data: { OTEL_EXPORTER_OTLP_ENDPOINT: tracing.outputs.otlpGrpcEndpoint },
  },
  { provider: kubernetes },
);

export const otlpGrpcEndpoint = tracing.outputs.otlpGrpcEndpoint;
export const uiPortForward = tracing.outputs.uiPortForward;
