// How Jaeger, the index cleaner and the snapshot job reach Elasticsearch/OpenSearch:
// server URLs, index settings, and each client's own credentials and the CA, read from
// files mounted out of Kubernetes Secrets (never ConfigMaps, env literals or args).
import { IndexSettings, SearchAuth, SearchStorage, jaegerBackendVersion } from "../jaeger/jaegerConfig";
import { MOUNTS, SecretFile, secretFilePath } from "../jaeger/workload";

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** How one client authenticates. */
export type SearchCredentials =
  | { readonly kind: "none" }
  | { readonly kind: "basic"; readonly username: string; readonly password: SecretKeyRef }
  | { readonly kind: "apiKey"; readonly apiKey: SecretKeyRef };

/**
 * The programs that talk to the cluster; in-cluster, each has its own least-privilege user.
 * `snapshotMonitor` is the exporter that reports the snapshot repository to Prometheus.
 */
export type SearchClient = "collector" | "query" | "indexCleaner" | "snapshots" | "snapshotMonitor";

export interface SearchConnection {
  readonly flavor: "elasticsearch" | "opensearch";
  readonly serverUrls: readonly string[];
  readonly indexPrefix: string;
  readonly spans: IndexSettings;
  readonly otherIndices: IndexSettings;
  readonly credentials: Readonly<Record<SearchClient, SearchCredentials>>;
  readonly ca?: SecretKeyRef;
  /**
   * The cluster's major version: `explicit` when the user stated it (every Jaeger process then
   * skips the version probe), else derived (the in-cluster version), used only where needed.
   */
  readonly majorVersion?: { readonly major: number; readonly explicit: boolean };
  /** Rollover by the cluster's lifecycle policy of this name, instead of daily indices. */
  readonly autoRollover?: { readonly policyName: string };
}

const file = (volume: string, ref: SecretKeyRef, fileName: string): SecretFile => ({
  volume,
  secretName: ref.name,
  key: ref.key,
  mountPath: `${MOUNTS.storageSecrets}/${volume}`,
  fileName,
});

/** The files one client needs inside its pod. */
export function connectionFiles(
  c: SearchConnection,
  client: SearchClient,
): { password?: SecretFile; apiKey?: SecretFile; ca?: SecretFile } {
  const credentials = c.credentials[client];
  return {
    password: credentials.kind === "basic" ? file("password", credentials.password, "password") : undefined,
    apiKey: credentials.kind === "apiKey" ? file("api-key", credentials.apiKey, "api-key") : undefined,
    ca: c.ca && file("ca", c.ca, "ca.crt"),
  };
}

const present = (files: (SecretFile | undefined)[]): SecretFile[] => files.filter((f): f is SecretFile => !!f);

/**
 * Jaeger's storage settings for one role, and the Secret files to mount for them.
 * With bearer token propagation the query role authenticates with the caller's token
 * only: Jaeger refuses more than one authentication method per storage. It is then also
 * given the cluster's version: at start-up Jaeger asks the cluster for it (GET /) with no
 * caller's token, a secured cluster answers 401, and the storage extension fails (jaeger
 * v2.20.0 internal/storage/elasticsearch/esclient/client.go, backend_version.go).
 */
export function jaegerSearchStorage(
  c: SearchConnection,
  role: "collector" | "query",
  options: { bearerTokenPropagation: boolean; maxSpanAge: string },
): { config: SearchStorage; secretFiles: SecretFile[] } {
  const propagate = role === "query" && options.bearerTokenPropagation;
  const files = connectionFiles(c, role);
  const credentials = c.credentials[role];
  const auth: SearchAuth | undefined = propagate
    ? { kind: "bearerFromContext" }
    : credentials.kind === "basic" && files.password
      ? { kind: "basic", username: credentials.username, passwordFile: secretFilePath(files.password) }
      : files.apiKey
        ? { kind: "apiKey", file: secretFilePath(files.apiKey) }
        : undefined;
  const known = c.majorVersion;
  if (propagate && !known) {
    throw new Error("bearer token propagation needs the cluster's major version (storage.elasticsearch.majorVersion)");
  }
  const version = known && (known.explicit || propagate) ? jaegerBackendVersion(c.flavor, known.major) : undefined;
  const config: SearchStorage = {
    kind: c.flavor,
    serverUrls: c.serverUrls,
    indexPrefix: c.indexPrefix,
    spans: c.spans,
    otherIndices: c.otherIndices,
    auth,
    caFile: files.ca && secretFilePath(files.ca),
    maxSpanAge: options.maxSpanAge,
    // Every Jaeger process creates the index templates when it starts (create_mappings); the
    // query servers' user may only read, so only collectors do.
    createMappings: role === "collector",
    version,
    autoRollover: c.autoRollover,
  };
  return { config, secretFiles: present(propagate ? [files.ca] : [files.password, files.apiKey, files.ca]) };
}

/** The same credentials for every client (an external cluster, where users bring their own). */
export function sharedCredentials(credentials: SearchCredentials): Record<SearchClient, SearchCredentials> {
  return {
    collector: credentials,
    query: credentials,
    indexCleaner: credentials,
    snapshots: credentials,
    snapshotMonitor: credentials,
  };
}
