// The Pulumi engine as users run it: the CLI 3.248 (engines/pulumi/go.mod), the Node.js language
// host and the kubernetes and random providers built from their tagged sources
// (engines/pulumi-plugins.json), a local state backend, and a copy of this project (its stack files
// change with `pulumi config set`; node_modules is shared). Every command runs non-interactively
// with a timeout, and is killed on timeout or interrupt with the rest of the suite's processes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Finished, engineBinary, pulumiPlugin, runToEnd } from "../../support/engines";

const ROOT = path.resolve(__dirname, "../../..");
/** What a copy of the project leaves out: not read by the program. */
const NOT_COPIED = new Set([
  ".git",
  "node_modules",
  "out",
  "dist",
  "reports",
  ".stryker-tmp",
  "tests",
  "bench",
  "docs",
  "examples",
  "engines",
]);

export type CommandResult = Finished;

/** One step of `pulumi preview --json`: what the engine would do to a resource. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  /** The properties the engine compares as changed (updates and replacements). */
  readonly diffs?: readonly string[];
  readonly detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
  readonly replaceReasons?: readonly string[];
}

export interface PreviewResult {
  readonly steps: readonly PreviewStep[];
  readonly changeSummary: Readonly<Record<string, number>>;
  readonly diagnostics: readonly { message: string; severity: string; urn?: string }[];
}

/** A resource in the stack's state (`pulumi stack export`). */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
}

export interface PulumiProject {
  /** The copy of the project the commands run in. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` in the project; fails with its output unless it exits as expected (0 by default; "any" takes every code). */
  run(args: readonly string[], options?: { timeoutMs?: number; expectCode?: number | "any" }): Promise<CommandResult>;
  /** `pulumi preview --json` with extra args. */
  preview(args?: readonly string[]): Promise<PreviewResult>;
  /** The stack's state as `pulumi stack export` gives it. */
  exportState(): Promise<readonly StateResource[]>;
  remove(): void;
}

function copyProject(target: string): void {
  for (const entry of fs.readdirSync(ROOT, { withFileTypes: true })) {
    if (NOT_COPIED.has(entry.name) || entry.name.startsWith(".")) continue;
    fs.cpSync(path.join(ROOT, entry.name), path.join(target, entry.name), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(target, "node_modules"));
}

/**
 * A project directory with its own Pulumi home, a local backend and the built engine first on
 * PATH (the CLI uses plugins found on PATH, so nothing is downloaded); `kubeconfig` is the cluster
 * the kubernetes provider talks to (KUBECONFIG: the provider's current context).
 */
export function pulumiProject(kubeconfig: string): PulumiProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-pulumi-"));
  const project = path.join(dir, "project");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(project);
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(dir, "state"));
  copyProject(project);
  fs.symlinkSync(engineBinary("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"), path.join(bin, "pulumi"));
  for (const name of ["pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"]) {
    fs.symlinkSync(pulumiPlugin(name).path, path.join(bin, name));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    // The local backend encrypts secrets with a passphrase; this one protects test data only.
    PULUMI_CONFIG_PASSPHRASE: "e2e-only-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    KUBECONFIG: kubeconfig,
    NO_COLOR: "1",
  };
  const run: PulumiProject["run"] = async (args, options = {}) => {
    const timeoutMs = options.timeoutMs ?? 300_000;
    // Global flags first: after a "--" in args they would be read as values.
    const result = await runToEnd("pulumi", ["--non-interactive", "--color", "never", ...args], {
      cwd: project,
      env,
      timeoutMs,
    });
    const expected = options.expectCode ?? 0;
    if (result.timedOut)
      throw new Error(
        `pulumi ${args.join(" ")} timed out after ${timeoutMs / 1000}s\n${tail(result.stdout)}\n${tail(result.stderr)}`,
      );
    if (expected !== "any" && result.code !== expected)
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code}, expected ${expected}\n${tail(result.stdout, 60)}\n${tail(result.stderr, 60)}`,
      );
    return result;
  };
  return {
    dir: project,
    env,
    run,
    async preview(args = []) {
      const { stdout } = await run(["preview", "--json", ...args], { timeoutMs: 240_000 });
      return JSON.parse(stdout) as PreviewResult;
    },
    async exportState() {
      const { stdout } = await run(["stack", "export"]);
      return (JSON.parse(stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tail(text: string, lines = 30): string {
  return text.split("\n").slice(-lines).join("\n");
}
