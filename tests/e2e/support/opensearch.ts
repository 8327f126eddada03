// A real OpenSearch node for the search-backend scenario: the integration-test distribution that
// OpenSearch publishes to Maven Central (org.opensearch.distribution.integ-test-zip:opensearch,
// core plus the HTTP transport), fetched by scripts/engines.sh into Maven's local repository, and,
// for a secured node, the security plugin published beside it
// (org.opensearch.plugin:opensearch-security): TLS on HTTP and transport with the given
// certificate, and users from its internal users file with the given roles. Why OpenSearch, not
// Elasticsearch: Elastic publishes no runnable distribution of Elasticsearch 8 or 9 to Maven
// Central; OpenSearch does, and Jaeger 2.20 supports both.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { Engine, freePort, startEngine, waitFor } from "../../support/engines";
import type { ConfigEdit } from "../../support/stackEdits";
import type { Certificates } from "./certs";

export const OPENSEARCH_VERSION = "2.19.3";
/** The security plugin's build for OPENSEARCH_VERSION (plugins carry a fourth number). */
export const OPENSEARCH_SECURITY_VERSION = "2.19.3.0";

function fromMaven(relative: string): string {
  const repository = process.env.MAVEN_REPOSITORY ?? path.join(os.homedir(), ".m2/repository");
  const zip = path.join(repository, relative);
  if (!fs.existsSync(zip))
    throw new Error(`${zip} is missing: run npm run setup (scripts/engines.sh fetches it from Maven Central)`);
  return zip;
}

const distribution = () =>
  fromMaven(
    `org/opensearch/distribution/integ-test-zip/opensearch/${OPENSEARCH_VERSION}/opensearch-${OPENSEARCH_VERSION}.zip`,
  );
const securityPlugin = () =>
  fromMaven(
    `org/opensearch/plugin/opensearch-security/${OPENSEARCH_SECURITY_VERSION}/opensearch-security-${OPENSEARCH_SECURITY_VERSION}.zip`,
  );

/** A node with the security plugin: TLS, and only the users given. */
export interface Secured {
  /** The name clients verify the certificate for (the in-cluster Service's host). */
  readonly serverName: string;
  /** PEM files: the node's certificate (serverAuth and clientAuth, for serverName) and its PKCS#8 key, and their CA. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Internal users, each with its password and security roles. */
  readonly users: Readonly<Record<string, { readonly password: string; readonly roles: readonly string[] }>>;
  /** The security plugin's roles (roles.yml entries) beside its built-in ones (all_access, ...). */
  readonly roles: Readonly<Record<string, unknown>>;
}

export interface RunningOpenSearch {
  /** http(s)://127.0.0.1:<port>: what stands in for the in-cluster Service. */
  readonly url: string;
  readonly engine: Engine;
  /** A request as the test's own administrator (all_access on a secured node), or as `as`. */
  request(
    method: string,
    urlPath: string,
    body?: unknown,
    as?: { user: string; password: string },
  ): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

const ADMIN = "e2e-admin";

/** The in-cluster Service name prod's search clients are given for the node. */
export const SEARCH_HOST = "opensearch.search.svc";
export const SEARCH_SERVICE = `${SEARCH_HOST}:9200`;

/** The OpenSearch role docs/operations.md tells users to give Jaeger's user: its YAML block. */
export function documentedJaegerRole(): Record<string, unknown> {
  const doc = fs.readFileSync(path.join(__dirname, "../../../docs/operations.md"), "utf8");
  const block = /<!-- opensearch-role -->\s*```yaml\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error("docs/operations.md gives no yaml block after <!-- opensearch-role -->");
  return parse(block[1]) as Record<string, unknown>;
}

/**
 * prod's config pointed at an external OpenSearch 2 secured as production runs one: https to
 * SEARCH_SERVICE, its CA, basic auth as user `jaeger` with `password` (a Pulumi secret).
 */
export function securedSearchEdits(ca: string, password: string): ConfigEdit[] {
  return [
    ["storage.elasticsearch.mode", "external"],
    ["storage.elasticsearch.flavor", "opensearch"],
    ["storage.elasticsearch.serverUrls[0]", `https://${SEARCH_SERVICE}`],
    ["storage.elasticsearch.majorVersion", "2"],
    ["storage.elasticsearch.auth", "basic"],
    ["storage.elasticsearch.username", "jaeger"],
    ["storage.elasticsearch.caCert", ca],
    ["elasticsearchPassword", password, false],
  ];
}

/** The secret keys securedSearchEdits sets, for evaluateStack. */
export const SECURED_SEARCH_SECRETS = ["jaeger-spm:elasticsearchPassword"];

/** A node secured for securedSearchEdits: `certs`' server certificate, user `jaeger` with the documented role. */
export function securedFor(certs: Certificates, password: string): Secured {
  const roles = documentedJaegerRole();
  return {
    serverName: SEARCH_HOST,
    tls: { ...certs.server, ca: certs.serverCa },
    users: { jaeger: { password, roles: Object.keys(roles) } },
    roles,
  };
}

/** The security plugin's bcrypt hash of a password, made by its own tool (tools/hash.sh). */
function hashPassword(home: string, javaHome: string, password: string): string {
  const run = spawnSync(
    "bash",
    [path.join(home, "plugins/opensearch-security/tools/hash.sh"), "-env", "E2E_PASSWORD"],
    {
      encoding: "utf8",
      env: { ...process.env, JAVA_HOME: javaHome, E2E_PASSWORD: password },
    },
  );
  const hash = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !hash.startsWith("$2")) throw new Error(`hash.sh: ${run.stderr}`);
  return hash;
}

/** Installs the security plugin into `home` and writes its config: TLS files, users, roles. */
function secure(home: string, javaHome: string, secured: Secured, adminPassword: string): string[] {
  const install = spawnSync(
    path.join(home, "bin/opensearch-plugin"),
    ["install", "--batch", `file://${securityPlugin()}`],
    { encoding: "utf8", env: { ...process.env, OPENSEARCH_JAVA_HOME: javaHome } },
  );
  if (install.status !== 0) throw new Error(`opensearch-plugin install: ${install.stdout}${install.stderr}`);
  const config = path.join(home, "config");
  fs.copyFileSync(secured.tls.cert, path.join(config, "node.pem"));
  fs.copyFileSync(secured.tls.key, path.join(config, "node-key.pem"));
  fs.copyFileSync(secured.tls.ca, path.join(config, "ca.pem"));
  const security = path.join(config, "opensearch-security");
  const meta = (type: string) => ({ _meta: { type, config_version: 2 } });
  const users = { ...secured.users, [ADMIN]: { password: adminPassword, roles: ["all_access"] } };
  fs.writeFileSync(
    path.join(security, "internal_users.yml"),
    stringify({
      ...meta("internalusers"),
      ...Object.fromEntries(
        Object.entries(users).map(([name, user]) => [
          name,
          { hash: hashPassword(home, javaHome, user.password), opendistro_security_roles: [...user.roles] },
        ]),
      ),
    }),
  );
  const builtIn = parse(fs.readFileSync(path.join(security, "roles.yml"), "utf8")) as Record<string, unknown>;
  fs.writeFileSync(path.join(security, "roles.yml"), stringify({ ...builtIn, ...secured.roles }));
  fs.writeFileSync(path.join(security, "roles_mapping.yml"), stringify(meta("rolesmapping")));
  // The node's own certificate is its transport identity (nodes_dn); the index is made from these
  // files at first start (allow_default_init_securityindex), so no securityadmin run is needed.
  const subject = spawnSync("openssl", ["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", secured.tls.cert], {
    encoding: "utf8",
  })
    .stdout.replace(/^subject=/, "")
    .trim();
  return [
    "-Eplugins.security.ssl.transport.pemcert_filepath=node.pem",
    "-Eplugins.security.ssl.transport.pemkey_filepath=node-key.pem",
    "-Eplugins.security.ssl.transport.pemtrustedcas_filepath=ca.pem",
    "-Eplugins.security.ssl.transport.enforce_hostname_verification=false",
    "-Eplugins.security.ssl.http.enabled=true",
    "-Eplugins.security.ssl.http.pemcert_filepath=node.pem",
    "-Eplugins.security.ssl.http.pemkey_filepath=node-key.pem",
    "-Eplugins.security.ssl.http.pemtrustedcas_filepath=ca.pem",
    "-Eplugins.security.allow_default_init_securityindex=true",
    `-Eplugins.security.nodes_dn=${subject}`,
    "-Eplugins.security.audit.type=noop",
  ];
}

/**
 * Unpacks and starts a single node on loopback (512 MiB heap) and waits for its health to be
 * yellow or green (120 s at most). OpenSearch refuses to run as root: as root it runs as nobody.
 * With `secured`, the node has the security plugin (see Secured).
 */
export async function startOpenSearch(secured?: Secured): Promise<RunningOpenSearch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-opensearch-"));
  const unzip = spawnSync("unzip", ["-q", distribution(), "-d", dir], { encoding: "utf8" });
  if (unzip.error)
    throw new Error(`unzip is required to unpack OpenSearch (npm run setup installs it): ${unzip.error.message}`);
  if (unzip.status !== 0) throw new Error(`unzip: ${unzip.stderr}`);
  const home = path.join(dir, `opensearch-${OPENSEARCH_VERSION}`);
  const [httpPort, transport] = [await freePort(), await freePort()];
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chmodSync(dir, 0o755);
  const args = [
    `-Ehttp.port=${httpPort}`,
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
  const java = spawnSync("sh", ["-c", 'readlink -f "$(command -v java)"'], { encoding: "utf8" }).stdout.trim();
  if (!java) throw new Error("OpenSearch needs a JDK (java on the PATH)");
  const javaHome = path.dirname(path.dirname(java));
  const adminPassword = `${randomBytes(12).toString("hex")}-A1`;
  if (secured) args.push(...secure(home, javaHome, secured, adminPassword));
  if (asRoot) spawnSync("chown", ["-R", "nobody:nogroup", dir]);
  const env = {
    ...process.env,
    OPENSEARCH_JAVA_HOME: javaHome,
    OPENSEARCH_JAVA_OPTS: "-Xms512m -Xmx512m",
    OPENSEARCH_PATH_CONF: path.join(home, "config"),
  };
  const engine = asRoot
    ? startEngine("opensearch", "setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", command, ...args], {
        env,
      })
    : startEngine("opensearch", command, args, { env });
  const url = `${secured ? "https" : "http"}://127.0.0.1:${httpPort}`;
  const ca = secured ? fs.readFileSync(secured.tls.ca) : undefined;
  const request = (method: string, urlPath: string, body?: unknown, as?: { user: string; password: string }) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = payload === undefined ? {} : { "Content-Type": "application/json" };
      const [user, secret] = as ? [as.user, as.password] : [ADMIN, adminPassword];
      if (secured) headers.Authorization = `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
      const req = (secured ? https : http).request(
        `${url}${urlPath}`,
        { method, headers, ca, servername: secured?.serverName, timeout: 30_000 },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => {
            try {
              resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
            } catch (error) {
              reject(error as Error);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on("error", reject);
      req.end(payload);
    });
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
