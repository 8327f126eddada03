// What previewing a stack needs beyond a state backend and a cluster, for the pull-request
// workflow: `aws=true` when the stack creates AWS resources (backups to S3), as a GitHub step output.
// Usage: node --require ./startup.js scripts/stackNeeds.ts <stack>
import { parseStackConfig } from "../config/load";
import { stackConfig, stackSecretKeys } from "./evaluate";

export function stackNeedsAws(stack: string): boolean {
  const result = parseStackConfig(stackConfig(stack), new Set(stackSecretKeys(stack)));
  if (!result.ok) throw new Error(`stack ${stack} has an invalid config:\n${result.problems.join("\n")}`);
  return result.config.backup.enabled;
}

if (require.main === module) {
  const stack = process.argv[2];
  if (!stack) {
    console.error("usage: node --require ./startup.js scripts/stackNeeds.ts <stack>");
    process.exit(2);
  }
  try {
    console.log(`aws=${stackNeedsAws(stack)}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
