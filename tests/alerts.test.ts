// The alert builders, called directly: what each owner's group fires on and links to. The promtool
// suite (prometheusRules.test.ts) runs the same rules on series; these need no process.
import * as assert from "node:assert/strict";
import { backupAlerts } from "../components/backup/alerts";
import { AlertThresholds, JaegerAlertsInput, jaegerAlerts } from "../components/jaeger/alerts";
import { AlertingRule, RuleGroup, alertingRule, buildRuleFile } from "../components/monitoring/prometheusRules";

const THRESHOLDS: AlertThresholds = {
  for: "10m",
  spansRefusedRatio: 0.01,
  exportFailedRatio: 0.02,
  noSpansFor: "30m",
  targetDownFor: "5m",
  exporterQueueRatio: 0.8,
  volumeUsedRatio: 0.85,
  spanMetricsMissingFor: "15m",
  memoryRatio: 0.9,
};
const GiB = 1024 ** 3;
const jaegerInput = (over: Partial<JaegerAlertsInput> = {}): JaegerAlertsInput => ({
  namespace: "tracing",
  telemetry: [
    { service: "jaeger-collector", memoryLimitBytes: 2 * GiB },
    { service: "jaeger-query", memoryLimitBytes: GiB },
  ],
  spanMetricsService: "jaeger-span-metrics",
  storage: { kind: "badger", volumeBytes: 20 * GiB },
  exporterQueue: false,
  thresholds: THRESHOLDS,
  ...over,
});
const alerts = (group: RuleGroup) => group.rules.filter((r): r is AlertingRule => "alert" in r);
const named = (group: RuleGroup, name: string) => {
  const found = alerts(group).find((a) => a.alert === name);
  assert.ok(found, `${name} in ${group.name}: ${alerts(group).map((a) => a.alert)}`);
  return found;
};

describe("alert rules (pure builders)", () => {
  it("an alert links to its runbook section only when the README's URL is known", () => {
    const alert = {
      name: "JaegerTargetDown",
      severity: "critical",
      expr: "up == 0",
      for: "5m",
      summary: "s",
      description: "d",
    } as const;
    const linked = alertingRule(alert, "https://git.example.com/jaeger-spm/README.md");
    assert.equal(linked.annotations.runbook_url, "https://git.example.com/jaeger-spm/README.md#jaegertargetdown");
    assert.deepEqual(linked.labels, { severity: "critical" });
    assert.ok(!("runbook_url" in alertingRule(alert).annotations), "no link without a base URL");
  });

  it("the rule file puts the SPM recording rules first, then each owner's group in the order given", () => {
    const file = buildRuleFile([
      { name: "a", rules: [] },
      { name: "b", rules: [] },
    ]);
    assert.deepEqual(
      file.groups.map((g) => g.name),
      ["jaeger-spm-recording", "a", "b"],
    );
    assert.ok(file.groups[0].rules.every((r) => "record" in r));
  });

  describe("Jaeger's", () => {
    it("select Jaeger's telemetry services in its namespace only", () => {
      const group = jaegerAlerts(jaegerInput());
      assert.equal(group.name, "jaeger-alerts");
      for (const a of alerts(group)) {
        assert.match(a.expr, /namespace="tracing"/, a.alert);
        assert.doesNotMatch(a.expr, /namespace="(?!tracing")/, a.alert);
      }
      assert.match(named(group, "JaegerTargetDown").expr, /service=~"jaeger-collector\|jaeger-query"/);
    });

    it("compare each role's memory with its own limit", () => {
      const expr = named(jaegerAlerts(jaegerInput()), "JaegerMemoryNearLimit").expr;
      const clauses = expr.split(" or ");
      assert.equal(clauses.length, 2);
      assert.match(clauses[0], new RegExp(`service="jaeger-collector"\\}\\) / ${2 * GiB} > 0\\.9$`));
      assert.match(clauses[1], new RegExp(`service="jaeger-query"\\}\\) / ${GiB} > 0\\.9$`));
    });

    it("Badger: fires when less than the unused share of the volume is free, in bytes", () => {
      const group = jaegerAlerts(jaegerInput());
      const disk = named(group, "JaegerBadgerDiskSpaceLow");
      // 15% of 20 GiB, the share volumeUsedRatio 0.85 leaves free.
      assert.match(disk.expr, / < 3221225472$/);
      assert.match(disk.annotations.description, /Less than 15% of the Badger volume's size \(3221225472 bytes\)/);
      assert.ok(!alerts(group).some((a) => a.alert === "JaegerStorageWritesFailing"));
    });

    it("Elasticsearch: watches the bulk writes' failures, which the exporter does not see", () => {
      const group = jaegerAlerts(jaegerInput({ storage: { kind: "search" } }));
      const writes = named(group, "JaegerStorageWritesFailing");
      assert.match(writes.expr, /jaeger_storage_bulk_index_errors_total\{.*role="tracestore"\}/);
      assert.match(writes.expr, /> 0\.02$/);
      assert.ok(!alerts(group).some((a) => a.alert === "JaegerBadgerDiskSpaceLow"));
    });

    it("the exporter queue alert exists only with a queue", () => {
      const has = (exporterQueue: boolean) =>
        alerts(jaegerAlerts(jaegerInput({ exporterQueue }))).some((a) => a.alert === "JaegerExporterQueueNearFull");
      assert.deepEqual([has(false), has(true)], [false, true]);
    });

    it("take their durations from the thresholds and say the ratios as percentages", () => {
      const group = jaegerAlerts(jaegerInput());
      assert.equal(named(group, "JaegerNoSpansAccepted").for, "30m");
      assert.match(named(group, "JaegerNoSpansAccepted").annotations.summary, /no spans for 30m$/);
      assert.equal(named(group, "JaegerTargetDown").for, "5m");
      assert.equal(named(group, "JaegerSpanMetricsMissing").for, "15m");
      assert.match(named(group, "JaegerSpansRefused").annotations.description, /^More than 1% of spans/);
      assert.equal(named(group, "JaegerSpansRefused").labels.severity, "warning");
      assert.equal(named(group, "JaegerSpanExportFailing").labels.severity, "critical");
    });
  });

  describe("the backups'", () => {
    it("Velero: on its schedule only, overdue after the longest gap plus two hours for a run", () => {
      const group = backupAlerts({ kind: "velero", schedule: { name: "jaeger-badger", maxGapSeconds: 6 * 3600 } });
      assert.equal(group.name, "jaeger-backup-alerts");
      assert.deepEqual(
        alerts(group).map((a) => a.alert),
        ["JaegerBackupFailed", "JaegerBackupPartiallyFailed", "JaegerBackupMissing", "JaegerBackupMetricsAbsent"],
      );
      for (const a of alerts(group)) assert.match(a.expr, /\{schedule="jaeger-badger"\}/, a.alert);
      assert.match(named(group, "JaegerBackupMissing").expr, / > 28800$/);
      assert.match(named(group, "JaegerBackupMissing").annotations.summary, /for over 8h$/);
      assert.equal(named(group, "JaegerBackupMetricsAbsent").for, "480m");
    });

    it("snapshots: the repository's series from the exporter in the stack's namespace", () => {
      const group = backupAlerts({
        kind: "snapshots",
        repository: { name: "jaeger-backups", maxGapSeconds: 24 * 3600 },
        namespace: "tracing",
        runbookBaseUrl: "https://x/README.md",
      });
      assert.deepEqual(
        alerts(group).map((a) => a.alert),
        ["JaegerSnapshotFailed", "JaegerSnapshotMissing", "JaegerSnapshotMetricsAbsent", "JaegerSnapshotCheckFailing"],
      );
      for (const a of alerts(group)) {
        assert.match(a.expr, /namespace="tracing"/, a.alert);
        assert.equal(a.annotations.runbook_url, `https://x/README.md#${a.alert.toLowerCase()}`);
      }
      assert.match(named(group, "JaegerSnapshotMissing").expr, /repository="jaeger-backups"/);
      assert.match(named(group, "JaegerSnapshotMissing").expr, / > 93600$/);
    });
  });
});
