// The search backend on the real engines: prod's collector and query roles (Jaeger 2.20) on an
// external OpenSearch 2.19 node, and the index cleaner (built from the same Jaeger source) run as
// its CronJob runs it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import { localizeArgs } from "../support/localPod";
import { objectNamed } from "../support/objects";
import { RunningJaeger, jaegerCommand, queryTrace, sendSpans, startJaeger, prometheusService } from "./support/jaeger";
import { OPENSEARCH_VERSION, RunningOpenSearch, startOpenSearch } from "./support/opensearch";

const SEARCH_SERVICE = "opensearch.search.svc:9200";

describe(`e2e: prod's collector and query roles on OpenSearch ${OPENSEARCH_VERSION} (Jaeger 2.20)`, function () {
  let evaluation: Evaluation;
  let opensearch: RunningOpenSearch;
  let collector: RunningJaeger;
  let query: RunningJaeger;
  let services: Map<string, string>;

  before(async function () {
    let raw = stackConfig("prod");
    for (const [key, value] of [
      ["storage.elasticsearch.mode", "external"],
      ["storage.elasticsearch.flavor", "opensearch"],
      ["storage.elasticsearch.serverUrls[0]", `http://${SEARCH_SERVICE}`],
      ["storage.elasticsearch.majorVersion", "2"],
    ] as const) {
      raw = configSet(raw, key, value, { path: true });
    }
    evaluation = await evaluateStack("prod", raw);
    opensearch = await startOpenSearch();
    services = new Map([[SEARCH_SERVICE, opensearch.url.replace("http://", "")], ...(await prometheusService())]);
    collector = await startJaeger(evaluation, "jaeger-collector", { services, name: "jaeger (collector)" });
    query = await startJaeger(evaluation, "jaeger-query", { services, name: "jaeger (query)" });
  });

  after(async function () {
    await query?.stop();
    await collector?.stop();
    await opensearch?.stop();
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

  /** The index cleaner CronJob's args (addresses mapped to this machine) and environment. */
  const indexCleaner = () => {
    const container = objectNamed(evaluation, "CronJob", "jaeger-es-index-cleaner").spec?.jobTemplate.spec?.template
      .spec?.containers[0];
    assert.ok(container?.args);
    const args = localizeArgs(container.args, { mounts: new Map(), ports: new Map(), services });
    return { args, env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ""])) };
  };
  const runIndexCleaner = (args: string[], env: Record<string, string>) =>
    spawnSync(jaegerCommand("es-index-cleaner"), args, {
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
  /** Every index's name, sorted. */
  const indexNames = async () =>
    ((await opensearch.request("GET", "/_cat/indices?format=json")).body as { index: string }[])
      .map((i) => i.index)
      .sort();

  it("the index cleaner, run as its CronJob runs it, cuts off at the retention and keeps every index inside it", async function () {
    const { args, env } = indexCleaner();
    const before = await indexNames();
    const run = runIndexCleaner(args, env);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
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
    const { args, env } = indexCleaner();
    assert.match(args[0], /^\d+$/, "the first argument is the retention in days");
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
    const run = runIndexCleaner(["0", ...args.slice(1)], env);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
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
