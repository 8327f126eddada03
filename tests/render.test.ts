import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "../scripts/evaluate";
import { render } from "../scripts/render";

describe("offline render", () => {
  it("writes one manifest per Kubernetes object plus resources and outputs", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    try {
      const counts = await render("dev", dir);
      const files = fs.readdirSync(path.join(dir, "kubernetes"));
      assert.equal(files.length, counts.manifests);
      assert.ok(files.includes("deployment-observability-jaeger.yaml"), files.join(", "));
      const deployment = parse(
        fs.readFileSync(path.join(dir, "kubernetes", "deployment-observability-jaeger.yaml"), "utf8"),
      );
      assert.equal(deployment.kind, "Deployment");
      assert.equal(deployment.spec.strategy.type, "Recreate");
      const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"));
      assert.equal(outputs.uiUrl, "http://localhost:30002");
      assert.equal(outputs.grafanaAdminPassword, "[secret: not rendered]");
      const secret = parse(
        fs.readFileSync(path.join(dir, "kubernetes", "secret-monitoring-grafana-admin.yaml"), "utf8"),
      );
      assert.deepEqual(Object.values(secret.stringData), ["[secret: not rendered]", "[secret: not rendered]"]);
      const rules = parse(fs.readFileSync(path.join(dir, "prometheus", "jaeger-rules.yaml"), "utf8"));
      assert.deepEqual(
        rules.groups.map((g: { name: string }) => g.name),
        ["jaeger-spm-recording", "jaeger-alerts"],
      );
      const others = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8")) as { type: string }[];
      assert.ok(others.some((r) => r.type === "pulumi:providers:kubernetes"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("program start-up", function () {
  this.timeout(60000);
  it("a stack without backups never loads @pulumi/aws (about half a second of every preview)", () => {
    const script = `
      const { evaluateStack } = require("./scripts/evaluate");
      evaluateStack("dev").then(() => {
        const loaded = Object.keys(require.cache).filter((k) => k.includes("/node_modules/@pulumi/aws/"));
        console.log(JSON.stringify({ aws: loaded.length }));
      });`;
    const run = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}"), { aws: 0 });
  });
});
