// In-cluster Elasticsearch through the ECK operator: the operator from its Helm
// chart (pinned) and one `Elasticsearch` resource. ECK generates the `elastic`
// user's password and the HTTP CA into Secrets, which Jaeger mounts as files.
import type { SearchClient, SearchConnection } from "./connection";

import { HELM_CHARTS } from "../../config/charts";

/** The eck-operator chart's upstream repository and name (config/charts.ts). */
export const ECK_CHART_REPO = HELM_CHARTS.eckOperator.repository;
export const ECK_CHART = HELM_CHARTS.eckOperator.chart;

/**
 * Values for the eck-operator chart. Its defaults set no seccomp profile
 * (deploy/eck-operator/values.yaml in github.com/elastic/cloud-on-k8s, v2.16.0), so Pod
 * Security "restricted" on the operator's namespace would refuse its pod and the Helm
 * release would time out. These values meet "restricted" on their own.
 */
export function eckOperatorValues() {
  return {
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
    resources: { requests: { cpu: "100m", memory: "150Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  };
}
export const ELASTICSEARCH_NAME = "jaeger-es";

export interface InClusterElasticsearchInput {
  readonly namespace: string;
  readonly version: string;
  readonly nodeCount: number;
  readonly volumeSize: string;
  readonly storageClass?: string;
  readonly memory: string;
  readonly cpu: string;
  /** IRSA identity for snapshots to S3 (repository-s3 reads a web identity token from its config directory). */
  readonly s3Identity?: { readonly serviceAccountName: string; readonly roleArn: string; readonly region: string };
}

const S3_TOKEN_DIR = "/usr/share/elasticsearch/config/repository-s3";

/** Objects ECK creates for an Elasticsearch named ELASTICSEARCH_NAME (ECK naming conventions). */
export const ECK_OBJECTS = {
  /** Our Secret with the roles below (roles.yml), referenced from spec.auth.roles. */
  rolesSecret: `${ELASTICSEARCH_NAME}-jaeger-roles`,
  httpService: `${ELASTICSEARCH_NAME}-es-http`,
  httpCaSecret: `${ELASTICSEARCH_NAME}-es-http-certs-public`,
  /** Label ECK puts on every node of the cluster. */
  podLabels: { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME },
} as const;

/** One least-privilege user per client, in ECK's file realm; never the `elastic` superuser. */
export const SEARCH_USERS: Readonly<Record<SearchClient, { readonly username: string; readonly role: string }>> = {
  collector: { username: "jaeger-collector", role: "jaeger_writer" },
  query: { username: "jaeger-query", role: "jaeger_reader" },
  indexCleaner: { username: "jaeger-index-cleaner", role: "jaeger_index_cleaner" },
  snapshots: { username: "jaeger-snapshots", role: "jaeger_snapshots" },
  snapshotMonitor: { username: "jaeger-snapshot-monitor", role: "jaeger_snapshot_monitor" },
};
export const SEARCH_CLIENTS = Object.keys(SEARCH_USERS) as SearchClient[];

/** The kubernetes.io/basic-auth Secret that holds a client's user (username, password, roles). */
export const userSecretName = (client: SearchClient) => `${ELASTICSEARCH_NAME}-${SEARCH_USERS[client].username}`;

/** Indices Jaeger writes: jaeger-span-*, jaeger-service-*, … (with the prefix and "-" in front). */
export function jaegerIndexPattern(indexPrefix: string): string {
  return `${indexPrefix ? `${indexPrefix}-` : ""}jaeger-*`;
}

export interface RoleDescriptor {
  readonly cluster: readonly string[];
  readonly indices: readonly { readonly names: readonly string[]; readonly privileges: readonly string[] }[];
}

/**
 * Elasticsearch roles (file-based role format) for the five clients. `monitor` lets each
 * read the cluster version at start-up; only the collector creates index templates and
 * writes, only the cleaner deletes indices, only the snapshot user manages repositories and SLM,
 * and the snapshot monitor (the exporter behind the snapshot alerts) only reads repositories
 * and snapshots (`monitor_snapshot`).
 */
export function searchRoles(
  indexPrefix: string,
  options: { autoRollover?: boolean } = {},
): Record<string, RoleDescriptor> {
  const names = [jaegerIndexPattern(indexPrefix)];
  return {
    [SEARCH_USERS.collector.role]: {
      cluster: ["monitor", "manage_index_templates"],
      indices: [{ names, privileges: ["create_index", "write", "view_index_metadata"] }],
    },
    [SEARCH_USERS.query.role]: {
      cluster: ["monitor"],
      indices: [{ names, privileges: ["read", "view_index_metadata"] }],
    },
    // With rollover (rotation autoRollover) the same user sets it up instead of cleaning: it
    // installs the ILM policy and the templates, creates the first indices with their aliases,
    // and attaches the daily-delete policy to a periodic stack's old indices (index settings).
    [SEARCH_USERS.indexCleaner.role]: options.autoRollover
      ? {
          cluster: ["monitor", "manage_ilm", "manage_index_templates"],
          indices: [{ names, privileges: ["view_index_metadata", "monitor", "create_index", "manage"] }],
        }
      : {
          cluster: ["monitor"],
          indices: [{ names, privileges: ["view_index_metadata", "monitor", "delete_index"] }],
        },
    [SEARCH_USERS.snapshots.role]: {
      // SLM takes scheduled snapshots with the privileges of the user that stored the policy.
      cluster: ["monitor", "manage_slm", "cluster:admin/repository/*", "cluster:admin/snapshot/*"],
      indices: [{ names, privileges: ["read", "view_index_metadata"] }],
    },
    [SEARCH_USERS.snapshotMonitor.role]: {
      cluster: ["monitor", "monitor_snapshot"],
      indices: [],
    },
  };
}

export function buildElasticsearchSpec(input: InClusterElasticsearchInput) {
  return {
    version: input.version,
    auth: {
      roles: [{ secretName: ECK_OBJECTS.rolesSecret }],
      fileRealm: SEARCH_CLIENTS.map((client) => ({ secretName: userSecretName(client) })),
    },
    // Scaling the cluster down deletes the removed nodes' volumes; deleting the resource keeps them.
    volumeClaimDeletePolicy: "DeleteOnScaledownOnly",
    nodeSets: [
      {
        name: "default",
        count: input.nodeCount,
        // No privileged init container for vm.max_map_count (Pod Security "restricted").
        config: { "node.store.allow_mmap": false },
        podTemplate: {
          spec: {
            ...(input.s3Identity && {
              serviceAccountName: input.s3Identity.serviceAccountName,
              volumes: [
                {
                  name: "aws-iam-token",
                  projected: {
                    sources: [
                      {
                        serviceAccountToken: {
                          audience: "sts.amazonaws.com",
                          expirationSeconds: 86400,
                          path: "aws-web-identity-token-file",
                        },
                      },
                    ],
                  },
                },
              ],
            }),
            securityContext: {
              runAsNonRoot: true,
              fsGroup: 1000,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "elasticsearch",
                resources: {
                  requests: { memory: input.memory, cpu: input.cpu },
                  limits: { memory: input.memory },
                },
                // No container securityContext: ECK sets its own only when there is none, and it is
                // stricter (adds readOnlyRootFilesystem; cloud-on-k8s v2.16.0
                // pkg/controller/common/defaults/pod_template.go WithContainersSecurityContext,
                // pkg/controller/common/securitycontext/securitycontext.go For).
                ...(input.s3Identity && {
                  env: [
                    { name: "AWS_ROLE_ARN", value: input.s3Identity.roleArn },
                    { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${S3_TOKEN_DIR}/aws-web-identity-token-file` },
                    { name: "AWS_REGION", value: input.s3Identity.region },
                    { name: "AWS_ROLE_SESSION_NAME", value: "jaeger-es-snapshots" },
                  ],
                  volumeMounts: [{ name: "aws-iam-token", mountPath: S3_TOKEN_DIR, readOnly: true }],
                }),
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "elasticsearch-data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: input.volumeSize } },
              ...(input.storageClass && { storageClassName: input.storageClass }),
            },
          },
        ],
      },
    ],
  };
}

/** How the clients reach the in-cluster cluster: HTTPS with ECK's CA, each as its own user. */
export function inClusterConnection(
  namespace: string,
  indices: Pick<SearchConnection, "indexPrefix" | "spans" | "otherIndices" | "autoRollover">,
  version: string,
): SearchConnection {
  return {
    flavor: "elasticsearch",
    majorVersion: { major: Number(version.split(".")[0]), explicit: false },
    serverUrls: [`https://${ECK_OBJECTS.httpService}.${namespace}.svc:9200`],
    ...indices,
    credentials: Object.fromEntries(
      SEARCH_CLIENTS.map((client) => [
        client,
        {
          kind: "basic",
          username: SEARCH_USERS[client].username,
          password: { name: userSecretName(client), key: "password" },
        },
      ]),
    ) as SearchConnection["credentials"],
    ca: { name: ECK_OBJECTS.httpCaSecret, key: "ca.crt" },
  };
}
