// Two small pure builders, called directly: the sampling strategies file Jaeger serves to SDKs,
// and the addresses the stack exports for clients.
import * as assert from "node:assert/strict";
import { jaegerEndpoints } from "../components/jaeger/endpoints";
import { PORTS } from "../components/jaeger/ports";
import { buildSamplingStrategies, renderSamplingStrategies } from "../components/jaeger/sampling";
import type { SamplingConfig } from "../config/shapes";

const SAMPLING: SamplingConfig = {
  default: { type: "probabilistic", param: 0.1, operations: [] },
  services: [
    { service: "gateway", type: "probabilistic", param: 1, operations: [] },
    {
      service: "checkout",
      type: "ratelimiting",
      param: 50,
      operations: [{ operation: "GET /health", type: "probabilistic", param: 0 }],
    },
  ],
  reloadInterval: "30s",
};

describe("sampling strategies file (buildSamplingStrategies)", () => {
  it("is Jaeger's file format: a default strategy and one entry per service, in the configured order", () => {
    const file = buildSamplingStrategies(SAMPLING);
    assert.deepEqual(Object.keys(file).sort(), ["default_strategy", "service_strategies"]);
    assert.deepEqual(file.default_strategy, { type: "probabilistic", param: 0.1 });
    assert.deepEqual(
      file.service_strategies.map((s) => [s.service, s.type, s.param]),
      [
        ["gateway", "probabilistic", 1],
        ["checkout", "ratelimiting", 50],
      ],
    );
  });

  it("gives per-operation rules only to services that have them, as probabilistic rules", () => {
    const [gateway, checkout] = buildSamplingStrategies(SAMPLING).service_strategies;
    assert.ok(!("operation_strategies" in gateway), "no empty list for a service without rules");
    assert.deepEqual(checkout.operation_strategies, [{ operation: "GET /health", type: "probabilistic", param: 0 }]);
  });

  it("renders as JSON that reads back as the same document, ending in a newline", () => {
    const text = renderSamplingStrategies(SAMPLING);
    assert.deepEqual(JSON.parse(text), buildSamplingStrategies(SAMPLING));
    assert.ok(text.endsWith("}\n"));
  });
});

describe("client endpoints (jaegerEndpoints)", () => {
  const base = {
    namespace: "tracing",
    queryService: "jaeger-query",
    collectorService: "jaeger-collector",
    query: { serviceType: "ClusterIP" as const, nodePort: 30002 },
    tls: false,
    legacyReceivers: true,
  };
  const collector = "jaeger-collector.tracing.svc.cluster.local";

  it("point at the collector Service's in-cluster name, each on its protocol's port", () => {
    const e = jaegerEndpoints(base);
    assert.equal(e.otlpGrpc, `http://${collector}:${PORTS.otlpGrpc.port}`);
    assert.equal(e.otlpHttp, `http://${collector}:${PORTS.otlpHttp.port}`);
    assert.equal(e.jaegerGrpc, `${collector}:${PORTS.jaegerGrpc.port}`, "a gRPC target has no scheme");
    assert.equal(e.zipkin, `http://${collector}:${PORTS.zipkin.port}/api/v2/spans`);
    assert.equal(e.jaegerThriftHttp, `http://${collector}:${PORTS.jaegerThriftHttp.port}/api/traces`);
    assert.equal(e.uiUrl, `http://jaeger-query.tracing.svc.cluster.local:${PORTS.queryHttp.port}`);
    assert.equal(e.uiPortForward, "kubectl -n tracing port-forward svc/jaeger-query 16686:16686");
  });

  it("with TLS: https for ingestion and the UI; sampling stays plain HTTP (it is served without TLS)", () => {
    const e = jaegerEndpoints({ ...base, tls: true });
    for (const url of [e.otlpGrpc, e.otlpHttp, e.zipkin, e.jaegerThriftHttp, e.uiUrl])
      assert.match(String(url), /^https:\/\//);
    assert.match(e.samplingHttp, /^http:\/\/.*:5778\/sampling$/);
  });

  it("without the legacy receivers: no Jaeger or Zipkin endpoint to send to", () => {
    const e = jaegerEndpoints({ ...base, tls: true, legacyReceivers: false });
    assert.deepEqual([e.jaegerGrpc, e.jaegerThriftHttp, e.zipkin], [null, null, null]);
    assert.ok(e.otlpGrpc.startsWith("https://"));
  });

  it("a NodePort UI is on localhost at the node port (kind, k3d and minikube map it)", () => {
    const e = jaegerEndpoints({ ...base, query: { serviceType: "NodePort", nodePort: 30002 } });
    assert.equal(e.uiUrl, "http://localhost:30002");
  });
});
