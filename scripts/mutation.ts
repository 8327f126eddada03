// Mutation testing (StrykerJS with the mocha runner): `npm run test:mutation -- [files…]`
// mutates the given files, or every pure module listed in stryker.config.json, and fails below
// the break threshold (90%). Not part of `npm test` or .ci/run: a run takes minutes per file.
//
// Every test whose suite covers a mutant runs for it, so slow suites that cannot kill a mutant of
// the files at hand are left out: the real-engine suites (they start processes per run and test
// what the builders produce through faster tests too), and promtool's rule tests unless the rule
// builder itself is mutated. The run's config is written next to stryker.config.json and removed.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const files = process.argv
  .slice(2)
  .flatMap((f) => f.split(","))
  .filter(Boolean);
if (files.includes("--help") || files.includes("-h")) {
  console.log("Usage: npm run test:mutation -- [file.ts …]   (default: the files stryker.config.json lists)");
  process.exit(0);
}

const base = JSON.parse(fs.readFileSync(path.join(ROOT, "stryker.config.json"), "utf8")) as {
  mutate: string[];
  mochaOptions: Record<string, unknown>;
};
const mutate = files.length > 0 ? files : base.mutate;
const REAL_ENGINE_SUITES = ["snapshotExporter", "badgerCrashCopy"];
const RULE_BUILDERS = [
  "components/monitoring/prometheusRules.ts",
  "components/jaeger/alerts.ts",
  "components/backup/alerts.ts",
];
const skipped = [...REAL_ENGINE_SUITES, ...(mutate.some((f) => RULE_BUILDERS.includes(f)) ? [] : ["prometheusRules"])];
const config = {
  ...base,
  mutate,
  mochaOptions: { ...base.mochaOptions, spec: [`tests/**/!(${skipped.join("|")}).test.ts`] },
};
const configFile = path.join(ROOT, ".stryker.run.json");
fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
const stryker = path.join(ROOT, "node_modules", ".bin", "stryker");
console.log(`mutating ${mutate.join(", ")}; leaving out the suites ${skipped.join(", ")}`);
const run = spawnSync(stryker, ["run", configFile], { cwd: ROOT, stdio: "inherit" });
fs.rmSync(configFile, { force: true });
process.exit(run.status ?? 1);
