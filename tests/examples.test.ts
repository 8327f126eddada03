// The example programs run as Pulumi would run them (under mocks): a user's program that composes
// the stack with resources of its own.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ROOT, evaluateStack } from "../scripts/evaluate";
import { StackConfigError, stackConfigFrom } from "../library";
import { objectsOfKind } from "./support/objects";

describe("examples/existing-cluster (the stack in a platform team's own program)", function () {
  this.timeout(60000);
  const program = path.join(ROOT, "examples", "existing-cluster", "index.ts");

  it("deploys into the program's namespace, scraped by its Prometheus, and hands the endpoint to its collectors", async () => {
    const ev = await evaluateStack("example", {}, [], program);
    // The program's namespace is used, not created again.
    assert.deepEqual(
      objectsOfKind(ev, "Namespace").map((n) => n.metadata?.name),
      ["tracing"],
    );
    const deployments = objectsOfKind(ev, "Deployment");
    assert.ok(deployments.length > 0);
    assert.ok(deployments.every((d) => d.metadata?.namespace === "tracing"));
    // The program's Prometheus selects the stack's ServiceMonitor by the program's label.
    const monitors = ev.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    assert.ok(monitors.length > 0);
    for (const m of monitors) {
      assert.equal((m.inputs.metadata as { labels: Record<string, string> }).labels.release, "platform");
    }
    // Nothing of the bundled monitoring is installed.
    assert.ok(!ev.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release"));
    const endpoint = objectsOfKind(ev, "ConfigMap").find((c) => c.metadata?.name === "jaeger-endpoint");
    assert.equal(endpoint?.data?.OTEL_EXPORTER_OTLP_ENDPOINT, ev.outputs.otlpGrpcEndpoint);
    assert.match(String(ev.outputs.otlpGrpcEndpoint), /^http:\/\/jaeger-collector\.tracing\.svc[^:]*:4317$/);
    // Every resource of the stack hangs off the stack component, under the program's provider.
    const stackUrn = ev.resources.find((r) => r.type === "jaeger-spm:index:JaegerSpmStack")?.urn;
    assert.ok(stackUrn);
    const jaeger = ev.resources.find((r) => r.type === "jaeger-spm:jaeger:Jaeger");
    assert.equal(jaeger?.parentUrn, stackUrn);
    const deployment = ev.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.match(String(deployment?.provider), /::platform-cluster::/);
  });

  it("a bad setting fails with the key, the value and what is expected", () => {
    assert.throws(
      () => stackConfigFrom({ storage: { backend: "cassandra" as "badger" } }),
      (error: unknown) =>
        error instanceof StackConfigError &&
        error.problems.some((p) => p.includes("storage.backend") && p.includes('"cassandra"') && p.includes("badger")),
    );
  });
});
