// Measures what the deployed Jaeger carries: the real Jaeger 2.20 (built by scripts/engines.sh)
// with the dev stack's config exactly as rendered, and as the peer upstream's own example Badger
// config from the same release (cmd/jaeger/config-badger.yaml) with span metrics added the way the
// stack adds them, each driven at increasing span rates by engines/spansend's load mode.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { evaluateStack } from "./evaluate";
import { engineCommand, freePort, startEngine, waitFor } from "../tests/support/engines";
import { jaegerCommand, jaegerSource, prometheusService, startJaeger } from "../tests/e2e/support/jaeger";
import { PodLimits, podCgroup } from "../tests/e2e/support/cgroup";
import { objectNamed } from "../tests/support/objects";
import { parseBytesQuantity, parseCpuMillis } from "../config/units";
import { Run, Step, capacityRow, isSustained, medianRun, table } from "./lib/capacity";
import { LoadTarget, loadStepCommandLine, rssMb, step } from "./lib/loadStep";

const USAGE = `Usage: npm run bench:engine -- [--rates 2000,4000,...] [--seconds N] [--runs N] [--smoke] [--json FILE]

Starts Jaeger ${jaegerSource().version} twice, one after the other, on this machine, each as the dev stack's
pod runs: in a cgroup with the rendered container's CPU limit (a CFS quota) and memory limit, with
its environment (GOMEMLIMIT, OTEL_TRACES_SAMPLER); needs root and writable cpu and memory cgroups:
  stack     the dev stack's rendered config (Badger, memory_limiter, batch, span metrics)
  upstream  cmd/jaeger/config-badger.yaml of the same release, span metrics added as the stack adds
            them, its second (archive) Badger store removed
and drives each with open-loop OTLP gRPC load (engines/spansend: batches of 100 server spans of about
10 attributes due on a fixed schedule whatever Jaeger does, over 4 connections, at most 64 in flight)
at each rate for N seconds. Per step it prints accepted and refused spans/s (Jaeger's own counters)
and the spans the generator could not send in time (missed), each per second of the step's measured
wall time, CPU seconds per 1,000 spans, the seconds the CPU quota held Jaeger back, peak RSS, and
the p99 latency from each batch's due time;
then Badger's bytes on disk per stored span (after a clean stop), the highest rate sustained
(accepted at least 99% of the target, p99 under 1 s), and the ratio of the two configs. Benchmarks report; nothing here passes or fails on a number.
Then, on the stack's config alone, 100,000 spans with 100,000 distinct names (ids in span names):
Jaeger's RSS and its span-metric series before and after (spm.cardinalityLimit bounds them).
--smoke: one 2 s step at 500 spans/s per config and 1,000 names (what CI runs, untimed).
Each config runs --runs times, the order alternating, a fresh process for each step; the tables are
the per-rate medians, steady RSS the median over each step's second half.
Defaults: --rates 2000,4000,8000,16000,32000 --seconds 10 --runs 3.`;

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(file) : fs.statSync(file).size;
  }
  return total;
}

interface Target extends LoadTarget {
  spanMetricsPort?: number;
  /** The span_metrics connector's aggregation_cardinality_limit, as rendered. */
  cardinalityLimit?: number;
  badgerDir: string;
  stop(): Promise<void>;
}

/** The dev stack's Jaeger pod as rendered: its container's limits and its plain environment. */
export function devPod(): Promise<{ limits: PodLimits; env: Record<string, string> }> {
  // Evaluated once: every target of every run runs in the same pod.
  return (renderedDevPod ??= readDevPod());
}
let renderedDevPod: Promise<{ limits: PodLimits; env: Record<string, string> }> | undefined;

async function readDevPod(): Promise<{ limits: PodLimits; env: Record<string, string> }> {
  const evaluation = await evaluateStack("dev");
  const container = objectNamed(evaluation, "Deployment", "jaeger").spec?.template.spec?.containers[0];
  const limits = container?.resources?.limits ?? {};
  const memoryBytes = parseBytesQuantity(String(limits.memory ?? ""));
  const cpuMillis = parseCpuMillis(String(limits.cpu ?? ""));
  if (memoryBytes === undefined || cpuMillis === undefined)
    throw new Error("the dev stack's Jaeger has no CPU and memory limits");
  const env = Object.fromEntries(
    (container?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? ""]),
  );
  return { limits: { memoryBytes, cpuMillis }, env };
}

async function stackTarget(): Promise<Target> {
  const evaluation = await evaluateStack("dev");
  const badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stack-"));
  const cgroup = podCgroup("bench-stack", (await devPod()).limits);
  const jaeger = await startJaeger(evaluation, "jaeger", {
    volumeDirs: { badger: badgerDir },
    services: await prometheusService(),
    name: "jaeger (stack config)",
    wrap: cgroup.wrap,
  });
  return {
    engine: jaeger.engine,
    cgroup,
    otlpGrpc: `127.0.0.1:${jaeger.pod.port(4317)}`,
    metricsUrl: `${jaeger.url(8888)}/metrics`,
    spanMetricsPort: jaeger.pod.port(8889),
    cardinalityLimit: (
      parse(fs.readFileSync(jaeger.pod.file("/etc/jaeger/config/config.yaml"), "utf8")) as {
        connectors: { span_metrics: { aggregation_cardinality_limit: number } };
      }
    ).connectors.span_metrics.aggregation_cardinality_limit,
    badgerDir,
    async stop() {
      await jaeger.stop();
      cgroup.remove();
    },
  };
}

/**
 * Upstream's example config, run here as the stack's pod runs: in a cgroup with the dev pod's CPU
 * and memory limits and with the pod's environment (GOMEMLIMIT, OTEL_TRACES_SAMPLER). Its store's
 * directories move to a temp directory, its listeners get free loopback ports, span metrics are
 * added as the stack adds them (the span_metrics connector with millisecond histograms into a
 * Prometheus exporter), and its second Badger store (the archive, another_store) is removed, so
 * that both configs write one store.
 */
async function upstreamTarget(): Promise<Target> {
  // Free ports are picked before Jaeger binds them, and a client connection's ephemeral port can
  // take one meanwhile (CI saw it once): such a start is retried on new ports, as startJaeger does.
  for (let attempt = 1; ; attempt++) {
    try {
      return await upstreamTargetOnce();
    } catch (error) {
      if (attempt >= 3 || !/bind: address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function upstreamTargetOnce(): Promise<Target> {
  const source = jaegerSource();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-upstream-"));
  const tar = spawnSync(
    "tar",
    [
      "-xzf",
      path.join(
        process.env.JAEGER_SPM_ENGINE_SOURCES ?? path.resolve(__dirname, "../../shared/engines"),
        source.tarball,
      ),
      "-C",
      dir,
      `${source.directory}/cmd/jaeger/config-badger.yaml`,
      `${source.directory}/cmd/jaeger/config-ui.json`,
    ],
    { encoding: "utf8" },
  );
  if (tar.status !== 0) throw new Error(`cannot read upstream's config from the source tarball: ${tar.stderr}`);
  const doc = parseDocument(fs.readFileSync(path.join(dir, source.directory, "cmd/jaeger/config-badger.yaml"), "utf8"));
  const ports = {
    grpc: await freePort(),
    http: await freePort(),
    health: await freePort(),
    query: await freePort(),
    queryGrpc: await freePort(),
    metrics: await freePort(),
    spanMetrics: await freePort(),
  };
  const badgerDir = path.join(dir, "badger");
  doc.setIn(["receivers", "otlp", "protocols", "grpc"], { endpoint: `127.0.0.1:${ports.grpc}` });
  doc.setIn(["receivers", "otlp", "protocols", "http"], { endpoint: `127.0.0.1:${ports.http}` });
  doc.setIn(["extensions", "healthcheckv2", "http"], { endpoint: `127.0.0.1:${ports.health}` });
  doc.setIn(["extensions", "jaeger_query", "http"], { endpoint: `127.0.0.1:${ports.query}` });
  doc.setIn(["extensions", "jaeger_query", "grpc"], { endpoint: `127.0.0.1:${ports.queryGrpc}` });
  doc.setIn(
    ["extensions", "jaeger_query", "ui", "config_file"],
    path.join(dir, source.directory, "cmd/jaeger/config-ui.json"),
  );
  doc.setIn(["extensions", "jaeger_storage", "backends", "some_store", "badger", "directories"], {
    keys: `${badgerDir}/keys`,
    values: `${badgerDir}/values`,
  });
  doc.deleteIn(["extensions", "jaeger_storage", "backends", "another_store"]);
  doc.deleteIn(["extensions", "jaeger_query", "storage", "traces_archive"]);
  doc.setIn(["service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "host"], "127.0.0.1");
  doc.setIn(["service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port"], ports.metrics);
  doc.setIn(["connectors", "span_metrics"], { metrics_flush_interval: "15s", histogram: { unit: "ms" } });
  doc.setIn(["exporters", "prometheus"], { endpoint: `127.0.0.1:${ports.spanMetrics}` });
  doc.setIn(["service", "pipelines", "traces", "exporters"], ["jaeger_storage_exporter", "span_metrics"]);
  doc.setIn(["service", "pipelines", "metrics/span_metrics"], {
    receivers: ["span_metrics"],
    exporters: ["prometheus"],
  });
  const configFile = path.join(dir, "config.yaml");
  fs.writeFileSync(configFile, doc.toString());
  const pod = await devPod();
  const cgroup = podCgroup("bench-upstream", pod.limits);
  const started = cgroup.wrap(jaegerCommand("jaeger"), ["--config", configFile]);
  const engine = startEngine("jaeger (upstream config)", started.command, started.args, {
    env: { ...process.env, ...pod.env },
  });
  const stop = async () => {
    await engine.stop();
    cgroup.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `upstream-config Jaeger's health check to answer 200`,
      async () => ((await fetch(`http://127.0.0.1:${ports.health}/status`)).status === 200 ? true : undefined),
      {
        timeoutMs: 60_000,
        engines: [engine],
        running: [engine],
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    engine,
    cgroup,
    otlpGrpc: `127.0.0.1:${ports.grpc}`,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    badgerDir,
    stop,
  };
}

/**
 * One run of a config: a fresh Jaeger (and store) for each rate, so that no step inherits the
 * previous step's heap or backlog. Bytes per span: what the steps' stores hold after a clean stop,
 * an empty store's files taken off, per span Jaeger accepted.
 */
async function measure(config: string, start: () => Promise<Target>, rates: number[], seconds: number): Promise<Run> {
  // An empty store's files (manifest, discard stats) take about a megabyte: measured first and
  // taken off, so that bytes per span are the spans' own.
  const empty = await start();
  await empty.engine.stop();
  const baseline = directoryBytes(empty.badgerDir);
  await empty.stop();
  if (config === "stack") fs.rmSync(empty.badgerDir, { recursive: true, force: true });
  const steps: Step[] = [];
  let stored = 0;
  let bytes = 0;
  for (const rate of rates) {
    const target = await start();
    try {
      const s = await step(target, rate, seconds);
      steps.push(s);
      stored += s.acceptedPerSecond * (s.wallSeconds ?? seconds);
      console.error(
        `${config}: ${rate} spans/s target -> ${s.acceptedPerSecond} accepted/s, ${s.refusedPerSecond} refused/s, ${s.missedPerSecond} missed/s in ${s.wallSeconds} s`,
      );
    } finally {
      // A clean stop, as a rolling update does: Badger writes what it holds and closes its files.
      await target.engine.stop();
      bytes += directoryBytes(target.badgerDir) - baseline;
      await target.stop();
      if (config === "stack") fs.rmSync(target.badgerDir, { recursive: true, force: true });
    }
  }
  const sustained = steps.filter(isSustained).reduce((best, s) => Math.max(best, s.acceptedPerSecond), 0);
  return { config, steps, bytesPerSpan: stored > 0 ? Math.round(bytes / stored) : 0, sustained };
}

/** 100,000 distinct span names into one service on the stack's config: series and RSS before and after. */
async function cardinality(names: number) {
  const target = await stackTarget();
  const series = async () =>
    (await (await fetch(target.metricsUrl.replace(/:\d+\/metrics$/, `:${target.spanMetricsPort}/metrics`))).text())
      .split("\n")
      .filter((l) => l.startsWith("traces_span_metrics_calls_total{") && l.includes('job="bench-ids"')).length;
  try {
    const seriesBefore = await series();
    const rssBeforeMb = Math.round(rssMb(target.engine.pid ?? 0));
    const seconds = 10;
    const run = spawnSync(
      engineCommand("spansend"),
      [
        `-endpoint=${target.otlpGrpc}`,
        `-rate=${Math.ceil(names / seconds)}`,
        `-seconds=${seconds}`,
        "-service=bench-ids",
        "-operation=GET /orders",
        "-unique-names",
      ],
      { encoding: "utf8", timeout: (seconds + 60) * 1000 },
    );
    if (run.status !== 0) throw new Error(`spansend: ${run.stderr}`);
    // Two flushes of the span metrics (15 s each in dev).
    await new Promise((resolve) => setTimeout(resolve, 32_000));
    return {
      names,
      limit: target.cardinalityLimit,
      seriesBefore,
      seriesAfter: await series(),
      rssBeforeMb,
      rssAfterMb: Math.round(rssMb(target.engine.pid ?? 0)),
    };
  } finally {
    await target.stop();
    fs.rmSync(target.badgerDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const line = loadStepCommandLine(process.argv.slice(2), USAGE, {
    rates: "2000,4000,8000,16000,32000",
    smokeRate: 500,
    count: { name: "runs", value: 3, smoke: 1 },
    invalid: "--rates takes whole numbers of spans/s, --seconds a whole number of seconds, --runs a whole number",
  });
  if ("exitCode" in line) return line.exitCode;
  const { smoke, rates, seconds, count: runs } = line;
  console.error(
    `Jaeger ${jaegerSource().version}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${seconds} s per step`,
  );
  // Each config `runs` times, the order alternating, so that neither always runs on a cooler machine.
  const all: { stack: Run[]; upstream: Run[] } = { stack: [], upstream: [] };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? (["stack", "upstream"] as const) : (["upstream", "stack"] as const);
    for (const config of order)
      all[config].push(await measure(config, config === "stack" ? stackTarget : upstreamTarget, rates, seconds));
  }
  const stack = medianRun(all.stack);
  const upstream = medianRun(all.upstream);
  console.log(table(stack));
  console.log();
  console.log(table(upstream));
  console.log();
  const steadyAtSustained = (r: Run) =>
    r.steps.filter(isSustained).reduce((mb, s) => Math.max(mb, s.steadyRssMb ?? 0), 0);
  console.log(
    `ratio stack / upstream (medians of ${runs} run${runs === 1 ? "" : "s"}): sustained ${(stack.sustained / Math.max(upstream.sustained, 1)).toFixed(2)}, steady RSS at the highest sustained step ${(steadyAtSustained(stack) / Math.max(steadyAtSustained(upstream), 1)).toFixed(2)}, bytes per span ${(stack.bytesPerSpan / Math.max(upstream.bytesPerSpan, 1)).toFixed(2)}`,
  );
  console.log();
  console.log("README row (Measured on the real engines):");
  console.log(capacityRow({ stack, upstream, recorded: { limits: (await devPod()).limits } }));
  const names = await cardinality(smoke ? 1_000 : 100_000);
  console.log();
  console.log(
    `distinct span names: ${names.names}; span-metric series of the service ${names.seriesBefore} -> ${names.seriesAfter} (limit ${names.limit}, + the overflow series); RSS ${names.rssBeforeMb} -> ${names.rssAfterMb} MB`,
  );
  if (line.json !== undefined) {
    const recorded = {
      date: new Date().toISOString().slice(0, 10),
      command: `npm run bench:engine -- ${process.argv.slice(2).join(" ")}`.trim(),
      jaeger: jaegerSource().version,
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      secondsPerStep: seconds,
      runs,
      limits: (await devPod()).limits,
      note: "the load generator runs on the same cores as Jaeger; each config runs in a cgroup with the dev pod's CPU and memory limits; stack and upstream are the per-rate medians of the runs",
    };
    fs.writeFileSync(line.json, JSON.stringify({ recorded, stack, upstream, runs: all, names }, null, 2) + "\n");
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
