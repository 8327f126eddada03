// The Elasticsearch/OpenSearch side of a search-backed Jaeger: the connection
// (external cluster with credentials from Pulumi secrets, or an in-cluster cluster
// run by ECK) and retention through the index cleaner CronJob.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IndexSettings } from "../jaeger/jaegerConfig";
import { SearchConnection } from "./connection";
import {
  ECK_CHART,
  ECK_CHART_REPO,
  ELASTICSEARCH_NAME,
  InClusterElasticsearchInput,
  buildElasticsearchSpec,
  eckOperatorValues,
  inClusterConnection,
} from "./eck";
import { buildIndexCleanerSpec } from "./indexCleaner";

export interface SearchBackendArgs {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  flavor: "elasticsearch" | "opensearch";
  indexPrefix: string;
  spans: IndexSettings;
  otherIndices: IndexSettings;
  connection:
    | {
        mode: "external";
        serverUrls: readonly string[];
        auth: "none" | "basic" | "apiKey";
        username?: string;
        /** Pulumi secrets; only the one the auth method needs is used. */
        password: pulumi.Output<string>;
        apiKey: pulumi.Output<string>;
        caCert?: string;
      }
    | ({ mode: "inCluster"; operatorChartVersion: string; operatorNamespace: string } & Omit<
        InClusterElasticsearchInput,
        "namespace"
      >);
  indexCleaner: { image: string; schedule: string; days: number };
  /** IRSA identity of the in-cluster Elasticsearch pods, for snapshots to S3. */
  s3Identity?: { serviceAccountName: string; roleArn: pulumi.Input<string>; region: string };
  /** Protect the in-cluster Elasticsearch (its data) from deletion. */
  protectData: boolean;
  labels: Record<string, string>;
}

export const STORAGE_SECRETS = { credentials: "jaeger-storage-credentials", ca: "jaeger-storage-ca" } as const;

export class SearchBackend extends pulumi.ComponentResource {
  /** How Jaeger connects (server URLs, Secret references for credentials and CA). */
  public readonly connection: SearchConnection;
  /** Resources Jaeger's workloads should wait for. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: SearchBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:storage:SearchBackend", name, {}, opts);
    const indices = { indexPrefix: args.indexPrefix, spans: args.spans, otherIndices: args.otherIndices };
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
    const ready: pulumi.Resource[] = [];
    const c = args.connection;

    if (c.mode === "external") {
      const credentials: Record<string, pulumi.Output<string>> | undefined =
        c.auth === "basic" ? { password: c.password } : c.auth === "apiKey" ? { "api-key": c.apiKey } : undefined;
      if (credentials) {
        ready.push(
          new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: meta(STORAGE_SECRETS.credentials), type: "Opaque", stringData: credentials },
            { parent: this },
          ),
        );
      }
      if (c.caCert) {
        ready.push(
          new k8s.core.v1.Secret(
            `${name}-ca`,
            { metadata: meta(STORAGE_SECRETS.ca), type: "Opaque", stringData: { "ca.crt": c.caCert } },
            { parent: this },
          ),
        );
      }
      this.connection = {
        flavor: args.flavor,
        serverUrls: c.serverUrls,
        ...indices,
        basicAuth:
          c.auth === "basic" && c.username
            ? { username: c.username, password: { name: STORAGE_SECRETS.credentials, key: "password" } }
            : undefined,
        apiKey: c.auth === "apiKey" ? { name: STORAGE_SECRETS.credentials, key: "api-key" } : undefined,
        ca: c.caCert ? { name: STORAGE_SECRETS.ca, key: "ca.crt" } : undefined,
      };
    } else {
      const operatorNamespace = new k8s.core.v1.Namespace(
        `${name}-eck-namespace`,
        { metadata: { name: c.operatorNamespace, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
        { parent: this },
      );
      const operator = new k8s.helm.v3.Release(
        `${name}-eck-operator`,
        {
          name: "elastic-operator",
          chart: ECK_CHART,
          version: c.operatorChartVersion,
          repositoryOpts: { repo: ECK_CHART_REPO },
          namespace: operatorNamespace.metadata.name,
          values: eckOperatorValues(),
          timeout: 600,
        },
        { parent: this },
      );
      ready.push(
        new k8s.apiextensions.CustomResource(
          `${name}-elasticsearch`,
          {
            apiVersion: "elasticsearch.k8s.elastic.co/v1",
            kind: "Elasticsearch",
            metadata: meta(ELASTICSEARCH_NAME),
            spec: pulumi.output(args.s3Identity?.roleArn).apply((roleArn) =>
              buildElasticsearchSpec({
                ...c,
                namespace: args.namespaceName,
                s3Identity:
                  args.s3Identity && roleArn
                    ? {
                        serviceAccountName: args.s3Identity.serviceAccountName,
                        roleArn,
                        region: args.s3Identity.region,
                      }
                    : undefined,
              }),
            ),
          },
          { parent: this, dependsOn: [operator], protect: args.protectData, retainOnDelete: true },
        ),
      );
      this.connection = inClusterConnection(args.namespaceName, indices);
    }

    new k8s.batch.v1.CronJob(
      `${name}-index-cleaner`,
      {
        metadata: meta("jaeger-es-index-cleaner"),
        spec: buildIndexCleanerSpec({
          ...args.indexCleaner,
          connection: this.connection,
          podLabels: { ...args.labels, "app.kubernetes.io/component": "index-cleaner" },
        }),
      },
      { parent: this, dependsOn: ready },
    );

    this.ready = ready;
    this.registerOutputs({ serverUrls: this.connection.serverUrls });
  }
}
