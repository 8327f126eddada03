import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { DASHBOARD_BUILDERS, DashboardFile, renderDashboard } from "../dashboards/builders";
import { ROOT, deployedRuleFile, evaluateStack } from "../scripts/evaluate";
import { promtool } from "./support/promtool";

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
  __inputs?: unknown;
  id?: unknown;
}
interface Case {
  panel: string;
  refId: string;
  variables?: Record<string, string>;
  exp_samples: { labels: string; value: number }[];
}
interface Cases {
  eval_time: string;
  variables: Record<string, string>;
  series: { series: string; values: string }[];
  dashboards: Record<string, Case[]>;
}

const FILES = Object.keys(DASHBOARD_BUILDERS) as DashboardFile[];
const committed = (file: string) => fs.readFileSync(path.join(ROOT, "dashboards", file), "utf8");
const dashboard = (file: string) => JSON.parse(committed(file)) as Dashboard;
const queryPanels = (d: Dashboard) => d.panels.filter((p) => p.type !== "row");
const CASES = parse(fs.readFileSync(path.join(ROOT, "tests/promtool/dashboards.cases.yml"), "utf8")) as Cases;

/** What Grafana sends Prometheus: $var / ${var} replaced by the selected value (All = allValue). */
function substitute(expr: string, variables: Record<string, string>): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const value = variables[name];
    assert.ok(value !== undefined, `no value for $${name} in ${expr}`);
    return value;
  });
}

describe("Grafana dashboards", () => {
  it("the SPM dashboard's time series draw at most the top 20 lines each, whatever the services picked", () => {
    // With "All" at 1,000 services x 20 operations, an unbounded per-operation panel returned
    // 20,000 series (npm run bench:spm): unreadable, and seconds of Prometheus time per refresh.
    const spm = JSON.parse(fs.readFileSync(path.join(ROOT, "dashboards/jaeger-spm.json"), "utf8")) as {
      panels: { type: string; title: string; targets?: { expr?: string }[] }[];
    };
    const series = spm.panels.filter((p) => p.type === "timeseries");
    assert.ok(series.length >= 6, series.map((p) => p.title).join(", "));
    for (const panel of series) {
      for (const target of panel.targets ?? []) {
        assert.match(target.expr ?? "", /^(100 \* )?topk\(20, /, `${panel.title}: ${target.expr}`);
      }
    }
  });

  it("gives every committed dashboard its own uid (a shared Grafana can hold both health variants)", () => {
    const uids = FILES.map((f) => dashboard(f).uid);
    assert.equal(new Set(uids).size, uids.length, uids.join(", "));
  });

  for (const file of FILES) {
    describe(file, () => {
      it("is committed exactly as its builder generates it (npm run dashboards)", () => {
        assert.equal(committed(file), renderDashboard(file));
      });

      it("imports cleanly: uid <= 40 chars, unique panel ids, gridPos everywhere, refIds on every target", () => {
        const d = dashboard(file);
        assert.ok(d.uid.length > 0 && d.uid.length <= 40, d.uid);
        assert.equal(d.id, undefined, "no instance-specific numeric id");
        const ids = d.panels.map((p) => p.id);
        assert.ok(
          ids.every((id) => typeof id === "number" && id > 0),
          JSON.stringify(ids),
        );
        assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
        for (const p of d.panels) {
          assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0 && p.gridPos.x + p.gridPos.w <= 24, p.title);
        }
        for (const p of queryPanels(d)) {
          assert.ok((p.targets ?? []).length > 0, `${p.title} has queries`);
          const refIds = (p.targets ?? []).map((t) => t.refId);
          assert.ok(
            refIds.every((r) => typeof r === "string" && r.length > 0),
            `${p.title} refIds`,
          );
          assert.equal(new Set(refIds).size, refIds.length, `${p.title} refIds unique`);
        }
      });

      it("uses the datasource variable, never a hard-coded datasource uid or ${DS_*} input", () => {
        const d = dashboard(file);
        assert.equal(d.__inputs, undefined);
        assert.ok(d.templating.list.some((v) => v.name === "datasource" && v.type === "datasource"));
        const uids = JSON.stringify(d).match(/"uid":\s*"[^"]*"/g) ?? [];
        for (const uid of uids.filter((u) => !u.includes(d.uid))) assert.match(uid, /"\$\{datasource\}"/);
        assert.doesNotMatch(committed(file), /\$\{DS_/);
      });

      it("has a variable query that reads a metric the queries use", () => {
        const queryVariables = dashboard(file).templating.list.filter((v) => v.type === "query");
        assert.ok(queryVariables.length > 0);
        for (const v of queryVariables) {
          const metric = /label_values\((\w+)/.exec(String(v.query))?.[1];
          assert.ok(metric && CASES.series.some((s) => s.series.startsWith(`${metric}{`)), `${v.name}: ${v.query}`);
        }
      });
    });
  }

  describe("every panel query evaluates on Prometheus' engine to hand-computed values", function () {
    this.timeout(60000);
    let dir: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
      const ev = await evaluateStack("dev"); // the SPM panels read the generated recording rules
      fs.writeFileSync(path.join(dir, "jaeger-rules.yaml"), stringify(deployedRuleFile(ev)));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const file of FILES) {
      it(`${file}: every target has a non-zero case, and all cases pass promtool`, () => {
        const d = dashboard(file);
        const cases = CASES.dashboards[file] ?? [];
        for (const p of queryPanels(d)) {
          for (const t of p.targets ?? []) {
            const mine = cases.filter((c) => c.panel === p.title && c.refId === t.refId);
            assert.ok(
              mine.some((c) => c.exp_samples.some((s) => s.value !== 0)),
              `${file} "${p.title}" ${t.refId} has no non-zero evaluation case`,
            );
          }
        }
        const promqlTests = cases.map((c) => {
          const panel = queryPanels(d).find((p) => p.title === c.panel);
          const target = panel?.targets?.find((t) => t.refId === c.refId);
          assert.ok(target?.expr, `${file}: no panel "${c.panel}" with target ${c.refId}`);
          return {
            expr: substitute(target.expr, { ...CASES.variables, ...c.variables }),
            eval_time: CASES.eval_time,
            exp_samples: c.exp_samples,
          };
        });
        const testFile = path.join(dir, `${file}.test.yml`);
        fs.writeFileSync(
          testFile,
          stringify({
            rule_files: ["jaeger-rules.yaml"],
            evaluation_interval: "1m",
            tests: [{ name: file, interval: "1m", input_series: CASES.series, promql_expr_test: promqlTests }],
          }),
        );
        const { status, output } = promtool(["test", "rules", path.basename(testFile)], dir);
        assert.equal(status, 0, output);
      });
    }
  });
});
