// Retention on Badger, on the real Jaeger 2.20: storage.retention becomes Badger's TTL for spans,
// and Jaeger stops returning a trace once it has passed. The shortest retention the config takes
// is 1h, too long to wait for here; the test checks that the rendered TTL is the retention, then
// shortens only that one value in the rendered config, so that what expires is decided by the key
// the program writes and the engine reads.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import { objectNamed } from "../support/objects";
import { RunningJaeger, prometheusService, queryTrace, sendSpans, startJaeger } from "./support/jaeger";

const TTL_PATH = ["extensions", "jaeger_storage", "backends", "traces", "badger", "ttl", "spans"];
const SHORT_TTL_SECONDS = 4;

describe("e2e: retention on Badger (Jaeger 2.20)", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger | undefined;
  let badger: string;

  before(async function () {
    evaluation = await evaluateStack("dev", configSet(stackConfig("dev"), "storage.retention", "1h", { path: true }));
    badger = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-retention-"));
  });

  after(async function () {
    await jaeger?.stop();
    if (badger) fs.rmSync(badger, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && jaeger) console.log(jaeger.engine.logTail(40));
  });

  it("renders storage.retention as Badger's span TTL", function () {
    const doc = parseDocument(objectNamed(evaluation, "ConfigMap", "jaeger-config").data?.["config.yaml"] ?? "");
    assert.equal(doc.getIn(TTL_PATH), "1h");
  });

  it(`stops returning a trace once that TTL has passed (TTL shortened to ${SHORT_TTL_SECONDS}s), and keeps storing new ones`, async function () {
    const configMap = objectNamed(evaluation, "ConfigMap", "jaeger-config");
    const doc = parseDocument(configMap.data?.["config.yaml"] ?? "");
    doc.setIn(TTL_PATH, `${SHORT_TTL_SECONDS}s`);
    configMap.data = { ...configMap.data, "config.yaml": doc.toString() };
    jaeger = await startJaeger(evaluation, "jaeger", { volumeDirs: { badger }, services: await prometheusService() });
    const running = jaeger;
    const endpoint = `127.0.0.1:${running.pod.port(4318)}`;
    const first = sendSpans(engineCommand("spansend"), "otlp-http", endpoint, { service: "e2e-retention" });
    const written = Date.now();
    await waitFor(
      `trace ${first.traceIds[0]} in the query API right after it was sent`,
      () => queryTrace(running.url(16686), first.traceIds[0]),
      {
        timeoutMs: 10_000,
        engines: [running.engine],
      },
    );
    await waitFor(
      `trace ${first.traceIds[0]} to be gone from the query API once ${SHORT_TTL_SECONDS}s have passed`,
      async () => ((await queryTrace(running.url(16686), first.traceIds[0])) === undefined ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 500, engines: [running.engine] },
    );
    assert.ok(Date.now() - written >= (SHORT_TTL_SECONDS - 1) * 1000, "not gone before its TTL");
    const second = sendSpans(engineCommand("spansend"), "otlp-http", endpoint, { service: "e2e-retention" });
    await waitFor(
      `trace ${second.traceIds[0]}, sent after the first expired`,
      () => queryTrace(running.url(16686), second.traceIds[0]),
      {
        timeoutMs: 10_000,
        engines: [running.engine],
      },
    );
  });
});
