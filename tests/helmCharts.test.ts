// Every Helm chart the program installs comes from the source the stack names: the upstream
// repository by default, a mirror (HTTPS), an OCI registry, or a packaged chart on disk for
// air-gapped clusters. The real-engine suite installs from the archives (tests/e2e/pulumi.e2e.ts).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import { ConfigEdit, edits } from "./support/stackEdits";
import { Evaluation, evaluateStack } from "../scripts/evaluate";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Each chart: a stack that installs it, its source key, the pinned version key and the upstream repository. */
const CHARTS = [
  {
    chart: "kube-prometheus-stack",
    stack: "dev",
    base: [] as ConfigEdit[],
    key: "monitoring.bundled.chartRepository",
    version: "88.5.3",
    upstream: "https://prometheus-community.github.io/helm-charts",
  },
  {
    chart: "eck-operator",
    stack: "prod",
    base: [] as ConfigEdit[],
    key: "storage.elasticsearch.inCluster.operatorChartRepository",
    version: "2.16.0",
    upstream: "https://helm.elastic.co",
  },
  {
    chart: "velero",
    stack: "prod",
    base: [
      ["storage.backend", "badger"],
      ["backup.volumeSnapshotClass", "ebs-csi"],
    ] as ConfigEdit[],
    key: "backup.velero.chartRepository",
    version: "12.1.0",
    upstream: "https://vmware-tanzu.github.io/helm-charts",
  },
] as const;

function release(e: Evaluation, chart: string): Record<string, unknown> {
  const found = e.resources.filter(
    (r) => r.type === RELEASE && path.basename(String(r.inputs.chart)).startsWith(chart),
  );
  assert.equal(
    found.length,
    1,
    `one Release of ${chart}: ${e.resources.filter((r) => r.type === RELEASE).map((r) => r.inputs.chart)}`,
  );
  return found[0].inputs;
}

describe("Helm chart sources", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of CHARTS) {
    describe(c.chart, () => {
      it("comes from its upstream repository by default, at the pinned version", async () => {
        const inputs = release(await evaluateStack(c.stack, edits(c.stack, c.base)), c.chart);
        assert.equal(inputs.chart, c.chart);
        assert.equal(inputs.version, c.version);
        assert.deepEqual(inputs.repositoryOpts, { repo: c.upstream });
      });

      it("comes from a mirror repository", async () => {
        const mirror = "https://charts.mirror.internal/helm";
        const inputs = release(await evaluateStack(c.stack, edits(c.stack, [...c.base, [c.key, mirror]])), c.chart);
        assert.deepEqual([inputs.chart, inputs.version, inputs.repositoryOpts], [c.chart, c.version, { repo: mirror }]);
      });

      it("comes from an OCI registry: the chart's reference under it, at the pinned version", async () => {
        const inputs = release(
          await evaluateStack(c.stack, edits(c.stack, [...c.base, [c.key, "oci://registry.internal/charts"]])),
          c.chart,
        );
        assert.equal(inputs.chart, `oci://registry.internal/charts/${c.chart}`);
        assert.equal(inputs.version, c.version);
        assert.equal(inputs.repositoryOpts, undefined);
      });

      it("comes from a packaged chart on disk, whose version Helm reads inside", async () => {
        const archive = path.join(dir, `${c.chart}-${c.version}.tgz`);
        fs.writeFileSync(archive, "");
        const inputs = release(await evaluateStack(c.stack, edits(c.stack, [...c.base, [c.key, archive]])), c.chart);
        assert.equal(inputs.chart, archive);
        assert.equal(inputs.version, undefined);
        assert.equal(inputs.repositoryOpts, undefined);
      });

      it("refuses an archive of another version, or one that does not exist, naming the key", () => {
        const other = path.join(dir, `${c.chart}-0.0.1.tgz`);
        fs.writeFileSync(other, "");
        const missing = path.join(dir, "missing", `${c.chart}-${c.version}.tgz`);
        for (const [value, expected] of [
          [other, `named ${c.chart}-${c.version}.tgz`],
          [missing, "a chart archive that exists"],
        ]) {
          const result = parseStackConfig(edits(c.stack, [...c.base, [c.key, value]]));
          const problems = result.ok ? [] : result.problems;
          assert.ok(
            problems.some((p) => p.includes(`jaeger-spm:${c.key}`) && p.includes(expected)),
            `${value}: ${problems.join("\n")}`,
          );
        }
      });
    });
  }

  it("refuses what is not a chart source, naming the key and the three forms", () => {
    for (const value of [
      "http://charts.internal",
      "https://user:secret@charts.internal",
      "oci://registry.internal",
      "charts/velero",
      " https://charts.internal",
      "ftp://x/y.tgz",
    ]) {
      const result = parseStackConfig(edits("dev", [["monitoring.bundled.chartRepository", value]]));
      const problems = result.ok ? [] : result.problems;
      assert.ok(
        problems.some(
          (p) =>
            p.startsWith("jaeger-spm:monitoring.bundled.chartRepository") && p.includes("oci://") && p.includes(".tgz"),
        ),
        `${value}: ${problems.join("\n")}`,
      );
      assert.ok(!problems.join("\n").includes("secret"), "a credential in the URL is not echoed");
    }
  });
});
