// Reads `jaeger-spm:*` stack config, validates it against ./schema.ts, applies
// defaults and derived values, and returns one deeply frozen object. The rest of
// the program never reads pulumi.Config itself.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import {
  DEFAULT_PROMETHEUS_URL,
  OBJECT_EXPECTED_MESSAGE,
  OBJECT_KEYS,
  PROJECT,
  SECRET_KEYS,
  SUPPORTED_MAJOR_VERSIONS,
  TOP_LEVEL_KEYS,
  TopLevelKey,
  admittedPrometheusNamespace,
  prometheusOperatedUrl,
  stackConfigSchema,
} from "./schema";
import {
  BASE_REQUESTS,
  DEFAULT_BYTES_PER_SPAN,
  PER_THOUSAND_SPANS_PER_SECOND,
  Resources,
  VOLUME_HEADROOM,
  VolumeDemand,
  badgerVolumeSize,
  elasticsearchNodeVolumeSize,
  resolveResources,
} from "./sizing";
import type { StackConfigShape, StackSettings } from "./shapes";
import { parseChartSource } from "./charts";
import { stackFileProblems } from "./stackFile";
import type { DeepReadonly } from "./types";
import { parseBytesQuantity, parseCpuMillis, parseGoDurationSeconds, parsePrometheusDurationSeconds } from "./units";
import { WINDOW as RULE_RATE_WINDOW } from "../components/monitoring/prometheusRules";
import { nodeExporterNamespace } from "../components/monitoring/kubePrometheusStack";

type Shape = StackConfigShape;

/** The validated stack configuration with every default and derived value filled in. */
export type StackConfig = DeepReadonly<
  Omit<Shape, "jaeger" | "storage" | "spm"> & {
    spm: Omit<Shape["spm"], "prometheusUrl"> & { prometheusUrl: string };
    jaeger: Omit<Shape["jaeger"], "resources" | "query"> & {
      resources: Resources;
      query: Omit<Shape["jaeger"]["query"], "resources"> & { resources: Resources };
    };
    storage: Omit<Shape["storage"], "badger" | "elasticsearch"> & {
      retentionSeconds: number;
      /** volumeDerived: the size comes from the load (used only at creation: claims never shrink). */
      badger: { volumeSize: string; volumeDerived: boolean; storageClass?: string; maintenanceInterval: string };
      elasticsearch: Omit<Shape["storage"]["elasticsearch"], "inCluster"> & {
        inCluster: Omit<Shape["storage"]["elasticsearch"]["inCluster"], "volumeSize"> & {
          volumeSize: string;
          volumeDerived: boolean;
        };
      };
    };
  }
>;

/** Thrown when stack config is invalid; lists every problem, one per line. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        "\nFix with `pulumi config set [--path] <key> <value>`; see docs/configuration.md.",
    );
    this.name = "StackConfigError";
  }
}

/** Raw `key -> text` entries as the engine passes them (`<project>:<key>` names). */
export type RawConfig = Readonly<Record<string, string>>;

/** A value as problems print it; the user-info of a URL (user:password@) is never printed. */
function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  return JSON.stringify(value).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s"]*@/gi, "$1<credentials hidden>@");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function keyName(path: readonly PropertyKey[]): string {
  let name = `${PROJECT}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") name += `[${part}]`;
    else name += i === 0 ? String(part) : `.${String(part)}`;
  });
  return name;
}

/** Edit distance (insertions, deletions, substitutions) between two key names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known key closest to a misspelt one, when it is close enough to be a likely typo. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const ranked = known.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** The object schema's own keys at a path inside a section (defaults, optionals and arrays unwrapped). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    for (;;) {
      const def = (n as { _zod?: { def?: { innerType?: unknown; in?: unknown; element?: unknown } } })._zod?.def;
      const next = def?.innerType ?? def?.in;
      if (!next) return n;
      n = next;
    }
  };
  for (const part of path) {
    node = unwrap(node);
    const def = (node as { _zod?: { def?: { element?: unknown; shape?: Record<string, unknown> } } })._zod?.def;
    node = typeof part === "number" ? def?.element : def?.shape?.[String(part)];
    if (!node) return [];
  }
  const shape = (unwrap(node) as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** An unknown key, by name only: its value may be a secret under a misspelt name. */
function unknownKey(name: string, suggestion: string | undefined, expected: string): string {
  return `${name}: unknown key (value not shown); expected ${expected}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`;
}

function describeIssue(section: TopLevelKey, issue: z.core.$ZodIssue, input: unknown): string[] {
  const path = [section, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const siblings = keysAt(stackConfigSchema.shape[section], issue.path);
    return issue.keys.map((key) => {
      const close = closestKey(key, siblings);
      return unknownKey(
        keyName([...path, key]),
        close && keyName([...path, close]),
        "only the keys listed in docs/configuration.md",
      );
    });
  }
  // zod's own wording for a nested object given as something else ("Invalid input: …") reads as ours.
  const expected =
    issue.code === "invalid_type" && issue.expected === "object" ? OBJECT_EXPECTED_MESSAGE : issue.message;
  return [`${keyName(path)} = ${show(valueAt(input, path))}: expected ${expected}`];
}

/**
 * Each top-level key validated on its own, so that a problem in one section hides nothing in
 * another: the sections that parse feed the checks across sections.
 */
function parseSections(input: Partial<Record<TopLevelKey, unknown>>): {
  sections: Partial<Shape>;
  problems: string[];
} {
  const sections: Partial<Record<TopLevelKey, unknown>> = {};
  const problems: string[] = [];
  for (const key of TOP_LEVEL_KEYS) {
    const schema = stackConfigSchema.shape[key];
    const result = schema.safeParse(input[key]);
    if (result.success) {
      sections[key] = result.data;
      continue;
    }
    for (const issue of result.error.issues) problems.push(...describeIssue(key, issue, input));
    // For the checks that follow, the section without its bad values (their defaults instead),
    // so that a bad image does not hide a memory limit below its request.
    let value: unknown = structuredClone(input[key]);
    let issues = result.error.issues;
    for (let attempt = 0; attempt < 5 && issues.length > 0 && value !== null && typeof value === "object"; attempt++) {
      for (const issue of issues) {
        const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
        for (const path of paths) removeAt(value, path);
      }
      const retry = schema.safeParse(value);
      if (retry.success) sections[key] = retry.data;
      issues = retry.success ? [] : retry.error.issues;
    }
  }
  return { sections: sections as Partial<Shape>, problems };
}

/** Deletes the value at a path (array items become unset), so that the schema's default applies. */
function removeAt(root: unknown, path: readonly PropertyKey[]): void {
  if (path.length === 0) return;
  const parent = valueAt(root, path.slice(0, -1));
  if (parent !== null && typeof parent === "object")
    delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
}

/** Every section parsed: the whole shape. */
function isComplete(sections: Partial<Shape>): sections is Shape {
  return TOP_LEVEL_KEYS.every((key) => sections[key] !== undefined);
}

/** Pure: validate raw engine config into a StackConfig, or return every problem found. */
export function parseStackConfig(
  raw: RawConfig,
  secretKeys: ReadonlySet<string> = new Set(),
): { ok: true; config: StackConfig; warnings: string[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const input: Partial<Record<TopLevelKey, unknown>> = {};
  const known = new Set<string>(TOP_LEVEL_KEYS);
  const prefix = `${PROJECT}:`;

  problems.push(...otherNamespaceKeys(raw));
  for (const [fullKey, text] of Object.entries(raw)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const [head, ...rest] = key.split(".");
    if (!known.has(key) && rest.length > 0 && known.has(head) && OBJECT_KEYS.has(head as TopLevelKey)) {
      // `jaeger-spm:storage.retention: 72h` in a stack file is one key whose name has a dot in it.
      problems.push(
        `${fullKey}: a dotted key is a key of its own, not ${rest.join(".")} inside ${prefix}${head} (value not shown); in the stack file nest it under ${prefix}${head}, or run \`pulumi config rm ${key}\` then \`pulumi config set --path ${key} <value>\``,
      );
      continue;
    }
    if (!known.has(key)) {
      const close = closestKey(key, TOP_LEVEL_KEYS);
      problems.push(
        unknownKey(fullKey, close && prefix + close, `one of ${TOP_LEVEL_KEYS.map((k) => prefix + k).join(", ")}`),
      );
      continue;
    }
    const topKey = key as TopLevelKey;
    if (SECRET_KEYS.has(topKey) && text !== "" && !secretKeys.has(fullKey)) {
      // Never echo the value of a secret.
      problems.push(
        `${fullKey} is set in plaintext: expected a secret; run \`pulumi config set --secret ${key} -- '<value>'\` (and rotate it if this stack file was shared)`,
      );
    }
    if (OBJECT_KEYS.has(topKey)) {
      try {
        input[topKey] = JSON.parse(text);
      } catch {
        problems.push(
          `${fullKey} = ${show(text)}: expected a structured (object) value, set with --path or in the stack file`,
        );
      }
    } else {
      input[topKey] = text;
    }
  }

  // Checks across keys run on the raw input, so they are reported together with schema errors.
  problems.push(...secretRequirements(input));

  // Every stage runs on what parsed, so that all problems are reported at once.
  const { sections, problems: schemaProblems } = parseSections(input);
  problems.push(...schemaProblems);
  const resources =
    sections.jaeger && resolveResources(sections.jaeger.expectedSpansPerSecond, sections.jaeger.resources);
  if (resources) problems.push(...checkLimitsCoverRequests(resources));
  if (resources && sections.storage) problems.push(...badgerMemoryFloor(sections.storage.backend, resources));
  problems.push(...crossChecks(sections));
  problems.push(...settingsThatCannotWork(sections));
  problems.push(...chartArchiveProblems(sections));
  if (problems.length > 0 || !isComplete(sections) || !resources) return { ok: false, problems };

  const shape = sections;

  const bundled = shape.monitoring.bundled;
  const demand = {
    spansPerSecond: shape.jaeger.expectedSpansPerSecond,
    bytesPerSpan: shape.storage.bytesPerSpan ?? DEFAULT_BYTES_PER_SPAN[shape.storage.backend],
    retentionSeconds: parseGoDurationSeconds(shape.storage.retention) ?? 0,
  };
  const es = shape.storage.elasticsearch;
  const config = {
    ...shape,
    spm: {
      ...shape.spm,
      prometheusUrl:
        shape.spm.prometheusUrl ??
        (bundled.enabled ? prometheusOperatedUrl(bundled.namespace) : DEFAULT_PROMETHEUS_URL),
    },
    jaeger: {
      ...shape.jaeger,
      resources,
      query: {
        ...shape.jaeger.query,
        resources: {
          requests: { ...QUERY_RESOURCES.requests, ...definedFields(shape.jaeger.query.resources.requests) },
          limits: { ...QUERY_RESOURCES.limits, ...definedFields(shape.jaeger.query.resources.limits) },
        },
      },
    },
    storage: {
      ...shape.storage,
      retentionSeconds: parseGoDurationSeconds(shape.storage.retention) ?? 0,
      badger: {
        ...shape.storage.badger,
        volumeSize: shape.storage.badger.volumeSize ?? badgerVolumeSize(demand),
        volumeDerived: shape.storage.badger.volumeSize === undefined,
      },
      elasticsearch: {
        ...es,
        inCluster: {
          ...es.inCluster,
          volumeSize:
            es.inCluster.volumeSize ??
            elasticsearchNodeVolumeSize({ ...demand, replicas: es.spans.replicas, nodeCount: es.inCluster.nodeCount }),
          volumeDerived: es.inCluster.volumeSize === undefined,
        },
      },
    },
  };
  return {
    ok: true,
    config: deepFreeze(config),
    warnings: [
      ...undersizedVolumes(shape, demand),
      ...ignoredSettings(shape, input),
      ...sizedFromDefaults(shape, input, demand),
      ...intervalsBeyondRetention(shape),
      ...settingsWithoutEffect(shape, input),
      ...sizesNobodyMeant(shape, config.jaeger.resources, config.storage),
      ...exampleValues(raw),
    ],
  };
}

/**
 * Keys of a namespace that is almost this project's (`jaeger_spm:storage`, `Jaeger-SPM:storage`):
 * the engine hands them over under their own name, and without this check they are ignored.
 */
function otherNamespaceKeys(raw: RawConfig): string[] {
  const squash = (name: string) => name.toLowerCase().replace(/[-_.]/g, "");
  return Object.keys(raw).flatMap((fullKey) => {
    const colon = fullKey.indexOf(":");
    if (colon < 0) return [];
    const namespace = fullKey.slice(0, colon);
    if (namespace === PROJECT) return [];
    if (squash(namespace) !== squash(PROJECT) && editDistance(namespace, PROJECT) > 2) return [];
    const ours = `${PROJECT}:${fullKey.slice(colon + 1)}`;
    return [
      `${fullKey}: the namespace ${JSON.stringify(namespace)} is not this project's (value not shown), so the key would be ignored; expected ${ours} (the project in Pulumi.yaml is named ${PROJECT})`,
    ];
  });
}

/** Namespaces Kubernetes keeps for itself or for everything else: not for the stack to create and label. */
const SHARED_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** Settings that each parse but together cannot work: refused, like the schema's own problems. */
function settingsThatCannotWork(shape: Partial<Shape>): string[] {
  const problems: string[] = [];
  const ns = shape.namespace;
  if (ns !== undefined && shape.createNamespace && SHARED_NAMESPACES.has(ns)) {
    problems.push(
      `${PROJECT}:namespace = ${show(ns)}: expected a namespace of the stack's own when createNamespace is true (the stack would take ${ns} over, label it restricted and apply its NetworkPolicies' defaults there); e.g. observability`,
    );
  }
  const bundled = shape.monitoring?.bundled;
  // The bundled release creates its namespace and the node exporter's (privileged).
  if (
    ns !== undefined &&
    bundled?.enabled &&
    [bundled.namespace, nodeExporterNamespace(bundled.namespace)].includes(ns)
  ) {
    problems.push(
      `${PROJECT}:monitoring.bundled.namespace = ${show(bundled.namespace)}: expected another namespace than jaeger-spm:namespace (${show(ns)}), also for its node exporter's (${nodeExporterNamespace(bundled.namespace)}): the bundled monitoring and Jaeger each create theirs, and Jaeger's is restricted`,
    );
  }
  const velero = shape.backup?.velero;
  if (ns !== undefined && shape.backup?.enabled && velero?.install && velero.namespace === ns) {
    problems.push(
      `${PROJECT}:backup.velero.namespace = ${show(ns)}: expected another namespace than jaeger-spm:namespace (Velero's node agent needs host access that Jaeger's restricted namespace refuses)`,
    );
  }
  const interval = shape.monitoring && parsePrometheusDurationSeconds(shape.monitoring.scrapeInterval);
  const window = parsePrometheusDurationSeconds(RULE_RATE_WINDOW) ?? 0;
  if (interval !== undefined && interval * 2 > window) {
    problems.push(
      `${PROJECT}:monitoring.scrapeInterval = ${show(shape.monitoring?.scrapeInterval)}: expected at most half the rules' rate window (${RULE_RATE_WINDOW}): rate() needs two samples in its window, so the alerts and the Monitor tab would see no data; a quarter or less (e.g. 30s or 1m) keeps them steady through a missed scrape`,
    );
  }
  const storage = shape.storage;
  if (storage?.backend === "elasticsearch" && storage.elasticsearch.mode === "external") {
    const es = storage.elasticsearch;
    const plain = es.serverUrls.filter((u) => u.startsWith("http://"));
    if (es.auth !== "none" && plain.length > 0) {
      problems.push(
        `${PROJECT}:storage.elasticsearch.serverUrls = ${show(plain)}: expected https:// URLs with storage.elasticsearch.auth ${show(es.auth)} (the ${es.auth === "basic" ? "password" : "API key"} would cross the network in clear with every request)`,
      );
    }
  }
  const sec = shape.security;
  const promUrl = shape.spm?.prometheusUrl;
  if (sec?.networkPolicies && promUrl !== undefined && bundled && !bundled.enabled) {
    // An in-cluster Prometheus (<service>.<namespace>.svc): its namespace is the one the
    // NetworkPolicies admit to the metrics ports and that the query servers may reach.
    const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?\.?$/.exec(new URL(promUrl).hostname);
    const admitted = admittedPrometheusNamespace(sec, bundled);
    if (inCluster && inCluster[1] !== admitted) {
      problems.push(
        `${PROJECT}:security.prometheusNamespace = ${show(sec.prometheusNamespace)}: expected ${show(inCluster[1])}, the namespace of spm.prometheusUrl's Prometheus: the NetworkPolicies admit scrapes only from ${show(admitted)}, so that Prometheus could not scrape Jaeger (set it with \`pulumi config set --path security.prometheusNamespace ${inCluster[1]}\`)`,
      );
    }
  }
  return problems;
}

/** Settings that are valid but do nothing with the rest of the config (warnings, as in ignoredSettings). */
function settingsWithoutEffect(shape: Shape, input: Partial<Record<TopLevelKey, unknown>>): string[] {
  const warnings: string[] = [];
  if (shape.storage.backend === "elasticsearch") {
    const set = Object.keys(obj(valueAt(input, ["storage", "badger"])));
    if (set.length > 0) {
      warnings.push(`${PROJECT}:storage.badger (${set.join(", ")}) is ignored: storage.backend is "elasticsearch"`);
    }
  }
  if (shape.jaeger.query.serviceType === "ClusterIP" && valueAt(input, ["jaeger", "query", "nodePort"]) !== undefined) {
    warnings.push(`${PROJECT}:jaeger.query.nodePort is ignored: jaeger.query.serviceType is "ClusterIP"`);
  }
  const es = shape.storage.elasticsearch;
  if (
    shape.storage.backend === "elasticsearch" &&
    es.mode === "external" &&
    es.caCert !== undefined &&
    es.serverUrls.every((u) => u.startsWith("http://"))
  ) {
    warnings.push(
      `${PROJECT}:storage.elasticsearch.caCert is ignored: every storage.elasticsearch.serverUrls is http://, so no certificate is verified (use https:// URLs)`,
    );
  }
  return warnings;
}

/** The largest EBS volume of the general-purpose types (gp2, gp3): 16 TiB. */
const LARGEST_COMMON_VOLUME_BYTES = 16 * 2 ** 40;
/** A pod larger than a common 8 vCPU / 32 GiB node (e.g. m6i.2xlarge) waits for a node that may never come. */
const LARGEST_COMMON_POD = { cpuMillis: 8000, memoryBytes: 32 * 2 ** 30 };

/** Sizes derived from the load that nobody likely meant: the figure, and the formula it came from. */
function sizesNobodyMeant(shape: Shape, resources: Resources, storage: StackConfig["storage"]): string[] {
  const warnings: string[] = [];
  const load = `${shape.jaeger.expectedSpansPerSecond} spans/s`;
  const volume = (key: string, size: string, formula: string) => {
    if ((parseBytesQuantity(size) ?? 0) > LARGEST_COMMON_VOLUME_BYTES)
      warnings.push(
        `${PROJECT}:${key} = ${size} (derived: ${formula}) is larger than a general-purpose EBS volume can be (16 TiB); lower storage.retention or jaeger.expectedSpansPerSecond, or set the size yourself`,
      );
  };
  const retention = shape.storage.retention;
  const bytesPerSpan = shape.storage.bytesPerSpan ?? DEFAULT_BYTES_PER_SPAN[shape.storage.backend];
  if (shape.storage.backend === "badger" && storage.badger.volumeDerived) {
    volume(
      "storage.badger.volumeSize",
      storage.badger.volumeSize,
      `${load} x ${bytesPerSpan} B x ${retention} x ${VOLUME_HEADROOM} headroom`,
    );
  }
  const es = storage.elasticsearch;
  if (shape.storage.backend === "elasticsearch" && es.mode === "inCluster" && es.inCluster.volumeDerived) {
    volume(
      "storage.elasticsearch.inCluster.volumeSize",
      es.inCluster.volumeSize,
      `${load} x ${bytesPerSpan} B x ${retention} x ${1 + es.spans.replicas} copies / ${es.inCluster.nodeCount} nodes x ${VOLUME_HEADROOM} headroom`,
    );
  }
  const derived = {
    cpu: shape.jaeger.resources.requests.cpu === undefined,
    memory: shape.jaeger.resources.requests.memory === undefined,
  };
  const cpu = parseCpuMillis(resources.requests.cpu) ?? 0;
  const memory = parseBytesQuantity(resources.requests.memory) ?? 0;
  if (
    (derived.cpu && cpu > LARGEST_COMMON_POD.cpuMillis) ||
    (derived.memory && memory > LARGEST_COMMON_POD.memoryBytes)
  ) {
    const who = shape.storage.backend === "badger" ? "the Jaeger pod" : "each collector pod";
    warnings.push(
      `${PROJECT}:jaeger.resources.requests = ${resources.requests.cpu} CPU, ${resources.requests.memory} (derived for ${who}: ${BASE_REQUESTS.cpuMillis}m + ${PER_THOUSAND_SPANS_PER_SECOND.cpuMillis}m and ${BASE_REQUESTS.memoryMi + BASE_REQUESTS.spmMemoryMi}Mi + ${PER_THOUSAND_SPANS_PER_SECOND.memoryMi}Mi per 1,000 of ${load}) is more than a common 8 vCPU / 32 GiB node offers, so the pod may never be scheduled; set jaeger.resources yourself${shape.storage.backend === "elasticsearch" ? " (collectors scale out: jaeger.collector.maxReplicas)" : ""}`,
    );
  }
  return warnings;
}

/** What one Badger pod (a single writer) carries, from the users' production guide. */
export const BADGER_MAX_SPANS_PER_SECOND = 10_000;

/** Settings that are valid but have no effect with the rest of the config, or a load Badger cannot carry. */
function ignoredSettings(shape: Shape, input: Partial<Record<TopLevelKey, unknown>>): string[] {
  const warnings: string[] = [];
  const given = (path: string[]) => valueAt(input, path) !== undefined;
  if (shape.storage.backend === "badger") {
    const set = Object.keys(obj(valueAt(input, ["storage", "elasticsearch"])));
    if (set.length > 0) {
      warnings.push(`${PROJECT}:storage.elasticsearch (${set.join(", ")}) is ignored: storage.backend is "badger"`);
    }
    const scaled = [
      ...["replicas", "resources"].filter((k) => given(["jaeger", "query", k])).map((k) => `query.${k}`),
      ...Object.keys(obj(valueAt(input, ["jaeger", "collector"]))).map((k) => `collector.${k}`),
    ];
    if (scaled.length > 0) {
      warnings.push(
        `${PROJECT}:jaeger (${scaled.join(", ")}) is ignored: storage.backend is "badger", where one all-in-one pod (a single Badger writer) ingests and serves queries`,
      );
    }
    if (shape.jaeger.expectedSpansPerSecond > BADGER_MAX_SPANS_PER_SECOND) {
      warnings.push(
        `${PROJECT}:jaeger.expectedSpansPerSecond = ${shape.jaeger.expectedSpansPerSecond} is more than one Badger pod carries (about ${BADGER_MAX_SPANS_PER_SECOND} spans/s, a single writer); use storage.backend "elasticsearch", whose collectors scale out`,
      );
    }
  }
  if (!shape.security.tls.enabled) {
    const set = ["source", "secretName", "issuer", "clientCaSecret", "legacyReceivers"].filter((k) =>
      given(["security", "tls", k]),
    );
    if (set.length > 0) {
      warnings.push(`${PROJECT}:security.tls (${set.join(", ")}) is ignored: security.tls.enabled is false`);
    }
  }
  const retired = ["transitionDays", "transitionStorageClass", "expirationDays", "scratchSize", "toolsImage"].filter(
    (k) => given(["backup", k]),
  );
  if (retired.length > 0) {
    warnings.push(
      `${PROJECT}:backup (${retired.join(", ")}) is ignored: Velero now backs up the Badger volume (backup.velero.ttl says how long backups are kept); remove these keys`,
    );
  }
  if (shape.backup.acceptInconsistentFileCopies) {
    const reason = !shape.backup.enabled
      ? "backup.enabled is false"
      : shape.storage.backend !== "badger"
        ? 'storage.backend is not "badger" (Elasticsearch is backed up by its own snapshots)'
        : shape.backup.volumeSnapshotClass !== undefined
          ? "backup.volumeSnapshotClass is set, so backups are crash-consistent snapshots"
          : undefined;
    if (reason) warnings.push(`${PROJECT}:backup.acceptInconsistentFileCopies is ignored: ${reason}`);
  }
  if (!shape.security.oidc.enabled) {
    const set = Object.keys(obj(valueAt(input, ["security", "oidc"]))).filter((k) => k !== "enabled");
    if (set.length > 0) {
      warnings.push(`${PROJECT}:security.oidc (${set.join(", ")}) is ignored: security.oidc.enabled is false`);
    }
  }
  return warnings;
}

/**
 * A derived volume size that rests on defaults rather than on what this cluster carries: an empty
 * stack file gets a claim sized for 1,000 spans/s kept 7 days, which the user should know.
 */
function sizedFromDefaults(shape: Shape, input: Partial<Record<TopLevelKey, unknown>>, demand: VolumeDemand): string[] {
  const es = shape.storage.elasticsearch;
  const derived =
    shape.storage.backend === "badger"
      ? shape.storage.badger.volumeSize === undefined && {
          key: "storage.badger.volumeSize",
          size: badgerVolumeSize(demand),
        }
      : es.mode === "inCluster" &&
        es.inCluster.volumeSize === undefined && {
          key: "storage.elasticsearch.inCluster.volumeSize",
          size: elasticsearchNodeVolumeSize({
            ...demand,
            replicas: es.spans.replicas,
            nodeCount: es.inCluster.nodeCount,
          }),
        };
  if (!derived) return [];
  const given = (path: string[]) => valueAt(input, path) !== undefined;
  const load = [
    {
      key: "jaeger.expectedSpansPerSecond",
      given: given(["jaeger", "expectedSpansPerSecond"]),
      value: `${demand.spansPerSecond} spans/s`,
    },
    { key: "storage.retention", given: given(["storage", "retention"]), value: shape.storage.retention },
  ];
  if (load.every((l) => l.given)) return [];
  const defaults = [
    ...load,
    { key: "storage.bytesPerSpan", given: given(["storage", "bytesPerSpan"]), value: `${demand.bytesPerSpan} B` },
  ]
    .filter((l) => !l.given)
    .map((l) => `${l.key} ${l.value}`);
  return [
    `${PROJECT}:${derived.key} = ${derived.size} (derived) rests on defaults: ${defaults.join(", ")}; set the load this cluster carries (\`pulumi config set --path jaeger.expectedSpansPerSecond <spans/s>\`, \`pulumi config set --path storage.retention <duration>\`) or the size itself (\`pulumi config set --path ${derived.key} <size>\`)`,
  ];
}

/** Span-metric flushes slower than the retention: the Monitor tab would link to traces already deleted. */
function intervalsBeyondRetention(shape: Shape): string[] {
  const retention = parseGoDurationSeconds(shape.storage.retention) ?? 0;
  const flush = parseGoDurationSeconds(shape.spm.metricsFlushInterval) ?? 0;
  if (flush <= retention) return [];
  return [
    `${PROJECT}:spm.metricsFlushInterval = ${show(shape.spm.metricsFlushInterval)} is longer than storage.retention = ${show(shape.storage.retention)}: span metrics reach Prometheus only after the traces behind them are deleted, so the Monitor tab shows calls whose traces cannot be found; use a flush interval well under the retention (default 15s)`,
  ];
}

/** Placeholders shipped in the example stack files, still in place (AWS's and RFC 2606's example names). */
const EXAMPLE_VALUE = /(^|[./@:])example\.(com|org|net)\b|\b123456789012\b|EXAMPLE[0-9A-F]{4,}/;

/** Config values (not secrets, which are never read here) that are still the examples' placeholders. */
function exampleValues(raw: RawConfig): string[] {
  const warnings: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node === "string") {
      if (EXAMPLE_VALUE.test(node)) {
        warnings.push(`${path} = ${show(node)} is an example placeholder; replace it with your own value`);
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    }
  };
  for (const key of TOP_LEVEL_KEYS) {
    if (SECRET_KEYS.has(key)) continue;
    const text = raw[`${PROJECT}:${key}`];
    if (text === undefined) continue;
    let value: unknown = text;
    if (OBJECT_KEYS.has(key)) {
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
    }
    walk(value, `${PROJECT}:${key}`);
  }
  return warnings;
}

const obj = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Explicit volume sizes below what the expected load needs (a warning: the user may know better). */
function undersizedVolumes(shape: Shape, demand: Parameters<typeof badgerVolumeSize>[0]): string[] {
  const warnings: string[] = [];
  const load = `${demand.spansPerSecond} spans/s x ${demand.bytesPerSpan} B x ${shape.storage.retention}`;
  const check = (key: string, explicit: string | undefined, needed: string) => {
    if (explicit !== undefined && (parseBytesQuantity(explicit) ?? 0) < (parseBytesQuantity(needed) ?? 0)) {
      warnings.push(
        `${PROJECT}:${key} = ${show(explicit)} is smaller than the ${needed} that ${load} needs; the disk fills before retention deletes data`,
      );
    }
  };
  if (shape.storage.backend === "badger") {
    check("storage.badger.volumeSize", shape.storage.badger.volumeSize, badgerVolumeSize(demand));
  } else if (shape.storage.elasticsearch.mode === "inCluster") {
    const es = shape.storage.elasticsearch;
    check(
      "storage.elasticsearch.inCluster.volumeSize",
      es.inCluster.volumeSize,
      elasticsearchNodeVolumeSize({ ...demand, replicas: es.spans.replicas, nodeCount: es.inCluster.nodeCount }),
    );
  }
  return warnings;
}

/**
 * A chart archive must exist where `pulumi up` runs (a path relative to the project directory, as
 * the Helm release reads it): a missing one fails here, at preview, instead of mid-update.
 */
function chartArchiveProblems(shape: Partial<Shape>): string[] {
  const sources: [string, string | undefined, boolean][] = [
    [
      "monitoring.bundled.chartRepository",
      shape.monitoring?.bundled.chartRepository,
      shape.monitoring?.bundled.enabled ?? false,
    ],
    [
      "storage.elasticsearch.inCluster.operatorChartRepository",
      shape.storage?.elasticsearch.inCluster.operatorChartRepository,
      shape.storage?.backend === "elasticsearch" && shape.storage.elasticsearch.mode === "inCluster",
    ],
    [
      "backup.velero.chartRepository",
      shape.backup?.velero.chartRepository,
      (shape.backup?.enabled ?? false) && (shape.backup?.velero.install ?? false),
    ],
  ];
  return sources.flatMap(([key, value, used]) => {
    const source = value === undefined ? undefined : parseChartSource(value);
    if (!used || source?.kind !== "archive" || fs.existsSync(source.path)) return [];
    return [
      `${PROJECT}:${key} = ${JSON.stringify(value)}: expected a chart archive that exists (relative paths start at the project directory, ${process.cwd()})`,
    ];
  });
}

/** Rules that span several sections; each runs when the sections it reads are valid. */
function crossChecks(shape: Partial<Shape>): string[] {
  const problems: string[] = [];
  const sec = shape.security;
  if (!sec) return problems;
  if (shape.jaeger && shape.protectData !== undefined)
    problems.push(...exposureChecks(shape.protectData, shape.jaeger, sec));
  if (shape.storage?.deleteDataOnDestroy && shape.protectData) {
    problems.push(
      `${PROJECT}:storage.deleteDataOnDestroy = true: expected false while protectData is true (protected data is never deleted; set protectData to false first)`,
    );
  }
  if (shape.storage) problems.push(...bearerTokenChecks(shape.storage, sec));
  if (shape.storage && shape.backup) problems.push(...restoreChecks(shape.storage, shape.backup));
  if (shape.storage && shape.backup) problems.push(...backupConsistency(shape.storage, shape.backup));
  if (sec.uiBasicAuth && !sec.tls.enabled) {
    problems.push(
      `${PROJECT}:security.uiBasicAuth = true: expected security.tls.enabled true as well (basic auth sends the password with every request; without TLS it crosses the network in clear)`,
    );
  }
  if (sec.oidc.enabled && sec.uiBasicAuth) {
    problems.push(
      `${PROJECT}:security.uiBasicAuth = true: expected false when security.oidc.enabled is true (one sign-in for the UI)`,
    );
  }
  if (sec.bearerTokenPropagation && sec.uiBasicAuth) {
    problems.push(
      `${PROJECT}:security.uiBasicAuth = true: expected false when security.bearerTokenPropagation is true (both use the Authorization header: the UI's basic credentials would be forwarded to storage as the token)`,
    );
  }
  return problems;
}

/** How the query Service may be exposed. */
function exposureChecks(protectData: boolean, jaeger: Shape["jaeger"], sec: Shape["security"]): string[] {
  const problems: string[] = [];
  if (protectData && jaeger.query.serviceType === "NodePort" && !sec.allowPublicServices) {
    problems.push(
      `${PROJECT}:jaeger.query.serviceType = "NodePort": expected "ClusterIP" when protectData is true (production), or set security.allowPublicServices to true to expose the UI on every node`,
    );
  }
  if (sec.oidc.enabled && jaeger.query.serviceType === "NodePort") {
    problems.push(
      `${PROJECT}:jaeger.query.serviceType = "NodePort": expected "ClusterIP" when security.oidc.enabled is true (a NodePort on the query Service would bypass sign-in; expose the jaeger-ui Service instead)`,
    );
  }
  return problems;
}

/** What forwarding the caller's token to storage needs. */
function bearerTokenChecks(storage: Shape["storage"], sec: Shape["security"]): string[] {
  const problems: string[] = [];
  if (sec.bearerTokenPropagation && storage.backend !== "elasticsearch") {
    problems.push(
      `${PROJECT}:security.bearerTokenPropagation = true: expected storage.backend "elasticsearch" (only search backends accept the caller's token)`,
    );
  }
  const es = storage.elasticsearch;
  if (
    sec.bearerTokenPropagation &&
    storage.backend === "elasticsearch" &&
    es.mode === "external" &&
    es.majorVersion === undefined
  ) {
    problems.push(
      `${PROJECT}:storage.elasticsearch.majorVersion = (not set): expected the external cluster's major version (${SUPPORTED_MAJOR_VERSIONS[es.flavor].join(", ")} for ${es.flavor}) when security.bearerTokenPropagation is true: the query servers start with no caller's token, so they cannot ask the cluster for its version`,
    );
  }
  return problems;
}

/**
 * Badger backups without a snapshot class are file-system backups: Velero's node agent copies
 * the files one by one while Jaeger writes, which is not a point-in-time copy. Measured with
 * scripts/badger-live-copy.sh (Badger v4.9.2, Jaeger's options): of 41 live copies, 3 lacked
 * writes acknowledged before the copy began (28,884 in one) and 1 did not open; copies of the
 * directories after a crash held every acknowledged write (tests/badgerCrashCopy.test.ts, and
 * Jaeger itself in tests/e2e/backup.e2e.ts). So such backups are refused unless the user accepts
 * them by name.
 */
function backupConsistency(storage: Shape["storage"], backup: Shape["backup"]): string[] {
  if (!backup.enabled || storage.backend !== "badger") return [];
  if (backup.volumeSnapshotClass !== undefined || backup.acceptInconsistentFileCopies) return [];
  return [
    `${PROJECT}:backup.volumeSnapshotClass = (not set): expected a CSI VolumeSnapshotClass for Badger backups, or backup.acceptInconsistentFileCopies = true. ` +
      "Without a class Velero copies the Badger volume file by file while Jaeger writes, which is not a point-in-time copy: " +
      "measured on Badger with Jaeger's options, 3 of 41 such copies lacked writes acknowledged before the copy began (28,884 in one) and 1 did not open at all. " +
      `Either take crash-consistent snapshots: \`pulumi config set --path backup.volumeSnapshotClass <class>\` (kubectl get volumesnapshotclass); ` +
      `or accept file copies that may lose spans: \`pulumi config set --path backup.acceptInconsistentFileCopies true\` (docs/backups.md)`,
  ];
}

/** What restoring the Badger claim from a Velero backup needs. */
function restoreChecks(storage: Shape["storage"], backup: Shape["backup"]): string[] {
  const restore = backup.restore;
  if (!restore) return [];
  const problems: string[] = [];
  if (storage.backend !== "badger") {
    problems.push(
      `${PROJECT}:backup.restore.backupName = "${restore.backupName}": expected storage.backend "badger" (Velero backs up the Badger claim; restore Elasticsearch snapshots with the README's snapshot restore)`,
    );
  } else if (backup.volumeSnapshotClass === undefined) {
    problems.push(
      `${PROJECT}:backup.restore.backupName = "${restore.backupName}": expected backup.volumeSnapshotClass as well (a restore from the stack config fills the claim through Velero's data mover; restore file-system backups with the README's runbook, which restores the pod with the claim)`,
    );
  }
  return problems;
}

/** Secrets that another key requires, or that nothing uses. Values are never echoed. */
function secretRequirements(input: Partial<Record<TopLevelKey, unknown>>): string[] {
  const problems: string[] = [];
  const setSecret = (key: TopLevelKey) => `run \`pulumi config set --secret ${key} -- '<value>'\``;
  if (valueAt(input, ["grafana", "import"]) === "api" && !input.grafanaApiToken) {
    problems.push(
      `${PROJECT}:grafanaApiToken = (not set): expected a Grafana service-account token when grafana.import is "api"; ${setSecret("grafanaApiToken")}`,
    );
  }
  const esAuth = valueAt(input, ["storage", "elasticsearch", "auth"]) ?? "none";
  if (esAuth === "basic" && !input.elasticsearchPassword) {
    problems.push(
      `${PROJECT}:elasticsearchPassword = (not set): expected the password of storage.elasticsearch.username when storage.elasticsearch.auth is basic; ${setSecret("elasticsearchPassword")}`,
    );
  }
  if (esAuth === "apiKey" && !input.elasticsearchApiKey) {
    problems.push(
      `${PROJECT}:elasticsearchApiKey = (not set): expected an API key when storage.elasticsearch.auth is apiKey; ${setSecret("elasticsearchApiKey")}`,
    );
  }
  const uiBasicAuth = valueAt(input, ["security", "uiBasicAuth"]);
  if ((uiBasicAuth === true || uiBasicAuth === "true") && !input.uiHtpasswd) {
    problems.push(
      `${PROJECT}:uiHtpasswd = (not set): expected htpasswd lines (htpasswd -nbB <user> <password>) when security.uiBasicAuth is true; ${setSecret("uiHtpasswd")}`,
    );
  }
  if (typeof input.uiHtpasswd === "string" && input.uiHtpasswd) {
    problems.push(...htpasswdProblems(input.uiHtpasswd));
  }
  if (esAuth !== "basic" && input.elasticsearchPassword) {
    problems.push(
      `${PROJECT}:elasticsearchPassword is set but unused: expected storage.elasticsearch.auth "basic" (it is ${show(esAuth)})`,
    );
  }
  if (esAuth !== "apiKey" && input.elasticsearchApiKey) {
    problems.push(
      `${PROJECT}:elasticsearchApiKey is set but unused: expected storage.elasticsearch.auth "apiKey" (it is ${show(esAuth)})`,
    );
  }
  return problems;
}

/** `user:$2y$<cost>$<22-char salt><31-char hash>`, as `htpasswd -nbB` writes it. */
const BCRYPT_LINE = /^[^:\s]+:\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/**
 * Jaeger's basicauth extension also accepts MD5, SHA1 and plain-text htpasswd entries; this
 * stack takes bcrypt only. Lines are named by number, never shown: the value is a secret.
 */
function htpasswdProblems(htpasswd: string): string[] {
  const bad = htpasswd
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "" && !BCRYPT_LINE.test(line))
    .map(({ number }) => number);
  if (bad.length === 0) return [];
  return [
    `${PROJECT}:uiHtpasswd: line${bad.length > 1 ? "s" : ""} ${bad.join(", ")} (value not shown): expected bcrypt entries user:$2y$… as \`htpasswd -nbB <user> <password>\` writes them (MD5, SHA1 and plain-text entries are refused)`,
  ];
}

/**
 * The smallest memory limit a Badger pod keeps running under when overloaded. Badger alone may
 * hold 576MiB (five 64MiB memtables and a 256MiB block cache: the options Jaeger 2.20 opens it
 * with, as it logs them at start). Measured on Jaeger 2.20 in a memory cgroup of the limit, at
 * 40,000 spans/s: at 256Mi the kernel killed it before its memory_limiter refused anything; at
 * 768Mi, 1Gi and the dev stack's 1464Mi it refused spans and kept running (tests/e2e/overload.e2e.ts).
 */
export const BADGER_MIN_MEMORY_LIMIT = "768Mi";

function badgerMemoryFloor(backend: string, resources: Resources): string[] {
  const limit = parseBytesQuantity(resources.limits.memory) ?? 0;
  if (backend !== "badger" || limit >= (parseBytesQuantity(BADGER_MIN_MEMORY_LIMIT) ?? 0)) return [];
  return [
    `${PROJECT}:jaeger.resources.limits.memory = ${show(resources.limits.memory)}: expected at least ${BADGER_MIN_MEMORY_LIMIT} with storage.backend "badger": Badger alone may hold 576MiB (its memtables and block cache), and under load a smaller pod is OOM-killed before Jaeger's memory_limiter can refuse spans`,
  ];
}

function checkLimitsCoverRequests(resources: Resources): string[] {
  const problems: string[] = [];
  const cpuRequest = parseCpuMillis(resources.requests.cpu) ?? 0;
  const cpuLimit = parseCpuMillis(resources.limits.cpu) ?? 0;
  if (cpuLimit < cpuRequest) {
    problems.push(
      `${PROJECT}:jaeger.resources.limits.cpu = ${show(resources.limits.cpu)}: expected at least the CPU request (${resources.requests.cpu})`,
    );
  }
  const memRequest = parseBytesQuantity(resources.requests.memory) ?? 0;
  const memLimit = parseBytesQuantity(resources.limits.memory) ?? 0;
  if (memLimit < memRequest) {
    problems.push(
      `${PROJECT}:jaeger.resources.limits.memory = ${show(resources.limits.memory)}: expected at least the memory request (${resources.requests.memory})`,
    );
  }
  return problems;
}

/** Query servers (search backends) by default: they read, they do not buffer spans. */
const QUERY_RESOURCES: Resources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "1", memory: "1Gi" },
};

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

// The engine tells the program which config keys hold secrets; the SDK keeps that list in its
// config store and exposes the check only as an internal function.
const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };

/** The stack config as a program states it: the same keys and shapes as `jaeger-spm:*` stack config. */
export type { StackSettings };

/**
 * Validates settings a program states itself (a library user's own config) exactly as stack config
 * is validated; every default applies. Secrets (passwords, tokens) given here are the program's to
 * guard: pass them from `pulumi.Config.requireSecret` values you unwrap, or leave them unset.
 * Throws StackConfigError listing every problem; returns the warnings preview would print.
 */
export function stackConfigFrom(settings: StackSettings): { config: StackConfig; warnings: string[] } {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    raw[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const secrets = new Set([...SECRET_KEYS].map((key) => `${PROJECT}:${key}`));
  const result = parseStackConfig(raw, secrets);
  if (!result.ok) throw new StackConfigError(result.problems);
  return { config: result.config, warnings: result.warnings };
}

/**
 * Reads this stack's config from the engine and validates it, with the stack file's own checks
 * when the program runs beside it; throws StackConfigError listing every problem.
 */
export function loadStackConfig(): StackConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(raw).filter((key) => isConfigSecret(key)));
  const file = `Pulumi.${pulumi.getStack()}.yaml`;
  const fileProblems = fs.existsSync(file) ? stackFileProblems(fs.readFileSync(file, "utf8"), PROJECT, file) : [];
  const result = parseStackConfig(raw, secretKeys);
  if (!result.ok || fileProblems.length > 0)
    throw new StackConfigError([...fileProblems, ...(result.ok ? [] : result.problems)]);
  for (const warning of result.warnings) void pulumi.log.warn(warning);
  return result.config;
}
