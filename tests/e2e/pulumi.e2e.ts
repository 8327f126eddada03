// The user's loop on the real Pulumi engine: `pulumi preview`, `up`, a no-op `up`, `preview
// --expect-no-changes` (with and without --refresh), each `pulumi config set` of the README's
// "settings you change most" with the change set it must produce, and `destroy`, run by the CLI
// 3.248 with the Node.js language host and the kubernetes provider built from their tags, against
// kube-apiserver + etcd + kube-controller-manager + kube-scheduler + kwok (pods turn Ready; no
// container runs) and a local state backend.
//
// The dev stack runs as the README deploys it, except bundled monitoring (off here: its chart is
// another scenario of this suite).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseShell } from "shell-quote";
import { evaluateStack, stackConfig, configSet, RawConfig, Evaluation } from "../../scripts/evaluate";
import { waitFor } from "../support/engines";
import { Cluster, startCluster } from "./support/cluster";
import { crds } from "./support/kube";
import { PreviewResult, PulumiProject, pulumiProject } from "./support/pulumi";

const ROOT = path.resolve(__dirname, "../..");
const STACK = "dev";
/** Settings the suite applies before the first `up`, as a user would with `pulumi config set --path`. */
const BASE_SETTINGS: readonly [string, string][] = [["monitoring.bundled.enabled", "false"]];

/** `<type>::<name>` of a URN (urn:pulumi:stack::project::parent$type::name). */
function typeAndName(urn: string): string {
  const [, , , qualifiedType, name] = urn.split("::");
  return `${qualifiedType.split("$").pop()}::${name}`;
}

/** The steps of a preview that change something, as "op <type>::<name>", sorted. */
function changes(preview: PreviewResult): string[] {
  return preview.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${typeAndName(s.urn)}`)
    .sort();
}

/** The README's tested `pulumi config set` lines, as argv. */
function readmeCommands(): string[][] {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = /<!-- tested-commands:start -->([\s\S]*?)<!-- tested-commands:end -->/.exec(readme);
  assert.ok(block, "README has a tested-commands block");
  return block[1]
    .split("\n")
    .filter((line) => line.startsWith("pulumi config set"))
    .map((line) => parseShell(line).map(String));
}

/**
 * What each README command must change on a deployed dev stack, by what the setting means:
 * retention is Badger's TTL in Jaeger's config (the Deployment restarts through its config
 * checksum; the claim keeps its size: a derived size never changes an existing claim); a sampling
 * setting is the strategies file alone (hot-reloaded, nothing restarts); the expected spans/s
 * sizes the pod's resources (and, like retention, not the existing claim).
 */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  "storage.retention": ["update kubernetes:core/v1:ConfigMap::jaeger-config", "update kubernetes:apps/v1:Deployment::jaeger-deployment"],
  "sampling.": ["update kubernetes:core/v1:ConfigMap::jaeger-sampling"],
  "jaeger.expectedSpansPerSecond": ["update kubernetes:apps/v1:Deployment::jaeger-deployment"],
};
const expectedFor = (key: string) => EXPECTED[Object.keys(EXPECTED).find((prefix) => key.startsWith(prefix)) ?? ""];

function rawAfter(settings: readonly [string, string][]): RawConfig {
  return settings.reduce((raw, [key, value]) => configSet(raw, key, value, { path: true }), stackConfig(STACK));
}

describe("the user's loop on the real Pulumi engine (dev on a kwok cluster)", function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let project: PulumiProject;
  let evaluation: Evaluation;
  const timings: Record<string, number> = {};

  before(async function () {
    cluster = await startCluster();
    // What the cluster's own prometheus-operator brings when the stack does not bundle one.
    await cluster.installCrds(crds().filter((crd) => String((crd.spec as { group: string }).group) === "monitoring.coreos.com"));
    project = pulumiProject(cluster.kubeconfig);
    await project.run(["stack", "init", STACK]);
    for (const [key, value] of BASE_SETTINGS) await project.run(["config", "set", "--path", key, value]);
    evaluation = await evaluateStack(STACK, rawAfter(BASE_SETTINGS));
    // No provisioner in this cluster: the volume the claim binds to, of the size it asks.
    const claim = evaluation.resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
    assert.ok(claim, "dev has a Badger claim");
    const size = (claim.inputs as { spec: { resources: { requests: { storage: string } } } }).spec.resources.requests.storage;
    await cluster.makeVolume("badger-volume", size);
  });

  after(async function () {
    if (this.currentTest?.state === "failed" || Object.keys(timings).length === 0) console.log(cluster?.logTails(20));
    console.log(`timings (s): ${JSON.stringify(timings)}`);
    project?.remove();
    await cluster?.stop();
  });

  it("preview creates exactly the resources the mock evaluation registers", async function () {
    const preview = await project.preview();
    const created = preview.steps.filter((s) => s.op === "create").map((s) => typeAndName(s.urn)).sort();
    const registered = evaluation.resources.map((r) => `${r.type}::${r.name}`).sort();
    assert.deepEqual(
      created.filter((r) => !r.startsWith("pulumi:pulumi:Stack")),
      registered,
    );
    assert.deepEqual(changes(preview).filter((c) => !c.startsWith("create ")), [], "a first preview only creates");
  });

  it("up creates the stack; the Jaeger pod is admitted under Pod Security restricted and turns Ready", async function () {
    const up = await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    timings.up = up.seconds;
    const namespace = (await cluster.request("GET", "/api/v1/namespaces/observability")).body as { metadata: { labels: Record<string, string> } };
    assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const pods = await waitFor(
      "a Ready Jaeger pod in observability",
      async () => {
        const list = (await cluster.request("GET", "/api/v1/namespaces/observability/pods")).body as { items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[] };
        const ready = list.items.filter((p) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        return ready.length > 0 ? ready : undefined;
      },
      { timeoutMs: 60_000, engines: cluster.engines },
    );
    assert.equal(pods.length, 1, "one Badger writer");
    const claim = (await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger")).body as { status: { phase: string } };
    assert.equal(claim.status.phase, "Bound");
  });

  it("a second up changes nothing; preview --expect-no-changes passes, also with --refresh", async function () {
    const again = await project.run(["up", "--yes", "--skip-preview", "--expect-no-changes"], { timeoutMs: 300_000 });
    timings.noOpUp = again.seconds;
    await project.run(["preview", "--expect-no-changes"], { timeoutMs: 240_000 });
    await project.run(["preview", "--expect-no-changes", "--refresh"], { timeoutMs: 240_000 });
  });

  it("each README command changes exactly what the setting means, and up applies it", async function () {
    for (const argv of readmeCommands()) {
      const key = argv.find((a, i) => i > 2 && !a.startsWith("--")) as string;
      const expected = expectedFor(key);
      assert.ok(expected, `the suite states what ${key} must change`);
      await project.run(argv.slice(1));
      const preview = await project.preview();
      assert.deepEqual(changes(preview), [...expected].sort(), `${argv.join(" ")}`);
      await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    }
  });

  it("destroy keeps the Badger claim, bound to its volume, and the namespace that holds it", async function () {
    const destroy = await project.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    timings.destroy = destroy.seconds;
    // The namespace controller would have emptied a deleted namespace by now.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const claim = await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger");
    assert.equal(claim.status, 200, `the claim is gone after destroy: ${JSON.stringify(claim.body)}`);
    const volume = (await cluster.request("GET", "/api/v1/persistentvolumes/badger-volume")).body as { status: { phase: string } };
    assert.equal(volume.status.phase, "Bound");
  });
});
