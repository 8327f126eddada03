// A real OpenSearch node for the search-backend scenario: the integration-test distribution that
// OpenSearch publishes to Maven Central (org.opensearch.distribution.integ-test-zip:opensearch,
// core plus the HTTP transport, no security plugin), fetched by scripts/engines.sh into Maven's
// local repository. Why OpenSearch, not Elasticsearch: Elastic publishes no runnable distribution
// of Elasticsearch 8 or 9 to Maven Central; OpenSearch does, and Jaeger 2.20 supports both.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, freePort, startEngine, waitFor } from "../../support/engines";

export const OPENSEARCH_VERSION = "2.19.3";

function distribution(): string {
  const repository = process.env.MAVEN_REPOSITORY ?? path.join(os.homedir(), ".m2/repository");
  const zip = path.join(repository, "org/opensearch/distribution/integ-test-zip/opensearch", OPENSEARCH_VERSION, `opensearch-${OPENSEARCH_VERSION}.zip`);
  if (!fs.existsSync(zip)) throw new Error(`${zip} is missing: run npm run setup (scripts/engines.sh fetches it from Maven Central)`);
  return zip;
}

export interface RunningOpenSearch {
  readonly url: string;
  readonly engine: Engine;
  request(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/**
 * Unpacks and starts a single node on loopback (512 MiB heap) and waits for its health to be
 * yellow or green (120 s at most). OpenSearch refuses to run as root: as root it runs as nobody.
 */
export async function startOpenSearch(): Promise<RunningOpenSearch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-opensearch-"));
  const unzip = spawnSync("unzip", ["-q", distribution(), "-d", dir], { encoding: "utf8" });
  if (unzip.error) throw new Error(`unzip is required to unpack OpenSearch (npm run setup installs it): ${unzip.error.message}`);
  if (unzip.status !== 0) throw new Error(`unzip: ${unzip.stderr}`);
  const home = path.join(dir, `opensearch-${OPENSEARCH_VERSION}`);
  const [http, transport] = [await freePort(), await freePort()];
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chmodSync(dir, 0o755);
  if (asRoot) spawnSync("chown", ["-R", "nobody:nogroup", dir]);
  const args = [
    `-Ehttp.port=${http}`,
    `-Etransport.port=${transport}`,
    "-Enetwork.host=127.0.0.1",
    "-Ediscovery.type=single-node",
    `-Epath.data=${path.join(dir, "data")}`,
    `-Epath.logs=${path.join(dir, "logs")}`,
    // Disk watermarks would make a nearly full CI disk read-only; not what this scenario checks.
    "-Ecluster.routing.allocation.disk.threshold_enabled=false",
  ];
  const command = path.join(home, "bin/opensearch");
  // The integ-test distribution bundles no JDK: it runs on the machine's (Java 17 here).
  const java = spawnSync("sh", ["-c", "readlink -f \"$(command -v java)\""], { encoding: "utf8" }).stdout.trim();
  if (!java) throw new Error("OpenSearch needs a JDK (java on the PATH)");
  const env = { ...process.env, OPENSEARCH_JAVA_HOME: path.dirname(path.dirname(java)), OPENSEARCH_JAVA_OPTS: "-Xms512m -Xmx512m", OPENSEARCH_PATH_CONF: path.join(home, "config") };
  const engine = asRoot
    ? startEngine("opensearch", "setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", command, ...args], { env })
    : startEngine("opensearch", command, args, { env });
  const url = `http://127.0.0.1:${http}`;
  const request = async (method: string, urlPath: string, body?: unknown) => {
    const response = await fetch(`${url}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const stop = async () => {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `OpenSearch ${OPENSEARCH_VERSION} at ${url} to report yellow or green health`,
      async () => {
        const health = await request("GET", "/_cluster/health");
        const status = (health.body as { status?: string } | undefined)?.status;
        return status === "green" || status === "yellow" ? true : undefined;
      },
      { timeoutMs: 120_000, engines: [engine], running: [engine], intervalMs: 1_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, engine, request, stop };
}
