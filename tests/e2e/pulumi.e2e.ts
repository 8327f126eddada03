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
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseBytesQuantity } from "../../config/units";
import { evaluateStack, stackConfig, configSet, RawConfig, Evaluation } from "../../scripts/evaluate";
import { engineSources, runToEnd, waitFor } from "../support/engines";
import { Cluster, deployedObjects, startCluster } from "./support/cluster";
import { readmeCommands } from "../support/readmeCommands";
import { startJaegerWithPrometheus } from "./support/prometheus";
import { crds } from "./support/kube";
import { PreviewResult, PreviewStep, PulumiProject, pulumiProject } from "./support/pulumi";
import { deployedInputs, evaluationChanges, renderedState } from "../../scripts/render";
import { StackChanges, resourceLabel } from "../../scripts/lib/renderChanges";

const ROOT = path.resolve(__dirname, "../..");
const STACK = "dev";
/** Settings the suite applies before the first `up`, as a user would with `pulumi config set --path`. */
const BASE_SETTINGS: readonly [string, string][] = [["monitoring.bundled.enabled", "false"]];

/** `<type>::<name>` of a URN (urn:pulumi:stack::project::parent$type::name). */
function typeAndName(urn: string): string {
  const [, , qualifiedType, name] = urn.split("::");
  return `${qualifiedType.split("$").pop()}::${name}`;
}

/** The steps of a preview that change something, as "op <type>::<name>", sorted. */
function changes(preview: PreviewResult): string[] {
  return preview.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${typeAndName(s.urn)}`)
    .sort();
}

/** The parts of `stored` that `shape` has (objects key by key, arrays item by item). */
function pick(stored: unknown, shape: unknown): unknown {
  if (Array.isArray(shape)) return Array.isArray(stored) ? shape.map((item, i) => pick(stored[i], item)) : stored;
  if (shape !== null && typeof shape === "object") {
    if (stored === null || typeof stored !== "object") return stored;
    return Object.fromEntries(
      Object.keys(shape).map((k) => [
        k,
        pick((stored as Record<string, unknown>)[k], (shape as Record<string, unknown>)[k]),
      ]),
    );
  }
  return stored;
}

/**
 * The commands as a user applies them before `pulumi up`: the fields of one list item together
 * (`sampling.services[1].service`, `.type`, `.param`), since an item with some fields only is not
 * a valid config (preview refuses it, naming the missing field); every other command alone.
 */
function settingGroups(commands: readonly string[][]): string[][][] {
  const item = (argv: readonly string[]) => /^(.*\[\d+\])\.[^.[\]]+$/.exec(argv[argv.length - 2])?.[1];
  const groups: string[][][] = [];
  for (const argv of commands) {
    const last = groups[groups.length - 1];
    if (last && item(argv) !== undefined && item(last[0]) === item(argv)) last.push(argv);
    else groups.push([argv]);
  }
  return groups;
}

/**
 * What each README command must change on a deployed dev stack, by what the setting means:
 * retention is Badger's TTL in Jaeger's config (the Deployment restarts through its config
 * checksum; the claim keeps its size: a derived size never changes an existing claim); a sampling
 * setting is the strategies file alone (hot-reloaded, nothing restarts); the expected spans/s
 * sizes the pod's resources and its memory alert (and, like retention, not the existing claim).
 */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  "storage.retention": [
    "update kubernetes:core/v1:ConfigMap::jaeger-config",
    "update kubernetes:apps/v1:Deployment::jaeger-deployment",
  ],
  "sampling.": ["update kubernetes:core/v1:ConfigMap::jaeger-sampling"],
  // The pod's resources, and the memory alert, whose threshold is a share of the pod's memory limit.
  "jaeger.expectedSpansPerSecond": [
    "update kubernetes:apps/v1:Deployment::jaeger-deployment",
    "update kubernetes:monitoring.coreos.com/v1:PrometheusRule::jaeger-monitoring-rules",
  ],
};
const expectedFor = (key: string) => EXPECTED[Object.keys(EXPECTED).find((prefix) => key.startsWith(prefix)) ?? ""];

/** What the cluster's own prometheus-operator brings when the stack does not bundle one. */
const prometheusOperatorCrds = () =>
  crds().filter((crd) => String((crd.spec as { group: string }).group) === "monitoring.coreos.com");

/** The size the Badger claim asks for (no provisioner here: the suite makes a volume of it). */
function badgerClaimSize(evaluation: Evaluation): string {
  const claim = evaluation.resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
  assert.ok(claim, `${evaluation.stack} has a Badger claim`);
  return (claim.inputs as { spec: { resources: { requests: { storage: string } } } }).spec.resources.requests.storage;
}

function rawAfter(settings: readonly [string, string][]): RawConfig {
  return settings.reduce((raw, [key, value]) => configSet(raw, key, value, { path: true }), stackConfig(STACK));
}

describe("the user's loop on the real Pulumi engine (dev on a kwok cluster)", function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let project: PulumiProject;
  let evaluation: Evaluation;
  let claimSize: string;
  const timings: Record<string, number> = {};

  before(async function () {
    cluster = await startCluster();
    await cluster.installCrds(prometheusOperatorCrds());
    project = pulumiProject(cluster.kubeconfig);
    await project.run(["stack", "init", STACK]);
    for (const [key, value] of BASE_SETTINGS) await project.run(["config", "set", "--path", key, value]);
    evaluation = await evaluateStack(STACK, rawAfter(BASE_SETTINGS));
    // No provisioner in this cluster: the volume the claim binds to, of the size it asks.
    claimSize = badgerClaimSize(evaluation);
    await cluster.makeVolume("badger-volume", claimSize);
  });

  let failed = false;
  afterEach(function () {
    failed ||= this.currentTest?.state === "failed";
  });
  after(async function () {
    if (failed) console.log(cluster?.logTails(20));
    console.log(`timings (s): ${JSON.stringify(timings)}`);
    project?.remove();
    await cluster?.stop();
  });

  it("preview creates exactly the resources the mock evaluation registers", async function () {
    const preview = await project.preview();
    const created = preview.steps
      .filter((s) => s.op === "create")
      .map((s) => typeAndName(s.urn))
      .sort();
    const registered = evaluation.resources.map((r) => `${r.type}::${r.name}`).sort();
    assert.deepEqual(
      created.filter((r) => !r.startsWith("pulumi:pulumi:Stack")),
      registered,
    );
    assert.deepEqual(
      changes(preview).filter((c) => !c.startsWith("create ")),
      [],
      "a first preview only creates",
    );
  });

  it("up creates the stack; the Jaeger pod is admitted under Pod Security restricted and turns Ready", async function () {
    const up = await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    timings.up = up.seconds;
    const namespace = (await cluster.request("GET", "/api/v1/namespaces/observability")).body as {
      metadata: { labels: Record<string, string> };
    };
    assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const pods = await waitFor(
      "a Ready Jaeger pod in observability",
      async () => {
        const list = (await cluster.request("GET", "/api/v1/namespaces/observability/pods")).body as {
          items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
        };
        const ready = list.items.filter((p) =>
          p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length > 0 ? ready : undefined;
      },
      { timeoutMs: 60_000, engines: cluster.engines },
    );
    assert.equal(pods.length, 1, "one Badger writer");
    const claim = (
      await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger")
    ).body as { status: { phase: string } };
    assert.equal(claim.status.phase, "Bound");
  });

  it("stores for every Kubernetes object the inputs the mock evaluation renders", async function () {
    const state = await project.exportState();
    const stored = new Map(
      state
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"))
        .map((r) => [typeAndName(r.urn), r.inputs ?? {}]),
    );
    const rendered = evaluation.resources.filter(
      (r) => r.custom && r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string",
    );
    assert.equal(stored.size, rendered.length, "one stored object per rendered one");
    for (const r of rendered) {
      const inputs = stored.get(`${r.type}::${r.name}`);
      assert.ok(inputs, `${r.type}::${r.name} is in the state`);
      // The provider adds its own bookkeeping (__defaults, autonamed annotations); the rendered fields must be stored as rendered.
      assert.deepEqual(pick(inputs, r.inputs), r.inputs, `${r.type}::${r.name}`);
    }
  });

  it("a second up changes nothing; preview --expect-no-changes passes, also with --refresh", async function () {
    const again = await project.run(["up", "--yes", "--skip-preview", "--expect-no-changes"], { timeoutMs: 300_000 });
    timings.noOpUp = again.seconds;
    await project.run(["preview", "--expect-no-changes"], { timeoutMs: 240_000 });
    await project.run(["preview", "--expect-no-changes", "--refresh"], { timeoutMs: 240_000 });
  });

  it("each README setting changes exactly what it means, and up applies it", async function () {
    for (const group of settingGroups(readmeCommands())) {
      const label = group.map((argv) => argv.slice(3).join(" ")).join("; ");
      let changed = false;
      for (const argv of group) {
        const key = argv[argv.length - 2];
        const before = await project.run(["config", "get", "--path", key], { expectCode: "any" });
        // A command that sets the value the stack already has (dev's services[0] is gateway) changes nothing.
        changed ||= !(before.code === 0 && before.stdout.trim() === argv[argv.length - 1]);
        await project.run(argv.slice(1));
      }
      const expected = changed ? expectedFor(group[0][group[0].length - 2]) : [];
      assert.ok(expected, `the suite states what ${label} must change`);
      const preview = await project.preview();
      assert.deepEqual(changes(preview), [...expected].sort(), label);
      await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    }
    // The claim kept the size it was created with; the disk alert's threshold is 15% of that size,
    // not of the larger size today's settings derive.
    const claim = (
      await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger")
    ).body as { spec: { resources: { requests: { storage: string } } } };
    assert.equal(claim.spec.resources.requests.storage, claimSize);
    const rule = (
      await cluster.request("GET", "/apis/monitoring.coreos.com/v1/namespaces/observability/prometheusrules/jaeger")
    ).body as { spec: { groups: { rules: { alert?: string; expr: string }[] }[] } };
    const disk = rule.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === "JaegerBadgerDiskSpaceLow");
    const threshold = Number(/< (\d+)$/.exec(disk?.expr ?? "")?.[1]);
    assert.ok(
      Math.abs(threshold - 0.15 * Number(parseBytesQuantity(claimSize))) <= 1,
      `JaegerBadgerDiskSpaceLow at ${threshold} bytes, for a ${claimSize} claim`,
    );
  });

  it("npm run smoke and npm run traffic pass against what up deployed (its Jaeger run here: kwok's pods run no container)", async function () {
    const deployed = await deployedObjects(cluster, "observability", STACK);
    const { jaeger, prometheus } = await startJaegerWithPrometheus(deployed);
    try {
      const npm = async (args: string[]) => {
        const run = await runToEnd("npm", args, { cwd: ROOT, timeoutMs: 240_000 });
        return { code: run.code, output: `${run.stdout}\n${run.stderr}`.slice(-8000) };
      };
      const smoke = await npm([
        "run",
        "-s",
        "smoke",
        "--",
        "--otlp-http",
        jaeger.url(4318),
        "--query",
        jaeger.url(16686),
        "--prometheus",
        prometheus.url,
        "--timeout",
        "120",
        "--interval",
        "2",
      ]);
      assert.equal(smoke.code, 0, `npm run smoke failed:\n${smoke.output}\n${jaeger.engine.logTail()}`);
      const traffic = await npm([
        "run",
        "-s",
        "traffic",
        "--",
        "--otlp-http",
        jaeger.url(4318),
        "--rate",
        "5",
        "--duration",
        "4",
        "--seed",
        "7",
      ]);
      assert.equal(traffic.code, 0, `npm run traffic failed:\n${traffic.output}`);
      const services = (await (await fetch(`${jaeger.url(16686)}/api/services`)).json()) as { data: string[] };
      assert.ok(
        services.data.includes("frontend"),
        `the traffic's services are in Jaeger: ${services.data.join(", ")}`,
      );
    } finally {
      await prometheus.stop();
      await jaeger.stop();
    }
  });

  it("destroy keeps the Badger claim, bound to its volume, and the namespace that holds it", async function () {
    const destroy = await project.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    timings.destroy = destroy.seconds;
    // The namespace controller would have emptied a deleted namespace by now.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const claim = await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger");
    assert.equal(claim.status, 200, `the claim is gone after destroy: ${JSON.stringify(claim.body)}`);
    const volume = (await cluster.request("GET", "/api/v1/persistentvolumes/badger-volume")).body as {
      status: { phase: string };
    };
    assert.equal(volume.status.phase, "Bound");
    assert.equal((await project.exportState()).filter((r) => r.custom).length, 0, "nothing left in the state");
  });

  it("up after destroy takes the kept namespace and claim over again: the same volume, nothing refused", async function () {
    // The settings changed since the claim was created, so they derive another size than the kept
    // claim's; as docs/operations.md says, the size is stated before taking the claim over.
    await project.run(["config", "set", "--path", "storage.badger.volumeSize", claimSize]);
    const up = await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    timings.upAfterDestroy = up.seconds;
    const claim = (
      await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger")
    ).body as { spec: { volumeName: string } };
    assert.equal(claim.spec.volumeName, "badger-volume");
    await project.run(["preview", "--expect-no-changes"], { timeoutMs: 240_000 });
  });
});

/** A chart archive of ../shared/engines/charts (sha256 in its README), as an air-gapped user keeps them. */
const chartArchive = (file: string) => path.join(engineSources(), "charts", file);

/** A cluster, a project of `stack` with `settings` applied by `pulumi config set --path`, and the mock evaluation of the same. */
async function deployable(stack: string, settings: readonly [string, string][]) {
  const cluster = await startCluster();
  const project = pulumiProject(cluster.kubeconfig);
  await project.run(["stack", "init", stack]);
  for (const [key, value] of settings) await project.run(["config", "set", "--path", key, value]);
  const evaluation = await evaluateStack(
    stack,
    settings.reduce((raw, [key, value]) => configSet(raw, key, value, { path: true }), stackConfig(stack)),
  );
  return { cluster, project, evaluation };
}

/** What a preview creates, as the mock evaluation's registrations are named. */
function previewMatchesEvaluation(preview: PreviewResult, evaluation: Evaluation): void {
  const created = preview.steps.filter((s) => s.op === "create").map((s) => typeAndName(s.urn));
  assert.deepEqual(
    created.filter((r) => !r.startsWith("pulumi:pulumi:Stack")).sort(),
    evaluation.resources.map((r) => `${r.type}::${r.name}`).sort(),
  );
}

async function helmRelease(
  cluster: Cluster,
  namespace: string,
  release: string,
): Promise<{ status: string; chart: string }> {
  const list = (
    await cluster.request(
      "GET",
      `/api/v1/namespaces/${namespace}/secrets?labelSelector=owner%3Dhelm%2Cname%3D${release}`,
    )
  ).body as { items: { metadata: { labels: Record<string, string> } }[] };
  const latest = list.items.sort((a, b) => Number(b.metadata.labels.version) - Number(a.metadata.labels.version))[0];
  assert.ok(latest, `Helm stored no release ${release} in ${namespace}`);
  return { status: latest.metadata.labels.status, chart: latest.metadata.labels.name };
}

describe("dev with bundled monitoring, kube-prometheus-stack from its chart archive (air-gapped), on the real Pulumi engine", function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let project: PulumiProject;
  let evaluation: Evaluation;

  before(async function () {
    ({ cluster, project, evaluation } = await deployable("dev", [
      ["monitoring.bundled.chartRepository", chartArchive("kube-prometheus-stack-88.5.3.tgz")],
    ]));
    await cluster.makeVolume("badger-volume", badgerClaimSize(evaluation));
  });
  after(async function () {
    project?.remove();
    await cluster?.stop();
  });

  it("preview creates what the mock evaluation registers; up installs the chart from the archive and the stack on its CRDs", async function () {
    previewMatchesEvaluation(await project.preview(), evaluation);
    await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal((await helmRelease(cluster, "monitoring", "kube-prometheus-stack")).status, "deployed");
    const monitor = await cluster.request(
      "GET",
      "/apis/monitoring.coreos.com/v1/namespaces/observability/servicemonitors/jaeger",
    );
    assert.equal(monitor.status, 200, "the ServiceMonitor, on the chart's CRD");
    await project.run(["preview", "--expect-no-changes"], { timeoutMs: 300_000 });
  });

  it("a chart version bump: the real preview and the offline diff agree (the release is updated in place)", async function () {
    // A next version of the chart, made here from the pinned archive (its Chart.yaml's version
    // raised): what a mirror would serve as kube-prometheus-stack 88.5.4.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-chart-"));
    try {
      const untar = spawnSync("tar", ["-xzf", chartArchive("kube-prometheus-stack-88.5.3.tgz"), "-C", work]);
      assert.equal(untar.status, 0, String(untar.stderr));
      const chartYaml = path.join(work, "kube-prometheus-stack", "Chart.yaml");
      fs.writeFileSync(
        chartYaml,
        fs.readFileSync(chartYaml, "utf8").replace(/^version: 88\.5\.3$/m, "version: 88.5.4"),
      );
      const bumped = path.join(work, "kube-prometheus-stack-88.5.4.tgz");
      assert.equal(spawnSync("tar", ["-czf", bumped, "-C", work, "kube-prometheus-stack"]).status, 0);
      const settings: [string, string][] = [
        ["monitoring.bundled.chartRepository", bumped],
        ["monitoring.bundled.chartVersion", "88.5.4"],
      ];
      for (const [key, value] of settings) await project.run(["config", "set", "--path", key, value]);
      const raw = settings.reduce(
        (r, [key, value]) => configSet(r, key, value, { path: true }),
        configSet(
          stackConfig("dev"),
          "monitoring.bundled.chartRepository",
          chartArchive("kube-prometheus-stack-88.5.3.tgz"),
          { path: true },
        ),
      );
      const head = await evaluateStack("dev", raw, undefined, undefined, deployedInputs(evaluation));
      const offline = offlineSet(evaluationChanges(evaluation, head));
      assert.deepEqual(offline.updated, ["kubernetes:helm.sh/v3:Release monitoring-kube-prometheus-stack"]);
      assert.deepEqual(offline, realChanges(await project.preview(["--show-sames"]), evaluation, head));
      // Back to the pinned archive, so that destroy starts from what up deployed.
      await project.run([
        "config",
        "set",
        "--path",
        "monitoring.bundled.chartRepository",
        chartArchive("kube-prometheus-stack-88.5.3.tgz"),
      ]);
      await project.run(["config", "set", "--path", "monitoring.bundled.chartVersion", "88.5.3"]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("destroy removes the monitoring release and keeps the trace data", async function () {
    await project.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const releases = (await cluster.request("GET", "/api/v1/namespaces/monitoring/secrets?labelSelector=owner%3Dhelm"))
      .body as { items?: unknown[] };
    assert.equal(releases.items?.length ?? 0, 0, "no Helm release left in monitoring");
    assert.equal(
      (await cluster.request("GET", "/api/v1/namespaces/observability/persistentvolumeclaims/jaeger-badger")).status,
      200,
    );
  });
});

const PROD_SETTINGS: readonly [string, string][] = [
  // The AWS provider is not served by the registries here: prod's bucket, key and roles are left out.
  ["backup.enabled", "false"],
  ["protectData", "false"],
  ["storage.elasticsearch.inCluster.operatorChartRepository", chartArchive("eck-operator-2.16.0.tgz")],
];

describe("prod on Elasticsearch, the ECK operator from its chart archive, on the real Pulumi engine (no AWS: backups off)", function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let project: PulumiProject;
  let evaluation: Evaluation;

  before(async function () {
    ({ cluster, project, evaluation } = await deployable("prod", PROD_SETTINGS));
    await cluster.installCrds(prometheusOperatorCrds());
    // The OIDC client secret the user creates before the first up (Pulumi.prod.yaml says how).
    await cluster.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "observability" },
    });
    await cluster.request("POST", "/api/v1/namespaces/observability/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "jaeger-oidc-client" },
      stringData: { "client-secret": "e2e-client-secret" },
    });
  });
  after(async function () {
    project?.remove();
    await cluster?.stop();
  });

  it("preview creates what the mock evaluation registers; up installs ECK from the archive, the Elasticsearch and both Jaeger roles", async function () {
    previewMatchesEvaluation(await project.preview(), evaluation);
    await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal((await helmRelease(cluster, "elastic-system", "elastic-operator")).status, "deployed");
    for (const deployment of ["jaeger-collector", "jaeger-query"]) {
      const d = (await cluster.request("GET", `/apis/apps/v1/namespaces/observability/deployments/${deployment}`))
        .body as { status?: { readyReplicas?: number } };
      assert.ok((d.status?.readyReplicas ?? 0) >= 1, `${deployment} has ready pods`);
    }
    await project.run(["preview", "--expect-no-changes"], { timeoutMs: 300_000 });
  });

  it("a retention change: the real preview and the offline diff agree (the volume under spec.nodeSets[0]… is ignored)", async function () {
    await project.run(["config", "set", "--path", "storage.retention", "72h"]);
    const raw = configSet(
      PROD_SETTINGS.reduce((r, [key, value]) => configSet(r, key, value, { path: true }), stackConfig("prod")),
      "storage.retention",
      "72h",
      { path: true },
    );
    const head = await evaluateStack("prod", raw, undefined, undefined, deployedInputs(evaluation));
    const offline = evaluationChanges(evaluation, head);
    assert.deepEqual(
      offline.ignored.map((i) => i.path),
      ["spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage"],
    );
    assert.deepEqual(offlineSet(offline), realChanges(await project.preview(["--show-sames"]), evaluation, head));
  });

  it("destroy keeps the Elasticsearch resource and the namespace that holds it", async function () {
    await project.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const es = await cluster.request(
      "GET",
      "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/observability/elasticsearches/jaeger-es",
    );
    assert.equal(es.status, 200, "the Elasticsearch resource (and with it ECK's volumes) is kept");
  });
});

/** A step as `pulumi preview --json` shows it, with the resource's state before and after. */
type JsonStep = PreviewStep & {
  readonly newState?: { custom?: boolean; type: string };
  readonly oldState?: { custom?: boolean; type: string };
};

/** The real preview's change set in the offline diff's terms: custom resources and providers (no components), by the evaluations' labels. */
function realChanges(preview: PreviewResult, base: Evaluation, head: Evaluation) {
  // The engine's URNs (the whole parent chain), as the offline diff forms them.
  const byUrn = new Map([...renderedState(base), ...renderedState(head)].map((r) => [r.urn, r]));
  const label = (urn: string) => {
    const r = byUrn.get(urn);
    return r ? resourceLabel(r) : urn;
  };
  const custom = (s: JsonStep) => {
    const type = (s.newState ?? s.oldState)?.type ?? byUrn.get(s.urn)?.type ?? "";
    return !type.startsWith("jaeger-spm:") && type !== "pulumi:pulumi:Stack";
  };
  const steps = (preview.steps as JsonStep[]).filter(custom);
  const of = (...ops: string[]) =>
    [...new Set(steps.filter((s) => ops.includes(s.op)).map((s) => label(s.urn)))].sort();
  return {
    unchanged: of("same").length,
    updated: of("update"),
    created: of("create"),
    deleted: of("delete"),
    replaced: of("replace", "create-replacement", "delete-replaced"),
  };
}

const offlineSet = (c: StackChanges) => ({
  unchanged: c.unchanged,
  updated: [...c.updated].sort(),
  created: [...c.created].sort(),
  deleted: c.deleted.map((d) => d.resource).sort(),
  replaced: [...c.replaced].sort(),
});

describe("the offline render diff against the real preview (dev on a kwok cluster)", function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let project: PulumiProject;
  let raw: RawConfig;
  let deployed: Evaluation;
  let secretKeys: string[] = [];
  /** Every scenario: command, real change set, offline change set, equal. */
  const table: string[] = [];

  before(async function () {
    ({ cluster, project, evaluation: deployed } = await deployable("dev", BASE_SETTINGS));
    await cluster.installCrds(prometheusOperatorCrds());
    await cluster.makeVolume("badger-volume", badgerClaimSize(deployed));
    raw = BASE_SETTINGS.reduce((r, [key, value]) => configSet(r, key, value, { path: true }), stackConfig("dev"));
    await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
  });
  after(async function () {
    console.log(
      ["| scenario | real preview | offline diff | equal |", "| --- | --- | --- | --- |", ...table].join("\n"),
    );
    project?.remove();
    await cluster?.stop();
  });

  /** Applies `settings` with pulumi config set, compares the real preview with the offline diff, and (with `up`) deploys it. */
  async function scenario(
    name: string,
    settings: readonly [string, string, "secret"?][],
    options: { up: boolean; blocked?: boolean },
  ) {
    for (const [key, value, secret] of settings) {
      await project.run(["config", "set", ...(secret ? ["--secret", key] : ["--path", key]), "--", value]);
      raw = configSet(raw, secret ? key : key, value, { path: !secret });
      if (secret) secretKeys = [...new Set([...secretKeys, `jaeger-spm:${key}`])];
    }
    const head = await evaluateStack("dev", raw, secretKeys, undefined, deployedInputs(deployed));
    const offline = evaluationChanges(deployed, head);
    const summary = (c: {
      updated: readonly string[];
      created: readonly string[];
      deleted: readonly string[];
      replaced: readonly string[];
    }) =>
      `${c.updated.length} updated, ${c.created.length} created, ${c.deleted.length} deleted, ${c.replaced.length} replaced`;
    if (options.blocked) {
      const refused = await project.run(["preview"], { expectCode: "any" });
      const realBlocked = refused.code !== 0 && /protect/i.test(refused.stdout + refused.stderr);
      table.push(
        `| ${name} | ${realBlocked ? "refused (protected)" : `exit ${refused.code}`} | ${offline.blocked.length > 0 ? `blocked: ${offline.blocked.join(", ")}` : "not blocked"} | ${realBlocked === offline.blocked.length > 0} |`,
      );
      assert.ok(realBlocked, `the engine refuses the update: ${refused.stdout.slice(-2000)}`);
      assert.ok(offline.blocked.length > 0, "the offline diff says the update is blocked");
      return;
    }
    const real = realChanges(await project.preview(["--show-sames"]), deployed, head);
    const mine = offlineSet(offline);
    table.push(`| ${name} | ${summary(real)} | ${summary(mine)} | ${JSON.stringify(real) === JSON.stringify(mine)} |`);
    assert.deepEqual(mine, real, name);
    assert.deepEqual(offline.blocked, []);
    if (options.up) {
      await project.run(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      deployed = head;
    }
  }

  it("a retention change", () => scenario("storage.retention 72h", [["storage.retention", "72h"]], { up: true }));
  it("a sampling change", () =>
    scenario("sampling.default.param 0.05", [["sampling.default.param", "0.05"]], { up: true }));
  it("a backend switch (Badger to an external OpenSearch with basic auth)", () =>
    scenario(
      "storage.backend elasticsearch (external, basic auth)",
      [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.flavor", "opensearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://search.internal:9200"],
        ["storage.elasticsearch.auth", "basic"],
        ["storage.elasticsearch.username", "jaeger"],
        ["elasticsearchPassword", "first-password", "secret"],
      ],
      { up: true },
    ));
  it("a new password inside a Secret", () =>
    scenario("elasticsearchPassword (secret) changed", [["elasticsearchPassword", "second-password", "secret"]], {
      up: true,
    }));
  it("a rotation change to autoRollover (the cleaner goes, the setup Job and its policies come), then back", async () => {
    // Previewed only: up would wait for the Job, whose pod kwok never completes.
    await scenario(
      "storage.elasticsearch.rotation autoRollover",
      [["storage.elasticsearch.rotation", "autoRollover"]],
      {
        up: false,
      },
    );
    await project.run(["config", "set", "--path", "storage.elasticsearch.rotation", "periodic"]);
    raw = configSet(raw, "storage.elasticsearch.rotation", "periodic", { path: true });
  });
  it("a rename that replaces every namespaced object", () =>
    scenario("namespace tracing", [["namespace", "tracing"]], { up: false }));
  it("the same rename with protectData: the engine refuses the whole update", async () => {
    await project.run(["config", "set", "namespace", "observability"]);
    raw = configSet(raw, "namespace", "observability");
    await scenario(
      "protectData true",
      [
        ["protectData", "true"],
        ["security.allowPublicServices", "true"],
      ],
      { up: true },
    );
    await scenario("namespace tracing, protected", [["namespace", "tracing"]], { up: false, blocked: true });
  });
});
