// The dev stack's Jaeger (Badger, all-in-one) on the real Jaeger 2.20, with the files its pod mounts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { counterSum, engineCommand, listeningPorts, waitFor } from "../support/engines";
import { objectNamed } from "../support/objects";
import { Protocol, RunningJaeger, jaegerCommand, jaegerSource, prometheusService, queryTrace, sendSpans, startJaeger } from "./support/jaeger";

/** Each ingestion protocol, where the rendered config turns it on, and the container port it uses. */
const PROTOCOLS: readonly { protocol: Protocol; receiver: string[]; port: number }[] = [
  { protocol: "otlp-grpc", receiver: ["otlp", "protocols", "grpc"], port: 4317 },
  { protocol: "otlp-http", receiver: ["otlp", "protocols", "http"], port: 4318 },
  { protocol: "jaeger-grpc", receiver: ["jaeger", "protocols", "grpc"], port: 14250 },
  { protocol: "jaeger-thrift-http", receiver: ["jaeger", "protocols", "thrift_http"], port: 14268 },
  { protocol: "zipkin", receiver: ["zipkin"], port: 9411 },
];

function renderedConfig(evaluation: Evaluation): Record<string, unknown> {
  return parse(objectNamed(evaluation, "ConfigMap", "jaeger-config").data?.["config.yaml"] ?? "") as Record<string, unknown>;
}

function at(doc: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe("e2e: the dev stack's Jaeger on Jaeger 2.20 (Badger all-in-one)", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger;
  let badger: string;
  let services: Map<string, string>;
  const spansend = () => engineCommand("spansend");

  before(async function () {
    evaluation = await evaluateStack("dev");
    badger = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-badger-"));
    // No Prometheus here (the SPM suite runs one): the Monitor tab's queries go to a closed port.
    services = await prometheusService();
    jaeger = await startJaeger(evaluation, "jaeger", { volumeDirs: { badger }, services });
  });

  after(async function () {
    await jaeger?.stop();
    if (badger) fs.rmSync(badger, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(jaeger?.engine.logTail(40));
  });

  it("runs the Jaeger version of the deployed image", function () {
    const image = objectNamed(evaluation, "Deployment", "jaeger").spec?.template.spec?.containers[0].image;
    assert.equal(image, jaegerSource().image, "the engine the tests build is the one the stack deploys");
    const run = spawnSync(jaegerCommand("jaeger"), ["version"], { encoding: "utf8" });
    assert.match(run.stdout, new RegExp(`"gitVersion":"${jaegerSource().version}"`));
    assert.match(run.stdout, new RegExp(`"gitCommit":"${jaegerSource().commit}"`));
  });

  it("starts healthy with no warning or error in its log", function () {
    assert.deepEqual(jaeger.problems(), []);
  });

  for (const { protocol, receiver, port } of PROTOCOLS) {
    it(`returns from the query API a trace sent over ${protocol}`, async function () {
      assert.ok(at(renderedConfig(evaluation), ["receivers", ...receiver]) !== undefined, `dev enables ${protocol}`);
      const sent = sendSpans(spansend(), protocol, `127.0.0.1:${jaeger.pod.port(port)}`, {
        service: `e2e-${protocol}`,
        operation: `GET /${protocol}`,
      });
      const trace = await waitFor(
        `trace ${sent.traceIds[0]} (sent over ${protocol}) in the query API`,
        () => queryTrace(jaeger.url(16686), sent.traceIds[0]),
        { timeoutMs: 20_000, engines: [jaeger.engine] },
      );
      // Zipkin's model lowercases span names on the wire (openzipkin/zipkin-go model/span.go, MarshalJSON).
      const operation = protocol === "zipkin" ? `GET /${protocol}`.toLowerCase() : `GET /${protocol}`;
      assert.equal(trace.spans[0].operationName, operation);
      assert.deepEqual(Object.values(trace.processes).map((p) => p.serviceName), [`e2e-${protocol}`]);
    });
  }

  it("counts only the spans clients send: the query API does not trace itself into the stack", async function () {
    const accepted = async () => {
      return counterSum(await (await fetch(`${jaeger.url(8888)}/metrics`)).text(), "otelcol_receiver_accepted_spans_total");
    };
    const before = await accepted();
    for (let i = 0; i < 5; i++) {
      await fetch(`${jaeger.url(16686)}/api/services`);
      await fetch(`${jaeger.url(16686)}/api/traces/0123456789abcdef0123456789abcdef`);
    }
    // The SDK's batch span processor exports every 5 s, the receiver counts on arrival: wait past
    // two exports.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    assert.equal(await accepted(), before, "UI requests must not become spans in the stack's own storage and SPM");
  });

  it("listens on exactly the ports the container declares (nothing the Services and NetworkPolicies do not cover)", function () {
    const declared = [...jaeger.pod.addresses.ports.values()].sort((a, b) => a - b);
    assert.deepEqual(listeningPorts(jaeger.engine.pid ?? 0), declared);
  });

  it("keeps stored traces across a restart on the same Badger directory", async function () {
    const sent = sendSpans(spansend(), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, { service: "e2e-restart" });
    await waitFor(`trace ${sent.traceIds[0]} before the restart`, () => queryTrace(jaeger.url(16686), sent.traceIds[0]), {
      timeoutMs: 20_000,
      engines: [jaeger.engine],
    });
    // A rolling update stops the pod with SIGTERM; Badger closes cleanly within the grace period.
    await jaeger.stop();
    jaeger = await startJaeger(evaluation, "jaeger", { volumeDirs: { badger }, services, name: "jaeger (restarted)" });
    const trace = await queryTrace(jaeger.url(16686), sent.traceIds[0]);
    assert.ok(trace, "the trace stored before the restart is returned after it");
    assert.deepEqual(jaeger.problems(), []);
  });
});
