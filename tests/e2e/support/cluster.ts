// A Kubernetes cluster whose pods turn Running and Ready, for `pulumi up` on the real engine: the
// API server and etcd of ./kube.ts, kube-controller-manager and kube-scheduler 1.34 (Deployments
// make ReplicaSets and pods, claims bind to volumes, namespaces are emptied before they go, Services
// get endpoints), and kwok (engines/kwok/go.mod) playing the kubelet of one fake node: it marks
// the pods scheduled there Running and Ready and gives them an address, but runs no container.
// Every component runs as the cluster administrator (system:masters): this cluster tests what
// Pulumi and the API server do with our objects, not the cluster's own RBAC.
//
// There is no volume provisioner: a StorageClass "standard" (the default class, as on kind or
// minikube) with reclaim policy Delete, and PersistentVolumes made by the test (makeVolume).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CapturedResource, Evaluation } from "../../../scripts/evaluate";
import { Engine, engineBinary, freePort, pinnedModuleVersion, startEngine, waitFor } from "../../support/engines";
import { ApiResponse, KubeApiServer, startKubeApiServer } from "./kube";

export const NODE_NAME = "kwok-node-0";
export const STORAGE_CLASS = "standard";

export interface Cluster {
  readonly api: KubeApiServer;
  readonly engines: readonly Engine[];
  readonly kubeconfig: string;
  request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  /** Creates a PersistentVolume of the default class (hostPath under the cluster's folder: kwok never mounts it). */
  makeVolume(name: string, size: string): Promise<void>;
  /** Creates CustomResourceDefinitions and waits until each is established (30 s at most). */
  installCrds(crds: readonly Record<string, unknown>[]): Promise<void>;
  /** The log tails of every component, for a failure message. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

/** kwok's own stages for a node that turns Ready and pods that turn Ready, complete and go (its module's kustomize/stage). */
function kwokStages(): string {
  const version = pinnedModuleVersion("sigs.k8s.io/kwok");
  const run = spawnSync("go", ["mod", "download", "-json", `sigs.k8s.io/kwok@${version}`], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const info = JSON.parse(run.stdout || "{}") as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new Error(
      `go mod download sigs.k8s.io/kwok@${version} failed: ${info.Error ?? run.stderr ?? run.error?.message}`,
    );
  const stages = [
    "node/fast/node-initialize.yaml",
    "node/heartbeat/node-heartbeat.yaml",
    "pod/fast/pod-ready.yaml",
    "pod/fast/pod-complete.yaml",
    "pod/fast/pod-delete.yaml",
  ];
  return stages
    .map((file) => fs.readFileSync(path.join(info.Dir as string, "kustomize/stage", file), "utf8"))
    .join("\n---\n");
}

async function created(response: Promise<ApiResponse>, what: string): Promise<void> {
  const { status, body } = await response;
  if (status !== 201 && status !== 200) throw new Error(`creating ${what}: HTTP ${status} ${JSON.stringify(body)}`);
}

/** Starts the cluster; resolves once the node is Ready and the default service account exists (120 s at most). */
export async function startCluster(): Promise<Cluster> {
  const api = await startKubeApiServer();
  const dir = path.dirname(api.kubeconfig);
  const engines: Engine[] = [...api.engines];
  const stop = async () => {
    for (const engine of engines.slice(api.engines.length).reverse()) await engine.stop();
    await api.stop();
  };
  try {
    const [controllerPort, schedulerPort, kwokPort] = [await freePort(), await freePort(), await freePort()];
    engines.push(
      startEngine("kube-controller-manager", engineBinary("k8s.io/kubernetes/cmd/kube-controller-manager"), [
        `--kubeconfig=${api.kubeconfig}`,
        `--authentication-kubeconfig=${api.kubeconfig}`,
        `--authorization-kubeconfig=${api.kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${controllerPort}`,
        "--leader-elect=false",
        `--service-account-private-key-file=${path.join(api.pki, "sa.key")}`,
        `--root-ca-file=${path.join(api.pki, "ca.crt")}`,
        "--use-service-account-credentials=false",
        // Kept out: the node IPAM and cloud route controllers need a cluster CIDR and a cloud.
        "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller",
      ]),
      startEngine("kube-scheduler", engineBinary("k8s.io/kubernetes/cmd/kube-scheduler"), [
        `--kubeconfig=${api.kubeconfig}`,
        `--authentication-kubeconfig=${api.kubeconfig}`,
        `--authorization-kubeconfig=${api.kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${schedulerPort}`,
        "--leader-elect=false",
      ]),
    );
    const stages = path.join(dir, "kwok-stages.yaml");
    fs.writeFileSync(stages, kwokStages());
    engines.push(
      startEngine("kwok", engineBinary("sigs.k8s.io/kwok/cmd/kwok"), [
        `--config=${stages}`,
        `--kubeconfig=${api.kubeconfig}`,
        "--manage-all-nodes=true",
        `--server-address=127.0.0.1:${kwokPort}`,
        // Pod addresses kwok hands out; nothing listens there.
        "--cidr=10.244.0.0/16",
        "--node-ip=127.0.0.1",
      ]),
    );
    await created(
      api.request("POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: NODE_NAME,
          labels: {
            "kubernetes.io/hostname": NODE_NAME,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            type: "kwok",
          },
          annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
        },
        status: {
          allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
          capacity: { cpu: "32", memory: "256Gi", pods: "110" },
        },
      }),
      `node ${NODE_NAME}`,
    );
    await created(
      api.request("POST", "/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "kubernetes.io/no-provisioner",
        reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
      }),
      `storage class ${STORAGE_CLASS}`,
    );
    await waitFor(
      `node ${NODE_NAME} Ready (kwok) and the default namespace's service account (kube-controller-manager)`,
      async () => {
        const node = (await api.request("GET", `/api/v1/nodes/${NODE_NAME}`)).body as {
          status?: { conditions?: { type: string; status: string }[] };
        };
        const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        const account = (await api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200;
        return ready && account ? true : undefined;
      },
      { timeoutMs: 120_000, engines, running: engines, intervalMs: 500 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    api,
    engines,
    kubeconfig: api.kubeconfig,
    request: api.request,
    async makeVolume(name, size) {
      await created(
        api.request("POST", "/api/v1/persistentvolumes", {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: { name },
          spec: {
            capacity: { storage: size },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Delete",
            storageClassName: STORAGE_CLASS,
            hostPath: { path: path.join(dir, "volumes", name) },
          },
        }),
        `volume ${name}`,
      );
    },
    async installCrds(crds) {
      for (const crd of crds)
        await created(api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd), "a CRD");
      const names = crds.map((crd) => (crd.metadata as { name: string }).name);
      await waitFor(
        `CRDs ${names.join(", ")} established`,
        async () => {
          for (const name of names) {
            const crd = (await api.request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`))
              .body as { status?: { conditions?: { type: string; status: string }[] } };
            if (!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return undefined;
          }
          return true;
        },
        { timeoutMs: 30_000, engines, intervalMs: 250 },
      );
    },
    logTails: (lines = 30) => engines.map((e) => e.logTail(lines)).join("\n"),
    stop,
  };
}

/** The kinds a pod of the stack reads, and what Prometheus is told: enough to run the deployed pods here. */
const DEPLOYED_KINDS: readonly { apiVersion: string; plural: string }[] = [
  { apiVersion: "apps/v1", plural: "deployments" },
  { apiVersion: "v1", plural: "configmaps" },
  { apiVersion: "v1", plural: "secrets" },
  { apiVersion: "v1", plural: "services" },
  { apiVersion: "monitoring.coreos.com/v1", plural: "servicemonitors" },
  { apiVersion: "monitoring.coreos.com/v1", plural: "prometheusrules" },
];

/**
 * The objects a namespace holds as the cluster has them (what `pulumi up` deployed, read back),
 * in the shape of an evaluation, so that the e2e helpers that run a stack's pods here (localPod,
 * startJaeger, serviceMonitorTargets) run the deployed ones.
 */
export async function deployedObjects(
  cluster: Pick<Cluster, "request">,
  namespace: string,
  stack: string,
): Promise<Evaluation> {
  const resources: CapturedResource[] = [];
  for (const { apiVersion, plural } of DEPLOYED_KINDS) {
    const base = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
    const list = await cluster.request("GET", `${base}/namespaces/${namespace}/${plural}`);
    if (list.status === 404) continue; // a CRD the cluster does not have
    if (list.status !== 200) throw new Error(`listing ${plural} in ${namespace}: HTTP ${list.status}`);
    const body = list.body as { kind: string; items: Record<string, unknown>[] };
    const kind = body.kind.replace(/List$/, "");
    for (const item of body.items) {
      const { status: _status, ...object } = item;
      const metadata = object.metadata as { name: string; managedFields?: unknown };
      delete metadata.managedFields;
      resources.push({
        urn: `deployed:${kind}/${metadata.name}`,
        aliases: [],
        type: `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`,
        name: metadata.name,
        custom: true,
        inputs: { apiVersion, kind, ...object },
        secretPaths: [],
        options: { dependsOn: [] },
      });
    }
  }
  return { stack, config: {}, resources, outputs: {}, exports: {}, warnings: [], ignoredChanges: [] };
}
