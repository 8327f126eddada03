// Measures what the Monitor tab (SPM) and the SPM dashboards cost when Prometheus holds the span
// metrics of many services: span-metric series for N services x M operations are backfilled into
// a real Prometheus (Debian's, with promtool's OpenMetrics backfill), the stack's rule file is
// loaded, and the real Jaeger 2.20 runs the dev stack's rendered config against that Prometheus.
// It times the Monitor tab's calls through Jaeger's metrics API, every dashboard query through
// Prometheus, and the stack's rule groups. Benchmarks report; nothing passes or fails on a number.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { once } from "node:events";
import { parse } from "yaml";
import { deployedRuleFile, evaluateStack } from "./evaluate";
import { parseCommandLine } from "./lib/cli";
import { freePort, waitFor } from "../tests/support/engines";
import { jaegerSource, prometheusService, startJaeger } from "../tests/e2e/support/jaeger";
import { startPrometheus } from "../tests/e2e/support/prometheus";
import { objectsOfKind } from "../tests/support/objects";
import { RuleFile, spmRecordingRules } from "../components/monitoring/prometheusRules";

const USAGE = `Usage: npm run bench:spm -- [--services N] [--operations M] [--minutes T] [--interval S] [--samples K] [--rule-file FILE] [--smoke] [--json FILE]

Backfills span metrics (calls and duration histograms, as the stack's span_metrics connector names
them) for N services with M server operations each, one sample every S seconds over the last T
minutes, into a new Prometheus TSDB (promtool tsdb create-blocks-from openmetrics); starts Prometheus
on it with the stack's rule file and Jaeger ${jaegerSource().version} with the dev stack's rendered config; then times
  monitor   the Monitor tab's calls for K services (Jaeger's /api/metrics: p95 latency, call rate
            and error rate, per service and grouped by operation, 1 h lookback, 1 min step)
  dashboard every query of the stack's SPM dashboards over 1 h at a 1 min step, for one service
            and for all services
  rules     one evaluation of each of the stack's rule groups (every rule's expression in order,
            as an instant query at the last sample), and of --rule-file's groups to compare
and prints the median and the slowest of each. Benchmarks report; nothing passes or fails on a number.
--smoke: 20 services x 5 operations over 15 minutes, 3 services timed (what CI runs, untimed).
Defaults: --services 1000 --operations 20 --minutes 70 --interval 60 --samples 20.`;

/** The span_metrics connector's default histogram buckets, in ms (upstream spanmetricsconnector config.go). */
const BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];
/** Share of calls at or under each bucket: most between 10 and 200 ms. */
const SHARE_AT_OR_UNDER = [0.01, 0.02, 0.04, 0.06, 0.1, 0.5, 0.75, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 1];

interface Shape {
  services: number;
  operations: number;
  minutes: number;
  intervalSeconds: number;
}

const serviceName = (i: number) => `svc-${String(i).padStart(4, "0")}`;

/**
 * Writes the OpenMetrics text promtool backfills: per series every sample in time order, a
 * histogram's buckets, _sum and _count together per timestamp. Each operation has an
 * STATUS_CODE_UNSET series; the first operation of each service also fails 5% of its calls.
 * Labels are those Jaeger queries plus the target labels a ServiceMonitor scrape adds.
 */
async function writeOpenMetrics(
  file: string,
  shape: Shape,
  endSeconds: number,
): Promise<{ series: number; samples: number }> {
  const out = fs.createWriteStream(file);
  let buffer = "";
  const flush = async (force = false) => {
    if (buffer.length < 1 << 20 && !force) return;
    if (!out.write(buffer)) await once(out, "drain");
    buffer = "";
  };
  const points = Math.floor((shape.minutes * 60) / shape.intervalSeconds) + 1;
  const times = Array.from({ length: points }, (_, i) => endSeconds - (points - 1 - i) * shape.intervalSeconds);
  const target =
    'job="jaeger",namespace="observability",service="jaeger",endpoint="span-metrics",pod="jaeger-0",container="jaeger",instance="10.0.0.7:8889"';
  const labelSets: { labels: string; perSecond: number }[] = [];
  for (let s = 0; s < shape.services; s++) {
    for (let o = 0; o < shape.operations; o++) {
      const base = `service_name="${serviceName(s)}",span_name="GET /api/v1/op-${o}",span_kind="SPAN_KIND_SERVER",${target}`;
      const perSecond = 1 + (o % 5);
      labelSets.push({
        labels: `${base},status_code="STATUS_CODE_UNSET"`,
        perSecond: o === 0 ? perSecond * 0.95 : perSecond,
      });
      if (o === 0) labelSets.push({ labels: `${base},status_code="STATUS_CODE_ERROR"`, perSecond: perSecond * 0.05 });
    }
  }
  let samples = 0;
  let series = labelSets.length * (BUCKETS_MS.length + 4);
  buffer += "# TYPE traces_span_metrics_calls counter\n";
  for (const { labels, perSecond } of labelSets) {
    for (const t of times) {
      buffer += `traces_span_metrics_calls_total{${labels}} ${Math.round(perSecond * (t - times[0]))} ${t}\n`;
      samples++;
    }
    await flush();
  }
  buffer += "# TYPE traces_span_metrics_duration_milliseconds histogram\n";
  for (const { labels, perSecond } of labelSets) {
    for (const t of times) {
      const count = Math.round(perSecond * (t - times[0]));
      BUCKETS_MS.forEach((le, i) => {
        buffer += `traces_span_metrics_duration_milliseconds_bucket{${labels},le="${le}.0"} ${Math.round(count * SHARE_AT_OR_UNDER[i])} ${t}\n`;
      });
      buffer += `traces_span_metrics_duration_milliseconds_bucket{${labels},le="+Inf"} ${count} ${t}\n`;
      buffer += `traces_span_metrics_duration_milliseconds_sum{${labels}} ${count * 60} ${t}\n`;
      buffer += `traces_span_metrics_duration_milliseconds_count{${labels}} ${count} ${t}\n`;
      samples += BUCKETS_MS.length + 3;
    }
    await flush();
  }
  // The recording rules' own series over the same hour, as Prometheus would have recorded them
  // (their values do not matter to the cost): the dashboards read these, and a backfill cannot
  // evaluate rules that read each other.
  for (const { record } of spmRecordingRules()) {
    const level = record.split(":")[0];
    const keys =
      level === "service_name"
        ? Array.from({ length: shape.services }, (_, s) => `service_name="${serviceName(s)}"`)
        : Array.from(
            { length: shape.services * shape.operations },
            (_, i) =>
              `service_name="${serviceName(Math.floor(i / shape.operations))}",span_name="GET /api/v1/op-${i % shape.operations}"`,
          );
    const labelled = level.endsWith("_le")
      ? keys.flatMap((k) => [...BUCKETS_MS.map((le) => `${k},le="${le}.0"`), `${k},le="+Inf"`])
      : keys;
    buffer += `# TYPE ${record} gauge\n`;
    for (const labels of labelled) {
      for (const t of times) {
        buffer += `${record}{${labels}} 1 ${t}\n`;
        samples++;
      }
      await flush();
    }
    series += labelled.length;
  }
  buffer += "# EOF\n";
  await flush(true);
  out.end();
  await once(out, "finish");
  return { series, samples };
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

interface Timing {
  what: string;
  count: number;
  medianMs: number;
  maxMs: number;
}

function summarise(what: string, times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    what,
    count: sorted.length,
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    maxMs: Math.round(sorted[sorted.length - 1] ?? 0),
  };
}

async function main(): Promise<number> {
  const line = parseCommandLine(
    process.argv.slice(2),
    {
      services: { type: "string" },
      operations: { type: "string" },
      minutes: { type: "string" },
      interval: { type: "string" },
      samples: { type: "string" },
      smoke: { type: "boolean" },
      json: { type: "string" },
      "rule-file": { type: "string" },
    },
    USAGE,
  );
  if ("exitCode" in line) return line.exitCode;
  const smoke = line.values.smoke === true;
  const number = (key: string, fallback: number, smokeValue: number) =>
    smoke ? smokeValue : Number(line.values[key] ?? fallback);
  const shape: Shape = {
    services: number("services", 1000, 20),
    operations: number("operations", 20, 5),
    minutes: number("minutes", 70, 15),
    intervalSeconds: number("interval", 60, 30),
  };
  const sampled = Math.min(number("samples", 20, 3), shape.services);
  if (
    [shape.services, shape.operations, shape.minutes, shape.intervalSeconds, sampled].some(
      (n) => !Number.isInteger(n) || n <= 0,
    )
  ) {
    console.error(
      `--services, --operations, --minutes, --interval and --samples take positive whole numbers\n\n${USAGE}`,
    );
    return 2;
  }
  const promtool = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
  if (!promtool) {
    console.error('promtool is missing: install Debian\'s "prometheus" package (npm run setup)');
    return 1;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-spm-"));
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  // Interrupted: the backfill input and TSDB (gigabytes at full size) go; the engines are killed
  // by startEngine's own exit hook.
  const onSignal = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // The last sample a minute before now: Prometheus then serves the whole lookback from blocks.
    const endSeconds = Math.floor(Date.now() / 60_000) * 60 - 60;
    const input = path.join(dir, "span-metrics.om");
    console.error(
      `${shape.services} services x ${shape.operations} operations, a sample every ${shape.intervalSeconds} s over ${shape.minutes} min`,
    );
    const written = await timed(() => writeOpenMetrics(input, shape, endSeconds));
    console.error(
      `wrote ${written.value.series} series, ${written.value.samples} samples (${Math.round(fs.statSync(input).size / 2 ** 20)} MiB) in ${(written.ms / 1000).toFixed(1)} s`,
    );
    const dataDir = path.join(dir, "data");
    const backfill = await timed(async () =>
      spawnSync(promtool, ["tsdb", "create-blocks-from", "openmetrics", input, dataDir], {
        encoding: "utf8",
        timeout: 1_800_000,
        maxBuffer: 1 << 26,
      }),
    );
    if (backfill.value.status !== 0)
      throw new Error(`promtool backfill failed:\n${backfill.value.stderr.slice(-4000)}`);
    fs.rmSync(input);
    console.error(`backfilled in ${(backfill.ms / 1000).toFixed(1)} s`);

    const evaluation = await evaluateStack("dev");
    const port = await freePort();
    const prometheus = await startPrometheus(evaluation, [], { evaluationInterval: "30s", port, dataDir });
    cleanups.push(() => prometheus.stop());
    const jaeger = await startJaeger(evaluation, "jaeger", {
      services: await prometheusService(port),
      name: "jaeger (dev stack config)",
    });
    cleanups.push(() => jaeger.stop());

    const endTs = endSeconds * 1000;
    const monitorCall = (kind: "latencies" | "calls" | "errors", service: string, groupByOperation: boolean) =>
      `${jaeger.url(16686)}/api/metrics/${kind}?service=${service}&spanKind=server&endTs=${endTs}&lookback=3600000&step=60000&ratePer=600000` +
      `${kind === "latencies" ? "&quantile=0.95" : ""}&groupByOperation=${groupByOperation}`;
    await waitFor(
      `Jaeger's metrics API to return ${serviceName(0)}'s call rate from the backfilled Prometheus`,
      async () => {
        const response = await fetch(monitorCall("calls", serviceName(0), false));
        const body = (await response.json()) as { metrics?: { metricPoints?: unknown[] }[] };
        return (body.metrics?.[0]?.metricPoints?.length ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, engines: [jaeger.engine, prometheus.engine] },
    );

    const monitor = new Map<string, number[]>();
    const services = Array.from({ length: sampled }, (_, i) => serviceName(Math.floor((i * shape.services) / sampled)));
    for (const service of services) {
      for (const kind of ["latencies", "calls", "errors"] as const) {
        for (const grouped of [false, true]) {
          const { ms, value } = await timed(async () => {
            const response = await fetch(monitorCall(kind, service, grouped));
            return { status: response.status, body: (await response.json()) as { metrics?: unknown[] } };
          });
          if (value.status !== 200)
            throw new Error(`${monitorCall(kind, service, grouped)}: ${value.status} ${JSON.stringify(value.body)}`);
          const expected = grouped ? (kind === "errors" ? 1 : shape.operations) : 1;
          const got = value.body.metrics?.length ?? 0;
          if (got < expected)
            throw new Error(
              `${monitorCall(kind, service, grouped)} returned ${got} series, expected at least ${expected}`,
            );
          const key = `monitor: ${kind}${grouped ? " by operation" : ""}`;
          monitor.set(key, [...(monitor.get(key) ?? []), ms]);
        }
      }
    }

    const dashboard = new Map<string, number[]>();
    const slowest = new Map<string, { ms: number; query: string }>();
    const dashboards = objectsOfKind(evaluation, "ConfigMap")
      .filter((c) => c.metadata?.name?.startsWith("grafana-dashboard-jaeger-spm"))
      .flatMap((c) => Object.values(c.data ?? {}));
    const exprs = dashboards.flatMap((json) =>
      (JSON.parse(json) as { panels: { targets?: { expr?: string }[] }[] }).panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])),
      ),
    );
    if (exprs.length === 0) throw new Error("the dev stack deploys no SPM dashboard queries");
    for (const [label, service] of [
      ["one service", services[0]],
      ["all services", ".+"],
    ] as const) {
      const vars: Record<string, string> = {
        namespace: "observability",
        service,
        operation: ".+",
        __rate_interval: "2m",
      };
      for (const expr of exprs) {
        const query = expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => vars[name] ?? `$${name}`);
        const url = `${prometheus.url}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${endSeconds - 3600}&end=${endSeconds}&step=60`;
        const { ms, value } = await timed(
          async () =>
            (await fetch(url)).json() as Promise<{ status: string; error?: string; data?: { result: unknown[] } }>,
        );
        if (value.status !== "success") throw new Error(`${query}: ${value.error}`);
        // A query that finds nothing costs nothing: timing it would flatter the dashboards.
        if ((value.data?.result.length ?? 0) === 0)
          throw new Error(`${query} (${label}) returned no series from the backfilled data`);
        const key = `dashboard: ${label}`;
        dashboard.set(key, [...(dashboard.get(key) ?? []), ms]);
        if (ms > (slowest.get(key)?.ms ?? -1)) slowest.set(key, { ms, query });
      }
    }

    // The rule groups: one evaluation of each, every rule's expression in order as an instant
    // query at the last backfilled sample, wrapped in count() so that Prometheus evaluates it fully
    // but returns one number (the rule manager writes the result instead of sending it). Prometheus'
    // own evaluations run at the current time, by which the backfilled data has left the 5m window.
    const ruleFiles: [string, RuleFile][] = [["stack", deployedRuleFile(evaluation) as RuleFile]];
    if (typeof line.values["rule-file"] === "string")
      ruleFiles.push([
        path.basename(line.values["rule-file"]),
        parse(fs.readFileSync(line.values["rule-file"], "utf8")) as RuleFile,
      ]);
    const groups: { name: string; times: number[] }[] = [];
    const costliest: string[] = [];
    for (const [source, ruleFile] of ruleFiles) {
      for (const group of ruleFile.groups) {
        let total = 0;
        let worst = { ms: -1, rule: "" };
        for (const rule of group.rules) {
          const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`count(${rule.expr})`)}&time=${endSeconds}`;
          const { ms, value } = await timed(
            async () => (await fetch(url)).json() as Promise<{ status: string; error?: string }>,
          );
          const name = "record" in rule ? rule.record : rule.alert;
          if (value.status !== "success") throw new Error(`${name}: ${value.error}`);
          total += ms;
          if (ms > worst.ms) worst = { ms, rule: name };
        }
        groups.push({ name: `${source} ${group.name}`, times: [total] });
        costliest.push(`costliest rule of ${source} ${group.name}: ${worst.rule}, ${Math.round(worst.ms)} ms`);
      }
    }
    const timings = [
      ...[...monitor].map(([what, t]) => summarise(what, t)),
      ...[...dashboard].map(([what, t]) => summarise(what, t)),
      ...groups.map((g) => summarise(`rules: ${g.name} (one evaluation)`, g.times)),
    ];
    const rssMb = Math.round(
      Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${prometheus.engine.pid}/status`, "utf8"))?.[1] ?? 0) /
        1024,
    );
    console.log(
      `${shape.services} services x ${shape.operations} operations: ${written.value.series} span-metric series, ${written.value.samples} samples; Prometheus RSS ${rssMb} MB`,
    );
    console.log("");
    console.log("| what | calls | median ms | slowest ms |");
    console.log("| --- | --- | --- | --- |");
    for (const t of timings) console.log(`| ${t.what} | ${t.count} | ${t.medianMs} | ${t.maxMs} |`);
    console.log("");
    for (const [key, { ms, query }] of slowest) console.log(`slowest ${key}: ${Math.round(ms)} ms, ${query}`);
    for (const text of costliest) console.log(text);
    if (typeof line.values.json === "string")
      fs.writeFileSync(
        line.values.json,
        JSON.stringify(
          { shape, series: written.value.series, samples: written.value.samples, prometheusRssMb: rssMb, timings },
          null,
          2,
        ) + "\n",
      );
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const cleanup of [...cleanups].reverse()) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
