// The component package (package/): its schema as `pulumi package add` would publish it, built
// without the CLI by the SDK's own analyzer, and the component run the way a program of another
// language would run it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Analyzer, AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { format, resolveConfig } from "prettier";
import { parse } from "yaml";
import { SECRET_KEYS, TOP_LEVEL_KEYS } from "../config/schema";
import { JaegerSpm } from "../package/index";
import { ARGS_FILE, generateArgs } from "../scripts/packageArgs";
import { ROOT, evaluateStack } from "../scripts/evaluate";

const PACKAGE = path.join(ROOT, "package");
/** What users read: the README and docs/ (the stack outputs are in getting-started, the examples in library). */
const README = [
  path.join(ROOT, "README.md"),
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join(ROOT, "docs", f)),
]
  .map((file) => fs.readFileSync(file, "utf8"))
  .join("\n\n");

describe("component package (package/)", function () {
  this.timeout(120000);
  let analyzed: AnalyzeResult;
  before(() => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE, "package.json"), "utf8")) as Record<string, string>;
    analyzed = new Analyzer(PACKAGE, manifest.name, manifest, new Set(["JaegerSpm"])).analyze();
  });

  it("is a Node.js plugin named jaeger-spm whose component token the host accepts", () => {
    assert.deepEqual(parse(fs.readFileSync(path.join(PACKAGE, "PulumiPlugin.yaml"), "utf8")), { runtime: "nodejs" });
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE, "package.json"), "utf8")) as { name: string };
    assert.equal(manifest.name, "jaeger-spm");
    assert.doesNotThrow(() => ComponentProvider.validateResourceType(manifest.name, "jaeger-spm:index:JaegerSpm"));
    assert.deepEqual(Object.keys(analyzed.components), ["JaegerSpm"], "only the component is exported");
  });

  it("takes every stack config key as an input: settings plain, secrets as (secret) inputs", () => {
    const inputs = analyzed.components.JaegerSpm.inputs;
    assert.deepEqual(Object.keys(inputs).sort(), [...TOP_LEVEL_KEYS].sort());
    for (const [key, input] of Object.entries(inputs)) {
      const secret = (SECRET_KEYS as ReadonlySet<string>).has(key);
      assert.equal(input.plain === true, !secret, `${key}: ${secret ? "an input" : "plain"}`);
      assert.ok(input.optional, `${key} has a default`);
      assert.ok(input.description, `${key} is described`);
    }
    // Nested settings keep their allowed values, as enums.
    const backend = analyzed.typeDefinitions.StorageBackend;
    assert.deepEqual(
      backend.enum?.map((e) => e.value),
      ["badger", "elasticsearch"],
    );
  });

  it("outputs every stack output the README lists", () => {
    const listed = [...(/Stack outputs: ([\s\S]*?)\n\n/.exec(README)?.[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]);
    assert.ok(listed.length > 10);
    assert.deepEqual(Object.keys(analyzed.components.JaegerSpm.outputs).sort(), [...new Set(listed)].sort());
  });

  it("the README shows the package from Python and YAML with inputs the schema has", () => {
    const inputs = new Set(Object.keys(analyzed.components.JaegerSpm.inputs));
    const yamlExample = /```yaml\n(# Pulumi\.yaml of a YAML program[\s\S]*?)```/.exec(README)?.[1];
    assert.ok(yamlExample, "a YAML example");
    const program = parse(yamlExample) as {
      resources: Record<string, { type: string; properties: Record<string, unknown> }>;
    };
    const [resource] = Object.values(program.resources);
    assert.equal(resource.type, "jaeger-spm:JaegerSpm");
    for (const key of Object.keys(resource.properties)) assert.ok(inputs.has(key), `YAML example input ${key}`);
    const python = /```python\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
    assert.match(python, /jaeger_spm\.JaegerSpm\(/);
    for (const [, key] of python.matchAll(/^\s+(\w+)=/gm)) {
      const camel = key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
      assert.ok(inputs.has(camel), `Python example input ${key}`);
    }
  });

  it("args.ts is generated from the current config schema (`npm run package:args`)", async () => {
    const options = (await resolveConfig(ARGS_FILE)) ?? {};
    const expected = await format(generateArgs(), { ...options, parser: "typescript" });
    assert.equal(fs.readFileSync(ARGS_FILE, "utf8"), expected, "run `npm run package:args`");
  });

  it("builds the stack from plain settings, with a secret input kept secret", async () => {
    const ev = await evaluateStack(
      "package",
      {},
      [],
      path.join(ROOT, "tests", "fixtures", "programs", "package-user.ts"),
    );
    assert.deepEqual(ev.outputs.searchServerUrls, ["https://es.example.com:9200"]);
    assert.match(String(ev.outputs.otlpGrpcEndpoint), /^http:\/\/jaeger-collector\.tracing\.svc[^:]*:4317$/);
    assert.equal(ev.outputs.grafanaAdminPassword, undefined);
    const credentials = ev.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:Secret" &&
        (r.inputs.metadata as { name: string }).name === "jaeger-storage-credentials",
    );
    assert.ok(credentials, "the storage credentials Secret");
    assert.ok(credentials.secretPaths.length > 0, "its data is a secret");
    assert.ok(!JSON.stringify(credentials.inputs).includes("(secret input)"), "the real password, not the placeholder");
  });

  it("a bad setting fails the component with the key, the value and what is expected", () => {
    assert.throws(
      () => new JaegerSpm("bad", { storage: { retention: "a week" } }),
      /storage\.retention = "a week": expected/,
    );
  });
});
