// One open-loop load step against a running Jaeger (engines/spansend's load mode), measured the
// way bench:engine and bench:search report it: Jaeger's own accepted and refused counters and CPU
// seconds per second of the step's measured wall time, missed and late sends, the p99 from each
// batch's due time, the CPU quota's throttling, and peak and steady RSS.
import * as fs from "node:fs";
import { Engine, counterSum, engineCommand, startEngine } from "../../tests/support/engines";
import type { MemoryCgroup } from "../../tests/e2e/support/cgroup";
import { Step, median } from "./capacity";
import { parseCommandLine } from "./cli";

/** A Jaeger that takes load: its process, its pod's cgroup, its OTLP gRPC and telemetry addresses. */
export interface LoadTarget {
  engine: Engine;
  /** The cgroup with the pod's limits that it runs in. */
  cgroup: MemoryCgroup;
  otlpGrpc: string;
  metricsUrl: string;
}

/** What engines/spansend's load mode prints (the keys read here). */
interface LoadResult {
  readonly wallSeconds: number;
  readonly missed: number;
  readonly lateBatches: number;
  readonly p99Ms: number;
}

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * One step of `rate` spans/s for `seconds`. With `varied`, span attribute values and durations vary
 * per span as real traffic's do (spansend -varied), for figures that depend on what compresses.
 */
export async function step(target: LoadTarget, rate: number, seconds: number, varied = false): Promise<Step> {
  const before = await (await fetch(target.metricsUrl)).text();
  const throttledBefore = target.cgroup.throttledSeconds();
  let peak = 0;
  const loadStart = Date.now();
  const samples: { at: number; mb: number }[] = [];
  const sampler = setInterval(() => {
    if (!target.engine.pid) return;
    const mb = rssMb(target.engine.pid);
    peak = Math.max(peak, mb);
    samples.push({ at: Date.now() - loadStart, mb });
  }, 250);
  const load = await new Promise<LoadResult>((resolve, reject) => {
    const child = startEngine("spansend load", engineCommand("spansend"), [
      `-endpoint=${target.otlpGrpc}`,
      `-rate=${rate}`,
      `-seconds=${seconds}`,
      "-service=bench",
      "-operation=GET /api/v1/orders/list",
      ...(varied ? ["-varied"] : []),
    ]);
    // startEngine keeps the output; spansend prints one JSON line at the end.
    const started = Date.now();
    const poll = setInterval(() => {
      if (!child.exited()) {
        if (Date.now() - started > (seconds + 30) * 1000) {
          clearInterval(poll);
          void child.stop();
          reject(new Error(`the load generator ran past ${seconds + 30} s`));
        }
        return;
      }
      clearInterval(poll);
      const line = child
        .logTail(5)
        .split("\n")
        .find((l) => l.startsWith("{"));
      if (!line) reject(new Error(`spansend printed no result:\n${child.logTail(10)}`));
      else resolve(JSON.parse(line) as LoadResult);
    }, 200);
  });
  const loadEnd = Date.now() - loadStart;
  // The batch processor and exporter finish what was accepted; the counters catch up.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const steady = samples.filter((x) => x.at >= (seconds * 1000) / 2 && x.at <= loadEnd).map((x) => x.mb);
  clearInterval(sampler);
  const after = await (await fetch(target.metricsUrl)).text();
  const accepted =
    counterSum(after, "otelcol_receiver_accepted_spans") - counterSum(before, "otelcol_receiver_accepted_spans");
  const refused =
    counterSum(after, "otelcol_receiver_refused_spans") - counterSum(before, "otelcol_receiver_refused_spans");
  const cpu = counterSum(after, "otelcol_process_cpu_seconds") - counterSum(before, "otelcol_process_cpu_seconds");
  // Per second of the step as it ran: a Jaeger that takes 15 s for a 10 s step shows 2/3 of the rate.
  const wall = load.wallSeconds;
  return {
    targetRate: rate,
    acceptedPerSecond: Math.round(accepted / wall),
    refusedPerSecond: Math.round(refused / wall),
    cpuSecondsPer1000: accepted > 0 ? Number(((cpu / accepted) * 1000).toFixed(3)) : 0,
    peakRssMb: Math.round(peak),
    p99ExportMs: load.p99Ms,
    wallSeconds: Number(wall.toFixed(2)),
    missedPerSecond: Math.round(load.missed / wall),
    lateBatches: load.lateBatches,
    throttledSeconds: Number((target.cgroup.throttledSeconds() - throttledBefore).toFixed(2)),
    steadyRssMb: Math.round(median(steady)),
  };
}

/** What a capacity bench's command line asks for (see loadStepCommandLine). */
export interface LoadStepOptions {
  readonly smoke: boolean;
  readonly rates: number[];
  readonly seconds: number;
  /** The bench's own whole-number option (bench:engine's --runs, bench:search's --searches). */
  readonly count: number;
  readonly json?: string;
}

/**
 * The command line both capacity benches take: --rates (spans/s, comma-separated), --seconds per
 * step, one whole-number option of their own, --smoke (one 2 s step at `smokeRate`, the count's
 * smoke value) and --json FILE. A value that is not a positive whole number prints `invalid` and the
 * usage and gives exit code 2.
 */
export function loadStepCommandLine(
  argv: string[],
  usage: string,
  defaults: {
    readonly rates: string;
    readonly smokeRate: number;
    readonly count: { readonly name: string; readonly value: number; readonly smoke: number };
    readonly invalid: string;
  },
): LoadStepOptions | { exitCode: number } {
  const line = parseCommandLine(
    argv,
    {
      rates: { type: "string" },
      seconds: { type: "string" },
      [defaults.count.name]: { type: "string" },
      smoke: { type: "boolean" },
      json: { type: "string" },
    },
    usage,
  );
  if ("exitCode" in line) return line;
  const smoke = line.values.smoke === true;
  const rates = smoke
    ? [defaults.smokeRate]
    : String(line.values.rates ?? defaults.rates)
        .split(",")
        .map(Number);
  const seconds = smoke ? 2 : Number(line.values.seconds ?? 10);
  const count = smoke ? defaults.count.smoke : Number(line.values[defaults.count.name] ?? defaults.count.value);
  if (
    rates.some((r) => !Number.isInteger(r) || r <= 0) ||
    ![seconds, count].every((n) => Number.isInteger(n) && n > 0)
  ) {
    console.error(`${defaults.invalid}\n\n${usage}`);
    return { exitCode: 2 };
  }
  return { smoke, rates, seconds, count, json: typeof line.values.json === "string" ? line.values.json : undefined };
}
