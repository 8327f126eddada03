// The search backend on the real engines: prod's collector and query roles (Jaeger 2.20) on an
// external OpenSearch 2.19 node secured as a production cluster is (its security plugin: TLS with a
// certificate for the Service's name only, and a user with the role docs/operations.md gives), and
// the index cleaner (built from the same Jaeger source) run as its CronJob runs it. Every client
// gets the CA and the password as the files and env its pod mounts.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { edits } from "../support/stackEdits";
import { Certificates, makeCertificates } from "./support/certs";
import { engineCommand, waitFor } from "../support/engines";
import { localPod } from "../support/localPod";
import { objectNamed } from "../support/objects";
import { RunningJaeger, jaegerCommand, queryTrace, sendSpans, startJaeger, prometheusService } from "./support/jaeger";
import {
  OPENSEARCH_VERSION,
  RunningOpenSearch,
  SEARCH_HOST,
  SEARCH_SERVICE,
  SECURED_SEARCH_SECRETS,
  securedFor,
  securedSearchEdits,
  startOpenSearch,
} from "./support/opensearch";

describe(`e2e: prod's collector and query roles on OpenSearch ${OPENSEARCH_VERSION} (Jaeger 2.20)`, function () {
  let evaluation: Evaluation;
  let opensearch: RunningOpenSearch;
  let collector: RunningJaeger;
  let query: RunningJaeger;
  let services: Map<string, string>;

  let certs: Certificates;
  let dir: string;
  const password = `${randomBytes(12).toString("hex")}-Jg1`;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-search-"));
    certs = makeCertificates(dir, [SEARCH_HOST], { serverAlsoClient: true });
    const ca = fs.readFileSync(certs.serverCa, "utf8");
    evaluation = await evaluateStack("prod", edits("prod", securedSearchEdits(ca, password)), SECURED_SEARCH_SECRETS);
    opensearch = await startOpenSearch(securedFor(certs, password));
    services = new Map([[SEARCH_SERVICE, opensearch.url.replace("https://", "")], ...(await prometheusService())]);
    collector = await startJaeger(evaluation, "jaeger-collector", { services, name: "jaeger (collector)" });
    query = await startJaeger(evaluation, "jaeger-query", { services, name: "jaeger (query)" });
  });

  after(async function () {
    await query?.stop();
    await collector?.stop();
    await opensearch?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      for (const e of [collector?.engine, query?.engine, opensearch?.engine]) if (e) console.log(e.logTail(30));
    }
  });

  it("starts both roles with nothing logged at warn or above", function () {
    assert.deepEqual(collector.problems(), []);
    assert.deepEqual(query.problems(), []);
  });

  it("stores spans sent to the collector role in OpenSearch, and the query role returns them", async function () {
    const sent = sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${collector.pod.port(4317)}`, {
      service: "e2e-search",
      count: 20,
    });
    for (const id of sent.traceIds) {
      await waitFor(`trace ${id} through the query role`, () => queryTrace(query.url(16686), id), {
        timeoutMs: 30_000,
        engines: [collector.engine, query.engine],
      });
    }
    const indices = (await opensearch.request("GET", "/_cat/indices?format=json")).body as { index: string }[];
    assert.ok(
      indices.some((i) => /^jaeger-span-\d{4}-\d{2}-\d{2}$/.test(i.index)),
      JSON.stringify(indices),
    );
  });

  it("the documented role reads Jaeger's indices and nothing else: another index and the security API answer 403", async function () {
    const jaeger = { user: "jaeger", password };
    const own = await opensearch.request("GET", "/jaeger-span-*/_search?size=0", undefined, jaeger);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const created = await opensearch.request("PUT", "/audit-e2e-role", {});
    assert.equal(created.status, 200, JSON.stringify(created.body));
    for (const [method, url] of [
      ["GET", "/audit-e2e-role/_search"],
      ["DELETE", "/audit-e2e-role"],
      ["PUT", "/audit-e2e-role/_doc/1"],
      ["GET", "/_plugins/_security/api/internalusers"],
    ] as const) {
      const answer = await opensearch.request(method, url, method === "PUT" ? { a: 1 } : undefined, jaeger);
      assert.equal(answer.status, 403, `${method} ${url} as jaeger: ${JSON.stringify(answer.body)}`);
    }
    await opensearch.request("DELETE", "/audit-e2e-role");
  });

  it("only the collector role writes index templates; the query role starts without creating mappings", function () {
    const config = (name: string) =>
      parse(objectNamed(evaluation, "ConfigMap", name).data?.["config.yaml"] ?? "") as {
        extensions: { jaeger_storage: { backends: { traces: { opensearch: { create_mappings?: boolean } } } } };
      };
    assert.equal(
      config("jaeger-query-config").extensions.jaeger_storage.backends.traces.opensearch.create_mappings,
      false,
    );
    assert.equal(
      config("jaeger-collector-config").extensions.jaeger_storage.backends.traces.opensearch.create_mappings,
      undefined,
    );
  });

  /** The index cleaner CronJob's container, as its pod runs it (localPod), to its end. */
  const runIndexCleaner = async (retentionDays?: string) => {
    const pod = await localPod(evaluation, "jaeger-es-index-cleaner", { kind: "CronJob", services });
    try {
      if (retentionDays !== undefined) {
        assert.match(pod.args[0], /^\d+$/, "the first argument is the retention in days");
        pod.args[0] = retentionDays;
      }
      return await pod.run(jaegerCommand("es-index-cleaner"), { timeoutMs: 60_000 });
    } finally {
      pod.remove();
    }
  };
  /** Every index's name, sorted. */
  const indexNames = async () =>
    ((await opensearch.request("GET", "/_cat/indices?format=json")).body as { index: string }[])
      .map((i) => i.index)
      .sort();

  it("the index cleaner, run as its CronJob runs it, cuts off at the retention and keeps every index inside it", async function () {
    const before = await indexNames();
    const run = await runIndexCleaner();
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    // It deletes indices created more than the retention's days ago, judged by creation date, not
    // by the date in the name (cmd/es-index-cleaner/app/cutoff_time.go; relative to now, as the
    // feature gate es.index.relativeTimeIndexDeletion is on in 2.20).
    const logged = /"msg":"Indices before this date will be deleted","date":"([^"]+)"/.exec(run.stdout + run.stderr);
    assert.ok(logged, run.stdout + run.stderr);
    const cutoff = Date.parse(logged[1]);
    assert.ok(
      Math.abs(cutoff - (Date.now() - 7 * 86_400_000)) < 120_000,
      `cutoff ${logged[1]} is 7 days (prod's 168h retention) ago`,
    );
    const after = await indexNames();
    assert.deepEqual(after, before, "today's indices are inside the retention and stay");
    assert.ok(after.some((i) => /^jaeger-span-/.test(i)));
  });

  it("the index cleaner, with the CronJob's connection args, deletes Jaeger's indices created before its cutoff and nothing else", async function () {
    // OpenSearch stamps index.creation_date itself (it refuses the setting), so no index here can be
    // made older than the retention; the run keeps the CronJob's URL, TLS and auth args and gives 0
    // days instead, which puts the cutoff at now: every Jaeger index outside a write alias qualifies.
    for (const index of ["jaeger-span-2020-01-01", "jaeger-service-2020-01-01", "audit-2020-01-01"]) {
      const created = await opensearch.request("PUT", `/${index}`, {});
      assert.equal(created.status, 200, JSON.stringify(created.body));
    }
    const before = await indexNames();
    assert.ok(
      before.some((i) => /^jaeger-span-\d{4}-\d{2}-\d{2}$/.test(i) && !i.startsWith("jaeger-span-2020")),
      "today's span index exists",
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // creation dates strictly before the cutoff
    const run = await runIndexCleaner("0");
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const after = await indexNames();
    const jaegerIndex = /^jaeger-(span|service|dependencies|sampling)-\d{4}-\d{2}-\d{2}$/;
    assert.deepEqual(
      after.filter((i) => jaegerIndex.test(i)),
      [],
      `Jaeger indices left: ${after.join(", ")}`,
    );
    assert.ok(after.includes("audit-2020-01-01"), "an index that is not Jaeger's stays, whatever its name's date");
    assert.deepEqual(
      after,
      before.filter((i) => !jaegerIndex.test(i)),
      "only Jaeger's indices went",
    );
  });
});
