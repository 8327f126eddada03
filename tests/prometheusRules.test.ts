import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type { AlertingRule, RecordingRule, RuleFile } from "../components/monitoring/prometheusRules";
import { ROOT, RawConfig, configSet, deployedRuleFile, evaluateStack, stackConfig } from "../scripts/evaluate";
import { promtool } from "./support/promtool";

const TEST_FILE = path.join(ROOT, "tests/promtool/jaeger-rules.test.yml");
const RUNBOOK_BASE = "https://git.example.com/platform/jaeger-spm/-/blob/main/README.md";

interface PromtoolTestFile {
  rule_files: string[];
  tests: {
    name: string;
    promql_expr_test?: { expr: string; exp_samples: { value: number }[] }[];
    alert_rule_test?: {
      alertname: string;
      exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
    }[];
  }[];
}

const isAlert = (rule: RecordingRule | AlertingRule): rule is AlertingRule => "alert" in rule;

describe("Prometheus rules on Prometheus' own engine (promtool)", function () {
  // promtool steps through up to 56h of rule evaluations per case: tens of seconds on a busy machine.
  this.timeout(180_000);
  let rules: RuleFile;
  let dir: string;

  before(async () => {
    // The real program's rules for dev, with the exporter queue on and a runbook URL, plus the
    // alerts only other shapes have: prod's (Elasticsearch) and prod on Badger with backups.
    const dev = configSet(
      configSet(stackConfig("dev"), "jaeger.exporterQueue.enabled", "true", { path: true }),
      "monitoring.runbookBaseUrl",
      RUNBOOK_BASE,
      { path: true },
    );
    const prodBadger = configSet(
      configSet(stackConfig("prod"), "storage.backend", "badger", { path: true }),
      "backup.acceptInconsistentFileCopies",
      "true",
      { path: true },
    );
    // One evaluation at a time: the Pulumi runtime the mocks stand in for is process-wide.
    const rulesOf = async (stack: string, raw: RawConfig) =>
      deployedRuleFile(await evaluateStack(stack, raw)) as RuleFile;
    rules = await rulesOf("dev", dev);
    const others = [await rulesOf("prod", stackConfig("prod")), await rulesOf("prod", prodBadger)];
    const have = new Set(rules.groups.flatMap((g) => g.rules).map((r) => ("alert" in r ? r.alert : r.record)));
    for (const other of others) {
      const extra = other.groups
        .flatMap((g) => g.rules)
        .filter((r): r is AlertingRule => isAlert(r) && !have.has(r.alert));
      extra.forEach((r) => have.add(r.alert));
      rules.groups.find((g) => g.name === "jaeger-alerts")?.rules.push(...extra);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    fs.writeFileSync(path.join(dir, "jaeger-rules.yaml"), stringify(rules));

    // Static annotations come from the rules; the templated summary stays as written in the test file.
    const alerts = new Map(
      rules.groups
        .flatMap((g) => g.rules)
        .filter(isAlert)
        .map((a) => [a.alert, a]),
    );
    const tests = parse(fs.readFileSync(TEST_FILE, "utf8")) as PromtoolTestFile;
    for (const test of tests.tests) {
      for (const case_ of test.alert_rule_test ?? []) {
        const rule = alerts.get(case_.alertname);
        for (const expected of case_.exp_alerts) {
          if (!rule) continue;
          expected.exp_annotations = {
            ...expected.exp_annotations,
            description: rule.annotations.description,
            ...(rule.annotations.runbook_url && { runbook_url: rule.annotations.runbook_url }),
          };
        }
      }
    }
    fs.writeFileSync(path.join(dir, "jaeger-rules.test.yml"), stringify(tests));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("promtool check rules accepts the generated rule file", () => {
    const { status, output } = promtool(["check", "rules", "jaeger-rules.yaml"], dir);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: \d+ rules found/);
  });

  it("promtool test rules passes every case", () => {
    const { status, output } = promtool(["test", "rules", "jaeger-rules.test.yml"], dir);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });

  it("covers every alert with a firing and a non-firing case", () => {
    const tests = parse(fs.readFileSync(TEST_FILE, "utf8")) as PromtoolTestFile;
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const alertNames = rules.groups
      .flatMap((g) => g.rules)
      .filter(isAlert)
      .map((a) => a.alert);
    assert.ok(alertNames.length >= 9, alertNames.join(", "));
    for (const name of alertNames) {
      const mine = cases.filter((c) => c.alertname === name);
      assert.ok(
        mine.some((c) => c.exp_alerts.length > 0),
        `${name} has no firing case`,
      );
      assert.ok(
        mine.some((c) => c.exp_alerts.length === 0),
        `${name} has no non-firing case`,
      );
    }
  });

  it("reads each raw span-metric selector in one recording rule only; the others build on recorded series defined before them", () => {
    // What makes the group affordable at 1,000 services x 20 operations (npm run bench:spm): every
    // raw read rates hundreds of thousands of series.
    const group = rules.groups.find((g) => g.name === "jaeger-spm-recording");
    assert.ok(group);
    const recording = group.rules.filter((r): r is RecordingRule => "record" in r);
    const rawReads = new Map<string, string[]>();
    for (const rule of recording) {
      for (const selector of rule.expr.match(
        /traces_span_metrics_(?:calls_total|duration_milliseconds_bucket)\{[^}]*\}/g,
      ) ?? []) {
        rawReads.set(selector, [...(rawReads.get(selector) ?? []), rule.record]);
      }
    }
    assert.ok(rawReads.size >= 3, [...rawReads.keys()].join("\n"));
    for (const [selector, readers] of rawReads)
      assert.equal(readers.length, 1, `${selector} is read by ${readers.join(", ")}`);
    const defined = new Set<string>();
    for (const rule of recording) {
      for (const used of rule.expr.match(/[a-z_]+:[a-z_0-9]+:[a-z_0-9]+/g) ?? []) {
        assert.ok(defined.has(used), `${rule.record} reads ${used} before a rule of the group records it`);
      }
      defined.add(rule.record);
    }
  });

  it("covers every recording rule with a non-zero exact value", () => {
    const tests = parse(fs.readFileSync(TEST_FILE, "utf8")) as PromtoolTestFile;
    const exprTests = tests.tests.flatMap((t) => t.promql_expr_test ?? []);
    const records = rules.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => "record" in r);
    for (const { record } of records) {
      const mine = exprTests.filter((t) => t.expr === record);
      assert.ok(
        mine.some((t) => t.exp_samples.some((s) => s.value !== 0)),
        `${record} has no non-zero exact-value case`,
      );
    }
  });

  it("every alert has a summary, a description and a runbook section in docs/runbooks.md", () => {
    const readme = fs.readFileSync(path.join(ROOT, "docs/runbooks.md"), "utf8");
    for (const alert of rules.groups.flatMap((g) => g.rules).filter(isAlert)) {
      assert.ok(alert.annotations.summary && alert.annotations.description, alert.alert);
      assert.match(readme, new RegExp(`^## ${alert.alert}$`, "m"), `docs/runbooks.md runbook for ${alert.alert}`);
    }
  });

  it("links each alert to its runbook with an absolute runbook_url (what Alertmanager and Grafana show)", () => {
    const devAlerts = rules.groups.flatMap((g) => g.rules).filter(isAlert);
    const url = devAlerts.find((a) => a.alert === "JaegerTargetDown")?.annotations.runbook_url ?? "";
    assert.equal(new URL(url).protocol, "https:");
    assert.equal(url, `${RUNBOOK_BASE}#jaegertargetdown`);
  });
});
