// Offline render: evaluates the program for a stack (same mocks and config as the
// tests) and writes what `pulumi up` would create, for review without a cluster:
//   out/<stack>/kubernetes/<kind>-<name>.yaml  one Kubernetes manifest per object
//   out/<stack>/resources.json                 every other resource (providers, components, cloud)
//   out/<stack>/outputs.json                   stack outputs
//   out/<stack>/prometheus/jaeger-rules.yaml   the alert and recording rules as a plain rules file
//   out/<stack>/registrations.json             each resource's URN, parent and aliases, in registration
//                                              order (what render:diff matches against the base's state)
//   out/<stack>/state.json                     each resource's URN, inputs (secrets redacted) and the
//                                              options that guard it, as a deployed state to start from
//   out/<stack>/ignored.json                   with --state: the changes ignoreChanges sets aside
// Usage: npm run render -- <stack> [--out <dir>] [--state <dir of an earlier render>]
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import {
  CapturedResource,
  DeployedInputs,
  Evaluation,
  EvaluationFailed,
  ROOT,
  deployedRuleFile,
  evaluateStack,
} from "./evaluate";
import { StackChanges, stackChanges } from "./lib/renderChanges";
import { planUpgrade, registrationsOf, secretDigest, stateAfter } from "./lib/upgrade";

const USAGE = `Usage: npm run render -- <stack> [--out <dir>] [--state <dir>]   (stacks: files Pulumi.<stack>.yaml)

--state <dir>: start from an earlier render (its state.json) as if it were deployed: where a resource
ignores changes (ignoreChanges), the deployed value stays, as \`pulumi up\` keeps it; ignored.json lists them.`;

function parseArgs(argv: readonly string[]): { stack: string; outDir: string; stateDir?: string } {
  const positional: string[] = [];
  let outDir: string | undefined;
  let stateDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = argv[++i];
    else if (argv[i] === "--state") stateDir = argv[++i];
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else positional.push(argv[i]);
  }
  if (positional.length !== 1 || outDir === "" || stateDir === "") {
    console.error(USAGE);
    process.exit(2);
  }
  const stack = positional[0];
  return {
    stack,
    outDir: path.resolve(outDir ?? path.join(ROOT, "out", stack)),
    stateDir: stateDir && path.resolve(stateDir),
  };
}

const REDACTED = "[secret: not rendered]";

/** A Secret's value as render writes it: a keyed digest (lib/upgrade.ts), never the value. */
const digestOf = (value: unknown) => `[secret: not rendered, digest ${secretDigest(String(value))}]`;

/**
 * Secret values never reach disk: a Kubernetes Secret's values become keyed digests (a change of
 * content still shows in the diff), every other input Pulumi treats as secret is redacted.
 */
function redact(resource: CapturedResource): Record<string, unknown> {
  const copy = structuredClone(resource.inputs);
  if (copy.kind === "Secret") {
    const hide = (data: unknown) =>
      data && typeof data === "object"
        ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, digestOf(v)]))
        : data;
    return { ...copy, data: hide(copy.data), stringData: hide(copy.stringData) };
  }
  for (const secretPath of resource.secretPaths) {
    const keys = secretPath.split(".");
    const last = keys.pop() ?? "";
    const parent = keys.reduce<Record<string, unknown> | undefined>(
      (node, key) => node?.[key] as Record<string, unknown> | undefined,
      copy,
    );
    if (parent && last in parent) parent[last] = REDACTED;
  }
  return copy;
}

async function redactOutputs(exports: Record<string, unknown>, outputs: Record<string, unknown>) {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    const exported = exports[key];
    const secret = pulumi.Output.isInstance(exported) && (await pulumi.isSecret(exported));
    result[key] = secret ? REDACTED : value;
  }
  return result;
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

/** One resource as render writes it to state.json. */
export interface RenderedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  readonly options: {
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly ignoreChanges?: readonly string[];
  };
}

/** An earlier render's resources as a deployed state (inputs by `<type>::<name>`). */
export function readDeployed(stateDir: string): DeployedInputs {
  const file = path.join(stateDir, "state.json");
  if (!fs.existsSync(file))
    throw new Error(
      `${file} does not exist: render the deployed revision first (npm run render -- <stack> --out <dir>)`,
    );
  const state = JSON.parse(fs.readFileSync(file, "utf8")) as RenderedResource[];
  return new Map(state.map((r) => [`${r.type}::${r.name}`, r.inputs]));
}

/** The evaluation as a deployed state: URNs as the engine forms them, inputs with secrets redacted, the options that guard data. */
export function renderedState(evaluation: Pick<Evaluation, "resources">): RenderedResource[] {
  // The same URNs registrations.json is matched with.
  const urns = stateAfter(registrationsOf(evaluation.resources)).map((entry) => entry.urn);
  return evaluation.resources.map((r, i) => ({
    type: r.type,
    name: r.name,
    urn: urns[i],
    inputs: redact(r),
    options: {
      protect: r.options.protect,
      retainOnDelete: r.options.retainOnDelete,
      ignoreChanges: r.options.ignoreChanges,
    },
  }));
}

/** What `pulumi up` would do to `base` as deployed to make it `head` (evaluated with base's inputs as the deployed state). */
export function evaluationChanges(base: Evaluation, head: Evaluation): StackChanges {
  return stackChanges(
    planUpgrade(stateAfter(registrationsOf(base.resources)), registrationsOf(head.resources)),
    renderedState(base),
    renderedState(head),
    head.ignoredChanges,
  );
}

/** The deployed inputs of an evaluation, as `--state` reads them from state.json (secrets redacted as written). */
export const deployedInputs = (evaluation: Evaluation): DeployedInputs =>
  new Map(renderedState(evaluation).map((r) => [`${r.type}::${r.name}`, r.inputs]));

export async function render(
  stack: string,
  outDir: string,
  stateDir?: string,
): Promise<{ manifests: number; others: number }> {
  const deployed = stateDir === undefined ? undefined : readDeployed(stateDir);
  const evaluation = await evaluateStack(stack, undefined, undefined, undefined, deployed);
  for (const warning of evaluation.warnings) console.error(`warning: ${warning}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, "kubernetes"), { recursive: true });

  const manifests = evaluation.resources.filter(isKubernetesObject);
  for (const r of manifests) {
    const object = redact(r);
    fs.writeFileSync(path.join(outDir, "kubernetes", fileName(object)), stringify(object, { lineWidth: 0 }));
  }
  const others = evaluation.resources
    .filter((r) => !isKubernetesObject(r))
    .map((r) => ({ type: r.type, name: r.name, options: r.options, inputs: redact(r) }));
  fs.writeFileSync(path.join(outDir, "resources.json"), JSON.stringify(others, null, 2) + "\n");
  fs.writeFileSync(
    path.join(outDir, "outputs.json"),
    JSON.stringify(await redactOutputs(evaluation.exports, evaluation.outputs), null, 2) + "\n",
  );
  fs.writeFileSync(
    path.join(outDir, "registrations.json"),
    JSON.stringify(registrationsOf(evaluation.resources), null, 1) + "\n",
  );
  fs.writeFileSync(path.join(outDir, "state.json"), JSON.stringify(renderedState(evaluation), null, 1) + "\n");
  if (deployed)
    fs.writeFileSync(path.join(outDir, "ignored.json"), JSON.stringify(evaluation.ignoredChanges, null, 2) + "\n");
  const ruleFile = deployedRuleFile(evaluation);
  if (ruleFile) {
    fs.mkdirSync(path.join(outDir, "prometheus"));
    fs.writeFileSync(path.join(outDir, "prometheus", "jaeger-rules.yaml"), stringify(ruleFile, { lineWidth: 0 }));
  }
  return { manifests: manifests.length, others: others.length };
}

if (require.main === module) {
  const { stack, outDir, stateDir } = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  render(stack, outDir, stateDir)
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
