// In-cluster Elasticsearch through the ECK operator: the operator from its Helm
// chart (pinned) and one `Elasticsearch` resource. ECK generates the `elastic`
// user's password and the HTTP CA into Secrets, which Jaeger mounts as files.
import type { SearchConnection } from "./connection";

export const ECK_CHART_REPO = "https://helm.elastic.co";
export const ECK_CHART = "eck-operator";

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
  httpService: `${ELASTICSEARCH_NAME}-es-http`,
  elasticUserSecret: `${ELASTICSEARCH_NAME}-es-elastic-user`,
  httpCaSecret: `${ELASTICSEARCH_NAME}-es-http-certs-public`,
  /** Label ECK puts on every node of the cluster. */
  podLabels: { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME },
} as const;

export function buildElasticsearchSpec(input: InClusterElasticsearchInput) {
  return {
    version: input.version,
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
                securityContext: {
                  allowPrivilegeEscalation: false,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                },
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

/** How Jaeger reaches the in-cluster cluster: HTTPS with ECK's CA, as the `elastic` user. */
export function inClusterConnection(
  namespace: string,
  indices: Pick<SearchConnection, "indexPrefix" | "spans" | "otherIndices">,
): SearchConnection {
  return {
    flavor: "elasticsearch",
    serverUrls: [`https://${ECK_OBJECTS.httpService}.${namespace}.svc:9200`],
    ...indices,
    basicAuth: { username: "elastic", password: { name: ECK_OBJECTS.elasticUserSecret, key: "elastic" } },
    ca: { name: ECK_OBJECTS.httpCaSecret, key: "ca.crt" },
  };
}
