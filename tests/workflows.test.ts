import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "../scripts/evaluate";
import { COMMENT_LIMIT, MARKER, budgetedMarkdown, renderDiff } from "../scripts/renderDiff";
import { splitDiff } from "../scripts/lib/renderChanges";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const validator = path.join(ROOT, "node_modules", ".bin", "action-validator");

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Workflow {
  on: { pull_request?: { paths?: string[] }; workflow_run?: unknown };
  permissions: Record<string, string>;
  jobs: Record<
    string,
    {
      permissions?: Record<string, string>;
      if?: string;
      strategy?: { matrix: Record<string, unknown> };
      steps: Step[];
    }
  >;
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

  const load = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
  const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((j) => j.steps);

  it("pin every action by commit, naming the tag beside it", () => {
    for (const file of files) {
      const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
      const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
      assert.ok(uses.length > 0, file);
      for (const [, ref, rest] of uses) {
        assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${ref}`);
        assert.match(rest, /# v\d+\.\d+\.\d+/, `${file}: ${ref} names its tag`);
      }
    }
  });

  it("grant least privilege: read-only by default; PR write only where a comment is posted", () => {
    const writers: Record<string, string[]> = {
      "pull-request.yml": ["preview"],
      "render-diff-comment.yml": ["comment"],
    };
    for (const file of files) {
      const workflow = load(file);
      assert.deepEqual(workflow.permissions, { contents: "read" }, file);
      for (const [name, job] of Object.entries(workflow.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          assert.ok(
            level === "read" ||
              (scope === "pull-requests" && (writers[file] ?? []).includes(name)) ||
              (scope === "id-token" && name === "preview"),
            `${file} ${name}: ${scope}: ${level}`,
          );
        }
      }
    }
  });

  describe("pull-request.yml", () => {
    const workflow = load("pull-request.yml");
    const steps = stepsOf(workflow);

    it("runs the tests, renders the diff into the job summary and an artifact, with a read-only token", () => {
      assert.ok(steps.some((s) => s.run === "npm test"));
      const render = workflow.jobs["render-diff"];
      assert.deepEqual(render.permissions, { contents: "read" }, "a fork's or Dependabot's token is read-only anyway");
      assert.ok(render.steps.some((s) => s.run?.includes("npm run render:diff") && s.run.includes("--full-diff")));
      assert.ok(render.steps.some((s) => s.run?.includes("$GITHUB_STEP_SUMMARY")));
      const upload = render.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
      assert.equal(upload?.with?.name, "render-diff");
      assert.match(String(upload?.with?.path), /pr-number/);
      assert.ok(!render.steps.some((s) => s.uses?.startsWith("actions/github-script@")), "no comment from this job");
    });

    it("previews the configured stacks when the program changed, skipping a leg without its credentials", () => {
      const preview = workflow.jobs.preview;
      assert.match(String(preview.if), /needs\.changes\.outputs\.program == 'true'/);
      assert.match(String(preview.strategy?.matrix.stack), /fromJSON\(vars\.PREVIEW_STACKS \|\| '\["prod"\]'\)/);
      const check = preview.steps.find((s) => s.id === "backend");
      for (const needed of ["PULUMI_BACKEND_URL", "KUBECONFIG_DATA", "AWS_ROLE_ARN", "scripts/stackNeeds.ts"]) {
        assert.ok(check?.run?.includes(needed), needed);
      }
      const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
      assert.equal(pulumi?.with?.command, "preview");
      assert.equal(pulumi?.with?.["comment-on-pr"], true);
      assert.match(String(pulumi?.if), /steps\.backend\.outputs\.configured == 'true'/);
      const report = preview.steps.find((s) => String(s.if).includes("failure()"));
      assert.match(String(report?.with?.script), /createComment/, "a failed preview is reported on the PR");
      assert.ok(
        preview.steps.some((s) => s.uses?.startsWith("actions/cache@")),
        "plugins and charts cached",
      );
    });

    it("runs mutation testing on the changed pure modules only, failing below the threshold", () => {
      const job = workflow.jobs.mutation;
      assert.match(String(job.if), /needs\.changes\.outputs\.mutate != ''/);
      assert.ok(job.steps.some((s) => s.run?.includes("npm run test:mutation --")));
      const stryker = JSON.parse(fs.readFileSync(path.join(ROOT, "stryker.config.json"), "utf8")) as {
        thresholds: { break: number };
      };
      assert.equal(stryker.thresholds.break, 90);
    });

    it("skips runs for Markdown other than the README and docs/ (the tests read both)", () => {
      assert.deepEqual(workflow.on.pull_request?.paths, ["**", "!**/*.md", "README.md", "docs/**"]);
    });
  });

  describe("render-diff-comment.yml", () => {
    const workflow = load("render-diff-comment.yml");
    it("comments from the base repository after the pull-request run, only on that pull request's head", () => {
      assert.deepEqual(workflow.on.workflow_run, { workflows: ["pull request"], types: ["completed"] });
      const script = String(
        workflow.jobs.comment.steps.find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.script,
      );
      assert.match(script, /pr\.head\.sha !== run\.head_sha/);
      assert.match(script, /updateComment/);
      assert.ok(!stepsOf(workflow).some((s) => s.uses?.startsWith("actions/checkout@")), "runs no code from the PR");
    });
  });

  it("render:diff compares a base revision with the working tree, offline", function () {
    this.timeout(60000);
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    if (head.status !== 0) assert.fail("render:diff needs the project's git history");
    const { markdown } = renderDiff("HEAD", ["dev"]);
    assert.ok(markdown.startsWith(MARKER));
    assert.match(markdown, /## Offline render diff \(base [0-9a-f]+\)/);
    assert.match(markdown, /### dev/);
  });
});

describe("render diff comment", () => {
  const fileOf = (name: string, chars: number) => ({
    file: name,
    diff:
      `diff -ruN ${name} ${name}\n--- ${name}\n+++ ${name}\n@@ -1 +1 @@\n` +
      Array.from(
        { length: Math.ceil(chars / 40) },
        (_, i) => `+  ${name} line ${String(i).padStart(6, "0")} ${"x".repeat(8)}\n`,
      ).join(""),
  });
  const note = "Full diff: the render-diff artifact.";
  const fencesBalanced = (markdown: string) => (markdown.match(/^```/gm) ?? []).length % 2 === 0;

  it("names every changed file within GitHub's limit: small diffs whole, the largest summarised with their line counts", () => {
    const dev = [
      fileOf("kubernetes/configmap-observability-grafana-dashboard-jaeger-spm-red.yaml", 60_000),
      fileOf("kubernetes/deployment-observability-jaeger.yaml", 2_000),
    ];
    const prod = Array.from({ length: 29 }, (_, i) =>
      fileOf(`kubernetes/configmap-observability-file-${i}.yaml`, i === 0 ? 50_000 : 600),
    );
    const markdown = budgetedMarkdown(
      "## Offline render diff (base abc1234)",
      [
        { heading: "### dev: 2 file(s) changed", files: dev },
        { heading: "### prod: 29 file(s) changed", files: prod },
      ],
      { fullDiffNote: note },
    );
    assert.ok(markdown.length <= COMMENT_LIMIT, `${markdown.length} characters`);
    assert.ok(markdown.startsWith(MARKER));
    assert.ok(fencesBalanced(markdown), "every code fence is closed");
    assert.ok(markdown.includes(note), "says where the full diff is");
    for (const f of [...dev, ...prod]) assert.ok(markdown.includes(f.file), `${f.file} is named`);
    assert.match(
      markdown,
      /- `kubernetes\/configmap-observability-grafana-dashboard-jaeger-spm-red.yaml`: \+1500 −0 lines \(not shown\)/,
    );
    for (const f of prod.slice(1)) assert.ok(markdown.includes(f.diff), `${f.file} is shown whole`);
  });

  it("leaves diffs that fit whole, without the note", () => {
    const files = [fileOf("a.yaml", 2_000), fileOf("b.yaml", 1_000)];
    const markdown = budgetedMarkdown("## t", [{ heading: "### dev", files }], { fullDiffNote: note });
    assert.ok(!markdown.includes(note));
    for (const f of files) assert.ok(markdown.includes(f.diff));
    assert.ok(fencesBalanced(markdown));
  });

  it("splits diff -ruN output per file", () => {
    const text =
      "diff -ruN a/x.yaml b/x.yaml\n--- x.yaml\n+++ x.yaml\n@@ -1 +1 @@\n-a\n+b\ndiff -ruN y.json y.json\n--- y.json\n+++ y.json\n@@ -0,0 +1 @@\n+{}\n";
    assert.deepEqual(
      splitDiff(text).map((f) => f.file),
      ["x.yaml", "y.json"],
    );
  });
});
