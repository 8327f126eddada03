// Builds the npm package: the library compiled to CommonJS with declarations (tsconfig.build.json)
// into dist/, with the files it reads at run time beside the code that reads them (the dashboards'
// JSON, the backup Job's scripts). `npm pack` runs it (prepack).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "./lib/cli";
import { DASHBOARDS_DIR } from "../components/grafana/dashboards";
import { JOB_SCRIPTS_DIR } from "../components/backup/jobs";
import { SEARCH_JOB_SCRIPTS_DIR } from "../components/search/lifecycle";

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const USAGE = `Usage: npm run build

Compiles the library (library.ts and what it imports) to dist/ as CommonJS with .d.ts files, and
copies the files it reads at run time: dashboards/*.json, components/backup/jobScripts/ and
components/search/jobScripts/.
npm pack runs it before packing.`;

function main(): number {
  const line = parseCommandLine(process.argv.slice(2), {}, USAGE);
  if ("exitCode" in line) return line.exitCode;
  fs.rmSync(DIST, { recursive: true, force: true });
  // Everything it prints goes to stderr: npm pack --json owns stdout.
  const tsc = spawnSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json")],
    { stdio: ["ignore", 2, 2] },
  );
  if (tsc.status !== 0) return tsc.status ?? 1;
  for (const dir of [DASHBOARDS_DIR, JOB_SCRIPTS_DIR, SEARCH_JOB_SCRIPTS_DIR]) {
    const target = path.join(DIST, path.relative(ROOT, dir));
    fs.mkdirSync(target, { recursive: true });
    for (const file of fs.readdirSync(dir)) {
      if (fs.statSync(path.join(dir, file)).isFile() && !file.endsWith(".ts"))
        fs.copyFileSync(path.join(dir, file), path.join(target, file));
    }
  }
  console.error(`built ${path.relative(process.cwd(), DIST) || "dist"}`);
  return 0;
}

process.exit(main());
