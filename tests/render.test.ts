import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "../scripts/evaluate";
import { projectNodeRuntime } from "../scripts/lib/runtime";
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
      // Keyed digests: a changed value shows as a changed line, the value itself never.
      for (const value of Object.values(secret.stringData) as string[])
        assert.match(value, /^\[secret: not rendered, digest [0-9a-f]{16}\]$/);
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

describe("program start-up (what `pulumi preview` runs)", function () {
  this.timeout(60000);
  const runtime = projectNodeRuntime(ROOT);

  /** Runs `script` in a fresh node started with Pulumi.yaml's nodeargs, from the project directory. */
  function withProjectNodeArgs(script: string): Record<string, unknown> {
    const run = spawnSync(process.execPath, [...runtime.nodeArgs, "-e", script], { cwd: ROOT, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  }

  it("the language host does not type-check, and the tests load the program the same way", () => {
    assert.equal(runtime.typescript, false);
    const preloads = runtime.nodeArgs.filter((_, i) => runtime.nodeArgs[i - 1] === "--require");
    assert.deepEqual(preloads, ["./startup.js"]);
    const mocha = JSON.parse(fs.readFileSync(path.join(ROOT, ".mocharc.json"), "utf8")) as { require: string[] };
    assert.deepEqual(mocha.require.slice(0, preloads.length), preloads);
    // anything else mocha preloads is test support (mutation-testing coverage), not the program's start-up
    assert.ok(mocha.require.slice(preloads.length).every((file) => file.startsWith("./tests/support/")));
  });

  it("evaluates prod without ts-node, transpiling only the project's .ts files, with the compile cache on", () => {
    const result = withProjectNodeArgs(`
      const nodeModule = require("node:module");
      const { evaluateStack } = require("./scripts/evaluate");
      evaluateStack("prod").then((ev) => {
        const loaded = Object.keys(require.cache);
        console.log(JSON.stringify({
          resources: ev.resources.length,
          tsNode: loaded.filter((k) => k.includes("/node_modules/ts-node/")).length,
          tsOutsideProject: loaded.filter((k) => k.endsWith(".ts") && (!k.startsWith(process.cwd()) || k.includes("/node_modules/"))),
          compileCacheSupported: typeof nodeModule.enableCompileCache === "function",
          compileCacheDir: nodeModule.getCompileCacheDir ? nodeModule.getCompileCacheDir() : null,
        }));
      });`);
    assert.ok((result.resources as number) > 40, `prod registered ${result.resources} resources`);
    assert.equal(result.tsNode, 0);
    assert.deepEqual(result.tsOutsideProject, []);
    // Node >= 22.1 caches compiled code between previews; Node 20 has no compile cache to turn on.
    if (result.compileCacheSupported)
      assert.ok(typeof result.compileCacheDir === "string" && result.compileCacheDir !== "");
    else assert.equal(result.compileCacheDir, null);
  });

  it("a stack without backups never loads @pulumi/aws (about half a second of every preview)", () => {
    const result = withProjectNodeArgs(`
      const { evaluateStack } = require("./scripts/evaluate");
      evaluateStack("dev").then(() => {
        const loaded = Object.keys(require.cache).filter((k) => k.includes("/node_modules/@pulumi/aws/"));
        console.log(JSON.stringify({ aws: loaded.length }));
      });`);
    assert.deepEqual(result, { aws: 0 });
  });
});
