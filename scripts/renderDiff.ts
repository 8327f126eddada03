// The offline render of every stack at a base revision and at the working tree, and the
// difference as Markdown (what the pull-request workflow posts as one comment).
// Usage: npm run render:diff -- <base-ref> [--out render-diff.md] [--full-diff render.diff] [--stacks dev,prod]
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Registration, UpgradePlan, planUpgrade, stateAfter } from "./lib/upgrade";

const ROOT = path.resolve(__dirname, "..");
const STARTUP = path.join(ROOT, "startup.js");
const USAGE = `Usage: npm run render:diff -- <base-ref> [--out FILE] [--full-diff FILE] [--stacks dev,prod]

Renders each stack (npm run render) at <base-ref> (in a temporary git worktree) and in
the working tree, and prints the difference as Markdown within GitHub's comment limit (or
writes it to --out); --full-diff writes every diff uncut.`;
export const MARKER = "<!-- jaeger-spm:render-diff -->";
/** GitHub refuses an issue comment over 65,536 characters. */
export const COMMENT_LIMIT = 65_536;
/** Room kept for the link the commenting workflow appends. */
const FOOTER_ROOM = 512;

/** One stack's part of the comment: a heading, and a diff or a message. */
export interface StackSection {
  readonly heading: string;
  readonly text?: string;
  readonly diff?: string;
}

/**
 * The comment body: every stack's section, with the diffs cut to share what the limit leaves
 * (each cut at a line end, its code fence closed), and a pointer to the full diff when any was cut.
 */
export function budgetedMarkdown(
  title: string,
  sections: readonly StackSection[],
  options: { limit?: number; fullDiffNote: string },
): string {
  const limit = options.limit ?? COMMENT_LIMIT - FOOTER_ROOM;
  const fence = (diff: string) => `\`\`\`diff\n${diff}${diff.endsWith("\n") ? "" : "\n"}\`\`\``;
  const assemble = (diffs: readonly (string | undefined)[], cut: boolean) =>
    [
      `${MARKER}\n${title}\n`,
      ...sections.map((section, i) =>
        [section.heading, section.text, diffs[i] !== undefined ? fence(diffs[i] ?? "") : undefined]
          .filter((part) => part !== undefined)
          .join("\n\n"),
      ),
      ...(cut ? [options.fullDiffNote] : []),
    ].join("\n\n") + "\n";
  const whole = assemble(
    sections.map((s) => s.diff),
    false,
  );
  if (whole.length <= limit) return whole;
  const withDiffs = sections.filter((s) => s.diff !== undefined).length;
  const frame = assemble(
    sections.map((s) => (s.diff === undefined ? undefined : "")),
    true,
  ).length;
  const cutMark = "… (cut here: the full diff is in the run's artifact)\n";
  const share = Math.max(0, Math.floor((limit - frame) / Math.max(1, withDiffs)) - cutMark.length);
  const cutDiff = (diff: string) => {
    if (diff.length <= share) return diff;
    const end = diff.lastIndexOf("\n", share);
    return `${diff.slice(0, end > 0 ? end + 1 : 0)}${cutMark}`;
  };
  return assemble(
    sections.map((s) => (s.diff === undefined ? undefined : cutDiff(s.diff))),
    true,
  );
}

function render(checkout: string, stack: string, out: string): string | undefined {
  if (!fs.existsSync(path.join(checkout, "scripts", "render.ts"))) return "this revision has no offline render";
  // This checkout's start-up (transpiler, compile cache) for either revision: the base may predate it.
  const run = spawnSync(process.execPath, ["--require", STARTUP, "scripts/render.ts", stack, "--out", out], {
    cwd: checkout,
    encoding: "utf8",
  });
  return run.status === 0 ? undefined : (run.stderr || run.stdout).trim().slice(0, 2000);
}

/** What `pulumi up` would do to a stack deployed from the base: URNs matched, aliased, deleted, replaced. */
export function upgradeSummary(plan: UpgradePlan): string {
  const line = `\`pulumi up\` from the base: ${plan.same.length + plan.aliased.length} resources kept (${plan.aliased.length} through aliases), ${plan.created.length} created, ${plan.deleted.length} deleted, ${plan.replaced.length} replaced.`;
  const list = (heading: string, urns: readonly string[]) =>
    urns.length === 0 ? [] : [`${heading}:`, ...urns.map((u) => `- \`${u}\``)];
  return [
    line,
    ...list("**Deleted**", plan.deleted),
    ...list(
      "**Replaced**",
      plan.replaced.map((r) => r.urn),
    ),
  ].join("\n");
}

function readRegistrations(dir: string): Registration[] | undefined {
  const file = path.join(dir, "registrations.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Registration[]) : undefined;
}

export interface RenderDiffResult {
  /** The comment body, within GitHub's limit. */
  readonly markdown: string;
  /** Every diff in full (`diff -ruN` per stack), for the run's artifact. */
  readonly fullDiff: string;
}

export function renderDiff(
  baseRef: string,
  stacks: readonly string[],
  fullDiffNote = "The diff was cut to fit one comment; the whole diff is the `render-diff` artifact of this workflow run.",
): RenderDiffResult {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
  const base = path.join(work, "base");
  const sha = execFileSync("git", ["rev-parse", "--short", baseRef], { cwd: ROOT, encoding: "utf8" }).trim();
  execFileSync("git", ["worktree", "add", "--detach", "--quiet", base, baseRef], { cwd: ROOT });
  try {
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(base, "node_modules"), "dir");
    const sections: StackSection[] = [];
    const fullDiffs: string[] = [];
    for (const stack of stacks) {
      const before = path.join(work, "out-base", stack);
      const after = path.join(work, "out-head", stack);
      const headError = render(ROOT, stack, after);
      const baseError = render(base, stack, before);
      if (headError) {
        sections.push({ heading: `### ${stack}`, text: `The change does not render:\n\n\`\`\`\n${headError}\n\`\`\`` });
        continue;
      }
      if (baseError) fs.mkdirSync(before, { recursive: true });
      const diff = spawnSync("diff", ["-ruN", "-x", "registrations.json", before, after], {
        encoding: "utf8",
      });
      const text = diff.stdout.replaceAll(`${before}/`, "").replaceAll(`${after}/`, "");
      const files = (text.match(/^diff -ruN /gm) ?? []).length;
      const note = baseError ? ` (base ${sha}: ${baseError.split("\n")[0]})` : "";
      const baseRegistrations = readRegistrations(before);
      const headRegistrations = readRegistrations(after) ?? [];
      const upgrade = baseRegistrations
        ? upgradeSummary(planUpgrade(stateAfter(baseRegistrations), headRegistrations))
        : "The base records no URNs: what `pulumi up` keeps, deletes or replaces is not compared.";
      sections.push(
        files === 0
          ? { heading: `### ${stack}`, text: `No change to the rendered resources.${note}\n\n${upgrade}` }
          : { heading: `### ${stack}: ${files} file(s) changed${note}`, text: upgrade, diff: text },
      );
      if (files > 0) fullDiffs.push(`# ${stack}\n${text}`);
    }
    return {
      markdown: budgetedMarkdown(`## Offline render diff (base ${sha})`, sections, { fullDiffNote }),
      fullDiff: fullDiffs.join("\n"),
    };
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", base], { cwd: ROOT });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string" },
      "full-diff": { type: "string" },
      stacks: { type: "string", default: "dev,prod" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const { markdown, fullDiff } = renderDiff(positionals[0], String(values.stacks).split(","));
  if (values.out) fs.writeFileSync(values.out, markdown);
  else process.stdout.write(markdown);
  if (values["full-diff"]) fs.writeFileSync(String(values["full-diff"]), fullDiff);
}
