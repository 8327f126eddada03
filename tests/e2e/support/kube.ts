// A real Kubernetes API server for the e2e suite: etcd 3.6 and kube-apiserver 1.34, built by
// scripts/engines.sh from their Go modules (engines/kube/go.mod), on loopback with certificates
// made here, RBAC and the default admission plugins (PodSecurity among them). Objects are sent as
// `pulumi up` sends them: server-side apply, with strict field validation.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { VELERO_VERSION } from "../../../components/backup/velero";
import { Engine, engineBinary, freePort, startEngine, waitFor } from "../../support/engines";

/** A CRD source: a Go module at the version the stack deploys (or, for a CRD the user installs, a current release), and its CRD files. */
export interface CrdSource {
  readonly module: string;
  readonly version: string;
  readonly files: readonly string[];
  /** Why this version. */
  readonly why: string;
}

export const CRD_SOURCES: readonly CrdSource[] = [
  {
    module: "github.com/prometheus-operator/prometheus-operator",
    version: "v0.85.0",
    files: ["example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"],
    why: "the newest prometheus-operator the module proxy serves; kube-prometheus-stack (dev) or the cluster's own operator (prod) installs these CRDs",
  },
  {
    module: "github.com/vmware-tanzu/velero",
    version: VELERO_VERSION,
    files: ["config/crd/v1/bases/velero.io_backupstoragelocations.yaml", "config/crd/v1/bases/velero.io_schedules.yaml", "config/crd/v1/bases/velero.io_restores.yaml"],
    why: "the Velero release the stack installs",
  },
  {
    module: "github.com/elastic/cloud-on-k8s/v2",
    version: "v2.16.0",
    files: ["config/crds/v1/resources/elasticsearch.k8s.elastic.co_elasticsearches.yaml"],
    why: "the ECK release the stack installs (storage.elasticsearch.inCluster.operatorChartVersion)",
  },
  {
    module: "github.com/cert-manager/cert-manager",
    version: "v1.21.2",
    files: ["deploy/crds/cert-manager.io_certificates.yaml"],
    why: "a current cert-manager release; the cluster brings its own cert-manager",
  },
];

function goModuleDir(module: string, version: string): string {
  const run = spawnSync("go", ["mod", "download", "-json", `${module}@${version}`], { encoding: "utf8", timeout: 300_000 });
  if (run.error) throw new Error(`the Go toolchain is required to read ${module}'s CRDs: ${run.error.message}`);
  const info = JSON.parse(run.stdout || "{}") as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version} failed: ${info.Error ?? run.stderr}`);
  return info.Dir;
}

export function crds(): Record<string, unknown>[] {
  return CRD_SOURCES.flatMap((source) => {
    const dir = goModuleDir(source.module, source.version);
    return source.files.flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))
        .map((d) => d.toJS() as Record<string, unknown> | null)
        .filter((d): d is Record<string, unknown> => d !== null),
    );
  });
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.error || run.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${run.stderr ?? run.error?.message}`);
}

export interface ApiResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The API server's Warning headers (deprecations, unknown fields in non-strict mode, Pod Security). */
  readonly warnings: string[];
}

export interface KubeApiServer {
  readonly engines: readonly Engine[];
  /** A kubeconfig file for the cluster's administrator (system:masters), context "e2e". */
  readonly kubeconfig: string;
  /** The PEM files made for this cluster (ca.crt, sa.key, …). */
  readonly pki: string;
  request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Starts etcd and kube-apiserver; resolves once /readyz answers ok (60 s at most). */
export async function startKubeApiServer(): Promise<KubeApiServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-kube-"));
  const pki = path.join(dir, "pki");
  fs.mkdirSync(pki);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=e2e-kubernetes-ca"], pki);
  openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc"], pki);
  openssl(["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-copy_extensions", "copy", "-out", "apiserver.crt"], pki);
  openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "admin.key", "-out", "admin.csr", "-subj", "/O=system:masters/CN=e2e-admin"], pki);
  openssl(["x509", "-req", "-in", "admin.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "admin.crt"], pki);
  openssl(["genrsa", "-out", "sa.key", "2048"], pki);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], pki);

  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const etcd = startEngine("etcd", engineBinary("go.etcd.io/etcd/server/v3", "etcd"), [
    "--name=e2e",
    `--data-dir=${path.join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
    "--log-level=warn",
  ]);
  const apiserver = startEngine("kube-apiserver", engineBinary("k8s.io/kubernetes/cmd/kube-apiserver"), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${securePort}`,
    `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
    `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
    `--client-ca-file=${path.join(pki, "ca.crt")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${path.join(pki, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
    // Addresses the API server only allocates from (Service cluster IPs); no traffic goes there.
    "--service-cluster-ip-range=10.96.0.0/16",
    "--enable-priority-and-fairness=false",
  ]);
  const engines = [etcd, apiserver];
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "e2e", cluster: { server: `https://127.0.0.1:${securePort}`, "certificate-authority": path.join(pki, "ca.crt") } }],
      users: [{ name: "e2e-admin", user: { "client-certificate": path.join(pki, "admin.crt"), "client-key": path.join(pki, "admin.key") } }],
      contexts: [{ name: "e2e", context: { cluster: "e2e", user: "e2e-admin" } }],
      "current-context": "e2e",
    }),
  );
  const ca = fs.readFileSync(path.join(pki, "ca.crt"));
  const cert = fs.readFileSync(path.join(pki, "admin.crt"));
  const key = fs.readFileSync(path.join(pki, "admin.key"));
  const request = (method: string, urlPath: string, body?: unknown, contentType = "application/json") =>
    new Promise<ApiResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = https.request(
        { host: "127.0.0.1", port: securePort, method, path: urlPath, ca, cert, key, timeout: 30_000, headers: payload ? { "Content-Type": contentType } : {} },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => {
            const warning = response.headers.warning;
            const warnings = (Array.isArray(warning) ? warning : warning ? [warning] : []).flatMap((w) => w.split(/,\s*(?=\d{3} )/));
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              parsed = { text };
            }
            resolve({ status: response.statusCode ?? 0, body: parsed, warnings });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  const stop = async () => {
    await apiserver.stop();
    await etcd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "kube-apiserver's /readyz to answer ok",
      async () => ((await request("GET", "/readyz")).status === 200 ? true : undefined),
      { timeoutMs: 60_000, engines, running: engines, intervalMs: 500 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { engines, kubeconfig, pki, request, stop };
}
