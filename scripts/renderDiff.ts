// The offline render of every stack at a base revision and at the working tree, and the
// difference as Markdown (what the pull-request workflow posts as one comment).
// Usage: npm run render:diff -- <base-ref> [--out render-diff.md] [--full-diff render.diff] [--stacks dev,prod]
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { IgnoredChange } from "./evaluate";
import { FileDiff, changesMarkdown, fileSummary, splitDiff, stackChanges } from "./lib/renderChanges";
import { Registration, planUpgrade, stateAfter } from "./lib/upgrade";
import type { RenderedResource } from "./render";

const ROOT = path.resolve(__dirname, "..");
const STARTUP = path.join(ROOT, "startup.js");
const USAGE = `Usage: npm run render:diff -- <base-ref> [--out FILE] [--full-diff FILE] [--stacks dev,prod]

Renders each stack (npm run render) at <base-ref> (in a temporary git worktree), then in the
working tree starting from the base as if it were deployed (what ignoreChanges keeps stays), and
prints what \`pulumi up\` would do (unchanged, updated, created, deleted and whether the cluster keeps
it, replaced, ignored) and each changed file's diff as Markdown within GitHub's comment limit (or
writes it to --out); diffs too large are summarised, and --full-diff writes every diff uncut.`;
export const MARKER = "<!-- jaeger-spm:render-diff -->";
/** GitHub refuses an issue comment over 65,536 characters. */
export const COMMENT_LIMIT = 65_536;
/** Room kept for the link the commenting workflow appends. */
const FOOTER_ROOM = 512;

/** One stack's part of the comment: a heading, a summary or message, and the diff of each changed file. */
export interface StackSection {
  readonly heading: string;
  readonly text?: string;
  readonly files?: readonly FileDiff[];
}

/**
 * The comment body: every stack's section with each changed file's diff. When the whole does not
 * fit, the largest diffs are summarised one by one (name, lines added and removed) until it does,
 * so every changed file is still named; the note then says where the full diff is.
 */
export function budgetedMarkdown(
  title: string,
  sections: readonly StackSection[],
  options: { limit?: number; fullDiffNote: string },
): string {
  const limit = options.limit ?? COMMENT_LIMIT - FOOTER_ROOM;
  const fence = (diff: string) => `\`\`\`diff\n${diff}${diff.endsWith("\n") ? "" : "\n"}\`\`\``;
  const summarised = new Set<FileDiff>();
  const assemble = () =>
    [
      `${MARKER}\n${title}\n`,
      ...sections.map((section) => {
        const files = section.files ?? [];
        const shown = files.filter((f) => !summarised.has(f));
        const hidden = files.filter((f) => summarised.has(f));
        return [
          section.heading,
          section.text,
          ...shown.map((f) => fence(f.diff)),
          hidden.length > 0 ? ["Too large for one comment:", ...hidden.map(fileSummary)].join("\n") : undefined,
        ]
          .filter((part) => part !== undefined)
          .join("\n\n");
      }),
      ...(summarised.size > 0 ? [options.fullDiffNote] : []),
    ].join("\n\n") + "\n";
  let markdown = assemble();
  const bySize = sections.flatMap((s) => s.files ?? []).sort((a, b) => b.diff.length - a.diff.length);
  for (const file of bySize) {
    if (markdown.length <= limit) break;
    summarised.add(file);
    markdown = assemble();
  }
  return markdown;
}

/** One key per run for the Secret digests of both renders (scripts/render.ts). */
const DIGEST_KEY = randomBytes(32).toString("hex");

function render(checkout: string, stack: string, out: string, stateDir?: string): string | undefined {
  if (!fs.existsSync(path.join(checkout, "scripts", "render.ts"))) return "this revision has no offline render";
  // This checkout's start-up (transpiler, compile cache) for either revision: the base may predate it.
  const args = [
    "--require",
    STARTUP,
    "scripts/render.ts",
    stack,
    "--out",
    out,
    ...(stateDir ? ["--state", stateDir] : []),
  ];
  const run = spawnSync(process.execPath, args, {
    cwd: checkout,
    encoding: "utf8",
    // The base and the head digest a Secret's values with the same key, so a changed value shows.
    env: { ...process.env, RENDER_SECRET_DIGEST_KEY: DIGEST_KEY },
  });
  return run.status === 0 ? undefined : (run.stderr || run.stdout).trim().slice(0, 2000);
}

function readJson<T>(dir: string, name: string): T | undefined {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : undefined;
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
  fullDiffNote = "Some diffs were too large for one comment; the whole diff is the `render-diff` artifact of this workflow run.",
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
      const baseError = render(base, stack, before);
      if (baseError) fs.mkdirSync(before, { recursive: true });
      const baseState = readJson<RenderedResource[]>(before, "state.json");
      // The head starts from the base as deployed: what ignoreChanges keeps stays as the base had it.
      const headError = render(ROOT, stack, after, baseState ? before : undefined);
      if (headError) {
        sections.push({ heading: `### ${stack}`, text: `The change does not render:\n\n\`\`\`\n${headError}\n\`\`\`` });
        continue;
      }
      const diff = spawnSync(
        "diff",
        ["-ruN", "-x", "registrations.json", "-x", "state.json", "-x", "ignored.json", before, after],
        {
          encoding: "utf8",
        },
      );
      const text = diff.stdout.replaceAll(`${before}/`, "").replaceAll(`${after}/`, "");
      const files = splitDiff(text);
      const note = baseError ? ` (base ${sha}: ${baseError.split("\n")[0]})` : "";
      const baseRegistrations = readJson<Registration[]>(before, "registrations.json");
      const headRegistrations = readJson<Registration[]>(after, "registrations.json") ?? [];
      const summary =
        baseRegistrations && baseState
          ? changesMarkdown(
              stackChanges(
                planUpgrade(stateAfter(baseRegistrations), headRegistrations),
                baseState,
                readJson<RenderedResource[]>(after, "state.json") ?? [],
                readJson<IgnoredChange[]>(after, "ignored.json") ?? [],
              ),
            )
          : "The base records no state: what `pulumi up` keeps, updates, deletes or replaces is not compared.";
      sections.push(
        files.length === 0
          ? { heading: `### ${stack}`, text: `No change to the rendered resources.${note}\n\n${summary}` }
          : { heading: `### ${stack}: ${files.length} file(s) changed${note}`, text: summary, files },
      );
      if (files.length > 0) fullDiffs.push(`# ${stack}\n${text}`);
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
  // Where the whole diff is: the workflow's artifact on GitHub, the --full-diff file here.
  const fullDiffNote = process.env.GITHUB_ACTIONS
    ? undefined
    : values["full-diff"]
      ? `Some diffs were too large to show here; the whole diff is in ${values["full-diff"]}.`
      : "Some diffs were too large to show here; run again with `--full-diff FILE` for every line.";
  const { markdown, fullDiff } = renderDiff(positionals[0], String(values.stacks).split(","), fullDiffNote);
  if (values.out) fs.writeFileSync(values.out, markdown);
  else process.stdout.write(markdown);
  if (values["full-diff"]) fs.writeFileSync(String(values["full-diff"]), fullDiff);
}
