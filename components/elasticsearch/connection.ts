// How Jaeger and the index cleaner reach Elasticsearch/OpenSearch: server URLs, index
// settings, and credentials/CA read from files mounted out of Kubernetes Secrets
// (never ConfigMaps, env literals or args).
import type { IndexSettings, SearchStorage } from "../jaeger/jaegerConfig";
import { MOUNTS, SecretFile, secretFilePath } from "../jaeger/workload";

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface SearchConnection {
  readonly flavor: "elasticsearch" | "opensearch";
  readonly serverUrls: readonly string[];
  readonly indexPrefix: string;
  readonly spans: IndexSettings;
  readonly otherIndices: IndexSettings;
  readonly basicAuth?: { readonly username: string; readonly password: SecretKeyRef };
  readonly apiKey?: SecretKeyRef;
  readonly ca?: SecretKeyRef;
}

const file = (volume: string, ref: SecretKeyRef, fileName: string): SecretFile => ({
  volume,
  secretName: ref.name,
  key: ref.key,
  mountPath: `${MOUNTS.storageSecrets}/${volume}`,
  fileName,
});

/** The files a connection needs inside a pod. */
export function connectionFiles(c: SearchConnection): {
  password?: SecretFile;
  apiKey?: SecretFile;
  ca?: SecretFile;
} {
  return {
    password: c.basicAuth && file("password", c.basicAuth.password, "password"),
    apiKey: c.apiKey && file("api-key", c.apiKey, "api-key"),
    ca: c.ca && file("ca", c.ca, "ca.crt"),
  };
}

/** Jaeger's storage settings for a connection, and the Secret files to mount for them. */
export function jaegerSearchStorage(c: SearchConnection): { config: SearchStorage; secretFiles: SecretFile[] } {
  const files = connectionFiles(c);
  const config: SearchStorage = {
    kind: c.flavor,
    serverUrls: c.serverUrls,
    indexPrefix: c.indexPrefix,
    spans: c.spans,
    otherIndices: c.otherIndices,
    basicAuth:
      c.basicAuth && files.password
        ? { username: c.basicAuth.username, passwordFile: secretFilePath(files.password) }
        : undefined,
    apiKeyFile: files.apiKey && secretFilePath(files.apiKey),
    caFile: files.ca && secretFilePath(files.ca),
  };
  return { config, secretFiles: [files.password, files.apiKey, files.ca].filter((f): f is SecretFile => !!f) };
}
