import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseShell } from "shell-quote";
import { parseStackConfig } from "../config/load";
import { stackConfigSchema } from "../config/schema";
import { ROOT, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { at, jaegerConfigDocument, objectNamed } from "./support/objects";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The `pulumi config set` lines of the README's tested block, applied as the CLI would. */
function readmeCommands(): string[][] {
  const block = /<!-- tested-commands:start -->([\s\S]*?)<!-- tested-commands:end -->/.exec(README);
  assert.ok(block, "README has a tested-commands block");
  return block[1]
    .split("\n")
    .filter((line) => line.startsWith("pulumi config set"))
    .map((line) => parseShell(line).map(String));
}

function apply(raw: RawConfig, argv: readonly string[]): RawConfig {
  const args = argv.slice(3);
  const usePath = args.includes("--path");
  const [key, value] = args.filter((a) => a !== "--path");
  assert.ok(key && value !== undefined, `cannot read ${argv.join(" ")}`);
  return configSet(raw, key, value, { path: usePath });
}

describe("README", () => {
  it("its `pulumi config set` commands produce a config that deploys as documented", async () => {
    const commands = readmeCommands();
    assert.ok(commands.length >= 8, "the block shows TTL and sampling commands");
    const raw = commands.reduce(apply, stackConfig("dev"));
    const result = parseStackConfig(raw);
    assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));

    const ev = await evaluateStack("dev", raw);
    assert.equal(at(jaegerConfigDocument(ev), "extensions.jaeger_storage.backends.traces.badger.ttl.spans"), "72h");
    const strategies = JSON.parse(objectNamed(ev, "ConfigMap", "jaeger-sampling").data?.["strategies.json"] ?? "{}");
    assert.deepEqual(strategies, {
      service_strategies: [
        {
          service: "gateway",
          type: "probabilistic",
          param: 0.5,
          operation_strategies: [{ operation: "GET /health", type: "probabilistic", param: 0 }],
        },
        { service: "checkout", type: "ratelimiting", param: 20 },
      ],
      default_strategy: { type: "probabilistic", param: 0.05 },
    });
  });

  it("documents every config key and its default", () => {
    const defaults = stackConfigSchema.parse({});
    const leaves: string[] = [];
    const walk = (node: unknown, prefix: string) => {
      if (node !== null && typeof node === "object" && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
      } else leaves.push(prefix);
    };
    walk(defaults, "");
    const table = README.slice(README.indexOf("## Configuration reference"), README.indexOf("## Operations"));
    for (const leaf of leaves) {
      const last = leaf.split(".").pop() ?? leaf;
      assert.ok(table.includes(leaf) || table.includes(`.${last}`), `README config reference lacks ${leaf}`);
    }
  });

  it("names the commands CI and users run", () => {
    assert.match(README, /npm ci && npm test/);
    assert.match(README, /pulumi up -s dev/);
    const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    assert.match(ci, /npm ci/);
    assert.match(ci, /npm test/);
  });

  it("project files cite upstream sources, never the workplace's private notes (../shared)", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (["node_modules", ".git"].includes(entry.name)) continue;
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(ts|js|json|ya?ml|md|sh)$|^run$/.test(entry.name)) {
          const text = fs.readFileSync(file, "utf8");
          // the needle is split so that this file does not match itself
          if (text.includes(["..", "shared", "reference"].join("/")) || text.includes(`${".."}/shared/`)) {
            offenders.push(path.relative(ROOT, file));
          }
        }
      }
    };
    walk(ROOT);
    assert.deepEqual(offenders, []);
  });
});
