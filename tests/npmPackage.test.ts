// The npm package as a user gets it: `npm pack`, the tarball installed into a new program, that
// program type-checked with the tsconfig `pulumi new typescript` writes (no esModuleInterop, no
// skipLibCheck) and run under Pulumi's mocks. Installs come from the npm registry (or npm's cache).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { ICertificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { buildServiceMonitorSpec } from "../components/monitoring/scrape";
import { buildCertificateSpec } from "../components/security/access";
import { ROOT } from "../scripts/evaluate";

/** The tsconfig.json `pulumi new typescript` writes (pulumi/templates, typescript/tsconfig.json). */
const PULUMI_TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts", "mocks.ts", "entries.ts"],
};

/**
 * What a program may write with the package, type-checked only: each documented entry resolves,
 * settings are typed (a wrong type does not compile; the forms `pulumi config set` stores do), and
 * every stack output is a pulumi.Output. A `@ts-expect-error` that meets no error fails tsc.
 */
const ENTRIES = `import * as pulumi from "@pulumi/pulumi";
import { stackConfigFrom as fromLibrary } from "jaeger-spm-stack/library";
import { stackConfigFrom, type JaegerSpmOutputs, type StackSettings } from "jaeger-spm-stack";

export function settingsAreTyped(): StackSettings[] {
  return [
    // @ts-expect-error a boolean setting takes true or false
    { createNamespace: "yes please" },
    // @ts-expect-error spans per second is a number
    { jaeger: { expectedSpansPerSecond: { rate: 1000 } } },
    // @ts-expect-error a quantity is text or a number
    { jaeger: { resources: { requests: { memory: true } } } },
    // @ts-expect-error storage.backend is one of its values
    { storage: { backend: "cassandra" } },
    // What the CLI stores and Kubernetes accepts: numbers and booleans as text, quantities as numbers.
    { createNamespace: "false", jaeger: { expectedSpansPerSecond: "2000", resources: { requests: { cpu: 1 } } } },
  ];
}

type NotAnOutput = {
  [K in keyof JaegerSpmOutputs]-?: JaegerSpmOutputs[K] extends pulumi.Output<unknown> ? never : K;
}[keyof JaegerSpmOutputs];
export const everyOutputIsAnOutput: [NotAnOutput] extends [never] ? true : NotAnOutput = true;
export const entries = [fromLibrary, stackConfigFrom];
`;

/** The program docs/library.md shows, as a user copies it. */
function documentedProgram(): string {
  const block = /```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(ROOT, "docs/library.md"), "utf8"));
  assert.ok(block, "docs/library.md shows a TypeScript program");
  return block[1];
}

/** Runs the program under mocks and prints what it registered (type and name, one per line). */
const MOCKS = `import * as pulumi from "@pulumi/pulumi";

const registered: string[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args: pulumi.runtime.MockResourceArgs) => {
      registered.push(args.type + " " + args.name);
      return { id: args.name + "-id", state: args.inputs };
    },
    call: (args: pulumi.runtime.MockCallArgs) => {
      throw new Error("unexpected call " + args.token);
    },
  },
  "scratch",
  "dev",
  false,
);

void pulumi.runtime.runInPulumiStack(async () => {
  return { ...(await import("./index")) };
}).then(() => setTimeout(() => console.log(registered.join("\\n")), 500));
`;

function run(command: string, args: string[], cwd: string, timeoutMs: number) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" },
  });
  assert.equal(result.status, 0, `${command} ${args.join(" ")} (in ${cwd}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe("npm package (npm pack, installed into a new Pulumi program)", function () {
  this.timeout(600_000);
  let work: string;
  let tarball: string;
  let files: string[];

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "npm-package-"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], ROOT, 180_000)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = path.join(work, packed[0].filename);
    files = packed[0].files.map((f) => f.path);
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("ships compiled JavaScript with declarations and the files the code reads, and nothing of the project's own stacks or tests", () => {
    for (const file of [
      "package.json",
      "README.md",
      "dist/library.js",
      "dist/library.d.ts",
      "dist/dashboards/jaeger-spm.json",
      "dist/components/backup/jobScripts/es-snapshots.sh",
      "dist/components/search/jobScripts/search-lifecycle.sh",
    ]) {
      assert.ok(files.includes(file), `${file} is in the package`);
    }
    const unwanted = files.filter((f) =>
      /^(tests|engines|scripts|examples|bench)\/|^Pulumi\.|^index\.ts$|(?<!\.d)\.ts$/.test(f),
    );
    assert.deepEqual(unwanted, []);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(manifest.exports).sort(), [".", "./library", "./package.json"]);
  });

  it("installs into a new program, which runs docs/library.md's example: both entries and typed settings and outputs type-checked under the pulumi new typescript tsconfig and under node16 resolution, and run under mocks", () => {
    const program = path.join(work, "program");
    fs.mkdirSync(program);
    const version = (name: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
          version: string;
        }
      ).version;
    fs.writeFileSync(
      path.join(program, "package.json"),
      JSON.stringify({
        name: "scratch",
        main: "index.ts",
        dependencies: {
          "jaeger-spm-stack": `file:${tarball}`,
          "@pulumi/pulumi": version("@pulumi/pulumi"),
          "@pulumi/kubernetes": version("@pulumi/kubernetes"),
        },
        devDependencies: { "@types/node": version("@types/node") },
      }),
    );
    fs.writeFileSync(path.join(program, "tsconfig.json"), JSON.stringify(PULUMI_TEMPLATE_TSCONFIG, null, 2));
    fs.writeFileSync(path.join(program, "index.ts"), documentedProgram());
    fs.writeFileSync(path.join(program, "mocks.ts"), MOCKS);
    fs.writeFileSync(path.join(program, "entries.ts"), ENTRIES);
    run("npm", ["install", "--prefer-offline", "--no-package-lock"], program, 420_000);
    // No devDependency of this project leaked into what the package needs.
    assert.ok(
      !fs.existsSync(path.join(program, "node_modules", "@kubernetes-models")),
      "the package pulls in no devDependency",
    );
    const tsc = (project: string) =>
      run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], program, 180_000);
    // Under the resolution the template writes (node10: package.json "exports" is not read) and
    // under node16, which reads it.
    const node16 = path.join(program, "tsconfig.node16.json");
    const { compilerOptions } = PULUMI_TEMPLATE_TSCONFIG;
    fs.writeFileSync(
      node16,
      JSON.stringify({
        ...PULUMI_TEMPLATE_TSCONFIG,
        compilerOptions: { ...compilerOptions, module: "node16", moduleResolution: "node16", noEmit: true },
        // The mocks' dynamic import is written for the template's resolution.
        files: ["index.ts", "entries.ts"],
      }),
    );
    tsc(node16);
    tsc("tsconfig.json");
    const registered = run(process.execPath, ["bin/mocks.js"], program, 120_000).split("\n");
    for (const resource of [
      "jaeger-spm:index:JaegerSpmStack tracing",
      "kubernetes:apps/v1:Deployment jaeger-deployment",
      "kubernetes:core/v1:PersistentVolumeClaim jaeger-badger",
      "kubernetes:core/v1:ConfigMap jaeger-config",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule jaeger-monitoring-rules",
    ]) {
      assert.ok(registered.includes(resource), `${resource} in:\n${registered.join("\n")}`);
    }
  });

  it("its hand-written Kubernetes CRD types fit the upstream models the tests have (a compile-time check)", () => {
    const monitor: IServiceMonitor["spec"] = buildServiceMonitorSpec({
      serviceSelector: { app: "jaeger" },
      namespace: "obs",
      ports: [{ name: "metrics" }],
      interval: "30s",
    });
    const certificate: ICertificate["spec"] = buildCertificateSpec({
      dnsNames: ["jaeger"],
      issuer: { kind: "ClusterIssuer", name: "ca" },
    });
    assert.equal(monitor?.endpoints?.[0]?.port, "metrics");
    assert.equal(certificate?.issuerRef.kind, "ClusterIssuer");
  });
});
