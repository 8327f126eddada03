// Whether `pulumi up` of this program keeps every resource of a stack deployed from an earlier
// program: what it would keep (by URN or alias), create, delete and replace, against each baseline
// in tests/fixtures/upgrade/<stack>/ (the URNs main's program made before a change of URNs:
// before-stack-component.json, before-type-renames.json).
// Usage: npm run upgrade:check -- <stack> [--record <baseline>]
//   --record <baseline>  write the current program's state as tests/fixtures/upgrade/<stack>/<baseline>.json:
//                        before a change of URNs, so that the change is checked against it.
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, evaluateStack } from "./evaluate";
import { StateEntry, UpgradePlan, planUpgrade, registrationsOf, stateAfter } from "./lib/upgrade";
import { parseCommandLine } from "./lib/cli";

const baselineDir = (stack: string) => path.join(ROOT, "tests", "fixtures", "upgrade", stack);

/** The stack's recorded baselines, by name. */
export function baselines(stack: string): string[] {
  return fs
    .readdirSync(baselineDir(stack))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

function readBaseline(stack: string, baseline: string): StateEntry[] {
  return JSON.parse(fs.readFileSync(path.join(baselineDir(stack), `${baseline}.json`), "utf8")) as StateEntry[];
}

/** Evaluates the stack once and plans its upgrade from each baseline. */
export async function checkUpgrade(stack: string): Promise<Map<string, UpgradePlan>> {
  const registrations = registrationsOf((await evaluateStack(stack)).resources);
  return new Map(baselines(stack).map((b) => [b, planUpgrade(readBaseline(stack, b), registrations)]));
}

const USAGE = `Usage: npm run upgrade:check -- <stack> [--record <baseline>]

Says what \`pulumi up\` of the working tree would keep, create, delete or replace in <stack> deployed
from each state recorded in tests/fixtures/upgrade/<stack>/ (the engine's URN and alias rules).
  --record NAME   record the working tree's URNs as tests/fixtures/upgrade/<stack>/NAME.json instead`;

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, { record: { type: "string" } }, USAGE, true);
  if ("exitCode" in line) return line.exitCode;
  const record = typeof line.values.record === "string" ? line.values.record : undefined;
  const stack = line.positionals[0];
  if (!stack || line.positionals.length > 1 || (record !== undefined && !/^[\w.-]+$/.test(record))) {
    console.error(USAGE);
    return 2;
  }
  if (record) {
    const state = stateAfter(registrationsOf((await evaluateStack(stack)).resources));
    const file = path.join(baselineDir(stack), `${record}.json`);
    fs.mkdirSync(baselineDir(stack), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(state, null, 1) + "\n");
    console.log(`recorded ${state.length} resources of ${stack} -> ${path.relative(ROOT, file)}`);
    return 0;
  }
  let failed = false;
  for (const [baseline, plan] of await checkUpgrade(stack)) {
    console.log(
      `${stack} from ${baseline}: ${plan.same.length} kept, ${plan.aliased.length} kept through aliases, ${plan.created.length} created, ${plan.deleted.length} deleted, ${plan.replaced.length} replaced`,
    );
    for (const urn of plan.deleted) console.log(`  delete  ${urn}`);
    for (const r of plan.replaced) console.log(`  replace ${r.urn}\n    before ${r.before}\n    after  ${r.after}`);
    for (const urn of plan.created) console.log(`  create  ${urn}`);
    failed ||= plan.deleted.length + plan.replaced.length > 0;
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
