// Measures program start-up the way the Pulumi language host runs it: the project's
// path (Pulumi.yaml: typescript false, nodeargs --require tsx/cjs) against the host's
// default (ts-node, which type-checks the program on every preview).
// Usage: npm run bench -- [--stack prod] [--runs 3]
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const USAGE = `Usage: npm run bench -- [--stack NAME] [--runs N]

Evaluates the program (Pulumi mocks, real stack config) in fresh Node processes through
two TypeScript paths and prints wall time and peak memory of each, and their ratio:
  this project     what Pulumi.yaml configures: v8-compile-cache, then tsx (transpile only, esbuild)
  type-checking    the language host's default: ts-node, type-checking every preview
Defaults: --stack prod --runs 3 (the median is reported).`;

interface Sample {
  wallMs: number;
  maxRssMb: number;
}

function once(register: readonly string[], stack: string): Sample {
  const started = process.hrtime.bigint();
  const requires = register.flatMap((r) => ["--require", r]);
  const run = spawnSync(process.execPath, [...requires, "scripts/evaluateOnce.ts", stack], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`evaluation failed (${register.join(", ")}):\n${run.stderr}`);
  const { maxRssKb } = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { maxRssKb: number };
  return { wallMs, maxRssMb: maxRssKb / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function main(): number {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "prod" },
      runs: { type: "string", default: "3" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(USAGE);
    return 2;
  }
  const stack = String(values.stack);
  const paths = [
    // Pulumi.yaml's nodeargs: compiled-code cache, then tsx.
    { name: "tsx + compile cache (this project)", register: ["v8-compile-cache", "tsx/cjs"] },
    { name: "type-checking (ts-node default)", register: ["ts-node/register"] },
  ];
  const results = paths.map((p) => {
    const samples = [...Array(runs).keys()].map(() => once(p.register, stack));
    const wall = median(samples.map((s) => s.wallMs));
    const rss = median(samples.map((s) => s.maxRssMb));
    console.log(
      `${p.name.padEnd(34)} wall ${(wall / 1000).toFixed(2)} s   peak RSS ${rss.toFixed(0)} MB   (median of ${runs})`,
    );
    return { wall, rss };
  });
  const ratio = results[1].wall / results[0].wall;
  console.log(
    `type-checking / this project: ${ratio.toFixed(1)}x the wall time; this project's peak ${results[0].rss.toFixed(0)} MB`,
  );
  return 0;
}

process.exit(main());
