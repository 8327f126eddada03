// Runs Debian's promtool (a real Prometheus rule engine), which `npm run setup` installs;
// a missing promtool fails the tests instead of skipping them.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

export function promtool(args: string[], cwd: string): { status: number; output: string } {
  const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (run.error) {
    assert.fail(`promtool is required (Debian package "prometheus"; npm run setup installs it): ${run.error.message}`);
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}
