// The unit parsers and the sizing rules on their own, with properties checked over generated
// inputs (fast-check): what a user types must mean what Kubernetes, Go and Prometheus make of it.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  badgerVolumeSize,
  elasticsearchNodeVolumeSize,
  sizedRequests,
  resolveResources,
  retainedBytes,
} from "../config/sizing";
import {
  goDurationSeconds,
  parseBytesQuantity,
  parseCpuMillis,
  parseGoDurationSeconds,
  parsePrometheusDurationSeconds,
  quantityBytes,
} from "../config/units";

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 } as const;
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;

describe("units", () => {
  describe("CPU quantities", () => {
    it("read millicores and whole or fractional cores as Kubernetes does", () => {
      assert.equal(parseCpuMillis("500m"), 500);
      assert.equal(parseCpuMillis("0.5"), 500);
      assert.equal(parseCpuMillis("2"), 2000);
      assert.equal(parseCpuMillis("1.25"), 1250);
      // found by the property below: 32.297 x 1000 is 32296.999999999996 in floating point
      assert.equal(parseCpuMillis("32.297"), 32297);
      // below a millicore, the rest stays a fraction of one
      assert.equal(parseCpuMillis("1.0005"), 1000.5);
      assert.equal(parseCpuMillis("0.0015"), 1.5);
    });

    it("n millicores and n/1000 cores are the same amount", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 64_000 }), (millis) => {
          assert.equal(parseCpuMillis(`${millis}m`), millis);
          assert.equal(parseCpuMillis(String(millis / 1000)), millis);
        }),
      );
    });

    it("refuse what is not a quantity", () => {
      for (const text of ["", "m", "500mm", "x1", "1 ", "-1", "1k", "500 m", "0.5m5"]) {
        assert.equal(parseCpuMillis(text), undefined, JSON.stringify(text));
      }
    });
  });

  describe("byte quantities", () => {
    it("binary suffixes are powers of 1024, decimal ones powers of 1000, fractions allowed", () => {
      assert.equal(parseBytesQuantity("1G"), 1e9);
      assert.equal(parseBytesQuantity("1Gi"), 2 ** 30);
      assert.equal(parseBytesQuantity("1.25Gi"), 1.25 * 2 ** 30);
      assert.equal(parseBytesQuantity("2048"), 2048);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100_000 }),
          fc.constantFrom(...(Object.keys(BINARY) as (keyof typeof BINARY)[])),
          fc.constantFrom(...(Object.keys(DECIMAL) as (keyof typeof DECIMAL)[])),
          (n, binary, decimal) => {
            assert.equal(parseBytesQuantity(`${n}${binary}`), n * BINARY[binary]);
            assert.equal(parseBytesQuantity(`${n}${decimal}`), n * DECIMAL[decimal]);
          },
        ),
      );
    });

    it("refuse text around a quantity and unknown suffixes", () => {
      for (const text of ["x20Gi", "20Gix", "20 Gi", "20gi", "20GB", "Gi", "", "-1Gi"]) {
        assert.equal(parseBytesQuantity(text), undefined, JSON.stringify(text));
      }
    });
  });

  describe("Go durations", () => {
    it("add up compound durations in every unit Go knows", () => {
      assert.equal(parseGoDurationSeconds("1h30m"), 5400);
      assert.equal(parseGoDurationSeconds("168h"), 604_800);
      assert.equal(parseGoDurationSeconds("1.5h"), 5400);
      assert.equal(parseGoDurationSeconds("250ms"), 0.25);
      assert.equal(parseGoDurationSeconds("2us"), 2e-6);
      assert.equal(parseGoDurationSeconds("1ns"), 1e-9);
      fc.assert(
        fc.property(fc.nat(500), fc.nat(59), fc.nat(59), (h, m, s) => {
          assert.equal(parseGoDurationSeconds(`${h}h${m}m${s}s`), h * 3600 + m * 60 + s);
        }),
      );
    });

    it("refuse days, signs, spaces and trailing text", () => {
      for (const text of ["7d", "168hx", "x168h", "-1h", "1h 30m", "", "h"]) {
        assert.equal(parseGoDurationSeconds(text), undefined, JSON.stringify(text));
      }
    });
  });

  describe("Prometheus durations", () => {
    it("take whole numbers of each unit, largest first, and 0", () => {
      assert.equal(parsePrometheusDurationSeconds("1h30m"), 5400);
      assert.equal(parsePrometheusDurationSeconds("2d"), 172_800);
      assert.equal(parsePrometheusDurationSeconds("1w"), 604_800);
      assert.equal(parsePrometheusDurationSeconds("1y"), 365 * 86_400);
      assert.equal(parsePrometheusDurationSeconds("500ms"), 0.5);
      assert.equal(parsePrometheusDurationSeconds("0"), 0);
    });

    it("refuse fractions, microseconds, units out of order and empty text", () => {
      for (const text of ["1.5h", "1us", "30m1h", "", "h", "1hh", "10"]) {
        assert.equal(parsePrometheusDurationSeconds(text), undefined, JSON.stringify(text));
      }
    });
  });
});

describe("units of validated config (the plan's view)", () => {
  it("give the number of a valid value, as the parsers do", () => {
    assert.equal(goDurationSeconds("720h"), 720 * 3600);
    assert.equal(quantityBytes("20Gi"), 20 * 2 ** 30);
  });

  it("fail loudly, naming the text, instead of turning a bad value into 0", () => {
    assert.throws(() => goDurationSeconds("30d"), { name: "TypeError", message: '"30d" is not a Go duration' });
    assert.throws(() => quantityBytes("20GB"), { name: "TypeError", message: '"20GB" is not a byte quantity' });
  });
});

describe("sizing", () => {
  const demand = fc.record({
    spansPerSecond: fc.integer({ min: 1, max: 100_000 }),
    bytesPerSpan: fc.integer({ min: 64, max: 1_048_576 }),
    retentionSeconds: fc.integer({ min: 3600, max: 90 * 86_400 }),
  });

  it("a Badger volume holds everything retained, with 1.5x headroom, in whole Gi", () => {
    fc.assert(
      fc.property(demand, (d) => {
        const size = parseBytesQuantity(badgerVolumeSize(d)) ?? 0;
        assert.match(badgerVolumeSize(d), /^\d+Gi$/);
        assert.ok(size >= retainedBytes(d) * 1.5, `${size} < ${retainedBytes(d) * 1.5}`);
        assert.ok(size < retainedBytes(d) * 1.5 + 2 ** 30 || size === 2 ** 30, "rounded up by less than 1Gi");
      }),
    );
  });

  it("Elasticsearch nodes together hold every copy, with headroom, and more replicas need more", () => {
    fc.assert(
      fc.property(demand, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 10 }), (d, replicas, nodes) => {
        const perNode = parseBytesQuantity(elasticsearchNodeVolumeSize({ ...d, replicas, nodeCount: nodes })) ?? 0;
        assert.ok(perNode * nodes >= retainedBytes(d) * (1 + replicas) * 1.5);
        const more = parseBytesQuantity(
          elasticsearchNodeVolumeSize({ ...d, replicas: replicas + 1, nodeCount: nodes }),
        );
        assert.ok((more ?? 0) >= perNode);
      }),
    );
  });

  it("requests start from the guide's base (300m, 512Mi, +200Mi for SPM) and grow with load (per-1k figures: tests/sizing.test.ts)", () => {
    assert.deepEqual(sizedRequests(0), { cpuMillis: 300, memoryMi: 712 });
    assert.deepEqual(sizedRequests(0, false), { cpuMillis: 300, memoryMi: 512 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 1000 }), (rate, more) => {
        const a = sizedRequests(rate);
        const b = sizedRequests(rate + more);
        assert.ok(b.cpuMillis >= a.cpuMillis && b.memoryMi >= a.memoryMi);
      }),
    );
  });

  it("limits are twice the requests, derived or given; an explicit value wins for its own field only", () => {
    const derived = sizedRequests(3000);
    assert.deepEqual(resolveResources(3000, { requests: {}, limits: {} }), {
      requests: { cpu: `${derived.cpuMillis}m`, memory: `${derived.memoryMi}Mi` },
      limits: { cpu: `${derived.cpuMillis * 2}m`, memory: `${derived.memoryMi * 2}Mi` },
    });
    assert.deepEqual(resolveResources(3000, { requests: { cpu: "1" }, limits: { memory: "4Gi" } }), {
      requests: { cpu: "1", memory: `${derived.memoryMi}Mi` },
      limits: { cpu: "2000m", memory: "4Gi" },
    });
    // A request alone above the derived figure keeps its headroom (docs: limits default to twice the requests).
    assert.deepEqual(resolveResources(1000, { requests: { memory: "1.5Gi" }, limits: {} }).limits.memory, "3072Mi");
  });
});
