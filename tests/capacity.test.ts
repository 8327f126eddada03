// How the benchmark's figures are read: a rate counts as sustained only when Jaeger accepted at
// least 99% of it per second of wall time with p99 under 1 s, and several runs become one by the
// median of each figure per rate (one bad run neither makes nor breaks a figure).
import * as assert from "node:assert/strict";
import { Run, Step, isSustained, medianRun } from "../scripts/lib/capacity";

const step = (targetRate: number, acceptedPerSecond: number, p99ExportMs: number, steadyRssMb = 200): Step => ({
  targetRate,
  acceptedPerSecond,
  refusedPerSecond: 0,
  cpuSecondsPer1000: 0.1,
  peakRssMb: steadyRssMb + 50,
  p99ExportMs,
  steadyRssMb,
});
const run = (steps: Step[], bytesPerSpan = 600): Run => ({ config: "stack", steps, bytesPerSpan, sustained: 0 });

describe("benchmark figures (scripts/lib/capacity.ts)", () => {
  it("a step is sustained at 99% of its target with p99 under 1 s, and not at 98.9% or with p99 at 1 s", () => {
    assert.equal(isSustained(step(4000, 3960, 999)), true);
    assert.equal(isSustained(step(4000, 3959, 10)), false);
    assert.equal(isSustained(step(4000, 4000, 1000)), false);
  });

  it("runs combine by the median of each figure per rate, and the sustained rate is read from the medians", () => {
    const combined = medianRun([
      run([step(2000, 2000, 5, 210), step(4000, 4000, 300, 260)], 605),
      run([step(2000, 2000, 7, 200), step(4000, 3000, 2500, 300)], 610),
      run([step(2000, 1990, 6, 220), step(4000, 3990, 400, 270)], 600),
    ]);
    assert.deepEqual(
      combined.steps.map((s) => [s.targetRate, s.acceptedPerSecond, s.p99ExportMs, s.steadyRssMb]),
      [
        [2000, 2000, 6, 210],
        [4000, 3990, 400, 270],
      ],
    );
    assert.equal(combined.bytesPerSpan, 605);
    assert.equal(combined.sustained, 3990, "one slow run does not undo the 4,000 step");
  });
});
