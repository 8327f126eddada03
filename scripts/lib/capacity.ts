// What bench:engine records and how its figures are read: the step and run shapes of
// bench/engine-capacity.json, the per-rate medians of several runs, what counts as sustained, and
// the text README and docs/development.md show, made from a recording (a test holds them to it).

/**
 * One rate step of a run, as --json records it (bench/engine-capacity.json). Rates are per second
 * of the step's measured wall time; latency runs from each batch's due time (open loop). The fields
 * marked optional are absent from recordings made before the generator was open loop.
 */
export interface Step {
  targetRate: number;
  acceptedPerSecond: number;
  refusedPerSecond: number;
  cpuSecondsPer1000: number;
  peakRssMb: number;
  p99ExportMs: number;
  /** The step's length: its schedule (--seconds), or longer when the last send finished later. */
  wallSeconds?: number;
  /** Spans whose batch was still waiting for a free place when the step ended: never sent. */
  missedPerSecond?: number;
  /** Batches that left more than one interval after they were due. */
  lateBatches?: number;
  /** Seconds the pod's CPU limit (a CFS quota) held Jaeger back during the step. */
  throttledSeconds?: number;
  /** Median RSS over the second half of the step (the process starts fresh for each step). */
  steadyRssMb?: number;
}

/** One run of one config: its steps, bytes on disk per stored span, the highest sustained rate. */
export interface Run {
  config: string;
  steps: Step[];
  bytesPerSpan: number;
  sustained: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The runs of one config as one: per rate, the median of each figure over the runs. */
export function medianRun(runs: readonly Run[]): Run {
  const steps = runs[0].steps.map((first, i) => {
    const at = runs.map((r) => r.steps[i]);
    const field = (key: keyof Step) => median(at.map((s) => Number(s[key] ?? 0)));
    return {
      targetRate: first.targetRate,
      acceptedPerSecond: field("acceptedPerSecond"),
      refusedPerSecond: field("refusedPerSecond"),
      cpuSecondsPer1000: field("cpuSecondsPer1000"),
      peakRssMb: field("peakRssMb"),
      p99ExportMs: field("p99ExportMs"),
      wallSeconds: field("wallSeconds"),
      missedPerSecond: field("missedPerSecond"),
      lateBatches: field("lateBatches"),
      throttledSeconds: field("throttledSeconds"),
      steadyRssMb: field("steadyRssMb"),
    };
  });
  return {
    config: runs[0].config,
    steps,
    bytesPerSpan: median(runs.map((r) => r.bytesPerSpan)),
    sustained: steps.filter(isSustained).reduce((best, s) => Math.max(best, s.acceptedPerSecond), 0),
  };
}

/**
 * Sustained: Jaeger accepted at least 99% of the target rate per second of measured wall time,
 * with p99 latency (from the due time) under 1 s; a refused or missed span counts against it.
 */
export function isSustained(s: Step): boolean {
  return s.acceptedPerSecond >= 0.99 * s.targetRate && s.p99ExportMs < 1000;
}

/** A run's steps as the Markdown table docs/development.md shows. */
export function table(run: Run): string {
  const rows = run.steps.map(
    (s) =>
      `| ${s.targetRate} | ${s.acceptedPerSecond} | ${s.refusedPerSecond} | ${s.missedPerSecond ?? "-"} | ${s.wallSeconds ?? "-"} | ${s.cpuSecondsPer1000} | ${s.throttledSeconds ?? "-"} | ${s.steadyRssMb ?? "-"} | ${s.peakRssMb} | ${s.p99ExportMs} |`,
  );
  return [
    `${run.config}: sustained ${run.sustained} spans/s (accepted at least 99% of the target, p99 under 1 s), ${run.bytesPerSpan} bytes on disk per stored span`,
    "",
    "| target spans/s | accepted/s | refused/s | missed/s | wall s | CPU s per 1,000 spans | CPU-throttled s | steady RSS MB | peak RSS MB | p99 ms from due time |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The README's capacity row for the ingest benchmark, from a recording. */
export function capacityRow(recording: {
  stack: Run;
  upstream: Run;
  recorded: { limits?: { cpuMillis?: number; memoryBytes: number } };
}): string {
  const sustained = recording.stack.steps.filter(isSustained);
  const top = sustained.reduce<Step | undefined>(
    (best, s) => (!best || s.targetRate > best.targetRate ? s : best),
    undefined,
  );
  const upstreamTop = recording.upstream.steps.find((s) => s.targetRate === top?.targetRate);
  const cpu = sustained.map((s) => s.cpuSecondsPer1000);
  const limits = recording.recorded.limits;
  const pod = limits
    ? `one pod limited to ${limits.cpuMillis ?? "no"}m CPU and ${Math.round(limits.memoryBytes / 2 ** 20)}Mi`
    : "one process";
  const figures = top
    ? `${top.acceptedPerSecond.toLocaleString("en-US")} spans/s sustained by ${pod} (at least 99% accepted, p99 ${Math.round(top.p99ExportMs)} ms from the due time); ${Math.min(...cpu)}-${Math.max(...cpu)} CPU s per 1,000 spans; steady RSS ${top.steadyRssMb} MB at that rate${upstreamTop?.steadyRssMb ? `, ${((top.steadyRssMb ?? 0) / upstreamTop.steadyRssMb).toFixed(2)}x upstream's \`config-badger.yaml\` in the same pod` : ""}; ${recording.stack.bytesPerSpan} bytes on disk per span`
    : `no rate sustained by ${pod}`;
  return `| ingest, dev config (Badger, span metrics) | ${figures} | \`npm run bench:engine\` |`;
}

/** What bench:search records beside its collector run (bench/search-capacity.json). */
export interface SearchCost {
  /** Spans in the span indices, and their primary store per span after a merge to one segment. */
  stored: { spans: number; bytesPerSpan: number; bytesPerSpanAsWritten?: number };
  /** The query role answering trace searches of 20 traces. */
  search: { searches: number; p50Ms: number; p99Ms: number; cpuSecondsPerSearch: number; rssMb: number };
}

/** The line bench:search prints under its table, and docs/development.md shows (a test holds it to the recording). */
export function searchSummary({ stored, search }: SearchCost): string {
  return `spans stored ${stored.spans}, ${stored.bytesPerSpanAsWritten ?? "?"} bytes per span as written, ${stored.bytesPerSpan} merged to one segment (primary store); query role: ${search.searches} searches of 20 traces, p50 ${search.p50Ms} ms, p99 ${search.p99Ms} ms, ${search.cpuSecondsPerSearch} CPU s per search, RSS ${search.rssMb} MB`;
}

/** README's row for the search path (Measured on the real engines), made from bench/search-capacity.json. */
export function searchRow(
  recording: SearchCost & {
    collector: Run;
    recorded: { opensearch: string; collectorLimits: { cpuMillis?: number; memoryBytes: number } };
  },
): string {
  const sustained = recording.collector.steps.filter(isSustained);
  const top = sustained.reduce<Step | undefined>(
    (best, s) => (!best || s.targetRate > best.targetRate ? s : best),
    undefined,
  );
  const cpu = sustained.map((s) => s.cpuSecondsPer1000);
  const { cpuMillis, memoryBytes } = recording.recorded.collectorLimits;
  const pod = `one collector pod limited to ${cpuMillis ?? "no"}m CPU and ${Math.round(memoryBytes / 2 ** 20)}Mi`;
  const ingest = top
    ? `${top.acceptedPerSecond.toLocaleString("en-US")} spans/s sustained by ${pod} (p99 ${Math.round(top.p99ExportMs)} ms from the due time); ${Math.min(...cpu)}-${Math.max(...cpu)} CPU s per 1,000 spans`
    : `no rate sustained by ${pod}`;
  const { stored, search } = recording;
  return `| ingest and search, prod's roles on OpenSearch ${recording.recorded.opensearch} (TLS, basic auth) | ${ingest}; ${stored.bytesPerSpan} bytes per span in the span indices (primary store; spans like an instrumented HTTP service's on Kubernetes); a search for 20 traces p50 ${search.p50Ms} ms, p99 ${search.p99Ms} ms, ${search.cpuSecondsPerSearch} CPU s | \`npm run bench:search\` |`;
}
