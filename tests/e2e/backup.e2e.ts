// The Badger backup data path on the real Jaeger 2.20: what a crash-consistent snapshot of the
// claim holds (the state of the volume at one instant, as after a crash: here the process is
// killed with SIGKILL and its directory copied), restored into a new directory that Jaeger then
// opens with the stack's own config. Cluster and cloud calls (Velero, CSI, S3) are not run here;
// their objects are tested in tests/backup.test.ts.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import { RunningJaeger, queryTrace, sendSpans, startJaeger, prometheusService } from "./support/jaeger";

describe("e2e: Badger backups and restores on Jaeger 2.20", function () {
  let evaluation: Evaluation;
  let services: Map<string, string>;
  const dirs: string[] = [];
  const running: RunningJaeger[] = [];
  const tempDir = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${name}-`));
    dirs.push(dir);
    return dir;
  };
  const start = async (badger: string, name: string) => {
    const jaeger = await startJaeger(evaluation, "jaeger", { volumeDirs: { badger }, services, name });
    running.push(jaeger);
    return jaeger;
  };

  before(async function () {
    // Jaeger's config is the same with or without backups (Velero works beside the pod).
    evaluation = await evaluateStack("dev");
    services = await prometheusService();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") for (const j of running) console.log(j.engine.logTail(30));
  });

  after(async function () {
    for (const j of running) await j.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a crash-consistent copy, restored into a new volume, returns every trace stored before the snapshot", async function () {
    const live = tempDir("badger-live");
    const jaeger = await start(live, "jaeger (live)");
    const spansend = engineCommand("spansend");
    const stored: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const sent = sendSpans(spansend, "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, { service: "e2e-backup", count: 200 });
      stored.push(...sent.traceIds);
    }
    // Stored, not only accepted: the batch processor holds accepted spans briefly in memory.
    await waitFor(
      `all ${stored.length} traces in the query API before the snapshot`,
      async () => ((await queryTrace(jaeger.url(16686), stored[stored.length - 1])) ? true : undefined),
      { timeoutMs: 30_000, engines: [jaeger.engine] },
    );
    // More spans keep arriving while the snapshot is taken: the copy is of a store in use.
    sendSpans(spansend, "otlp-http", `127.0.0.1:${jaeger.pod.port(4318)}`, { service: "e2e-backup-late", count: 500 });
    await jaeger.engine.kill("SIGKILL");
    const snapshot = tempDir("badger-snapshot");
    fs.cpSync(live, snapshot, { recursive: true });
    // Velero's data mover writes the snapshot's files into the new claim.
    const restored = tempDir("badger-restored");
    fs.cpSync(snapshot, restored, { recursive: true });

    const fromRestore = await start(restored, "jaeger (restored)");
    const missing: string[] = [];
    for (const id of stored) if (!(await queryTrace(fromRestore.url(16686), id))) missing.push(id);
    assert.deepEqual(missing, [], `of ${stored.length} traces stored before the snapshot, these are missing after the restore`);
    assert.deepEqual(fromRestore.problems(), []);
    // The restored store takes new spans.
    const after = sendSpans(spansend, "otlp-grpc", `127.0.0.1:${fromRestore.pod.port(4317)}`, { service: "e2e-after-restore" });
    await waitFor(`trace ${after.traceIds[0]} sent after the restore`, () => queryTrace(fromRestore.url(16686), after.traceIds[0]), {
      timeoutMs: 20_000,
      engines: [fromRestore.engine],
    });
  });

  it("a restored directory that does not open stops Jaeger at start with Badger's error, instead of serving an empty store", async function () {
    const broken = tempDir("badger-broken");
    const jaeger = await start(tempDir("badger-source"), "jaeger (source)");
    sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, { service: "e2e-broken", count: 50 });
    await jaeger.stop();
    fs.cpSync(jaeger.pod.addresses.mounts.get("/badger") ?? "", broken, { recursive: true });
    // A copy whose manifest was caught mid-write: Badger cannot read which tables the store has.
    const manifest = path.join(broken, "keys", "MANIFEST");
    assert.ok(fs.existsSync(manifest), "Badger keeps its manifest in the keys directory");
    fs.writeFileSync(manifest, fs.readFileSync(manifest).subarray(0, 5));
    await assert.rejects(start(broken, "jaeger (broken restore)"), (error: Error) => {
      assert.match(error.message, /exited while waiting for jaeger's readiness probe/);
      assert.match(error.message, /MANIFEST|manifest/);
      return true;
    });
  });
});
