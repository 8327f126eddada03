// Mutation testing (StrykerJS with the mocha runner): `npm run test:mutation -- [files…]`
// mutates the given files, or every pure module listed in stryker.config.json, and fails below
// the break threshold (90%). Not part of `npm test` or .ci/run: a run takes minutes per file.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const files = process.argv.slice(2);
if (files.includes("--help") || files.includes("-h")) {
  console.log("usage: npm run test:mutation -- [file.ts …]   (default: the files stryker.config.json lists)");
  process.exit(0);
}
const stryker = path.join(ROOT, "node_modules", ".bin", "stryker");
const args = ["run", ...(files.length > 0 ? ["--mutate", files.join(",")] : [])];
const run = spawnSync(stryker, args, { cwd: ROOT, stdio: "inherit" });
process.exit(run.status ?? 1);
