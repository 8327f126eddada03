// Measures program start-up the way the Pulumi language host runs it: the project's path
// (Pulumi.yaml: typescript false, its nodeargs) against the host's default (ts-node, which
// type-checks the program on every preview), in fresh Node processes, in the same run.
// Usage: npm run bench -- [--stack prod] [--runs 5] [--node /path/to/node]
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseCommandLine } from "./lib/cli";
import { projectNodeRuntime } from "./lib/runtime";

const ROOT = path.resolve(__dirname, "..");
const USAGE = `Usage: npm run bench -- [--stack NAME] [--runs N] [--node PATH]

Evaluates the program (Pulumi mocks, real stack config) in fresh Node processes through two
paths and prints the wall time and peak memory of each, and their ratio:
  this project     Pulumi.yaml's nodeargs (startup.js: compile cache, sucrase), no type-check
  type-checking    the language host's default: ts-node, type-checking on every preview
Each path runs once untimed first (as after a first preview), then N timed runs of each,
interleaved; the median is reported. --node runs the evaluations with another Node binary.
Defaults: --stack prod --runs 5 --node the Node running this script.`;

interface Sample {
  wallMs: number;
  maxRssMb: number;
}

function once(node: string, nodeArgs: readonly string[], stack: string): Sample {
  const started = process.hrtime.bigint();
  const run = spawnSync(node, [...nodeArgs, "scripts/evaluateOnce.ts", stack], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`evaluation failed (${nodeArgs.join(" ")}):\n${run.stderr}`);
  const { maxRssKb } = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { maxRssKb: number };
  return { wallMs, maxRssMb: maxRssKb / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function main(): number {
  const commandLine = parseCommandLine(
    process.argv.slice(2),
    {
      stack: { type: "string", default: "prod" },
      runs: { type: "string", default: "5" },
      node: { type: "string", default: process.execPath },
    },
    USAGE,
  );
  if ("exitCode" in commandLine) return commandLine.exitCode;
  const { values } = commandLine;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(USAGE);
    return 2;
  }
  const node = String(values.node);
  const version = spawnSync(node, ["--version"], { encoding: "utf8" });
  if (version.status !== 0) {
    console.error(`--node ${node}: not a runnable Node binary`);
    return 2;
  }
  const runtime = projectNodeRuntime(ROOT);
  if (runtime.typescript) {
    console.error("Pulumi.yaml: runtime.options.typescript is not false; the language host would type-check");
    return 1;
  }
  const stack = String(values.stack);
  console.log(
    `Node ${version.stdout.trim()}, stack ${stack}, median of ${runs} interleaved runs after one untimed run`,
  );
  const paths = [
    { name: `this project (${runtime.nodeArgs.join(" ")})`, nodeArgs: runtime.nodeArgs },
    { name: "type-checking (ts-node default)", nodeArgs: ["--require", "ts-node/register"] },
  ];
  for (const p of paths) once(node, p.nodeArgs, stack);
  // Interleaved, so that a busy moment of the machine affects both paths alike.
  const samples: Sample[][] = paths.map(() => []);
  for (let run = 0; run < runs; run++) {
    paths.forEach((p, i) => samples[i].push(once(node, p.nodeArgs, stack)));
  }
  const results = paths.map((p, i) => {
    const wall = median(samples[i].map((s) => s.wallMs));
    const rss = median(samples[i].map((s) => s.maxRssMb));
    console.log(`${p.name.padEnd(40)} wall ${(wall / 1000).toFixed(2)} s   peak RSS ${rss.toFixed(0)} MB`);
    return { wall, rss };
  });
  const ratio = results[1].wall / results[0].wall;
  console.log(
    `type-checking / this project: ${ratio.toFixed(1)}x the wall time; this project's peak ${results[0].rss.toFixed(0)} MB`,
  );
  return 0;
}

process.exit(main());
