// The Elasticsearch/OpenSearch side of a search-backed Jaeger: the connection
// (external cluster with credentials from Pulumi secrets, or an in-cluster cluster
// run by ECK) and retention through the index cleaner CronJob.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IndexSettings } from "../jaeger/jaegerConfig";
import { stringify } from "yaml";
import { TYPES_UNTIL_0_1, withTypeAlias } from "../aliases";
import { SearchConnection, SearchCredentials, sharedCredentials } from "./connection";
import { releaseChart } from "../helmChart";
import {
  ECK_OBJECTS,
  ELASTICSEARCH_NAME,
  SEARCH_CLIENTS,
  SEARCH_USERS,
  InClusterElasticsearchInput,
  buildElasticsearchSpec,
  eckOperatorValues,
  inClusterConnection,
  searchRoles,
  userSecretName,
} from "./eck";
import { buildIndexCleanerSpec } from "./indexCleaner";
import {
  ROLLOVER_SETUP,
  RolloverSettings,
  buildRolloverSetupJob,
  lifecycleConfigMapData,
  lifecyclePolicyNames,
} from "./lifecycle";

export interface SearchBackendArgs {
  /** Jaeger's namespace: the credentials, CA and index cleaner go there, and the in-cluster cluster. */
  namespace: pulumi.Input<string>;
  /** The same namespace by name (in the in-cluster cluster's URL). */
  namespaceName: string;
  /** Elasticsearch or OpenSearch (`storage.elasticsearch.flavor`). */
  flavor: "elasticsearch" | "opensearch";
  /** Prefix of Jaeger's index names (empty: Jaeger's own names, jaeger-span-YYYY-MM-DD, …). */
  indexPrefix: string;
  /** Shards and replicas of the daily span indices. */
  spans: IndexSettings;
  /** Shards and replicas of the service, dependency and sampling indices. */
  otherIndices: IndexSettings;
  /**
   * An external cluster (its URLs, auth, CA and, when stated, major version) or one run in the
   * cluster by the ECK operator.
   */
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
        /** The cluster's major version, when the user stated it. */
        majorVersion?: number;
      }
    | ({
        mode: "inCluster";
        operatorChartVersion: string;
        /** Where the eck-operator chart comes from (a repository, an oci:// repository or an archive); default upstream. */
        operatorChartRepository?: string;
        operatorNamespace: string;
        /** The volume size was derived from the load: applied at creation only. */
        volumeDerived: boolean;
      } & Omit<InClusterElasticsearchInput, "namespace">);
  /**
   * Periodic rotation: the CronJob that deletes daily indices older than the retention (its
   * image, schedule and days kept). Unused with `rollover`.
   */
  indexCleaner: { image: string; schedule: string; days: number };
  /** Rollover by size and age through the cluster's lifecycle policy instead (rotation autoRollover). */
  rollover?: {
    maxPrimaryShardBytes: number;
    maxAgeSeconds: number;
    retentionSeconds: number;
    /** jaeger-es-rollover of Jaeger's release, and an image with curl and a shell. */
    esRolloverImage: string;
    curlImage: string;
  };
  /** IRSA identity of the in-cluster Elasticsearch pods, for snapshots to S3. */
  s3Identity?: { serviceAccountName: string; roleArn: pulumi.Input<string>; region: string };
  /** Protect the in-cluster Elasticsearch (its data) from deletion. */
  protectData: boolean;
  /** Let `pulumi destroy` delete the in-cluster Elasticsearch and its volumes (storage.deleteDataOnDestroy); by default they stay. */
  deleteDataOnDestroy?: boolean;
  /** Labels of every object it creates. */
  labels: Record<string, string>;
}

export const STORAGE_SECRETS = { credentials: "jaeger-storage-credentials", ca: "jaeger-storage-ca" } as const;

/**
 * Jaeger's Elasticsearch/OpenSearch trace storage: an external cluster's connection (credentials
 * and CA as Secrets) or an in-cluster cluster run by ECK, and retention by the index cleaner.
 */
export class SearchBackend extends pulumi.ComponentResource {
  /** How Jaeger connects (server URLs, Secret references for credentials and CA). */
  public readonly connection: SearchConnection;
  /** Resources Jaeger's workloads should wait for. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: SearchBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:search:SearchBackend", name, {}, withTypeAlias(opts, TYPES_UNTIL_0_1.searchBackend));
    const policyNames = lifecyclePolicyNames(args.indexPrefix);
    const indices = {
      indexPrefix: args.indexPrefix,
      spans: args.spans,
      otherIndices: args.otherIndices,
      ...(args.rollover && { autoRollover: { policyName: policyNames.rollover } }),
    };
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
      const clientCredentials: SearchCredentials =
        c.auth === "basic" && c.username
          ? { kind: "basic", username: c.username, password: { name: STORAGE_SECRETS.credentials, key: "password" } }
          : c.auth === "apiKey"
            ? { kind: "apiKey", apiKey: { name: STORAGE_SECRETS.credentials, key: "api-key" } }
            : { kind: "none" };
      this.connection = {
        flavor: args.flavor,
        serverUrls: c.serverUrls,
        ...indices,
        credentials: sharedCredentials(clientCredentials),
        ca: c.caCert ? { name: STORAGE_SECRETS.ca, key: "ca.crt" } : undefined,
        majorVersion: c.majorVersion === undefined ? undefined : { major: c.majorVersion, explicit: true },
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
          ...releaseChart("eckOperator", c.operatorChartVersion, c.operatorChartRepository),
          namespace: operatorNamespace.metadata.name,
          values: eckOperatorValues(),
          timeout: 600,
        },
        { parent: this },
      );
      // One user per client in ECK's file realm, with generated passwords, and their roles.
      // Loaded here: only in-cluster stacks need @pulumi/random's provider.
      const random = require("@pulumi/random") as typeof import("@pulumi/random");
      const realm: pulumi.Resource[] = [
        new k8s.core.v1.Secret(
          `${name}-roles`,
          {
            metadata: meta(ECK_OBJECTS.rolesSecret),
            type: "Opaque",
            stringData: { "roles.yml": stringify(searchRoles(args.indexPrefix, { autoRollover: !!args.rollover })) },
          },
          { parent: this },
        ),
      ];
      for (const client of SEARCH_CLIENTS) {
        const password = new random.RandomPassword(
          `${name}-${client}-password`,
          { length: 32, special: false },
          { parent: this },
        );
        realm.push(
          new k8s.core.v1.Secret(
            `${name}-${client}-user`,
            {
              metadata: meta(userSecretName(client)),
              type: "kubernetes.io/basic-auth",
              stringData: {
                username: SEARCH_USERS[client].username,
                password: password.result,
                roles: SEARCH_USERS[client].role,
              },
            },
            { parent: this },
          ),
        );
      }
      ready.push(...realm);
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
          {
            parent: this,
            dependsOn: [operator, ...realm],
            protect: args.protectData,
            retainOnDelete: !args.deleteDataOnDestroy,
            // A derived size may go down with retention; ECK refuses to shrink volumes.
            ignoreChanges: c.volumeDerived
              ? ["spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage"]
              : [],
          },
        ),
      );
      this.connection = inClusterConnection(args.namespaceName, indices, c.version);
    }

    if (args.rollover) {
      // The policies, then the first indices and aliases, before Jaeger writes: Jaeger's
      // workloads wait for the Job (ready), which Pulumi awaits until it has completed.
      const settings: RolloverSettings = {
        flavor: args.flavor,
        indexPrefix: args.indexPrefix,
        maxPrimaryShardBytes: args.rollover.maxPrimaryShardBytes,
        maxAgeSeconds: args.rollover.maxAgeSeconds,
        retentionSeconds: args.rollover.retentionSeconds,
      };
      const lifecycle = new k8s.core.v1.ConfigMap(
        `${name}-lifecycle`,
        { metadata: meta(ROLLOVER_SETUP.configMap), data: lifecycleConfigMapData(settings) },
        { parent: this },
      );
      const setup = new k8s.batch.v1.Job(
        `${name}-rollover-setup`,
        {
          metadata: meta(ROLLOVER_SETUP.job),
          spec: buildRolloverSetupJob({
            settings,
            configMap: ROLLOVER_SETUP.configMap,
            curlImage: args.rollover.curlImage,
            esRolloverImage: args.rollover.esRolloverImage,
            connection: this.connection,
            podLabels: { ...args.labels, "app.kubernetes.io/component": "index-lifecycle" },
          }),
        },
        // A changed spec (policy, images, connection) runs the setup again in a new Job.
        { parent: this, dependsOn: [...ready, lifecycle], replaceOnChanges: ["spec"], deleteBeforeReplace: true },
      );
      ready.push(setup);
    } else {
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
    }

    this.ready = ready;
    this.registerOutputs({ serverUrls: this.connection.serverUrls });
  }
}

export { jaegerSearchStorage } from "./connection";
export type { SearchConnection } from "./connection";
