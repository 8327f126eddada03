// The real-engine suite runs the Jaeger the stack deploys: engines/jaeger-source.json is the one
// place that maps the deployed image to the source the tests build.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackConfigSchema } from "../config/schema";
import { indexCleanerImage } from "../components/search/indexCleaner";
import { jaegerSource } from "./e2e/support/jaeger";
import { engineSources, pinnedModuleVersion } from "./support/engines";

describe("Jaeger engine source (engines/jaeger-source.json)", () => {
  const source = jaegerSource();

  it("builds the version of the default Jaeger image", () => {
    const defaults = stackConfigSchema.parse({});
    assert.equal(defaults.jaeger.image, source.image, "change engines/jaeger-source.json with the image default");
    assert.equal(`v${source.image.split(":")[1]}`, source.version);
  });

  it("builds the index cleaner of the same release the stack deploys beside it", () => {
    assert.equal(indexCleanerImage(source.image), `jaegertracing/jaeger-es-index-cleaner:${source.version.slice(1)}`);
    assert.ok(source.commands.includes("es-index-cleaner"));
  });

  it("names a full commit, a sha256 and the tarball's top directory", () => {
    assert.match(source.commit, /^[0-9a-f]{40}$/);
    assert.match(source.sha256, /^[0-9a-f]{64}$/);
    assert.equal(source.directory, `jaeger-${source.version.slice(1)}`);
  });

  it("refuses to build from a tarball whose sha256 is not the pinned one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-source-"));
    try {
      fs.writeFileSync(path.join(dir, source.tarball), "not the release");
      const run = spawnSync("sh", [path.join(__dirname, "../scripts/engines.sh")], {
        encoding: "utf8",
        env: { ...process.env, JAEGER_SPM_ENGINE_SOURCES: dir, JAEGER_SPM_CACHE: path.join(dir, "cache") },
        timeout: 60_000,
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /does not match the sha256 in engines\/jaeger-source\.json/);
      assert.ok(!fs.existsSync(path.join(dir, "cache/engines", `jaeger-${source.version}`)), "nothing built");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Jaeger's UI (engines/jaeger-source.json ui), embedded in the Jaeger the tests run", () => {
  const source = jaegerSource();
  const { ui } = source;
  const sources = engineSources();
  /** A file of the UI's source tarball, as its authors wrote it. */
  const fromTarball = (file: string) =>
    spawnSync("tar", ["-xzOf", path.join(sources, ui.tarball), `${ui.directory}/${file}`], { encoding: "utf8" }).stdout;

  it("pins the Node and pnpm the UI's own package.json asks for", () => {
    const manifest = JSON.parse(fromTarball("package.json")) as { engines: { node: string }; packageManager: string };
    assert.equal(manifest.packageManager, `pnpm@${ui.pnpm}`);
    const minimum = manifest.engines.node.match(/^>=(\d+)\.(\d+)\.(\d+)$/);
    assert.ok(minimum, `engines.node ${manifest.engines.node}`);
    const [major, minor, patch] = ui.node.split(".").map(Number);
    const [wantMajor, wantMinor, wantPatch] = minimum.slice(1).map(Number);
    assert.ok(
      major > wantMajor || (major === wantMajor && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch))),
      `Node ${ui.node} satisfies ${manifest.engines.node}`,
    );
  });

  it("names sha256s for the tarball and the patch", () => {
    assert.match(ui.sha256, /^[0-9a-f]{64}$/);
    assert.match(ui.patchSha256, /^[0-9a-f]{64}$/);
  });

  it("refuses to build from a UI tarball whose sha256 is not the pinned one, before building anything", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-source-"));
    try {
      fs.symlinkSync(path.join(sources, source.tarball), path.join(dir, source.tarball));
      fs.symlinkSync(path.join(sources, ui.patch), path.join(dir, ui.patch));
      fs.writeFileSync(path.join(dir, ui.tarball), "not the release");
      const run = spawnSync("sh", [path.join(__dirname, "../scripts/engines.sh")], {
        encoding: "utf8",
        env: { ...process.env, JAEGER_SPM_ENGINE_SOURCES: dir, JAEGER_SPM_CACHE: path.join(dir, "cache") },
        timeout: 60_000,
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`${ui.tarball.replace(/\./g, "\\.")} does not match the sha256 in engines/jaeger-source\\.json`),
      );
      assert.deepEqual(fs.readdirSync(path.join(dir, "cache/engines")), [], "nothing built");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("oauth2-proxy engine (engines/oauth2-proxy/go.mod)", () => {
  it("builds the version of the default sign-in image, which the sign-in scenario runs", () => {
    const image = stackConfigSchema.parse({}).security.oidc.image;
    assert.equal(
      `v${image.split(":v")[1]}`,
      pinnedModuleVersion("github.com/oauth2-proxy/oauth2-proxy/v7"),
      "change engines/oauth2-proxy/go.mod (go get -tool github.com/oauth2-proxy/oauth2-proxy/v7@<tag>) with the image default",
    );
  });
});

describe("Pulumi engine (engines/pulumi-plugins.json, engines/pulumi/go.mod)", () => {
  const { plugins } = JSON.parse(fs.readFileSync(path.join(__dirname, "../engines/pulumi-plugins.json"), "utf8")) as {
    plugins: { name: string; version: string; tarball: string; sha256: string }[];
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const plugin = (name: string) => plugins.find((p) => p.name === name);

  it("runs the CLI and language host of the @pulumi/pulumi release the program depends on", () => {
    assert.equal(pinnedModuleVersion("github.com/pulumi/pulumi/pkg/v3"), `v${pkg.dependencies["@pulumi/pulumi"]}`);
    assert.equal(plugin("pulumi-language-nodejs")?.version, `v${pkg.dependencies["@pulumi/pulumi"]}`);
  });

  it("runs the provider versions the SDKs ask for, so users download the providers the suite runs", () => {
    assert.equal(pkg.dependencies["@pulumi/kubernetes"], plugin("pulumi-resource-kubernetes")?.version);
    assert.equal(pkg.dependencies["@pulumi/random"], plugin("pulumi-resource-random")?.version);
  });

  it("refuses to build a plugin from a tarball whose sha256 is not the pinned one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-source-"));
    const host = plugin("pulumi-language-nodejs");
    assert.ok(host);
    try {
      fs.writeFileSync(path.join(dir, host.tarball), "not the release");
      const run = spawnSync("sh", [path.join(__dirname, "../scripts/engines.sh")], {
        encoding: "utf8",
        env: {
          ...process.env,
          JAEGER_SPM_ENGINE_SOURCES: dir,
          JAEGER_SPM_CACHE: path.join(dir, "cache"),
          JAEGER_SPM_WITHOUT_JAEGER: "1",
        },
        timeout: 60_000,
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /does not match the sha256 in engines\/pulumi-plugins\.json/);
      assert.ok(!fs.existsSync(path.join(dir, "cache/engines", `${host.name}-${host.version}`)), "nothing built");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
