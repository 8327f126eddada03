// The one schema for this project's stack configuration. Every key has a default,
// a description and a check; `loadStackConfig` (./load.ts) applies it to the raw
// values the Pulumi engine hands the program.
import { isIP } from "node:net";
import { Cron } from "croner";
import { z } from "zod";
import { parseBytesQuantity, parseCpuMillis, parseGoDurationSeconds, parsePrometheusDurationSeconds } from "./units";
import { CHART_SOURCE_EXPECTED, HELM_CHARTS, HelmChartName, chartArchiveName, parseChartSource } from "./charts";

/** Pulumi project name: config keys are `jaeger-spm:<key>`. Must match Pulumi.yaml. */
export const PROJECT = "jaeger-spm";

// `pulumi config set --path a.b 0.5` stores the *string* "0.5" (only integers and
// true/false are typed by the CLI), so numbers and booleans also accept their text.
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// The parameter types are what a program may state (StackSettings, config/shapes.ts); at run time
// any JSON value arrives here and the schema after the preprocess judges it.
const fromNumericText = (value: number | string): unknown =>
  typeof value === "string" && NUMERIC_TEXT.test(value.trim()) ? Number(value) : value;
const fromBooleanText = (value: boolean | "true" | "false"): unknown =>
  value === "true" ? true : value === "false" ? false : value;

function number(expected: string) {
  return z.preprocess(fromNumericText, z.number({ error: expected }).finite({ error: expected }));
}
function integer(expected: string, min: number, max: number) {
  return z.preprocess(
    fromNumericText,
    z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected }),
  );
}
function boolean(expected = "true or false") {
  return z.preprocess(fromBooleanText, z.boolean({ error: expected }));
}
function text(expected: string) {
  return z.string({ error: expected });
}

/** What every structured key expects (load.ts also uses it for nested objects zod reports itself). */
export const OBJECT_EXPECTED_MESSAGE =
  "an object; set its fields with `pulumi config set --path <key>.<field> <value>`";
const OBJECT_EXPECTED = { error: OBJECT_EXPECTED_MESSAGE };

const DURATION_EXPECTED =
  "a positive Go duration such as 168h, 72h, 90m or 30s (units ns, us, ms, s, m, h; days are not a unit: 7 days = 168h)";
/** Go's largest duration, 2562047h47m16.854775807s (math.MaxInt64 nanoseconds): time.ParseDuration refuses more. */
export const GO_MAX_DURATION_SECONDS = 9_223_372_036.854775807;

/** A Go duration of at least `minSeconds` (a shorter one makes Jaeger spin or drop data at once). */
export function goDuration(min: { seconds: number; text: string } = { seconds: 1, text: "1s" }) {
  const expected = `${DURATION_EXPECTED}, at least ${min.text}`;
  return text(expected)
    .refine((value) => (parseGoDurationSeconds(value) ?? 0) >= min.seconds, { error: expected, abort: true })
    .refine((value) => (parseGoDurationSeconds(value) ?? 0) <= GO_MAX_DURATION_SECONDS, {
      error: "a duration of at most 2562047h (about 292 years, Go's largest duration: longer ones do not parse)",
    });
}

const PROMETHEUS_DURATION_EXPECTED =
  "a Prometheus duration: whole numbers of y, w, d, h, m, s, ms, largest unit first, such as 10m, 1h30m or 2d (not 1.5h or 1us)";
/** A positive duration in Prometheus' grammar (alert `for`, scrape intervals), at least `min`. */
function prometheusDuration(min: { seconds: number; text: string }) {
  const expected = `${PROMETHEUS_DURATION_EXPECTED}, at least ${min.text}`;
  return text(expected).refine((value) => (parsePrometheusDurationSeconds(value) ?? 0) >= min.seconds, {
    error: expected,
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_EXPECTED = "a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters";
function dnsLabel() {
  return text(DNS_LABEL_EXPECTED)
    .max(63, { error: DNS_LABEL_EXPECTED })
    .regex(DNS_LABEL, { error: DNS_LABEL_EXPECTED });
}

/**
 * Credentials never ride in a URL: the URLs land in config maps, container arguments and stack
 * outputs, none of them secret. Each key that takes a URL says where its credentials go instead.
 */
const NO_CREDENTIALS_IN_URLS = "no user:password@ in the URL (URLs land in config maps, arguments and outputs)";

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const hasUserInfo = (value: string) => {
  const url = parsedUrl(value);
  return url !== undefined && (url.username !== "" || url.password !== "");
};

const DNS_SUBDOMAIN_EXPECTED =
  "a DNS-1123 subdomain as Kubernetes names StorageClasses: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";
function storageClassName() {
  return text(DNS_SUBDOMAIN_EXPECTED)
    .max(253, { error: DNS_SUBDOMAIN_EXPECTED })
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: DNS_SUBDOMAIN_EXPECTED });
}

function httpsUrl(what: string, credentials = "") {
  const expected = `${what}: an https:// URL with a host`;
  return text(expected)
    .refine((value) => parsedUrl(value)?.protocol === "https:" && parsedUrl(value)?.hostname !== "", {
      error: expected,
      abort: true,
    })
    .refine((value) => !hasUserInfo(value), { error: `${expected}, ${NO_CREDENTIALS_IN_URLS}${credentials}` });
}

function httpUrl(what: string, credentials = "") {
  const expected = `${what}: an http:// or https:// URL with a host`;
  return text(expected)
    .refine(
      (value) => {
        const url = parsedUrl(value);
        return (url?.protocol === "http:" || url?.protocol === "https:") && url.hostname !== "";
      },
      { error: expected, abort: true },
    )
    .refine((value) => !hasUserInfo(value), { error: `${expected}, ${NO_CREDENTIALS_IN_URLS}${credentials}` });
}

const CPU_EXPECTED = 'a Kubernetes CPU quantity such as "500m" or "1"';
const BYTES_EXPECTED = 'a Kubernetes byte quantity such as "512Mi", "2Gi" or "20Gi"';
// `pulumi config set --path …cpu 1` stores the integer 1, and `cpu: 1` in a stack file is a number:
// a quantity accepts a plain number as its text, as Kubernetes does.
const numberAsText = (value: string | number): unknown =>
  typeof value === "number" && Number.isFinite(value) ? String(value) : value;
const cpuQuantity = () =>
  z.preprocess(
    numberAsText,
    text(CPU_EXPECTED).refine((v) => (parseCpuMillis(v) ?? 0) > 0, { error: CPU_EXPECTED }),
  );
/** What a byte size written another way ("4GB", "512 mb", "2gi") most likely meant, in Kubernetes' spelling. */
export function bytesQuantityHint(value: string): string | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpe])(i?)(b?)\s*$/i.exec(value);
  if (!match) return undefined;
  const prefix = match[2].toLowerCase() === "k" ? "K" : match[2].toUpperCase();
  return `${match[1]}${prefix}i`;
}

const bytesQuantity = () =>
  z.preprocess(
    numberAsText,
    text(BYTES_EXPECTED).refine((v) => (parseBytesQuantity(v) ?? 0) > 0, {
      error: (issue) => {
        const hint = typeof issue.input === "string" ? bytesQuantityHint(issue.input) : undefined;
        return hint && hint !== issue.input ? `${BYTES_EXPECTED} (did you mean "${hint}"?)` : BYTES_EXPECTED;
      },
    }),
  );

/** `<repository>[:<tag>][@sha256:<digest>]`, or undefined when it is not an image reference. */
function parseImage(image: string): { tag?: string; digest?: string } | undefined {
  const match = /^([a-z0-9][a-z0-9._\-/:]*?[a-z0-9])(?::([\w][\w.-]{0,127}))?(?:@sha256:([a-f0-9]{64}))?$/.exec(image);
  return match ? { tag: match[2], digest: match[3] } : undefined;
}

/** A tag that names a release: starts with a version number (2.20.0, v1.33.4, 8.11.1-alpine). */
const VERSION_TAG = /^v?\d+(\.\d+)*([-+_.][\w.-]*)?$/;

/** Pinned: a digest, or a version tag; never a moving tag such as latest, stable or main. */
function isPinned(ref: { tag?: string; digest?: string }): boolean {
  return ref.digest !== undefined || (ref.tag !== undefined && VERSION_TAG.test(ref.tag));
}

const IMAGE_EXPECTED =
  "a pinned Jaeger v2 image of 2.20.0 or newer: <repository>:<tag> and/or @sha256:<digest>, e.g. jaegertracing/jaeger:2.20.0 (no 'latest' or other moving tag, no untagged image; older releases do not know keys of the config this program renders, and it is tested on 2.20)";

/** The oldest Jaeger the rendered config is written for (and tested on). */
export const MIN_JAEGER_VERSION = [2, 20, 0] as const;

/** Whether a version tag (2.20.0, v2.21.1, 2.20.0-rc1) is 2.x at or after MIN_JAEGER_VERSION. */
function supportedJaegerTag(tag: string): boolean {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  if (!match) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (major !== MIN_JAEGER_VERSION[0]) return false;
  return minor > MIN_JAEGER_VERSION[1] || (minor === MIN_JAEGER_VERSION[1] && patch >= MIN_JAEGER_VERSION[2]);
}
function jaegerImage() {
  return text(IMAGE_EXPECTED).refine(
    (image) => {
      const ref = parseImage(image);
      if (!ref || !isPinned(ref)) return false;
      return ref.tag === undefined || supportedJaegerTag(ref.tag);
    },
    { error: IMAGE_EXPECTED },
  );
}

/** An image for a job: pinned to a version tag or a digest, so every run gets the same tools. */
function pinnedImage(what: string) {
  const expected = `${what}, pinned: <repository>:<version tag> and/or @sha256:<digest> (no 'latest' or other moving tag such as stable or main)`;
  return text(expected).refine(
    (image) => {
      const ref = parseImage(image);
      return ref !== undefined && isPinned(ref);
    },
    { error: expected },
  );
}

const CRON_EXPECTED =
  'a cron schedule of five fields (minute hour day-of-month month day-of-week) within their ranges, or a macro such as @daily, e.g. "0 2 * * *"';
const CRON_MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** Whether croner parses the pattern (fields, ranges, lists, steps, names). */
function cronParses(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true });
    return true;
  } catch {
    return false;
  }
}

/** A Kubernetes CronJob schedule: five fields or a macro (what the CronJob controller accepts). */
export function cronSchedule() {
  return text(CRON_EXPECTED).refine(
    (value) => {
      const trimmed = value.trim();
      if (CRON_MACROS.has(trimmed)) return true;
      const fields = trimmed.split(/\s+/);
      return fields.length === 5 && !fields.includes("?") && cronParses(trimmed);
    },
    { error: CRON_EXPECTED },
  );
}

const QUARTZ_EXPECTED =
  'an Elasticsearch SLM schedule: six or seven fields (second minute hour day-of-month month day-of-week [year]) with "?" in exactly one of day-of-month and day-of-week, e.g. "0 30 1 * * ?"';

/** An Elasticsearch SLM (Quartz-style) cron schedule; it is also placed in a JSON body, so no quotes. */
function quartzSchedule() {
  return text(QUARTZ_EXPECTED).refine(
    (value) => {
      const fields = value.trim().split(/\s+/);
      if (fields.length < 6 || fields.length > 7) return false;
      if (!fields.every((f) => /^[\w*?/,#-]+$/.test(f))) return false;
      if ((fields[3] === "?") === (fields[5] === "?")) return false;
      return cronParses(fields.slice(0, 6).join(" "));
    },
    { error: QUARTZ_EXPECTED },
  );
}

const PROBABILITY_EXPECTED = "a sampling probability between 0 and 1 (e.g. 0.1 = 10% of traces)";
/**
 * The largest rate SDKs can be sent: the strategy's maxTracesPerSecond is a Thrift i16
 * (jaeger-idl thrift/sampling.thrift, RateLimitingSamplingStrategy), also in the JSON answer.
 */
export const MAX_TRACES_PER_SECOND = 32767;
const RATE_EXPECTED = `a whole number of traces per second, at least 1 and at most ${MAX_TRACES_PER_SECOND} (Jaeger reads the rate as an integer: 0.5 would become 0; SDKs take at most ${MAX_TRACES_PER_SECOND}, a 16-bit integer)`;

/** A name as spans carry it: not empty, no surrounding whitespace (Jaeger matches names exactly). */
function exactName(what: string) {
  const expected = `a non-empty ${what} without leading or trailing spaces (Jaeger matches it exactly)`;
  return text(expected)
    .min(1, { error: expected })
    .refine((v) => v.trim() === v, { error: expected });
}
const STRATEGY_TYPE_EXPECTED = 'one of "probabilistic" or "ratelimiting"';

const operationStrategy = z.strictObject({
  operation: exactName("operation (span) name"),
  type: z.enum(["probabilistic", "ratelimiting"], { error: STRATEGY_TYPE_EXPECTED }).default("probabilistic"),
  param: number(PROBABILITY_EXPECTED),
});

const strategyFields = {
  type: z.enum(["probabilistic", "ratelimiting"], { error: STRATEGY_TYPE_EXPECTED }).default("probabilistic"),
  param: number(`${PROBABILITY_EXPECTED} for probabilistic, or ${RATE_EXPECTED} for ratelimiting`),
  operations: z.array(operationStrategy, { error: "a list of {operation, param} entries" }).default([]),
};

interface StrategyValue {
  type: "probabilistic" | "ratelimiting";
  param: number;
  operations: { operation: string; type: "probabilistic" | "ratelimiting"; param: number }[];
}

function checkStrategy(s: StrategyValue, ctx: z.core.$RefinementCtx<StrategyValue>): void {
  if (s.type === "probabilistic" && (s.param < 0 || s.param > 1)) {
    ctx.addIssue({ code: "custom", path: ["param"], message: PROBABILITY_EXPECTED });
  }
  if (s.type === "ratelimiting" && !(Number.isInteger(s.param) && s.param >= 1 && s.param <= MAX_TRACES_PER_SECOND)) {
    ctx.addIssue({ code: "custom", path: ["param"], message: RATE_EXPECTED });
  }
  if (s.type === "ratelimiting" && s.operations.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["operations"],
      message: `no per-operation rules with type "ratelimiting": SDKs apply per-operation rules first, so the rate limit would never apply (use type "probabilistic", or drop the operations)`,
    });
  }
  const seen = new Set<string>();
  s.operations.forEach((op, i) => {
    if (op.type === "ratelimiting") {
      ctx.addIssue({
        code: "custom",
        path: ["operations", i, "type"],
        message: '"probabilistic": Jaeger does not support ratelimiting per operation',
      });
    } else if (op.param < 0 || op.param > 1) {
      ctx.addIssue({ code: "custom", path: ["operations", i, "param"], message: PROBABILITY_EXPECTED });
    }
    if (seen.has(op.operation)) {
      ctx.addIssue({
        code: "custom",
        path: ["operations", i, "operation"],
        message: `each operation once; "${op.operation}" is listed twice`,
      });
    }
    seen.add(op.operation);
  });
}

const defaultStrategy = z.strictObject(strategyFields).superRefine(checkStrategy);
const serviceStrategy = z
  .strictObject({
    service: exactName("service name"),
    ...strategyFields,
  })
  .superRefine(checkStrategy);

const samplingSchema = z
  .strictObject(
    {
      default: defaultStrategy.prefault({ type: "probabilistic", param: 0.1 }),
      services: z.array(serviceStrategy, { error: "a list of per-service strategies" }).default([]),
      reloadInterval: goDuration().default("30s"),
    },
    OBJECT_EXPECTED,
  )
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.services.forEach((svc, i) => {
      // Jaeger gives a service without per-operation rules the default's, and SDKs apply those
      // first (jaeger v2.20.0 internal/sampling/samplingstrategy/file/provider.go, parseStrategies).
      if (svc.type === "ratelimiting" && svc.operations.length === 0 && s.default.operations.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "type"],
          message: `"probabilistic" while sampling.default has per-operation rules: Jaeger gives this service the default's rules, SDKs apply them first, and the rate limit would never apply`,
        });
      }
      if (seen.has(svc.service)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "service"],
          message: `each service once; "${svc.service}" is listed twice`,
        });
      }
      seen.add(svc.service);
    });
  });

const resourceAmounts = z.strictObject({
  cpu: cpuQuantity().optional(),
  memory: bytesQuantity().optional(),
});

const jaegerSchema = z.strictObject(
  {
    image: jaegerImage().default("jaegertracing/jaeger:2.20.0"),
    expectedSpansPerSecond: integer("a whole number of spans per second, 0 to 1000000", 0, 1_000_000).default(1000),
    resources: z
      .strictObject({
        requests: resourceAmounts.prefault({}),
        limits: resourceAmounts.prefault({}),
      })
      .prefault({}),
    query: z
      .strictObject({
        serviceType: z
          .enum(["ClusterIP", "NodePort"], { error: 'one of "ClusterIP" or "NodePort"' })
          .default("ClusterIP"),
        nodePort: integer("a NodePort between 30000 and 32767", 30000, 32767).default(30002),
        // Query servers (Elasticsearch/OpenSearch only; Badger runs one all-in-one process).
        replicas: integer("a whole number of query replicas, 1 to 20", 1, 20).default(2),
        resources: z
          .strictObject({ requests: resourceAmounts.prefault({}), limits: resourceAmounts.prefault({}) })
          .prefault({}),
      })
      .prefault({}),
    // Collector autoscaling (Elasticsearch/OpenSearch only).
    collector: z
      .strictObject({
        minReplicas: integer("a whole number of replicas, 1 to 100", 1, 100).default(2),
        maxReplicas: integer("a whole number of replicas, 1 to 100", 1, 100).default(6),
        targetCpuUtilizationPercent: integer("a CPU utilisation target in percent, 10 to 100", 10, 100).default(70),
      })
      .prefault({})
      .superRefine((c, ctx) => {
        if (c.maxReplicas < c.minReplicas) {
          ctx.addIssue({
            code: "custom",
            path: ["maxReplicas"],
            message: `at least jaeger.collector.minReplicas (${c.minReplicas})`,
          });
        }
      }),
    terminationGracePeriodSeconds: integer("whole seconds between 30 and 600", 30, 600).default(60),
    // In-memory queue in front of the storage writer (off upstream by default): absorbs write
    // stalls, but spans in it are lost if the pod dies. Enables the queue-capacity alert.
    exporterQueue: z
      .strictObject({
        enabled: boolean().default(false),
        queueSize: integer("a queue size in batches, 10 to 100000", 10, 100_000).default(1000),
        numConsumers: integer("a number of consumers, 1 to 100", 1, 100).default(10),
      })
      .prefault({}),
  },
  OBJECT_EXPECTED,
);

const indexSettings = (shards: number) =>
  z
    .strictObject({
      shards: integer("a whole number of shards, 1 to 100", 1, 100).default(shards),
      replicas: integer("a whole number of replicas, 0 to 10", 0, 10).default(1),
    })
    .prefault({});

const PEM_EXPECTED =
  'a PEM certificate (-----BEGIN CERTIFICATE----- …), e.g. pulumi config set --path storage.elasticsearch.caCert -- "$(cat ca.crt)"';

/**
 * Jaeger names indices <prefix>-jaeger-<type>-<date>, adding the '-' unless the prefix ends in one
 * (v2.20.0 internal/storage/elasticsearch/config/config.go, joinPrefix), so "tracing-" and
 * "tracing" name the same indices; the stack's own patterns (roles, snapshots) add the '-' always,
 * so a trailing one is refused. The longest suffix, "-jaeger-dependencies-2026-12-07", adds 31
 * characters, and an index name has at most 255 bytes.
 */
const MAX_INDEX_PREFIX = 255 - "-jaeger-dependencies-2026-12-07".length;
const INDEX_PREFIX_EXPECTED = `an index prefix of lower-case letters, digits and '-', not starting or ending with '-' (the '-' before jaeger- is added for you), at most ${MAX_INDEX_PREFIX} characters (index names are at most 255)`;

const MAJOR_VERSION_EXPECTED = "the cluster's major version: 7, 8 or 9 for Elasticsearch, 1, 2 or 3 for OpenSearch";

/** Where a chart comes from (config/charts.ts); its default is the chart's upstream repository. */
function chartSource(name: HelmChartName) {
  return text(CHART_SOURCE_EXPECTED)
    .refine((value) => parseChartSource(value) !== undefined, { error: CHART_SOURCE_EXPECTED })
    .default(HELM_CHARTS[name].repository);
}

/** A packaged chart must be the version the stack pins: Helm would install whatever the archive holds. */
function archiveMatchesVersion(
  name: HelmChartName,
  keys: { source: string; version: string },
): (value: Record<string, unknown>, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    const source = parseChartSource(String(value[keys.source] ?? ""));
    if (source?.kind !== "archive") return;
    const expected = chartArchiveName(HELM_CHARTS[name].chart, String(value[keys.version]));
    if (source.path.split(/[\\/]/).pop() !== expected)
      ctx.addIssue({
        code: "custom",
        path: [keys.source],
        message: `the archive of the pinned chart version, named ${expected} as helm package names it (${keys.version} says which version)`,
      });
  };
}

/** The major versions Jaeger 2.20 supports per flavor (internal/storage/elasticsearch/backend_version.go). */
export const SUPPORTED_MAJOR_VERSIONS = { elasticsearch: [7, 8, 9], opensearch: [1, 2, 3] } as const;

const elasticsearchSchema = z
  .strictObject({
    flavor: z
      .enum(["elasticsearch", "opensearch"], { error: 'one of "elasticsearch" or "opensearch"' })
      .default("elasticsearch"),
    mode: z.enum(["external", "inCluster"], { error: 'one of "external" or "inCluster"' }).default("external"),
    serverUrls: z
      .array(
        httpUrl(
          "an Elasticsearch/OpenSearch server URL (e.g. https://es.example.com:9200)",
          "; give credentials with storage.elasticsearch.auth and the elasticsearchPassword or elasticsearchApiKey secret",
        ),
        { error: "a list of URLs" },
      )
      .default([]),
    auth: z.enum(["none", "basic", "apiKey"], { error: 'one of "none", "basic" or "apiKey"' }).default("none"),
    username: text("a user name").min(1, { error: "a non-empty user name" }).optional(),
    // The external cluster's major version. Jaeger otherwise asks the cluster (GET /) when it
    // starts, which a secured cluster refuses to a query server that has only callers' tokens.
    majorVersion: integer(MAJOR_VERSION_EXPECTED, 1, 9).optional(),
    caCert: text(PEM_EXPECTED)
      .regex(/-----BEGIN CERTIFICATE-----/, { error: PEM_EXPECTED })
      .optional(),
    indexPrefix: text(INDEX_PREFIX_EXPECTED)
      .max(MAX_INDEX_PREFIX, { error: INDEX_PREFIX_EXPECTED })
      .regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?)?$/, { error: INDEX_PREFIX_EXPECTED })
      .default(""),
    spans: indexSettings(3),
    otherIndices: indexSettings(1),
    // How indices rotate (Jaeger 2.20's indices.<type>.rotation): "periodic" writes one index per
    // day and the index cleaner deletes whole days; "autoRollover" writes through aliases and the
    // cluster rolls over by size or age and deletes by retention (an ISM policy on OpenSearch, ILM
    // on Elasticsearch), with no cleaner.
    rotation: z
      .enum(["periodic", "autoRollover"], { error: 'one of "periodic" or "autoRollover"' })
      .default("periodic"),
    rollover: z
      .strictObject({
        // A new index when the write index's primary shard reaches this size or this age,
        // whichever comes first.
        maxPrimaryShardSize: bytesQuantity().default("50Gi"),
        maxAge: goDuration({ seconds: 3600, text: "1h" }).default("24h"),
        // Default: jaegertracing/jaeger-es-rollover with the Jaeger image's tag.
        image: pinnedImage("an es-rollover image").optional(),
      })
      .prefault({}),
    indexCleaner: z
      .strictObject({
        schedule: cronSchedule().default("55 23 * * *"),
        // Default: jaegertracing/jaeger-es-index-cleaner with the Jaeger image's tag.
        image: pinnedImage("an index cleaner image").optional(),
      })
      .prefault({}),
    inCluster: z
      .strictObject({
        version: text("an Elasticsearch version such as 8.19.0")
          .regex(/^\d+\.\d+\.\d+$/, { error: "an Elasticsearch version such as 8.19.0" })
          .default("8.19.0"),
        nodeCount: integer("a whole number of nodes, 1 to 50", 1, 50).default(3),
        // Default: derived from spans/s, storage.bytesPerSpan, retention and replicas (config/sizing.ts).
        volumeSize: bytesQuantity().optional(),
        storageClass: storageClassName().optional(),
        memory: bytesQuantity().default("4Gi"),
        cpu: cpuQuantity().default("1"),
        operatorChartVersion: text("a pinned chart version such as 2.16.0")
          .regex(/^\d+\.\d+\.\d+$/, { error: "a pinned chart version such as 2.16.0" })
          .default("2.16.0"),
        operatorChartRepository: chartSource("eckOperator"),
        operatorNamespace: dnsLabel().default("elastic-system"),
      })
      .superRefine(
        archiveMatchesVersion("eckOperator", { source: "operatorChartRepository", version: "operatorChartVersion" }),
      )
      .prefault({}),
  })
  .prefault({});

const storageSchema = z
  .strictObject(
    {
      backend: z.enum(["badger", "elasticsearch"], { error: 'one of "badger" or "elasticsearch"' }).default("badger"),
      retention: goDuration({ seconds: 3600, text: "1h" }).default("168h"),
      // What `pulumi destroy` (or removing the storage from the program) does to the trace data:
      // kept by default (the Badger claim, the in-cluster Elasticsearch and the namespace that
      // holds them stay in the cluster); true deletes them, with whatever the storage class's
      // reclaim policy then does to the volumes.
      deleteDataOnDestroy: boolean().default(false),
      // Average stored size of one span (index and document); sizes the volumes.
      // Default: by backend, DEFAULT_BYTES_PER_SPAN (config/sizing.ts).
      bytesPerSpan: integer("a whole number of bytes per span, 64 to 1048576", 64, 1_048_576).optional(),
      badger: z
        .strictObject({
          volumeSize: bytesQuantity().optional(),
          storageClass: storageClassName().optional(),
          // How often Jaeger runs Badger's value-log GC and measures free disk (the
          // jaeger_storage_badger_*_bytes_available gauges behind JaegerBadgerDiskSpaceLow):
          // internal/storage/v1/badger/factory.go, maintenance(); upstream's default is 5m.
          maintenanceInterval: goDuration().default("5m"),
        })
        .prefault({}),
      elasticsearch: elasticsearchSchema,
    },
    OBJECT_EXPECTED,
  )
  .superRefine((s, ctx) => {
    const es = s.elasticsearch;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (s.backend !== "elasticsearch") return;
    if (es.mode === "external" && es.serverUrls.length === 0) {
      issue(
        ["elasticsearch", "serverUrls"],
        'at least one server URL when storage.backend is elasticsearch (mode external), e.g. ["https://es.example:9200"]',
      );
    }
    if (es.mode === "inCluster") {
      if (es.serverUrls.length > 0) {
        issue(
          ["elasticsearch", "serverUrls"],
          "no server URLs with mode inCluster (the in-cluster cluster's address is used)",
        );
      }
      if (es.flavor === "opensearch") {
        issue(
          ["elasticsearch", "mode"],
          '"external" for OpenSearch (the in-cluster operator, ECK, runs Elasticsearch only)',
        );
      }
      if (es.auth !== "none" || es.username !== undefined) {
        issue(["elasticsearch", "auth"], '"none" with mode inCluster (credentials come from the operator)');
      }
      for (const index of ["spans", "otherIndices"] as const) {
        if (es[index].replicas >= es.inCluster.nodeCount) {
          issue(
            ["elasticsearch", index, "replicas"],
            `fewer replicas (${es[index].replicas}) than storage.elasticsearch.inCluster.nodeCount (${es.inCluster.nodeCount}): a replica never shares a node with its primary, so the rest stay unassigned and the cluster turns yellow`,
          );
        }
      }
    }
    if (
      es.majorVersion !== undefined &&
      !(SUPPORTED_MAJOR_VERSIONS[es.flavor] as readonly number[]).includes(es.majorVersion)
    ) {
      issue(
        ["elasticsearch", "majorVersion"],
        `one of ${SUPPORTED_MAJOR_VERSIONS[es.flavor].join(", ")} for flavor ${es.flavor} (the versions Jaeger 2.20 supports)`,
      );
    }
    const [major, minor] = es.inCluster.version.split(".").map(Number);
    if (es.mode === "inCluster" && (major < 8 || (major === 8 && minor < 8))) {
      issue(
        ["elasticsearch", "inCluster", "version"],
        "8.8.0 or newer: from 8.8 ECK runs Elasticsearch non-root with no capabilities and a read-only root filesystem, as the restricted Pod Security namespace requires",
      );
    }
    if (es.mode === "inCluster" && es.majorVersion !== undefined) {
      issue(
        ["elasticsearch", "majorVersion"],
        "not set with mode inCluster (storage.elasticsearch.inCluster.version says it)",
      );
    }
    if (es.auth === "basic" && es.username === undefined) {
      issue(["elasticsearch", "username"], "a user name when storage.elasticsearch.auth is basic");
    }
    if (es.auth !== "basic" && es.username !== undefined) {
      issue(["elasticsearch", "auth"], '"basic" when storage.elasticsearch.username is set (or remove the user name)');
    }
    const seconds = parseGoDurationSeconds(s.retention) ?? 0;
    if (es.rotation === "periodic" && seconds % 86400 !== 0) {
      issue(
        ["retention"],
        "a whole number of days (e.g. 168h or 72h) with storage.backend elasticsearch: indices are daily and the index cleaner deletes whole days",
      );
    }
  });

const spmSchema = z.strictObject(
  {
    // Optional: when unset, the bundled Prometheus (if enabled), else DEFAULT_PROMETHEUS_URL.
    prometheusUrl: httpUrl("the Prometheus that Jaeger's Monitor tab queries").optional(),
    metricsFlushInterval: goDuration().default("15s"),
    // Span-metric series per service (span name x kind x status) before new combinations go to
    // one overflow series (otel_metric_overflow="true"): span names with ids in them (raw URLs,
    // queries) would otherwise grow Jaeger's memory and Prometheus' series without bound
    // (connector/spanmetricsconnector aggregation_cardinality_limit, v0.155).
    cardinalityLimit: integer("a whole number of series per service, 10 to 1000000", 10, 1_000_000).default(2000),
    // A series that sees no span for this long is dropped, which frees its place under the limit.
    seriesExpiration: goDuration({ seconds: 60, text: "1m" }).default("1h"),
  },
  OBJECT_EXPECTED,
);

const RATIO_EXPECTED = "a ratio between 0 and 1 (e.g. 0.05 = 5%)";
const ratio = () =>
  z.preprocess(
    fromNumericText,
    z.number({ error: RATIO_EXPECTED }).gt(0, { error: RATIO_EXPECTED }).lt(1, { error: RATIO_EXPECTED }),
  );

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const LABELS_EXPECTED =
  "Kubernetes labels: keys like release or example.com/team, values of at most 63 letters, digits, '-', '_' or '.'";
const labels = () =>
  z.record(
    text(LABELS_EXPECTED).regex(LABEL_KEY, { error: LABELS_EXPECTED }),
    text(LABELS_EXPECTED).regex(LABEL_VALUE, { error: LABELS_EXPECTED }),
    { error: LABELS_EXPECTED },
  );

const SCRAPE_INTERVAL_EXPECTED = "whole hours, minutes and seconds such as 30s, 1m or 1m30s, at least 1s";
const CHART_VERSION_EXPECTED = "a pinned chart version such as 88.5.3";
const VELERO_CHART_EXPECTED = "a pinned velero chart version such as 12.1.0";

const monitoringSchema = z
  .strictObject(
    {
      scrape: z
        .enum(["serviceMonitor", "annotations", "both"], { error: 'one of "serviceMonitor", "annotations" or "both"' })
        .default("serviceMonitor"),
      selectorLabels: labels()
        .refine((l) => Object.keys(l).length > 0, { error: "at least one label" })
        .default({ release: "kube-prometheus-stack" }),
      // Absolute URL of docs/runbooks.md (e.g. on your Git host); alerts link to its sections.
      runbookBaseUrl: httpUrl(
        "the absolute URL of docs/runbooks.md, e.g. https://github.com/acme/jaeger-spm/blob/main/docs/runbooks.md",
      )
        .refine((u) => !u.includes("#"), { error: "a URL without a #fragment (each alert adds its own)" })
        .optional(),
      scrapeInterval: text(SCRAPE_INTERVAL_EXPECTED)
        .regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, { error: SCRAPE_INTERVAL_EXPECTED })
        .refine((value) => (parsePrometheusDurationSeconds(value) ?? 0) >= 1, { error: SCRAPE_INTERVAL_EXPECTED })
        .default("30s"),
      bundled: z
        .strictObject({
          enabled: boolean().default(false),
          // The node exporter gets "<namespace>-node-exporter", which must stay a DNS label too.
          namespace: dnsLabel()
            .max(49, {
              error: "a DNS-1123 label of at most 49 characters (the node exporter's namespace adds -node-exporter)",
            })
            .default("monitoring"),
          releaseName: dnsLabel().default("kube-prometheus-stack"),
          chartVersion: text(CHART_VERSION_EXPECTED)
            .regex(/^\d+\.\d+\.\d+$/, { error: CHART_VERSION_EXPECTED })
            .default("88.5.3"),
          chartRepository: chartSource("kubePrometheusStack"),
        })
        .superRefine(
          archiveMatchesVersion("kubePrometheusStack", { source: "chartRepository", version: "chartVersion" }),
        )
        .prefault({}),
      alerts: z
        .strictObject({
          for: prometheusDuration({ seconds: 60, text: "1m" }).default("10m"),
          spansRefusedRatio: ratio().default(0.01),
          exportFailedRatio: ratio().default(0.01),
          noSpansFor: prometheusDuration({ seconds: 60, text: "1m" }).default("15m"),
          targetDownFor: prometheusDuration({ seconds: 60, text: "1m" }).default("5m"),
          exporterQueueRatio: ratio().default(0.8),
          volumeUsedRatio: ratio().default(0.85),
          spanMetricsMissingFor: prometheusDuration({ seconds: 60, text: "1m" }).default("15m"),
          memoryRatio: ratio().default(0.9),
        })
        .prefault({}),
    },
    OBJECT_EXPECTED,
  )
  .superRefine((m, ctx) => {
    if (m.bundled.enabled && m.scrape === "annotations") {
      ctx.addIssue({
        code: "custom",
        path: ["scrape"],
        message:
          '"serviceMonitor" or "both" when monitoring.bundled.enabled is true (kube-prometheus-stack does not read prometheus.io annotations)',
      });
    }
  });

const grafanaSchema = z
  .strictObject(
    {
      import: z.enum(["sidecar", "api", "none"], { error: 'one of "sidecar", "api" or "none"' }).default("sidecar"),
      folder: text("a Grafana folder title").min(1, { error: "a non-empty Grafana folder title" }).default("Jaeger"),
      // Namespace of the sidecar ConfigMaps; default: Jaeger's namespace.
      namespace: dnsLabel().optional(),
      url: httpUrl("the Grafana base URL for API import, e.g. https://grafana.example.com").optional(),
    },
    OBJECT_EXPECTED,
  )
  // Checked and narrowed in one step: "api" always comes with its URL.
  .transform((g, ctx) => {
    if (g.import !== "api") return { ...g, import: g.import };
    if (g.url === undefined) {
      ctx.issues.push({
        code: "custom",
        input: g,
        path: ["url"],
        message: 'the Grafana base URL (e.g. https://grafana.example.com) when grafana.import is "api"',
      });
      return z.NEVER;
    }
    return { ...g, import: g.import, url: g.url };
  });

const REGION_EXPECTED = "an AWS region such as eu-west-1 (one the AWS provider knows: aws.Region)";
/** A region of the pinned AWS provider's Region enum (loaded only when a region is set). */
function isAwsRegion(value: string): boolean {
  const { Region } = require("@pulumi/aws/types/enums") as typeof import("@pulumi/aws/types/enums");
  return (Object.values(Region) as string[]).includes(value);
}

const BUCKET_EXPECTED =
  "an S3 bucket name AWS accepts: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, not an IP address, no '..', no xn-- prefix or -s3alias suffix";
function s3BucketName() {
  return text(BUCKET_EXPECTED).refine(
    (name) =>
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
      !name.includes("..") &&
      !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
      !name.startsWith("xn--") &&
      !name.startsWith("sthree-") &&
      !name.endsWith("-s3alias") &&
      !name.endsWith("--ol-s3"),
    { error: BUCKET_EXPECTED },
  );
}

/**
 * S3 storage classes a restore can read at once with a plain GET (`aws s3 cp`). GLACIER and
 * DEEP_ARCHIVE need a restore request and hours of waiting first, so they are not offered.
 */
export const TRANSITION_STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"] as const;

const PREFIX_EXPECTED = "a key prefix of letters, digits, '-', '_' and '/'";
function keyPrefix() {
  return text(PREFIX_EXPECTED).regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, { error: PREFIX_EXPECTED });
}

const KMS_KEY_ARN_EXPECTED = "a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id>";
const ADMIN_ARN_EXPECTED = "an IAM role or user ARN, arn:aws:iam::<account>:role/<name> or :user/<name>";
const BACKUP_NAME_EXPECTED =
  "a Velero backup name (velero backup get -n velero), e.g. jaeger-badger-20261124020000: lower-case letters, digits, '-' and '.'";

/** Restore the Badger claim from a Velero backup, before Jaeger starts (the claim then comes from the restore). */
const restoreSchema = z.strictObject(
  {
    backupName: text(BACKUP_NAME_EXPECTED)
      .max(253, { error: BACKUP_NAME_EXPECTED })
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: BACKUP_NAME_EXPECTED }),
    // Where the backed-up claim lived (default: this stack's namespace).
    sourceNamespace: dnsLabel().optional(),
    // Another stack's backups: its bucket, Velero prefix and KMS key (default: this stack's own).
    bucket: s3BucketName().optional(),
    prefix: keyPrefix().optional(),
    kmsKeyArn: text(KMS_KEY_ARN_EXPECTED)
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]+$/, { error: KMS_KEY_ARN_EXPECTED })
      .optional(),
    // How long `pulumi up` waits for Velero to fill the claim (the data mover copies the whole volume).
    timeout: goDuration({ seconds: 600, text: "10m" }).default("6h"),
  },
  OBJECT_EXPECTED,
);

// What oauth2-proxy matches (v7.15.3 validator.go, isEmailValidWithDomains): the domain after the
// @, its subdomains with a leading "." or "*.", or "*" for any address.
const EMAIL_DOMAIN_EXPECTED =
  "an email domain such as example.com (the part after @, without it), .example.com or *.example.com for its subdomains, or * for any";

const OIDC_ARN_EXPECTED = "an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>";
const OIDC_ISSUER_EXPECTED =
  "the cluster's OIDC issuer without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC123";

const backupSchema = z
  .strictObject(
    {
      enabled: boolean().default(false),
      region: text(REGION_EXPECTED).refine(isAwsRegion, { error: REGION_EXPECTED }).optional(),
      schedule: cronSchedule().default("0 2 * * *"),
      // Default: jaeger-backups-<stack>-<random suffix>.
      bucketName: s3BucketName().optional(),
      prefix: keyPrefix().default("jaeger"),
      // No longer used (Velero keeps Badger backups as a repository S3 must not transition or
      // expire); accepted so that existing stack files still load, with a warning.
      transitionDays: integer("whole days, 1 to 3650", 1, 3650).optional(),
      transitionStorageClass: z
        .enum(TRANSITION_STORAGE_CLASSES, {
          error: "an S3 storage class: STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR",
        })
        .optional(),
      expirationDays: integer("whole days, 1 to 3650", 1, 3650).optional(),
      noncurrentVersionExpirationDays: integer("whole days, 1 to 3650", 1, 3650).default(30),
      // Who may delete object versions and change the bucket's protection (versioning, lifecycle,
      // policy, encryption) or the key's; the identity that runs `pulumi up` always may.
      administratorArns: z
        .array(
          text(ADMIN_ARN_EXPECTED).regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, {
            error: ADMIN_ARN_EXPECTED,
          }),
          { error: `a list of ${ADMIN_ARN_EXPECTED}s` },
        )
        .default([]),
      restore: restoreSchema.optional(),
      oidcProviderArn: text(OIDC_ARN_EXPECTED)
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[^\s]+$/, { error: OIDC_ARN_EXPECTED })
        .optional(),
      oidcIssuer: text(OIDC_ISSUER_EXPECTED)
        .regex(/^(?!https?:\/\/)[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, { error: OIDC_ISSUER_EXPECTED })
        .optional(),
      // Badger with Velero: a CSI VolumeSnapshotClass gives snapshots whose data Velero moves to
      // S3; without one Velero copies the mounted volume (file-system backup).
      volumeSnapshotClass: text("a VolumeSnapshotClass name (kubectl get volumesnapshotclass)")
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
          error: "a VolumeSnapshotClass name (kubectl get volumesnapshotclass)",
        })
        .optional(),
      // Badger with Velero and no snapshot class: file-by-file copies of a live store, which can
      // lose acknowledged spans or not open (config/load.ts, backupConsistency). Refused unless
      // accepted by this name.
      acceptInconsistentFileCopies: boolean().default(false),
      velero: z
        .strictObject({
          // false: the cluster already runs Velero in `namespace`; only the location and schedule are added.
          install: boolean().default(true),
          namespace: dnsLabel().default("velero"),
          chartVersion: text(VELERO_CHART_EXPECTED)
            .regex(/^\d+\.\d+\.\d+$/, { error: VELERO_CHART_EXPECTED })
            .default("12.1.0"),
          chartRepository: chartSource("velero"),
          image: pinnedImage("a Velero image").default("docker.io/velero/velero:v1.18.1"),
          awsPluginImage: pinnedImage("a velero-plugin-for-aws image").default(
            "docker.io/velero/velero-plugin-for-aws:v1.14.3",
          ),
          // How long Velero keeps each backup; it deletes the backup and its data after that.
          ttl: goDuration({ seconds: 3600, text: "1h" }).default("720h"),
        })
        .superRefine(archiveMatchesVersion("velero", { source: "chartRepository", version: "chartVersion" }))
        .prefault({}),
      // No longer used (Velero replaced the backup jobs); accepted with a warning.
      scratchSize: bytesQuantity().optional(),
      toolsImage: pinnedImage("an image with sh, kubectl, tar and the AWS CLI").optional(),
      curlImage: pinnedImage("a curl image").default("curlimages/curl:8.11.1"),
      // Elasticsearch backends: the exporter that reports the snapshot repository to Prometheus.
      snapshotExporterImage: pinnedImage("an elasticsearch-exporter image").default(
        "quay.io/prometheuscommunity/elasticsearch-exporter:v1.10.0",
      ),
      snapshotSchedule: quartzSchedule().default("0 30 1 * * ?"),
      snapshotRetentionDays: integer("whole days, 1 to 3650", 1, 3650).default(30),
    },
    OBJECT_EXPECTED,
  )
  .superRefine((b, ctx) => {
    if (b.enabled) {
      if (b.region === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["region"],
          message: "the bucket's AWS region when backup.enabled is true",
        });
      }
      if (b.oidcProviderArn === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["oidcProviderArn"],
          message: `${OIDC_ARN_EXPECTED} when backup.enabled is true (IRSA)`,
        });
      }
      if (b.oidcIssuer === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["oidcIssuer"],
          message: `${OIDC_ISSUER_EXPECTED} when backup.enabled is true (IRSA)`,
        });
      }
    }
    if (b.restore && !b.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["restore"],
        message: "not set when backup.enabled is false (restores read from the backups Velero manages)",
      });
    }
    if (b.restore?.bucket !== undefined) {
      for (const key of ["prefix", "kmsKeyArn"] as const) {
        if (b.restore[key] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["restore", key],
            message: `${key === "prefix" ? "the Velero prefix of the other stack's backups (its backupLocation output + velero)" : KMS_KEY_ARN_EXPECTED} when backup.restore.bucket names another bucket`,
          });
        }
      }
    }
    if (b.oidcProviderArn && b.oidcIssuer && !b.oidcProviderArn.endsWith(`:oidc-provider/${b.oidcIssuer}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["oidcIssuer"],
        message: "the issuer that backup.oidcProviderArn names (the part after oidc-provider/)",
      });
    }
  });

const CIDR_EXPECTED =
  "a CIDR such as 10.0.0.0/8, 0.0.0.0/0 or fd00::/8 (an IPv4 or IPv6 address, / and a prefix length)";
/** An IPv4 address with a prefix of 0-32, or an IPv6 one with 0-128, as net.ParseCIDR takes them. */
function isCidr(value: string): boolean {
  const slash = value.lastIndexOf("/");
  if (slash < 0) return false;
  const [address, prefix] = [value.slice(0, slash), value.slice(slash + 1)];
  const version = isIP(address);
  if (version === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}
const networkPeer = z
  .strictObject({
    namespace: dnsLabel().optional(),
    podLabels: labels().optional(),
    cidr: text(CIDR_EXPECTED).refine(isCidr, { error: CIDR_EXPECTED }).optional(),
  })
  .superRefine((p, ctx) => {
    // A NetworkPolicy peer with a podSelector and no namespaceSelector matches only Jaeger's own
    // namespace; ours would need an empty namespaceSelector, i.e. those labels in any namespace,
    // which anyone who may create a pod anywhere can wear.
    if (p.podLabels !== undefined && p.namespace === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["namespace"],
        message:
          "a namespace with podLabels: without one, pods with these labels in any namespace match, and anyone who may create a pod anywhere can add them (use {} to allow every pod on purpose)",
      });
    }
    if (p.cidr !== undefined && (p.namespace !== undefined || p.podLabels !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["cidr"],
        message: "either cidr or namespace/podLabels in one entry, not both",
      });
    }
  });
const PEERS_EXPECTED =
  "a list of sources: {namespace} or {namespace, podLabels} for pods ({} = every pod in the cluster) or {cidr}";

const securitySchema = z.strictObject(
  {
    networkPolicies: boolean().default(true),
    ingestFrom: z
      .array(networkPeer, { error: PEERS_EXPECTED })
      .min(1, { error: `${PEERS_EXPECTED}, at least one: with none, no one may send spans` })
      .default([{}]),
    queryFrom: z
      .array(networkPeer, { error: PEERS_EXPECTED })
      .min(1, { error: `${PEERS_EXPECTED}, at least one: with none, no one may reach the UI or the query API` })
      .default([{}]),
    // Where Prometheus runs (scrapes and SPM queries); default: the bundled namespace.
    prometheusNamespace: dnsLabel().optional(),
    allowPublicServices: boolean().default(false),
    tls: z
      .strictObject({
        enabled: boolean().default(false),
        source: z.enum(["secret", "certManager"], { error: 'one of "secret" or "certManager"' }).optional(),
        secretName: dnsLabel().optional(),
        issuer: z
          .strictObject({
            kind: z
              .enum(["Issuer", "ClusterIssuer"], { error: 'one of "Issuer" or "ClusterIssuer"' })
              .default("ClusterIssuer"),
            name: dnsLabel(),
          })
          .optional(),
        clientCaSecret: dnsLabel().optional(),
        mtls: boolean().default(false),
        legacyReceivers: boolean().default(false),
      })
      // Checked and narrowed in one step: TLS that is on comes with its source and what it needs.
      .transform((t, ctx) => {
        const issuesBefore = ctx.issues.length;
        const issue = (key: string, message: string) =>
          ctx.issues.push({ code: "custom", input: t, path: [key], message });
        const narrowed = (() => {
          if (!t.enabled) return { ...t, enabled: false as const };
          switch (t.source) {
            case undefined:
              issue(
                "source",
                '"secret" (an existing kubernetes.io/tls Secret) or "certManager" when security.tls.enabled is true',
              );
              return undefined;
            case "secret":
              if (t.secretName !== undefined)
                return { ...t, enabled: true as const, source: t.source, secretName: t.secretName };
              issue(
                "secretName",
                "the name of a kubernetes.io/tls Secret in Jaeger's namespace when security.tls.source is secret",
              );
              return undefined;
            case "certManager":
              if (t.issuer !== undefined) return { ...t, enabled: true as const, source: t.source, issuer: t.issuer };
              issue("issuer", "a cert-manager issuer {kind, name} when security.tls.source is certManager");
              return undefined;
          }
        })();
        if (t.mtls && !t.enabled) issue("mtls", "false unless security.tls.enabled is true (mTLS needs TLS)");
        if (t.mtls && t.clientCaSecret === undefined) {
          issue("clientCaSecret", "a Secret holding the client CA (key ca.crt) when security.tls.mtls is true");
        }
        return narrowed === undefined || ctx.issues.length > issuesBefore ? z.NEVER : narrowed;
      })
      .prefault({}),
    uiBasicAuth: boolean().default(false),
    // Sign-in through OpenID Connect: oauth2-proxy in front of the query UI/API.
    oidc: z
      .strictObject({
        enabled: boolean().default(false),
        issuerUrl: httpsUrl("the OpenID Connect issuer").optional(),
        clientId: text("the OAuth client ID").min(1, { error: "a non-empty OAuth client ID" }).optional(),
        // An existing Secret in Jaeger's namespace with the client secret under the key client-secret.
        clientSecretName: dnsLabel().default("jaeger-oidc-client"),
        // oauth2-proxy serves its callback at <proxy prefix>/callback, the prefix being /oauth2.
        redirectUrl: httpsUrl("the public sign-in callback, https://<host>/oauth2/callback")
          .refine((u) => new URL(u).pathname === "/oauth2/callback", {
            error:
              "the public sign-in callback, https://<host>/oauth2/callback: oauth2-proxy answers the provider only at /oauth2/callback",
          })
          .optional(),
        emailDomains: z
          .array(
            text(EMAIL_DOMAIN_EXPECTED).regex(/^(\*|(\*\.|\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)$/, {
              error: EMAIL_DOMAIN_EXPECTED,
            }),
            { error: "a list of email domains" },
          )
          .default([]),
        allowedGroups: z.array(exactName("group name"), { error: "a list of group names" }).default([]),
        // Default: openid email profile, and groups when allowedGroups is set (signIn.ts signInScopes).
        scopes: z
          .array(text("a scope"), { error: "a list of scopes" })
          .refine((scopes) => scopes.includes("openid"), { error: 'a list of scopes that includes "openid"' })
          .optional(),
        groupsClaim: text("the ID token claim listing the groups")
          .min(1, { error: "a non-empty claim name" })
          .default("groups"),
        // The ingress controller's addresses: only they may set X-Forwarded-* (default: anyone who
        // may reach jaeger-ui, oauth2-proxy's own default).
        trustedProxyIps: z.array(text(CIDR_EXPECTED).refine(isCidr, { error: CIDR_EXPECTED })).default([]),
        image: pinnedImage("an oauth2-proxy image").default("quay.io/oauth2-proxy/oauth2-proxy:v7.15.3"),
        replicas: integer("a whole number of replicas, 1 to 10", 1, 10).default(2),
      })
      // Checked and narrowed in one step: sign-in that is on has its issuer, client and callback.
      .transform((o, ctx) => {
        if (!o.enabled) return { ...o, enabled: false as const };
        const issuesBefore = ctx.issues.length;
        const issue = (key: string, message: string) =>
          ctx.issues.push({ code: "custom", input: o, path: [key], message });
        const { issuerUrl, clientId, redirectUrl } = o;
        if (issuerUrl === undefined) issue("issuerUrl", "set when security.oidc.enabled is true");
        if (clientId === undefined) issue("clientId", "set when security.oidc.enabled is true");
        if (redirectUrl === undefined) issue("redirectUrl", "set when security.oidc.enabled is true");
        if (o.emailDomains.length === 0 && o.allowedGroups.length === 0) {
          issue(
            "allowedGroups",
            'at least one group (or security.oidc.emailDomains, "*" for any account of the issuer) when security.oidc.enabled is true',
          );
        }
        return issuerUrl === undefined ||
          clientId === undefined ||
          redirectUrl === undefined ||
          ctx.issues.length > issuesBefore
          ? z.NEVER
          : { ...o, enabled: true as const, issuerUrl, clientId, redirectUrl };
      })
      .prefault({}),
    bearerTokenPropagation: boolean().default(false),
  },
  OBJECT_EXPECTED,
);

/**
 * Top-level keys, each a `jaeger-spm:<key>` stack config entry. Pulumi.yaml declares
 * the same keys (type, description, default); tests keep the two in step.
 */
export const stackConfigSchema = z.strictObject({
  namespace: dnsLabel().default("observability"),
  createNamespace: boolean().default(true),
  kubernetesContext: text("a kubeconfig context name").default(""),
  protectData: boolean().default(true),
  jaeger: jaegerSchema.prefault({}),
  storage: storageSchema.prefault({}),
  sampling: samplingSchema.prefault({}),
  spm: spmSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  grafana: grafanaSchema.prefault({}),
  backup: backupSchema.prefault({}),
  security: securitySchema.prefault({}),
  // Secrets: set with `pulumi config set --secret <key> <value>`.
  grafanaApiToken: text("a Grafana service-account token").default(""),
  elasticsearchPassword: text("the Elasticsearch/OpenSearch password").default(""),
  elasticsearchApiKey: text("the Elasticsearch API key (base64 of id:key)").default(""),
  uiHtpasswd: text("htpasswd lines (user:bcrypt hash) for the query UI").default(""),
});

/** Keys whose value must be a Pulumi secret when set. */
export const SECRET_KEY_NAMES = [
  "grafanaApiToken",
  "elasticsearchPassword",
  "elasticsearchApiKey",
  "uiHtpasswd",
] as const;
/** A config key whose value must be a Pulumi secret. */
export type SecretKey = (typeof SECRET_KEY_NAMES)[number];
export const SECRET_KEYS: ReadonlySet<TopLevelKey> = new Set<TopLevelKey>(SECRET_KEY_NAMES);

/** The Service prometheus-operator gives the Prometheus servers of a namespace (port 9090). */
export const prometheusOperatedUrl = (namespace: string) => `http://prometheus-operated.${namespace}.svc:9090`;
/** Where SPM queries go when neither spm.prometheusUrl nor bundled monitoring says otherwise. */
export const DEFAULT_PROMETHEUS_URL = prometheusOperatedUrl("monitoring");

/** The namespace the NetworkPolicies admit as Prometheus': the stated one, else the bundled release's, else monitoring. */
export function admittedPrometheusNamespace(
  security: { prometheusNamespace?: string },
  bundled: { enabled: boolean; namespace: string },
): string {
  return security.prometheusNamespace ?? (bundled.enabled ? bundled.namespace : "monitoring");
}

/**
 * The validated config and the settings a program states, as zod infers them. The package's
 * declarations use the same types written out in config/shapes.ts (npm run config:types), so that
 * a program using the package never type-checks zod's own declarations.
 */
export type InferredStackConfigShape = z.output<typeof stackConfigSchema>;
export type InferredStackSettings = z.input<typeof stackConfigSchema>;
export type TopLevelKey = keyof typeof stackConfigSchema.shape;
export const TOP_LEVEL_KEYS = Object.keys(stackConfigSchema.shape) as TopLevelKey[];

/** Keys whose raw config value is a JSON object (the rest are scalars). */
export const OBJECT_KEYS: ReadonlySet<TopLevelKey> = new Set<TopLevelKey>([
  "jaeger",
  "storage",
  "sampling",
  "spm",
  "monitoring",
  "grafana",
  "backup",
  "security",
]);
