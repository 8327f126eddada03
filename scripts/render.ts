// Offline render: evaluates the program for a stack (same mocks and config as the
// tests) and writes what `pulumi up` would create, for review without a cluster:
//   out/<stack>/kubernetes/<kind>-<name>.yaml  one Kubernetes manifest per object
//   out/<stack>/resources.json                 every other resource (providers, components, cloud)
//   out/<stack>/outputs.json                   stack outputs
// Usage: npm run render -- <stack> [--out <dir>]
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { CapturedResource, EvaluationFailed, ROOT, evaluateStack } from "./evaluate";

const USAGE = "usage: npm run render -- <stack> [--out <dir>]   (stacks: files Pulumi.<stack>.yaml)";

function parseArgs(argv: readonly string[]): { stack: string; outDir: string } {
  const positional: string[] = [];
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = argv[++i];
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else positional.push(argv[i]);
  }
  if (positional.length !== 1 || outDir === "") {
    console.error(USAGE);
    process.exit(2);
  }
  const stack = positional[0];
  return { stack, outDir: path.resolve(outDir ?? path.join(ROOT, "out", stack)) };
}

const REDACTED = "[secret: not rendered]";

/** Kubernetes Secret values never reach disk. */
function redact(object: Record<string, unknown>): Record<string, unknown> {
  if (object.kind !== "Secret") return object;
  const hide = (data: unknown) =>
    data && typeof data === "object" ? Object.fromEntries(Object.keys(data).map((k) => [k, REDACTED])) : data;
  return { ...object, data: hide(object.data), stringData: hide(object.stringData) };
}

function isKubernetesObject(r: CapturedResource): boolean {
  return r.custom && r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string";
}

function fileName(object: Record<string, unknown>): string {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const parts = [String(object.kind), metadata.namespace, metadata.name].filter(Boolean);
  return (
    parts
      .join("-")
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, "_") + ".yaml"
  );
}

export async function render(stack: string, outDir: string): Promise<{ manifests: number; others: number }> {
  const evaluation = await evaluateStack(stack);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, "kubernetes"), { recursive: true });

  const manifests = evaluation.resources.filter(isKubernetesObject);
  for (const r of manifests) {
    const object = redact(r.inputs);
    fs.writeFileSync(path.join(outDir, "kubernetes", fileName(object)), stringify(object, { lineWidth: 0 }));
  }
  const others = evaluation.resources
    .filter((r) => !isKubernetesObject(r))
    .map((r) => ({ type: r.type, name: r.name, options: r.options, inputs: r.inputs }));
  fs.writeFileSync(path.join(outDir, "resources.json"), JSON.stringify(others, null, 2) + "\n");
  fs.writeFileSync(path.join(outDir, "outputs.json"), JSON.stringify(evaluation.outputs, null, 2) + "\n");
  return { manifests: manifests.length, others: others.length };
}

if (require.main === module) {
  const { stack, outDir } = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  render(stack, outDir)
    .then(({ manifests, others }) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(
        `rendered stack ${stack}: ${manifests} Kubernetes objects, ${others} other resources -> ${path.relative(process.cwd(), outDir) || "."} (${ms.toFixed(0)} ms)`,
      );
    })
    .catch((error: unknown) => {
      const cause = error instanceof EvaluationFailed ? error.cause : (error as Error);
      console.error(cause.message);
      process.exit(1);
    });
}
