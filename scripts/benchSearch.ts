// Measures the search path as prod deploys it: the real Jaeger 2.20 collector role, in a cgroup
// with its rendered container's CPU and memory limits and its environment, writing over TLS with
// basic auth to an OpenSearch 2.19.3 node with its security plugin (the setup of the search suite),
// driven by engines/spansend's open-loop load; then the bytes per span the node stores and what a
// trace search costs the query role.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { evaluateStack } from "./evaluate";
import { Step, isSustained, median, searchRow, searchSummary, table } from "./lib/capacity";
import { loadStepCommandLine, rssMb, step } from "./lib/loadStep";
import { counterSum } from "../tests/support/engines";
import { edits } from "../tests/support/stackEdits";
import { objectNamed } from "../tests/support/objects";
import { makeCertificates } from "../tests/e2e/support/certs";
import { PodLimits, podCgroup } from "../tests/e2e/support/cgroup";
import { jaegerSource, prometheusService, startJaeger } from "../tests/e2e/support/jaeger";
import {
  OPENSEARCH_VERSION,
  RunningOpenSearch,
  SEARCH_SERVICE,
  SECURED_SEARCH_SECRETS,
  securedFor,
  securedSearchEdits,
  startOpenSearch,
} from "../tests/e2e/support/opensearch";
import { parseBytesQuantity, parseCpuMillis } from "../config/units";
import type { Evaluation } from "./evaluate";

const USAGE = `Usage: npm run bench:search -- [--rates 1000,2000,...] [--seconds N] [--searches N] [--smoke] [--json FILE]

Starts OpenSearch ${OPENSEARCH_VERSION} with its security plugin (TLS, the user and role docs/operations.md gives; a
512 MiB heap) and prod's Jaeger ${jaegerSource().version} collector role against it, in a cgroup with the rendered
collector container's CPU and memory limits and its environment (needs root and writable cpu and memory
cgroups). Drives a fresh collector at each rate for N seconds with open-loop OTLP gRPC load (as bench:engine)
(spans whose attribute values and durations vary as real traffic's do: an order id in the path, the
client's address, a request id; identical spans would make the bytes per span meaningless) and prints
accepted, refused and missed spans/s per second of the measured wall time, CPU seconds per
1,000 spans, p99 from the due time and RSS; then the bytes per stored span of the span indices (primary
store after a refresh and a force merge to one segment, so no replica is counted); then the query role,
in its own container's limits, answering --searches trace searches (GET /api/traces?service=...&limit=20):
latency p50 and p99, CPU seconds per search. OpenSearch, the collector and the load generator share this
machine's cores: the rates measure this machine, the per-span figures carry over. Benchmarks report;
nothing here passes or fails on a number.
--smoke: one 2 s step at 200 spans/s and 5 searches (what CI runs, untimed).
Defaults: --rates 1000,2000,4000 --seconds 10 --searches 50.`;

/** A rendered Deployment's container limits and plain environment (the pod's cgroup and env). */
function podOf(evaluation: Evaluation, deployment: string): PodLimits {
  const limits = objectNamed(evaluation, "Deployment", deployment).spec?.template.spec?.containers[0].resources?.limits;
  const memoryBytes = parseBytesQuantity(String(limits?.memory ?? ""));
  const cpuMillis = parseCpuMillis(String(limits?.cpu ?? ""));
  if (memoryBytes === undefined || cpuMillis === undefined)
    throw new Error(`${deployment} has no CPU and memory limits`);
  return { memoryBytes, cpuMillis };
}

/** The span indices' primary store in bytes, and the spans they hold. */
async function spanIndices(opensearch: RunningOpenSearch): Promise<{ spans: number; bytes: number }> {
  // Spans from _count: _cat/indices counts Lucene documents, and each of a span's nested tags,
  // references and logs is one (400 spans showed as 4,800 there).
  const spans = ((await opensearch.request("GET", "/jaeger-span-*/_count")).body as { count: number }).count;
  const indices = (await opensearch.request("GET", "/_cat/indices/jaeger-span-*?format=json&bytes=b")).body as {
    "pri.store.size": string;
  }[];
  return { spans, bytes: indices.reduce((n, i) => n + Number(i["pri.store.size"]), 0) };
}

/**
 * Bytes per span of the span indices' primary store (no replica counted): as written (after a
 * refresh and a flush, the segments as the day's index has them) and merged to one segment (the
 * least an index of those spans takes).
 */
async function bytesPerSpan(
  opensearch: RunningOpenSearch,
): Promise<{ spans: number; bytesPerSpan: number; bytesPerSpanAsWritten: number }> {
  const post = async (url: string) => {
    const answer = await opensearch.request("POST", url);
    if (answer.status !== 200) throw new Error(`POST ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  await post("/jaeger-span-*/_refresh");
  await post("/jaeger-span-*/_flush");
  const written = await spanIndices(opensearch);
  await post("/jaeger-span-*/_forcemerge?max_num_segments=1");
  await post("/jaeger-span-*/_refresh");
  const merged = await spanIndices(opensearch);
  const per = (n: { spans: number; bytes: number }) => (n.spans > 0 ? Math.round(n.bytes / n.spans) : 0);
  return { spans: merged.spans, bytesPerSpan: per(merged), bytesPerSpanAsWritten: per(written) };
}

async function main(): Promise<number> {
  const line = loadStepCommandLine(process.argv.slice(2), USAGE, {
    rates: "1000,2000,4000",
    smokeRate: 200,
    count: { name: "searches", value: 50, smoke: 5 },
    invalid: "--rates takes whole numbers of spans/s, --seconds and --searches whole numbers",
  });
  if ("exitCode" in line) return line.exitCode;
  const { rates, seconds, count: searches } = line;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-search-"));
  const password = `${randomBytes(12).toString("hex")}-Bs1`;
  const certs = makeCertificates(dir, [SEARCH_SERVICE.split(":")[0]], { serverAlsoClient: true });
  const ca = fs.readFileSync(certs.serverCa, "utf8");
  const evaluation = await evaluateStack(
    "prod",
    edits("prod", securedSearchEdits(ca, password)),
    SECURED_SEARCH_SECRETS,
  );
  const collectorLimits = podOf(evaluation, "jaeger-collector");
  const queryLimits = podOf(evaluation, "jaeger-query");
  console.error(
    `Jaeger ${jaegerSource().version} on OpenSearch ${OPENSEARCH_VERSION}, ${os.cpus().length} cores; collector limits ${collectorLimits.cpuMillis}m / ${Math.round(collectorLimits.memoryBytes / 2 ** 20)}Mi; ${seconds} s per step`,
  );
  const opensearch = await startOpenSearch(securedFor(certs, password));
  try {
    const services = new Map([
      [SEARCH_SERVICE, opensearch.url.replace("https://", "")],
      ...(await prometheusService()),
    ]);
    const steps: Step[] = [];
    for (const rate of rates) {
      const cgroup = podCgroup("bench-collector", collectorLimits);
      const collector = await startJaeger(evaluation, "jaeger-collector", {
        services,
        name: "jaeger (collector)",
        wrap: cgroup.wrap,
      });
      try {
        const s = await step(
          {
            engine: collector.engine,
            cgroup,
            otlpGrpc: `127.0.0.1:${collector.pod.port(4317)}`,
            metricsUrl: `${collector.url(8888)}/metrics`,
          },
          rate,
          seconds,
          true,
        );
        steps.push(s);
        console.error(
          `collector: ${rate} spans/s target -> ${s.acceptedPerSecond} accepted/s, ${s.refusedPerSecond} refused/s, ${s.missedPerSecond} missed/s in ${s.wallSeconds} s`,
        );
      } finally {
        await collector.stop();
        cgroup.remove();
      }
    }
    const stored = await bytesPerSpan(opensearch);
    const sustained = steps.filter(isSustained).reduce((best, s) => Math.max(best, s.acceptedPerSecond), 0);
    const run = { config: "collector on OpenSearch", steps, bytesPerSpan: stored.bytesPerSpan, sustained };
    console.log(table(run));

    const queryCgroup = podCgroup("bench-query", queryLimits);
    const query = await startJaeger(evaluation, "jaeger-query", {
      services,
      name: "jaeger (query)",
      wrap: queryCgroup.wrap,
    });
    let searchCost: { searches: number; p50Ms: number; p99Ms: number; cpuSecondsPerSearch: number; rssMb: number };
    try {
      const before = await (await fetch(`${query.url(8888)}/metrics`)).text();
      const latencies: number[] = [];
      for (let i = 0; i < searches; i++) {
        const started = performance.now();
        const response = await fetch(`${query.url(16686)}/api/traces?service=bench&limit=20&lookback=1h`);
        const body = (await response.json()) as { data?: unknown[] };
        if (!response.ok || (body.data ?? []).length === 0)
          throw new Error(`trace search ${i}: ${response.status}, ${(body.data ?? []).length} traces`);
        latencies.push(performance.now() - started);
      }
      const after = await (await fetch(`${query.url(8888)}/metrics`)).text();
      const cpu = counterSum(after, "otelcol_process_cpu_seconds") - counterSum(before, "otelcol_process_cpu_seconds");
      latencies.sort((a, b) => a - b);
      searchCost = {
        searches,
        p50Ms: Math.round(median(latencies)),
        p99Ms: Math.round(latencies[Math.floor(0.99 * (latencies.length - 1))]),
        cpuSecondsPerSearch: Number((cpu / searches).toFixed(4)),
        rssMb: Math.round(rssMb(query.engine.pid ?? 0)),
      };
    } finally {
      await query.stop();
      queryCgroup.remove();
    }
    console.log();
    console.log(searchSummary({ stored, search: searchCost }));
    console.log();
    console.log("README row (Measured on the real engines):");
    console.log(
      searchRow({
        collector: run,
        stored,
        search: searchCost,
        recorded: { opensearch: OPENSEARCH_VERSION, collectorLimits },
      }),
    );
    if (line.json !== undefined) {
      const recorded = {
        date: new Date().toISOString().slice(0, 10),
        command: `npm run bench:search -- ${process.argv.slice(2).join(" ")}`.trim(),
        jaeger: jaegerSource().version,
        opensearch: OPENSEARCH_VERSION,
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        secondsPerStep: seconds,
        collectorLimits,
        queryLimits,
        note: "OpenSearch (512 MiB heap), the collector and the load generator share the machine's cores; spans from spansend -varied",
      };
      fs.writeFileSync(
        line.json,
        JSON.stringify({ recorded, collector: run, stored, search: searchCost }, null, 2) + "\n",
      );
    }
    return 0;
  } finally {
    await opensearch.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
