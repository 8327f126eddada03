// Whether `pulumi up` of this program keeps every resource of a stack deployed from the recorded
// baseline (tests/fixtures/upgrade/<stack>.json: the URNs main's program made before the stack
// component): what it would keep (by URN or alias), create, delete and replace.
// Usage: npm run upgrade:check -- <stack> [--record]
//   --record  write the current program's state as the stack's new baseline (after a release
//             that deliberately deletes or replaces resources, say so in its notes).
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, evaluateStack } from "./evaluate";
import { StateEntry, UpgradePlan, planUpgrade, registrationsOf, stateAfter } from "./lib/upgrade";

export const baselineFile = (stack: string) => path.join(ROOT, "tests", "fixtures", "upgrade", `${stack}.json`);

export function readBaseline(stack: string): StateEntry[] {
  return JSON.parse(fs.readFileSync(baselineFile(stack), "utf8")) as StateEntry[];
}

/** Evaluates the stack and plans its upgrade from the baseline. */
export async function checkUpgrade(stack: string): Promise<UpgradePlan> {
  const evaluation = await evaluateStack(stack);
  return planUpgrade(readBaseline(stack), registrationsOf(evaluation.resources));
}

async function main(argv: readonly string[]): Promise<number> {
  const stack = argv.find((a) => !a.startsWith("-"));
  if (!stack) {
    console.error("usage: npm run upgrade:check -- <stack> [--record]");
    return 2;
  }
  if (argv.includes("--record")) {
    const state = stateAfter(registrationsOf((await evaluateStack(stack)).resources));
    fs.mkdirSync(path.dirname(baselineFile(stack)), { recursive: true });
    fs.writeFileSync(baselineFile(stack), JSON.stringify(state, null, 1) + "\n");
    console.log(`recorded ${state.length} resources of ${stack} -> ${path.relative(ROOT, baselineFile(stack))}`);
    return 0;
  }
  const plan = await checkUpgrade(stack);
  console.log(
    `${stack}: ${plan.same.length} kept, ${plan.aliased.length} kept through aliases, ${plan.created.length} created, ${plan.deleted.length} deleted, ${plan.replaced.length} replaced`,
  );
  for (const urn of plan.deleted) console.log(`  delete  ${urn}`);
  for (const r of plan.replaced) console.log(`  replace ${r.urn}\n    before ${r.before}\n    after  ${r.after}`);
  for (const urn of plan.created) console.log(`  create  ${urn}`);
  return plan.deleted.length + plan.replaced.length === 0 ? 0 : 1;
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
