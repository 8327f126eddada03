// The offline render of every stack at a base revision and at the working tree, and the
// difference as Markdown (what the pull-request workflow posts as one comment).
// Usage: npm run render:diff -- <base-ref> [--out render-diff.md] [--stacks dev,prod]
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const STARTUP = path.join(ROOT, "startup.js");
const USAGE = `Usage: npm run render:diff -- <base-ref> [--out FILE] [--stacks dev,prod]

Renders each stack (npm run render) at <base-ref> (in a temporary git worktree) and in
the working tree, and prints the difference as Markdown (or writes it to FILE).`;
export const MARKER = "<!-- jaeger-spm:render-diff -->";
const MAX_DIFF = 60_000;

function render(checkout: string, stack: string, out: string): string | undefined {
  if (!fs.existsSync(path.join(checkout, "scripts", "render.ts"))) return "this revision has no offline render";
  // This checkout's start-up (transpiler, compile cache) for either revision: the base may predate it.
  const run = spawnSync(process.execPath, ["--require", STARTUP, "scripts/render.ts", stack, "--out", out], {
    cwd: checkout,
    encoding: "utf8",
  });
  return run.status === 0 ? undefined : (run.stderr || run.stdout).trim().slice(0, 2000);
}

export function renderDiff(baseRef: string, stacks: readonly string[]): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
  const base = path.join(work, "base");
  const sha = execFileSync("git", ["rev-parse", "--short", baseRef], { cwd: ROOT, encoding: "utf8" }).trim();
  execFileSync("git", ["worktree", "add", "--detach", "--quiet", base, baseRef], { cwd: ROOT });
  try {
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(base, "node_modules"), "dir");
    const sections: string[] = [];
    for (const stack of stacks) {
      const before = path.join(work, "out-base", stack);
      const after = path.join(work, "out-head", stack);
      const headError = render(ROOT, stack, after);
      const baseError = render(base, stack, before);
      if (headError) {
        sections.push(`### ${stack}\n\nThe change does not render:\n\n\`\`\`\n${headError}\n\`\`\``);
        continue;
      }
      if (baseError) fs.mkdirSync(before, { recursive: true });
      const diff = spawnSync("diff", ["-ruN", before, after], {
        encoding: "utf8",
      });
      const text = diff.stdout.replaceAll(`${before}/`, "").replaceAll(`${after}/`, "");
      const files = (text.match(/^diff -ruN /gm) ?? []).length;
      const note = baseError ? ` (base ${sha}: ${baseError.split("\n")[0]})` : "";
      sections.push(
        files === 0
          ? `### ${stack}\n\nNo change to the rendered resources.${note}`
          : `### ${stack}: ${files} file(s) changed${note}\n\n\`\`\`diff\n${text.length > MAX_DIFF ? `${text.slice(0, MAX_DIFF)}\n… (truncated)` : text}\`\`\``,
      );
    }
    return `${MARKER}\n## Offline render diff (base ${sha})\n\n${sections.join("\n\n")}\n`;
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
  const markdown = renderDiff(positionals[0], String(values.stacks).split(","));
  if (values.out) fs.writeFileSync(values.out, markdown);
  else process.stdout.write(markdown);
}
