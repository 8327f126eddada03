// The sizing defaults against what the real Jaeger measured: bench/engine-capacity.json is the
// recorded output of `npm run bench:engine -- --json bench/engine-capacity.json` (the dev stack's
// rendered config on Jaeger 2.20). When a new recording moves the figures by more than 25%, or a
// default is changed without a new recording, this fails.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_BYTES_PER_SPAN, PER_THOUSAND_SPANS_PER_SECOND, sizedRequests } from "../config/sizing";
import { parseStackConfig } from "../config/load";
import {
  type SearchCost,
  type Step,
  capacityRow,
  isSustained,
  searchRow,
  searchSummary,
  table,
} from "../scripts/lib/capacity";
import { ROOT } from "../scripts/evaluate";

interface Recording {
  recorded: {
    date: string;
    command: string;
    jaeger: string;
    cores: number;
    limits?: { cpuMillis?: number; memoryBytes: number };
  };
  stack: Run;
  upstream: Run;
}
type Run = Parameters<typeof table>[0];

const recording = JSON.parse(fs.readFileSync(path.join(ROOT, "bench/engine-capacity.json"), "utf8")) as Recording;
const MI = 2 ** 20;
const within25 = (value: number, measured: number) => value >= measured * 0.75 && value <= measured * 1.25;

/**
 * Steps the pod carried: sustained (at least 99% of the target accepted, p99 under 1 s), nothing
 * refused, and Jaeger using at most 75% of the machine's cores (the load generator shares them; a
 * step past that measures the machine, not Jaeger).
 */
const carried = recording.stack.steps.filter(
  (s) =>
    isSustained(s) &&
    (s.cpuSecondsPer1000 * s.acceptedPerSecond) / 1000 <= 0.75 * recording.recorded.cores &&
    s.refusedPerSecond === 0,
);
/** Memory at steady state (the median over a step's second half), or the peak in older recordings. */
const memoryMb = (s: Step) => s.steadyRssMb ?? s.peakRssMb;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const mx = points.reduce((a, [x]) => a + x, 0) / points.length;
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}

describe("sizing defaults follow the engine's recorded measurements", () => {
  it("the recording is of the pinned Jaeger, with at least three steps the machine carried", () => {
    assert.equal(recording.recorded.jaeger, "v2.20.0");
    assert.ok(carried.length >= 3, `steps carried: ${carried.map((s) => s.targetRate).join(", ")}`);
  });

  it("CPU per 1,000 spans/s is within 25% of the measured CPU seconds per 1,000 spans", () => {
    const measuredMillis = (carried.reduce((a, s) => a + s.cpuSecondsPer1000, 0) / carried.length) * 1000;
    assert.ok(
      within25(PER_THOUSAND_SPANS_PER_SECOND.cpuMillis, measuredMillis),
      `${PER_THOUSAND_SPANS_PER_SECOND.cpuMillis}m per 1k spans/s against ${measuredMillis.toFixed(1)}m measured`,
    );
  });

  it("memory per 1,000 spans/s is within 25% of the measured growth of steady-state RSS with rate", () => {
    const measuredMi = slope(carried.map((s) => [s.acceptedPerSecond / 1000, (memoryMb(s) * 1e6) / MI]));
    assert.ok(
      within25(PER_THOUSAND_SPANS_PER_SECOND.memoryMi, measuredMi),
      `${PER_THOUSAND_SPANS_PER_SECOND.memoryMi}Mi per 1k spans/s against ${measuredMi.toFixed(1)}Mi measured`,
    );
  });

  it("requests at every carried rate cover the CPU and steady-state RSS Jaeger used there", () => {
    for (const s of carried) {
      const requests = sizedRequests(s.acceptedPerSecond);
      const cores = (s.cpuSecondsPer1000 * s.acceptedPerSecond) / 1000;
      assert.ok(
        requests.cpuMillis >= cores * 1000,
        `${s.targetRate}/s: ${requests.cpuMillis}m < ${cores * 1000}m used`,
      );
      assert.ok(
        requests.memoryMi * MI >= memoryMb(s) * 1e6,
        `${s.targetRate}/s: ${requests.memoryMi}Mi < ${memoryMb(s)} MB RSS`,
      );
    }
  });

  it("Badger's default bytes per span is within 25% of the measured bytes on disk per stored span, and not below it", () => {
    const measured = recording.stack.bytesPerSpan;
    assert.ok(
      within25(DEFAULT_BYTES_PER_SPAN.badger, measured) && DEFAULT_BYTES_PER_SPAN.badger >= measured,
      `${DEFAULT_BYTES_PER_SPAN.badger} against ${measured}`,
    );
  });

  it("a stack that sets no bytesPerSpan sizes its Badger volume with the measured default", () => {
    const loaded = parseStackConfig({
      "jaeger-spm:jaeger": JSON.stringify({ expectedSpansPerSecond: 1000 }),
      "jaeger-spm:storage": JSON.stringify({ retention: "24h" }),
    });
    assert.ok(loaded.ok, JSON.stringify(loaded));
    // 1000 spans/s x 86,400 s x the default bytes, with 1.5x headroom, in whole Gi.
    const expectedGi = Math.ceil((1000 * 86_400 * DEFAULT_BYTES_PER_SPAN.badger * 1.5) / 2 ** 30);
    assert.equal(loaded.config.storage.badger.volumeSize, `${expectedGi}Gi`);
  });

  it("README's capacity row and docs/development.md's tables are the ones made from this recording", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    assert.ok(readme.includes(capacityRow(recording)), `README.md lacks the row:\n${capacityRow(recording)}`);
    const development = fs.readFileSync(path.join(ROOT, "docs/development.md"), "utf8");
    for (const run of [recording.stack, recording.upstream]) {
      const rows = table(run).split("\n").slice(2);
      assert.ok(
        rows.every((row) => development.includes(row)),
        `docs/development.md lacks the ${run.config} table:\n${table(run)}`,
      );
    }
  });

  it("docs/development.md's search-path table, line and figures are the ones of bench/search-capacity.json", () => {
    const search = JSON.parse(fs.readFileSync(path.join(ROOT, "bench/search-capacity.json"), "utf8")) as SearchCost & {
      collector: Run;
      recorded: { opensearch: string; collectorLimits: { cpuMillis: number; memoryBytes: number } };
    };
    const development = fs.readFileSync(path.join(ROOT, "docs/development.md"), "utf8").replace(/\n\s+/g, " ");
    for (const row of table(search.collector).split("\n").slice(2))
      assert.ok(development.includes(row), `docs/development.md lacks the row ${row}`);
    assert.ok(development.includes(searchSummary(search)), `docs/development.md lacks: ${searchSummary(search)}`);
    // The search default is the measured size rounded up to a multiple of 64, as Badger's is.
    const measured = search.stored.bytesPerSpan;
    assert.ok(
      within25(DEFAULT_BYTES_PER_SPAN.elasticsearch, measured) && DEFAULT_BYTES_PER_SPAN.elasticsearch >= measured,
      `${DEFAULT_BYTES_PER_SPAN.elasticsearch} against ${measured}`,
    );
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    assert.ok(readme.includes(searchRow(search)), `README.md lacks the row:\n${searchRow(search)}`);
    const cpu = search.collector.steps.map((s) => s.cpuSecondsPer1000);
    const { cpuMillis, memoryBytes } = search.recorded.collectorLimits;
    for (const stated of [
      `sustained ${search.collector.sustained.toLocaleString("en-US")} spans/s here`,
      `the measured ${search.stored.bytesPerSpan} bytes rounded up to a multiple of 64 (${DEFAULT_BYTES_PER_SPAN.elasticsearch};`,
      `at ${Math.min(...cpu)} to ${Math.max(...cpu)} CPU s per 1,000 spans`,
      `(${cpuMillis}m, ${memoryBytes / 2 ** 20}Mi)`,
    ])
      assert.ok(development.includes(stated), `docs/development.md states "${stated}" from the recording`);
  });
});
