// Every metric our rules and dashboards query, and every series our promtool fixtures feed
// them, must be one that upstream emits, with labels upstream puts on it. The list of
// upstream metrics (tests/fixtures/upstream-metrics.yml) is transcribed from upstream code
// with its sources; selectors are found with Prometheus' own PromQL grammar (lezer-promql).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { AlertingRule, RecordingRule, RuleFile } from "../components/monitoring/prometheusRules";
import { DASHBOARD_BUILDERS, DashboardFile } from "../dashboards/builders";
import { ROOT, configSet, deployedRuleFile, evaluateStack, stackConfig } from "../scripts/evaluate";

interface Catalogue {
  targetLabels: string[];
  metrics: Record<string, string[]>;
}
const CATALOGUE = parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/upstream-metrics.yml"), "utf8")) as Catalogue;

interface Selector {
  readonly metric: string;
  readonly labels: readonly string[];
}

// An ES module: loaded once in a root hook below (this test file is compiled as CommonJS).
// Typed by the parts used here: its own types resolve only in ES module resolution.
interface SyntaxNodeLike {
  readonly from: number;
  readonly to: number;
  getChild(name: string): SyntaxNodeLike | null;
  getChildren(name: string): SyntaxNodeLike[];
}
let parser: {
  parse(input: string): { cursor(): { name: string; from: number; node: SyntaxNodeLike; next(): boolean } };
};

/** Vector selectors of a PromQL expression (metric name and matched label names). */
function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.name === "⚠") throw new Error(`PromQL does not parse at ${cursor.from}: ${expr}`);
    if (cursor.name !== "VectorSelector") continue;
    const node = cursor.node;
    const identifier = node.getChild("Identifier");
    const labels: string[] = [];
    const matchers = node.getChild("LabelMatchers");
    for (const m of matchers?.getChildren("UnquotedLabelMatcher") ?? []) {
      const label = m.getChild("LabelName");
      if (label) labels.push(expr.slice(label.from, label.to));
    }
    found.push({ metric: identifier ? expr.slice(identifier.from, identifier.to) : "", labels });
  } while (cursor.next());
  return found;
}

function problems(where: string, selector: Selector, recorded: ReadonlySet<string>): string[] {
  if (recorded.has(selector.metric)) return [];
  const labels = CATALOGUE.metrics[selector.metric];
  if (!labels) return [`${where}: ${selector.metric} is not an upstream metric`];
  const known = new Set([...labels, ...CATALOGUE.targetLabels, "__name__"]);
  return selector.labels
    .filter((l) => !known.has(l))
    .map((l) => `${where}: ${selector.metric} has no label ${l} upstream`);
}

const isAlert = (r: RecordingRule | AlertingRule): r is AlertingRule => "alert" in r;

describe("metric names and labels match what upstream emits", function () {
  this.timeout(60000);
  const rules: { stack: string; file: RuleFile }[] = [];
  before(async () => {
    ({ parser } = await import("@prometheus-io/lezer-promql"));
    const shapes: [string, string, [string, string][]][] = [
      ["dev with the exporter queue", "dev", [["jaeger.exporterQueue.enabled", "true"]]],
      ["prod (Elasticsearch)", "prod", []],
      [
        "prod on Badger with backups",
        "prod",
        [
          ["storage.backend", "badger"],
          ["backup.volumeSnapshotClass", "ebs-csi"],
        ],
      ],
    ];
    for (const [label, stack, edits] of shapes) {
      const raw = edits.reduce((r, [k, v]) => configSet(r, k, v, { path: true }), stackConfig(stack));
      rules.push({ stack: label, file: deployedRuleFile(await evaluateStack(stack, raw)) as RuleFile });
    }
  });

  const recordedNames = () =>
    new Set(rules.flatMap((r) => r.file.groups.flatMap((g) => g.rules)).flatMap((r) => (isAlert(r) ? [] : [r.record])));

  it("the selector finder sees names and matched labels, and rejects what PromQL rejects", () => {
    assert.deepEqual(selectors('sum by (a) (rate(x_total{namespace="n", role=~"t"}[5m])) / up'), [
      { metric: "x_total", labels: ["namespace", "role"] },
      { metric: "up", labels: [] },
    ]);
    assert.throws(() => selectors("sum(rate(x[5m])"), /does not parse/);
  });

  it("every rule of every stack shape", () => {
    const recorded = recordedNames();
    const found = rules.flatMap(({ stack, file }) =>
      file.groups
        .flatMap((g) => g.rules)
        .flatMap((r) =>
          selectors(r.expr).flatMap((s) => problems(`${stack} ${isAlert(r) ? r.alert : r.record}`, s, recorded)),
        ),
    );
    assert.deepEqual(found, []);
  });

  it("every query of every committed dashboard", () => {
    const recorded = recordedNames();
    const variables: Record<string, string> = { namespace: "observability", __rate_interval: "5m" };
    const found: string[] = [];
    for (const file of Object.keys(DASHBOARD_BUILDERS) as DashboardFile[]) {
      const json = JSON.parse(fs.readFileSync(path.join(ROOT, "dashboards", file), "utf8")) as {
        panels: { title: string; targets?: { expr: string }[] }[];
      };
      for (const panel of json.panels) {
        for (const target of panel.targets ?? []) {
          const expr = target.expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => variables[name] ?? ".+");
          found.push(...selectors(expr).flatMap((s) => problems(`${file} "${panel.title}"`, s, recorded)));
        }
      }
    }
    assert.deepEqual(found, []);
  });

  it("every input series of the promtool fixtures (rules and dashboards)", () => {
    const series: string[] = [];
    const rulesTests = parse(fs.readFileSync(path.join(ROOT, "tests/promtool/jaeger-rules.test.yml"), "utf8")) as {
      tests: { input_series?: { series: string }[] }[];
    };
    series.push(...rulesTests.tests.flatMap((t) => (t.input_series ?? []).map((s) => s.series)));
    const cases = parse(fs.readFileSync(path.join(ROOT, "tests/promtool/dashboards.cases.yml"), "utf8")) as {
      series: { series: string }[];
    };
    series.push(...cases.series.map((s) => s.series));
    assert.ok(series.length > 40, `${series.length} series`);
    const found = series.flatMap((s) => selectors(s).flatMap((sel) => problems("fixture", sel, new Set())));
    assert.deepEqual(found, []);
  });

  it("rejects the names an older Jaeger or a guess would use", () => {
    for (const wrong of [
      "jaeger_bulk_index_errors_total",
      "jaeger_badger_size_bytes_lsm",
      "jaeger_collector_spans_received_total",
    ]) {
      assert.deepEqual(problems("x", { metric: wrong, labels: [] }, new Set()), [
        `x: ${wrong} is not an upstream metric`,
      ]);
    }
    assert.deepEqual(
      problems("x", { metric: "jaeger_storage_bulk_index_errors_total", labels: ["exporter"] }, new Set()),
      ["x: jaeger_storage_bulk_index_errors_total has no label exporter upstream"],
    );
  });
});
