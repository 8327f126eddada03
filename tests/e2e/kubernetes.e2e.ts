// Every stack's Kubernetes objects, applied to a real kube-apiserver 1.34 as `pulumi up` applies
// them (server-side apply, strict field validation): accepted with no warning, read back as
// sent, and a Pod made from each pod template admitted under its namespace's Pod Security level.
// Helm releases (kube-prometheus-stack, ECK, Velero) are Pulumi resources that Helm expands in the
// cluster; their charts are not rendered here, only the objects this program writes itself.
import * as assert from "node:assert/strict";
import { hashSync } from "bcryptjs";
import { Evaluation, RawConfig, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { waitFor } from "../support/engines";
import { kubernetesObjects } from "../support/objects";
import type { KubernetesObject as AnyObject } from "../support/kubernetesSchema";

type KubernetesObject = AnyObject & { metadata?: { name?: string; namespace?: string } };
import { ApiResponse, KubeApiServer, crds, startKubeApiServer } from "./support/kube";

interface Variant {
  readonly name: string;
  readonly stack: string;
  readonly edits: readonly [string, string][];
  readonly secrets?: Record<string, string>;
}

const VARIANTS: readonly Variant[] = [
  { name: "dev", stack: "dev", edits: [] },
  { name: "prod (Elasticsearch in the cluster, snapshots, OIDC sign-in)", stack: "prod", edits: [] },
  {
    name: "prod on Badger with Velero (CSI snapshots), cert-manager TLS and basic auth",
    stack: "prod",
    edits: [
      ["storage.backend", "badger"],
      ["backup.volumeSnapshotClass", "ebs-csi"],
      ["security.oidc.enabled", "false"],
      ["security.tls.enabled", "true"],
      ["security.tls.source", "certManager"],
      ["security.tls.issuer.kind", "ClusterIssuer"],
      ["security.tls.issuer.name", "internal-ca"],
      ["security.uiBasicAuth", "true"],
    ],
    secrets: { "jaeger-spm:uiHtpasswd": `sre:${hashSync("e2e-password", 10)}` },
  },
  {
    name: "prod on Badger restored from a Velero backup",
    stack: "prod",
    edits: [
      ["storage.backend", "badger"],
      ["backup.volumeSnapshotClass", "ebs-csi"],
      ["backup.restore.backupName", "jaeger-badger-20261124020000"],
    ],
  },
];

function configOf(variant: Variant): RawConfig {
  const raw = variant.edits.reduce((r, [k, v]) => configSet(r, k, v, { path: true }), stackConfig(variant.stack));
  return { ...raw, ...variant.secrets };
}

/** Where the API serves a kind: the collection path for a namespaced or cluster-scoped object. */
async function resourcePaths(server: KubeApiServer): Promise<Map<string, { plural: string; namespaced: boolean; base: string }>> {
  const map = new Map<string, { plural: string; namespaced: boolean; base: string }>();
  const groupVersions = ["v1"];
  const apis = (await server.request("GET", "/apis")).body as { groups: { preferredVersion: { groupVersion: string }; versions: { groupVersion: string }[] }[] };
  for (const group of apis.groups) for (const v of group.versions) groupVersions.push(v.groupVersion);
  for (const gv of groupVersions) {
    const base = gv === "v1" ? "/api/v1" : `/apis/${gv}`;
    const list = (await server.request("GET", base)).body as { resources?: { name: string; kind: string; namespaced: boolean }[] };
    for (const r of list.resources ?? []) if (!r.name.includes("/")) map.set(`${gv}/${r.kind}`, { plural: r.name, namespaced: r.namespaced, base });
  }
  return map;
}

/** The fields of `sent` that `got` lacks or holds differently (what a later `pulumi up` would show as drift). */
function differences(sent: unknown, got: unknown, at = ""): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(got) || got.length !== sent.length) return [`${at}: sent ${JSON.stringify(sent)}, read ${JSON.stringify(got)}`];
    return sent.flatMap((item, i) => differences(item, got[i], `${at}[${i}]`));
  }
  if (sent !== null && typeof sent === "object") {
    if (got === null || typeof got !== "object") return [`${at}: sent an object, read ${JSON.stringify(got)}`];
    return Object.entries(sent).flatMap(([k, v]) => differences(v, (got as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return sent === got ? [] : [`${at}: sent ${JSON.stringify(sent)}, read ${JSON.stringify(got)}`];
}

function podTemplates(object: KubernetesObject): { name: string; template: Record<string, unknown> }[] {
  const spec = object.spec as Record<string, unknown> | undefined;
  const name = `${object.kind.toLowerCase()}-${object.metadata?.name}`;
  if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(object.kind)) return [{ name, template: spec?.template as Record<string, unknown> }];
  if (object.kind === "CronJob") {
    const job = (spec?.jobTemplate as Record<string, unknown>).spec as Record<string, unknown>;
    return [{ name, template: job.template as Record<string, unknown> }];
  }
  return [];
}

for (const variant of VARIANTS) {
  describe(`e2e: ${variant.name} on kube-apiserver 1.34`, function () {
    let server: KubeApiServer;
    let evaluation: Evaluation;
    let objects: KubernetesObject[];
    let paths: Awaited<ReturnType<typeof resourcePaths>>;
    const applied = new Map<string, ApiResponse>();
    const pathOf = (o: KubernetesObject) => {
      const where = paths.get(`${o.apiVersion}/${o.kind}`);
      if (!where) throw new Error(`the API server serves no ${o.apiVersion} ${o.kind}`);
      const ns = where.namespaced ? `/namespaces/${o.metadata?.namespace}` : "";
      return `${where.base}${ns}/${where.plural}/${o.metadata?.name}`;
    };
    const label = (o: KubernetesObject) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

    before(async function () {
      evaluation = await evaluateStack(variant.stack, configOf(variant), Object.keys(variant.secrets ?? {}));
      objects = kubernetesObjects(evaluation) as KubernetesObject[];
      server = await startKubeApiServer();
      for (const crd of crds()) {
        const created = await server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      paths = await waitFor(
        "the CRDs to be served",
        async () => {
          const found = await resourcePaths(server);
          return ["monitoring.coreos.com/v1/ServiceMonitor", "velero.io/v1/Schedule", "elasticsearch.k8s.elastic.co/v1/Elasticsearch", "cert-manager.io/v1/Certificate"].every((k) => found.has(k))
            ? found
            : undefined;
        },
        { timeoutMs: 30_000, engines: server.engines, intervalMs: 500 },
      );
      // Namespaces the stack writes into but does not create come from its charts (Velero,
      // ECK) or the cluster (an existing Prometheus); the ServiceAccount controller, which this
      // API server runs without, gives every namespace its default ServiceAccount.
      const own = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata?.name));
      const used = new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => !!n));
      for (const ns of [...own, ...used]) {
        if (!own.has(ns)) await server.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      }
      const ordered = [...objects.filter((o) => o.kind === "Namespace"), ...objects.filter((o) => o.kind !== "Namespace")];
      for (const object of ordered) {
        applied.set(
          label(object),
          await server.request("PATCH", `${pathOf(object)}?fieldManager=pulumi-kubernetes&force=true&fieldValidation=Strict`, object, "application/apply-patch+yaml"),
        );
        if (object.kind === "Namespace") {
          await server.request("POST", `/api/v1/namespaces/${object.metadata?.name}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
        }
      }
      for (const ns of used) {
        if (!own.has(ns)) await server.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
      }
    });

    after(async function () {
      await server?.stop();
    });

    afterEach(function () {
      if (this.currentTest?.state === "failed") for (const e of server?.engines ?? []) console.log(e.logTail(20));
    });

    it("accepts every object, strictly validated, with no warning", function () {
      assert.ok(objects.length > 10);
      const refused = [...applied].filter(([, r]) => r.status !== 200 && r.status !== 201).map(([l, r]) => `${l}: ${r.status} ${String(r.body.message)}`);
      assert.deepEqual(refused, []);
      const warned = [...applied].filter(([, r]) => r.warnings.length > 0).map(([l, r]) => `${l}: ${r.warnings.join("; ")}`);
      assert.deepEqual(warned, []);
    });

    it("reads every object back as sent", async function () {
      const drift: string[] = [];
      for (const object of objects) {
        const read = await server.request("GET", pathOf(object));
        assert.equal(read.status, 200, label(object));
        // Secrets come back base64-encoded in data, as the API stores stringData.
        const sent = object.kind === "Secret" ? { ...object, stringData: undefined } : object;
        drift.push(...differences(JSON.parse(JSON.stringify(sent)), read.body).map((d) => `${label(object)}${d}`));
      }
      assert.deepEqual(drift, []);
    });

    it("admits a Pod made from every pod template under its namespace's Pod Security level, with no warning", async function () {
      const refused: string[] = [];
      let checked = 0;
      for (const object of objects) {
        for (const { name, template } of podTemplates(object)) {
          const metadata = (template.metadata ?? {}) as Record<string, unknown>;
          const pod = { apiVersion: "v1", kind: "Pod", metadata: { ...metadata, name }, spec: template.spec };
          const response = await server.request(
            "POST",
            `/api/v1/namespaces/${object.metadata?.namespace}/pods?dryRun=All&fieldValidation=Strict`,
            pod,
          );
          checked++;
          if (response.status !== 201 || response.warnings.length > 0) {
            refused.push(`${label(object)}: ${response.status} ${String(response.body.message ?? "")} ${response.warnings.join("; ")}`);
          }
        }
      }
      assert.ok(checked > 0, "the stack has pod templates");
      assert.deepEqual(refused, []);
    });
  });
}

describe("e2e: the kube-apiserver harness refuses what a cluster refuses", function () {
  let server: KubeApiServer;

  before(async function () {
    server = await startKubeApiServer();
    const ns = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "restricted", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    };
    assert.equal((await server.request("POST", "/api/v1/namespaces", ns)).status, 201);
    await server.request("POST", "/api/v1/namespaces/restricted/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
  });

  after(async function () {
    await server?.stop();
  });

  it("refuses an unknown field under strict validation", async function () {
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "restricted" }, data: {}, dta: {} };
    const response = await server.request(
      "PATCH",
      "/api/v1/namespaces/restricted/configmaps/x?fieldManager=e2e&fieldValidation=Strict",
      configMap,
      "application/apply-patch+yaml",
    );
    // Server-side apply cannot type the patch at all (kube-apiserver 1.34 answers 500 for it).
    assert.ok(response.status >= 400, JSON.stringify(response.body));
    assert.match(String(response.body.message), /\.dta: field not declared in schema/);
  });

  it("refuses a pod that breaks the namespace's Pod Security level", async function () {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "root" }, spec: { containers: [{ name: "c", image: "busybox:1.37" }] } };
    const response = await server.request("POST", "/api/v1/namespaces/restricted/pods?dryRun=All", pod);
    assert.equal(response.status, 403, JSON.stringify(response.body));
    assert.match(String(response.body.message), /violates PodSecurity "restricted/);
  });

  it("reads a quantity back in its canonical form, which the drift check sees", async function () {
    const quota = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "restricted" }, spec: { hard: { cpu: "1.5" } } };
    await server.request("PATCH", "/api/v1/namespaces/restricted/resourcequotas/q?fieldManager=e2e", quota, "application/apply-patch+yaml");
    const read = await server.request("GET", "/api/v1/namespaces/restricted/resourcequotas/q");
    assert.deepEqual(differences(quota, read.body), ['.spec.hard.cpu: sent "1.5", read "1500m"']);
  });
});
