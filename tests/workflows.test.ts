import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "../scripts/evaluate";
import { MARKER, renderDiff } from "../scripts/renderDiff";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const validator = path.join(ROOT, "node_modules", ".bin", "action-validator");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

describe("GitHub workflows", () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

  it("validate against the GitHub Actions schema (action-validator)", () => {
    assert.ok(files.length > 0);
    for (const file of files) {
      const run = spawnSync(validator, [path.join(WORKFLOWS, file)], { encoding: "utf8" });
      assert.equal(run.status, 0, `${file}: ${run.stdout}${run.stderr}`);
    }
  });

  it("the validator itself rejects an unknown step key", () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "bad.yml");
    fs.writeFileSync(
      bad,
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n        bogus: 1\n",
    );
    assert.notEqual(spawnSync(validator, [bad], { encoding: "utf8" }).status, 0);
  });

  describe("pull-request.yml", () => {
    const workflow = parse(fs.readFileSync(path.join(WORKFLOWS, "pull-request.yml"), "utf8")) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);

    it("grants least privilege: read-only by default, PR write only where it comments", () => {
      assert.deepEqual(workflow.permissions, { contents: "read" });
      for (const [name, job] of Object.entries(workflow.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          assert.ok(
            level === "read" ||
              (scope === "pull-requests" && ["render-diff", "preview"].includes(name)) ||
              scope === "id-token",
            `${name}: ${scope}: ${level}`,
          );
        }
      }
    });

    it("runs the tests, posts the offline render diff, and previews with pulumi/actions v7 when configured", () => {
      assert.ok(steps.some((s) => s.run === "npm test"));
      assert.ok(steps.some((s) => s.run?.includes("npm run render:diff")));
      const pulumi = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
      assert.equal(pulumi?.uses, "pulumi/actions@v7");
      assert.equal(pulumi?.with?.command, "preview");
      assert.equal(pulumi?.with?.["comment-on-pr"], true);
      assert.equal(pulumi?.with?.diff, true);
      assert.match(String(pulumi?.if), /steps\.backend\.outputs\.configured == 'true'/);
      assert.ok(steps.some((s) => s.run?.includes("::notice title=pulumi preview skipped::")));
      const scripts = (
        JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
      ).scripts;
      assert.ok(scripts["render:diff"] && scripts.test);
    });
  });

  it("render:diff compares a base revision with the working tree, offline", function () {
    this.timeout(60000);
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    if (head.status !== 0) assert.fail("render:diff needs the project's git history");
    const markdown = renderDiff("HEAD", ["dev"]);
    assert.ok(markdown.startsWith(MARKER));
    assert.match(markdown, /## Offline render diff \(base [0-9a-f]+\)/);
    assert.match(markdown, /### dev/);
  });
});
