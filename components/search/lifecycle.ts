// Index rollover by size and age (storage.elasticsearch.rotation autoRollover). Jaeger 2.20 then
// writes to `<prefix>jaeger-<type>-write` and reads `<prefix>jaeger-<type>-read`
// (internal/storage/elasticsearch/config/config_rotation.go, AutoRolloverRotation); the cluster
// rolls the write alias over and deletes old indices by a lifecycle policy: ILM on
// Elasticsearch, whose name Jaeger writes into its index templates, and ISM on OpenSearch, whose
// templates carry only the rollover alias (esclient/index_templates/jaeger-span.json), so the
// policy attaches itself to new indices through its ism_template. A Job installs the policies
// (./jobScripts/search-lifecycle.sh) and then runs `es-rollover init` of the same Jaeger release,
// which refuses to run without the policy and creates the templates, the first index of each
// type (`…-000001`) and both aliases (cmd/es-rollover/app/init/action.go).
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { configChecksum, secretFilePath } from "../jaeger/workload";
import { maintenancePodSettings, restrictedContainerSecurityContext } from "../podSecurity";
import { SearchConnection, connectionFiles } from "./connection";
import { jaegerUtilityImage } from "./indexCleaner";

/** The index types es-rollover init creates (no sampling index: adaptive sampling is off). */
export const ROLLOVER_TYPES = ["jaeger-span", "jaeger-service", "jaeger-dependencies"] as const;

/** `<prefix>-` or nothing, as Jaeger and es-rollover join the prefix (config.go joinPrefix). */
const prefixed = (indexPrefix: string, name: string) => (indexPrefix ? `${indexPrefix}-${name}` : name);

/** The policy that rolls the indices over and deletes them, and the one for the daily indices a periodic stack left. */
export function lifecyclePolicyNames(indexPrefix: string): { rollover: string; daily: string } {
  return { rollover: prefixed(indexPrefix, "jaeger-rollover"), daily: prefixed(indexPrefix, "jaeger-daily-delete") };
}

export interface RolloverSettings {
  readonly flavor: "elasticsearch" | "opensearch";
  readonly indexPrefix: string;
  /** Roll over when the write index's primary shard reaches this many bytes… */
  readonly maxPrimaryShardBytes: number;
  /** …or this age, whichever first. */
  readonly maxAgeSeconds: number;
  /** Delete an index once it has been rolled over this long (its newest span is at least this old). */
  readonly retentionSeconds: number;
}

const bytes = (n: number) => `${n}b`;
const seconds = (n: number) => `${n}s`;

/** Rollover indices only (…-000001, …), never a periodic stack's daily ones (…-2026-12-07). */
const rolloverPatterns = (indexPrefix: string) => ROLLOVER_TYPES.map((t) => `${prefixed(indexPrefix, t)}-0*`);
/** The daily indices a periodic stack wrote (…-YYYY-MM-DD). */
export const dailyPatterns = (indexPrefix: string) => ROLLOVER_TYPES.map((t) => `${prefixed(indexPrefix, t)}-2*`);

/**
 * The rollover policy, as the cluster's API takes it. OpenSearch ISM (index-management plugin,
 * 2.x): a hot state that rolls over on min_primary_shard_size or min_index_age (either one), a
 * transition to delete on min_rollover_age, and an ism_template that attaches it to new
 * rollover indices. Elasticsearch ILM: the same as a hot phase with max_primary_shard_size and
 * max_age, and a delete phase whose min_age counts from the rollover.
 */
export function rolloverPolicy(s: RolloverSettings): Record<string, unknown> {
  const description = `Jaeger indices (jaeger-spm): roll over at ${bytes(s.maxPrimaryShardBytes)} per primary shard or ${seconds(s.maxAgeSeconds)}, delete ${seconds(s.retentionSeconds)} after rollover`;
  if (s.flavor === "opensearch") {
    return {
      policy: {
        description,
        default_state: "hot",
        states: [
          {
            name: "hot",
            actions: [
              {
                rollover: {
                  min_primary_shard_size: bytes(s.maxPrimaryShardBytes),
                  min_index_age: seconds(s.maxAgeSeconds),
                },
              },
            ],
            transitions: [{ state_name: "delete", conditions: { min_rollover_age: seconds(s.retentionSeconds) } }],
          },
          { name: "delete", actions: [{ delete: {} }], transitions: [] },
        ],
        ism_template: [{ index_patterns: rolloverPatterns(s.indexPrefix), priority: 100 }],
      },
    };
  }
  return {
    policy: {
      _meta: { description },
      phases: {
        hot: {
          min_age: "0ms",
          actions: {
            rollover: { max_primary_shard_size: bytes(s.maxPrimaryShardBytes), max_age: seconds(s.maxAgeSeconds) },
          },
        },
        delete: { min_age: seconds(s.retentionSeconds), actions: { delete: {} } },
      },
    },
  };
}

/** One day: a daily index holds spans up to a day younger than the index itself. */
const DAY = 86_400;

/**
 * For a stack moving from periodic: the daily indices it wrote stay readable (the setup adds them
 * to the read aliases) and are deleted by this policy once their last day is past the retention,
 * as the index cleaner would have (age from the index's creation, plus the day it covers).
 */
export function dailyDeletePolicy(
  s: Omit<RolloverSettings, "maxPrimaryShardBytes" | "maxAgeSeconds">,
): Record<string, unknown> {
  const after = seconds(s.retentionSeconds + DAY);
  const description = `Daily Jaeger indices left by periodic rotation (jaeger-spm): delete ${after} after creation`;
  if (s.flavor === "opensearch") {
    return {
      policy: {
        description,
        default_state: "keep",
        states: [
          { name: "keep", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: after } }] },
          { name: "delete", actions: [{ delete: {} }], transitions: [] },
        ],
      },
    };
  }
  return { policy: { _meta: { description }, phases: { delete: { min_age: after, actions: { delete: {} } } } } };
}

/** The cluster API path of a policy. */
export const policyPath = (flavor: "elasticsearch" | "opensearch", name: string) =>
  flavor === "opensearch" ? `/_plugins/_ism/policies/${name}` : `/_ilm/policy/${name}`;

/** jaegertracing/jaeger-es-rollover of the Jaeger image's release (storage.elasticsearch.rollover.image pins it otherwise). */
export const esRolloverImage = (jaegerImage: string) => jaegerUtilityImage("jaeger-es-rollover", jaegerImage);

/** Shell scripts the search Jobs run in their pods (npm run build copies them beside the code). */
export const SEARCH_JOB_SCRIPTS_DIR = path.join(__dirname, "jobScripts");

/** The setup Job's script (run on its own against OpenSearch by tests/e2e/rollover.e2e.ts). */
export const lifecycleScript = () => fs.readFileSync(path.join(SEARCH_JOB_SCRIPTS_DIR, "search-lifecycle.sh"), "utf8");

const SCRIPTS_MOUNT = "/opt/jaeger-lifecycle";

/** The pod template annotation that carries the checksum of the mounted policies and script. */
export const LIFECYCLE_CHECKSUM_ANNOTATION = "checksum/lifecycle";

/** The setup's objects in Jaeger's namespace. */
export const ROLLOVER_SETUP = { job: "jaeger-es-rollover-setup", configMap: "jaeger-es-lifecycle" } as const;

export interface RolloverSetupInput {
  readonly settings: RolloverSettings;
  /** The ConfigMap with the script and both policies (its data: lifecycleConfigMapData). */
  readonly configMap: string;
  /** curl and a POSIX shell (backup.curlImage's default). */
  readonly curlImage: string;
  readonly esRolloverImage: string;
  readonly connection: SearchConnection;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What the setup Job mounts: the script and both policies, rendered. */
export function lifecycleConfigMapData(settings: RolloverSettings): Record<string, string> {
  return {
    "search-lifecycle.sh": lifecycleScript(),
    "rollover-policy.json": JSON.stringify(rolloverPolicy(settings), null, 2),
    "daily-delete-policy.json": JSON.stringify(dailyDeletePolicy(settings), null, 2),
  };
}

/**
 * The setup Job: an init container installs the policies and, for daily indices a periodic
 * stack left, adds them to the read aliases and gives them the daily-delete policy; then
 * es-rollover init. Both idempotent: the Job is replaced, and runs again, whenever its spec
 * changes. It runs as the index cleaner's user (in-cluster: its role gains lifecycle privileges).
 */
export function buildRolloverSetupJob(input: RolloverSetupInput): k8s.types.input.batch.v1.JobSpec {
  const s = input.settings;
  const c = input.connection;
  const files = connectionFiles(c, "indexCleaner");
  const credentials = c.credentials.indexCleaner;
  const mounted = [files.password, files.apiKey, files.ca].filter((f) => f !== undefined);
  const url = c.serverUrls[0];
  const names = lifecyclePolicyNames(s.indexPrefix);
  const volumeMounts = mounted.map((f) => ({ name: f.volume, mountPath: f.mountPath, readOnly: true }));
  const policyEnv = [
    { name: "ES_URL", value: url },
    { name: "ROLLOVER_POLICY_PATH", value: policyPath(s.flavor, names.rollover) },
    { name: "DAILY_POLICY_PATH", value: policyPath(s.flavor, names.daily) },
    { name: "DAILY_POLICY", value: names.daily },
    { name: "FLAVOR", value: s.flavor },
    { name: "INDEX_PREFIX", value: s.indexPrefix },
    { name: "POLICIES_DIR", value: SCRIPTS_MOUNT },
    ...(credentials.kind === "basic" ? [{ name: "ES_USERNAME", value: credentials.username }] : []),
    ...(files.password ? [{ name: "ES_PASSWORD_FILE", value: secretFilePath(files.password) }] : []),
    ...(files.apiKey ? [{ name: "ES_API_KEY_FILE", value: secretFilePath(files.apiKey) }] : []),
    ...(files.ca ? [{ name: "ES_CA_FILE", value: secretFilePath(files.ca) }] : []),
  ];
  const args = [
    "init",
    url,
    "--es.use-ilm=true",
    `--es.ilm-policy-name=${names.rollover}`,
    `--shards=${c.spans.shards}`,
    `--replicas=${c.spans.replicas}`,
    ...(s.indexPrefix ? [`--index-prefix=${s.indexPrefix}`] : []),
    ...(url.startsWith("https://") || files.ca ? ["--es.tls.enabled=true"] : []),
    ...(files.ca ? [`--es.tls.ca=${secretFilePath(files.ca)}`] : []),
    ...(files.apiKey ? [`--es.api-key-file=${secretFilePath(files.apiKey)}`] : []),
  ];
  return {
    backoffLimit: 6,
    activeDeadlineSeconds: 1800,
    template: {
      metadata: {
        labels: { ...input.podLabels },
        // The policies and script reach the pod by the ConfigMap's name: their checksum in the spec
        // makes a changed policy a changed Job, which runs the setup again.
        annotations: { [LIFECYCLE_CHECKSUM_ANNOTATION]: configChecksum(lifecycleConfigMapData(s)) },
      },
      spec: {
        ...maintenancePodSettings(),
        initContainers: [
          {
            name: "lifecycle-policies",
            image: input.curlImage,
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", `${SCRIPTS_MOUNT}/search-lifecycle.sh`],
            env: policyEnv,
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [{ name: "lifecycle", mountPath: SCRIPTS_MOUNT, readOnly: true }, ...volumeMounts],
          },
        ],
        containers: [
          {
            name: "es-rollover-init",
            image: input.esRolloverImage,
            imagePullPolicy: "IfNotPresent",
            args,
            // es-rollover reads a password only from a flag or the environment (no file option),
            // so it comes from the Secret by reference; the value is never in the spec.
            env:
              credentials.kind === "basic"
                ? [
                    { name: "ES_USERNAME", value: credentials.username },
                    {
                      name: "ES_PASSWORD",
                      valueFrom: { secretKeyRef: { name: credentials.password.name, key: credentials.password.key } },
                    },
                  ]
                : [],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts,
          },
        ],
        volumes: [
          { name: "lifecycle", configMap: { name: input.configMap, defaultMode: 0o444 } },
          ...mounted.map((f) => ({
            name: f.volume,
            secret: { secretName: f.secretName, items: [{ key: f.key, path: f.fileName }], defaultMode: 0o440 },
          })),
        ],
      },
    },
  };
}
