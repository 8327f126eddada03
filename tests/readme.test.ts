import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseShell } from "shell-quote";
import { parse } from "yaml";
import { parseStackConfig } from "../config/load";
import { stackConfigSchema } from "../config/schema";
import { ROOT, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { at, jaegerConfigDocument, objectNamed } from "./support/objects";
import { readmeCommands } from "./support/readmeCommands";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const doc = (name: string) => fs.readFileSync(path.join(ROOT, "docs", name), "utf8");
/** The pages under docs/ that users read (development.md is for contributors). */
const USER_PAGES = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md") && f !== "development.md");

function apply(raw: RawConfig, argv: readonly string[]): RawConfig {
  const args = argv.slice(3);
  const usePath = args.includes("--path");
  const [key, value] = args.filter((a) => a !== "--path");
  assert.ok(key && value !== undefined, `cannot read ${argv.join(" ")}`);
  return configSet(raw, key, value, { path: usePath });
}

/**
 * How the Pulumi CLI reads `pulumi config set` (usage `set <key> [flags] [--] [value]`; cobra and
 * pflag, pulumi v3.248.0 pkg/cmd/pulumi/config): an argument starting with "-" before "--" is a
 * flag, and an unknown one is an error. Values the shell or the user fills in later (a command
 * substitution, a <placeholder>) may start with "-" (a PEM's -----BEGIN), so they must follow "--".
 * Returns the problem, or undefined when the CLI would take the line.
 */
export function configSetProblem(argv: readonly string[]): string | undefined {
  const args = argv.slice(3);
  const valueFlags = new Set(["--type", "--stack", "-s", "--config-file"]);
  const boolFlags = new Set(["--path", "--secret", "--plaintext"]);
  const positionals: { value: string; afterTerminator: boolean }[] = [];
  let terminated = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (terminated) positionals.push({ value: arg, afterTerminator: true });
    else if (arg === "--") terminated = true;
    else if (arg.startsWith("-") && arg !== "-") {
      const name = arg.split("=")[0];
      if (valueFlags.has(name)) {
        if (!arg.includes("=")) i++;
      } else if (!boolFlags.has(name)) return `unknown flag ${name}`;
    } else positionals.push({ value: arg, afterTerminator: false });
  }
  if (positionals.length !== 2) return `expected <key> <value>, got ${positionals.length} arguments`;
  const value = positionals[1];
  const filledInLater = /^\$\(|^<.*>$|…/.test(value.value);
  if ((filledInLater || value.value.startsWith("-")) && !value.afterTerminator) {
    return `the value ${value.value} may start with "-" and would be read as a flag: put -- before it`;
  }
  return undefined;
}

/** The words of the first command on a line (up to `&&`, `|`, `;`). */
function commandWords(line: string): string[] {
  const words: string[] = [];
  for (const token of parseShell(line)) {
    if (typeof token !== "string") break;
    words.push(token);
  }
  return words;
}

/** Every complete `pulumi config set <key> <value>` the README and docs/ show, in code blocks or inline. */
function readmeConfigSetLines(): string[] {
  const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
  const text = [README, ...pages.map(doc)].join("\n");
  const inline = [...text.matchAll(/`(pulumi config set [^`]*)`/g)].map((m) => m[1]);
  const blocks = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("pulumi config set "));
  return [...inline, ...blocks].filter((line) => !line.includes("[") || /'[^']*\[\d+\][^']*'/.test(line));
}

describe("README", () => {
  it("every `pulumi config set` line parses under the CLI's flag grammar (values that may start with - after --)", () => {
    const lines = readmeConfigSetLines();
    assert.ok(lines.length >= 15, `found ${lines.length}`);
    const checked = lines
      .map((line) => ({ line, argv: commandWords(line) }))
      .filter(({ argv }) => argv.slice(3).filter((a) => !a.startsWith("-")).length >= 2);
    assert.ok(
      checked.some(({ line }) => line.includes("caCert")),
      "the CA certificate example is checked",
    );
    for (const { line, argv } of checked) assert.equal(configSetProblem(argv), undefined, line);
  });

  it("asks for a Pulumi CLI that accepts Pulumi.yaml's object-typed config defaults (3.187+)", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type?: string; default?: unknown }>;
    };
    const objectDefaults = Object.values(project.config).filter((c) => c.type === "object" && c.default !== undefined);
    assert.ok(objectDefaults.length > 0, "Pulumi.yaml declares object-typed defaults");
    const minimum = /Pulumi CLI\]\([^)]*\) \*\*(\d+)\.(\d+) or newer\*\*/.exec(README);
    assert.ok(minimum, "README states a minimum CLI version");
    const [major, minor] = [Number(minimum[1]), Number(minimum[2])];
    assert.ok(major > 3 || (major === 3 && minor >= 187), `README asks for ${major}.${minor}`);
  });

  it("lists every stack output the program exports", () => {
    const program = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const exported = [...program.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    assert.ok(exported.length > 10);
    const paragraph = /Stack outputs: ([\s\S]*?)\n\n/.exec(doc("getting-started.md"))?.[1] ?? "";
    const missing = exported.filter((name) => !paragraph.includes(`\`${name}\``));
    assert.deepEqual(missing, [], "outputs missing from docs/getting-started.md's list");
  });

  it("the flag-grammar check refuses what the CLI refuses", () => {
    const argv = (line: string) => parseShell(line).map(String);
    assert.match(
      String(configSetProblem(argv(`pulumi config set --path storage.elasticsearch.caCert "$(cat ca.crt)"`))),
      /put -- before it/,
    );
    assert.match(String(configSetProblem(argv("pulumi config set --secret pw -x"))), /unknown flag -x/);
    assert.equal(configSetProblem(argv(`pulumi config set --path a.b -- "$(cat ca.crt)"`)), undefined);
    assert.equal(configSetProblem(argv("pulumi config set --path 'a.b[0]' https://es:9200")), undefined);
  });

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

  it("stays short (under 15 KB) and links every page under docs/, each of which exists", () => {
    assert.ok(Buffer.byteLength(README) < 15 * 1024, `README is ${Buffer.byteLength(README)} bytes`);
    const linked = [...README.matchAll(/\]\(docs\/([\w.-]+\.md)\)/g)].map((m) => m[1]);
    const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    assert.deepEqual([...new Set(linked)].sort(), pages.sort());
  });

  it("shows only pictures that exist, and every picture in docs/images is shown (npm run docs:screenshots makes them)", () => {
    const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    const shown = pages.flatMap((p) => [...doc(p).matchAll(/!\[[^\]]+\]\(images\/([\w.-]+)\)/g)].map((m) => m[1]));
    const images = fs.readdirSync(path.join(ROOT, "docs/images"));
    assert.deepEqual([...new Set(shown)].sort(), images.sort());
    // What the browser test saves: a PNG (its signature), not a placeholder.
    for (const image of images) {
      const head = fs.readFileSync(path.join(ROOT, "docs/images", image)).subarray(0, 8);
      assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${image} is a PNG`);
    }
  });

  it("user docs cite no source code (no upstream .go files, none of our .ts files)", () => {
    for (const [name, text] of [["README.md", README], ...USER_PAGES.map((p) => [`docs/${p}`, doc(p)])]) {
      const cited = [...text.matchAll(/[\w./-]+\.(?:go|ts)\b/g)]
        .map((m) => m[0])
        .filter((c) => !/^(?:jaeger-spm-stack|@pulumi)/.test(c));
      assert.deepEqual(cited, [], name);
    }
  });

  it("its YAML equivalent of the tested commands is the same stack config", () => {
    const yamlBlock = /```yaml\n(config:[\s\S]*?)```/.exec(README)?.[1];
    assert.ok(yamlBlock, "README shows the commands as stack-file YAML");
    const fromCommands = readmeCommands().reduce(apply, {} as RawConfig);
    const fromYaml = (parse(yamlBlock) as { config: Record<string, unknown> }).config;
    const sections = Object.keys(fromYaml).map((k) => k.replace(/^jaeger-spm:/, ""));
    for (const section of sections) {
      const viaCli = parseStackConfig({ [`jaeger-spm:${section}`]: fromCommands[`jaeger-spm:${section}`] ?? "{}" });
      const viaYaml = parseStackConfig({
        [`jaeger-spm:${section}`]: JSON.stringify(fromYaml[`jaeger-spm:${section}`]),
      });
      assert.ok(viaCli.ok && viaYaml.ok, section);
      const key = section as keyof typeof viaCli.config;
      assert.deepEqual(viaYaml.config[key], viaCli.config[key], section);
    }
    assert.deepEqual(
      sections.sort(),
      Object.keys(fromCommands)
        .map((k) => k.replace(/^jaeger-spm:/, ""))
        .sort(),
    );
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
    const table = doc("configuration.md");
    for (const leaf of leaves) {
      const last = leaf.split(".").pop() ?? leaf;
      assert.ok(table.includes(leaf) || table.includes(`.${last}`), `docs/configuration.md lacks ${leaf}`);
    }
  });

  it("names the commands CI and users run", () => {
    assert.match(README, /npm ci && npm run setup && npm test && npm run test:e2e/);
    assert.match(README, /pulumi up -s dev/);
    const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    assert.match(ci, /npm ci/);
    assert.match(ci, /npm test/);
    assert.match(ci, /npm run test:e2e/);
  });

  it("keeps the tests from changing the machine: installs happen only in npm run setup", () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    const installers = /test-tools\.sh|engines\.sh|apt-get|mvn |go install/;
    const running = Object.entries(scripts).filter(([name, command]) => name !== "setup" && installers.test(command));
    assert.deepEqual(
      running.map(([name]) => name),
      [],
      "only npm run setup installs or builds tools",
    );
    assert.match(scripts.setup, /scripts\/test-tools\.sh/);
    assert.match(scripts.setup, /scripts\/engines\.sh/);
  });

  it("project files cite upstream sources, never the workplace's private notes (../shared, but for the engine sources)", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (["node_modules", ".git"].includes(entry.name)) continue;
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(ts|js|json|ya?ml|md|sh)$|^run$/.test(entry.name)) {
          const text = fs.readFileSync(file, "utf8");
          // the needle is split so that this file does not match itself
          // ../shared/engines holds the tagged engine sources the real-engine tests build (engines/jaeger-source.json).
          const notes = text.replaceAll(`${".."}/shared/engines`, "");
          if (notes.includes(["..", "shared", "reference"].join("/")) || notes.includes(`${".."}/shared/`)) {
            offenders.push(path.relative(ROOT, file));
          }
        }
      }
    };
    walk(ROOT);
    assert.deepEqual(offenders, []);
  });
});
