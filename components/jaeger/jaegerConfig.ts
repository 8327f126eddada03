// Builds the Jaeger v2 (OpenTelemetry Collector based) configuration document for
// each role a process plays. An unknown key crash-loops the pod, so key names follow
// Jaeger v2.20.0's own config structs and example configs
// (https://github.com/jaegertracing/jaeger/tree/v2.20.0/cmd/jaeger: config-badger.yaml,
// config-elasticsearch.yaml, config-spm.yaml; internal/storage/elasticsearch/config/config.go;
// cmd/jaeger/internal/extension/{jaegerquery,remotesampling}/config.go) and the OpenTelemetry
// Collector components it bundles (receivers, memory_limiter, spanmetrics, basicauth).
import { stringify } from "yaml";
import { JaegerPort, PORTS, ingestPorts, listenOn } from "./ports";

export interface BadgerStorage {
  readonly kind: "badger";
  /** Where the keys and values directories live (on the persistent volume). */
  readonly keysDirectory: string;
  readonly valuesDirectory: string;
  /** Go duration, e.g. "168h". */
  readonly ttl: string;
  /** Go duration between value-log GC runs and free-disk measurements. */
  readonly maintenanceInterval: string;
}

export interface IndexSettings {
  readonly shards: number;
  readonly replicas: number;
}

export interface SearchStorage {
  readonly kind: "elasticsearch" | "opensearch";
  readonly serverUrls: readonly string[];
  /** Empty: Jaeger's default index names (jaeger-span-YYYY-MM-DD, …). */
  readonly indexPrefix: string;
  readonly spans: IndexSettings;
  /** Services, dependencies and sampling indices. */
  readonly otherIndices: IndexSettings;
  /** At most one method: Jaeger 2.20 refuses a storage with more than one. */
  readonly auth?: SearchAuth;
  readonly caFile?: string;
  /** Go duration: how far back the query service looks for spans (Jaeger's default is 72h). */
  readonly maxSpanAge: string;
  /**
   * Whether this process creates the index templates at start-up (Jaeger's default). Only
   * writers should: a read-only user, or a query server with only callers' tokens, cannot.
   */
  readonly createMappings: boolean;
  /**
   * Jaeger's backend version number (see jaegerBackendVersion). Unset: Jaeger asks the
   * cluster (GET /) when it starts.
   */
  readonly version?: number;
  /**
   * Rollover by the cluster's lifecycle policy (storage.elasticsearch.rotation autoRollover)
   * instead of daily indices: spans, services and dependencies through their read and write
   * aliases (components/search/lifecycle.ts).
   */
  readonly autoRollover?: { readonly policyName: string };
}

/**
 * Jaeger's encoding of a backend version: the Elasticsearch major (7, 8, 9), or 100 + the
 * OpenSearch major (101, 102, 103) (jaeger v2.20.0 internal/storage/elasticsearch/backend_version.go).
 */
export function jaegerBackendVersion(flavor: "elasticsearch" | "opensearch", major: number): number {
  return flavor === "opensearch" ? 100 + major : major;
}

export type SearchAuth =
  | { readonly kind: "basic"; readonly username: string; readonly passwordFile: string }
  | { readonly kind: "apiKey"; readonly file: string }
  /** The bearer token the query API received (bearer token propagation). */
  | { readonly kind: "bearerFromContext" };

function searchAuth(auth: SearchAuth) {
  switch (auth.kind) {
    case "basic":
      return { basic: { username: auth.username, password_file: auth.passwordFile } };
    case "apiKey":
      return { api_key: { file_path: auth.file } };
    case "bearerFromContext":
      return { bearer_token: { from_context: true } };
  }
}

export type Storage = BadgerStorage | SearchStorage;

/**
 * What a Jaeger process does: everything in one process (Badger, single writer),
 * or, with a shared search backend, separately scaled collectors and query servers.
 */
export type Role = "all-in-one" | "collector" | "query";

export interface JaegerConfigInput {
  readonly role: Role;
  readonly storage: Storage;
  readonly spm: {
    readonly prometheusUrl: string;
    /** Go duration between spanmetrics flushes. */
    readonly metricsFlushInterval: string;
    /** Series per service before new combinations go to the overflow series. */
    readonly cardinalityLimit: number;
    /** Go duration after which an idle series is dropped. */
    readonly seriesExpiration: string;
  };
  readonly sampling: {
    readonly strategiesFile: string;
    /** Go duration; > 0 makes Jaeger re-read the file, so changes apply without a restart. */
    readonly reloadInterval: string;
  };
  readonly uiConfigFile: string;
  /** In-memory queue in front of the storage writer; undefined = none (upstream default). */
  readonly exporterQueue?: { readonly queueSize: number; readonly numConsumers: number };
  /** TLS on the OTLP receivers (and optionally the Jaeger and Zipkin ones); a client CA requires client certificates. */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
    readonly legacyReceivers: boolean;
  };
  /** TLS on the query HTTP and gRPC APIs (no client certificates: browsers have none). */
  readonly queryTls?: { readonly certFile: string; readonly keyFile: string };
  /** Basic authentication on the query HTTP API and UI, from an htpasswd file. */
  readonly queryBasicAuth?: { readonly htpasswdFile: string };
  /** Forward the caller's bearer token to the storage (Elasticsearch/OpenSearch). */
  readonly bearerTokenPropagation?: boolean;
}

export const UI_AUTHENTICATOR = "basicauth/ui";

/**
 * Sent with every query HTTP response when basic auth is on, so that a browser shows its login
 * prompt on the 401: the basicauth extension sends none, and confighttp sets response_headers
 * before the auth check runs (opentelemetry-collector config/confighttp v0.155.0 server.go,
 * ToServer: responseHeadersHandler wraps authInterceptor).
 */
export const LOGIN_PROMPT_HEADER = { "WWW-Authenticate": 'Basic realm="Jaeger", charset="UTF-8"' } as const;

/** memory_limiter: refuse data above 75% of the container limit, start refusing at 60% on spikes. */
export const MEMORY_LIMITER = { limitPercentage: 75, spikeLimitPercentage: 15 } as const;
/** GOMEMLIMIT as a share of the container limit: the Go GC works harder before the kernel OOM-kills. */
export const GO_MEMORY_LIMIT_RATIO = 0.8;

/**
 * Jaeger's own telemetry as Prometheus names with unit and `_total` suffixes
 * (`otelcol_receiver_accepted_spans_total`, `otelcol_process_memory_rss_bytes`), which our
 * rules, dashboards and tests/fixtures/upstream-metrics.yml use. The options are explicit
 * because their defaults moved: since collector v0.152 an unset `without_units` or
 * `without_type_suffix` is true (opentelemetry-collector v0.155.0
 * service/telemetry/otelconftelemetry/internal/migration/v0.3.0.go, applyPrometheusDefaults),
 * and both true select otlptranslator's NoTranslation: no suffixes at all
 * (opentelemetry-go-contrib otelconf v0.24.0 otelconf/v0.3.0/metric.go, prometheusReaderOpts).
 */
export const TELEMETRY_EXPORTER = {
  host: "0.0.0.0",
  port: PORTS.metrics.port,
  without_units: false,
  without_type_suffix: false,
  // As the collector's default: no otel_scope_* labels on every series.
  without_scope_info: true,
} as const;

/** Names of the backends inside `jaeger_storage`. */
export const TRACE_STORE = "traces";
export const METRICS_STORE = "spm_prometheus";

const ingests = (role: Role) => role !== "query";
const serves = (role: Role) => role !== "collector";

/**
 * Whether the Jaeger native and Zipkin receivers run. With TLS on OTLP they run only when
 * they get the same TLS (and client CA): a plaintext side door would bypass it.
 */
export function legacyReceiversEnabled(tls: { readonly legacyReceivers: boolean } | undefined): boolean {
  return !tls || tls.legacyReceivers;
}

/** Ports each role listens on. */
export function rolePorts(role: Role, legacyReceivers: boolean): JaegerPort[] {
  const ingest = [...ingestPorts(legacyReceivers), PORTS.spanMetrics];
  const query = [PORTS.queryHttp, PORTS.queryGrpc];
  const always = [PORTS.metrics, PORTS.health];
  return [...(ingests(role) ? ingest : []), ...(serves(role) ? query : []), ...always];
}

/** The Jaeger UI config: the Monitor tab (SPM) is off unless enabled here. */
export function buildUiConfig(): { monitor: { menuEnabled: boolean } } {
  return { monitor: { menuEnabled: true } };
}

function traceBackend(storage: Storage) {
  if (storage.kind === "badger") {
    return {
      badger: {
        directories: { keys: storage.keysDirectory, values: storage.valuesDirectory },
        ephemeral: false,
        ttl: { spans: storage.ttl },
        maintenance_interval: storage.maintenanceInterval,
      },
    };
  }
  // With auto_rollover, each type's aliases are named as es-rollover init creates them
  // (<prefix>-jaeger-span-read/-write; cmd/es-rollover/app/index_options.go), given explicitly:
  // an explicit rotation is taken as written (config_legacy.go, resolvedRotation).
  const rollover = storage.autoRollover;
  const index = (settings: IndexSettings, type?: string) => ({
    shards: settings.shards,
    replicas: settings.replicas,
    ...(rollover &&
      type && {
        rotation: {
          auto_rollover: {
            read_alias: `${storage.indexPrefix ? `${storage.indexPrefix}-` : ""}${type}-read`,
            write_alias: `${storage.indexPrefix ? `${storage.indexPrefix}-` : ""}${type}-write`,
            policy_name: rollover.policyName,
          },
        },
      }),
  });
  const settings = {
    server_urls: [...storage.serverUrls],
    indices: {
      ...(storage.indexPrefix && { index_prefix: storage.indexPrefix }),
      spans: index(storage.spans, "jaeger-span"),
      services: index(storage.otherIndices, "jaeger-service"),
      dependencies: index(storage.otherIndices, "jaeger-dependencies"),
      // Nothing writes sampling indices (adaptive sampling is off): they keep the default.
      sampling: index(storage.otherIndices),
    },
    ...(storage.auth && { auth: searchAuth(storage.auth) }),
    ...(storage.caFile && { tls: { ca_file: storage.caFile } }),
    // Retention, not the 72h default: older traces would be "not found" while still stored.
    max_span_age: storage.maxSpanAge,
    ...(!storage.createMappings && { create_mappings: false }),
    ...(storage.version !== undefined && { version: storage.version }),
  };
  // Named keys, not a computed one: its declaration would carry an index signature that clashes
  // with the Badger branch's (what the package's .d.ts files must type-check).
  return storage.kind === "elasticsearch" ? { elasticsearch: settings } : { opensearch: settings };
}

/** A server's TLS settings; certificates are re-read when cert-manager renews them in place. */
function serverTls(files: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile?: string }) {
  return {
    tls: {
      cert_file: files.certFile,
      key_file: files.keyFile,
      ...(files.clientCaFile && { client_ca_file: files.clientCaFile }),
      reload_interval: "1h",
    },
  };
}

function receivers(input: JaegerConfigInput) {
  const tls = input.tls && serverTls(input.tls);
  const otlp = {
    otlp: {
      protocols: {
        grpc: { endpoint: listenOn(PORTS.otlpGrpc), ...tls },
        http: { endpoint: listenOn(PORTS.otlpHttp), ...tls },
      },
    },
  };
  if (!legacyReceiversEnabled(input.tls)) return otlp;
  return {
    ...otlp,
    jaeger: {
      protocols: {
        grpc: { endpoint: listenOn(PORTS.jaegerGrpc), ...tls },
        thrift_http: { endpoint: listenOn(PORTS.jaegerThriftHttp), ...tls },
      },
    },
    zipkin: { endpoint: listenOn(PORTS.zipkin), ...tls },
  };
}

/**
 * The span metrics connector's type. Contrib v0.155 renamed it from `spanmetrics`, which still
 * loads but logs a deprecation warning at every start (connector/spanmetricsconnector/factory.go,
 * the deprecated alias); the metrics it writes keep their names (namespace traces.span.metrics).
 */
const SPAN_METRICS = "span_metrics";

export function buildJaegerConfig(input: JaegerConfigInput) {
  const { role } = input;
  const extensions: string[] = ["jaeger_storage"];
  if (serves(role)) extensions.push("jaeger_query");
  if (serves(role) && input.queryBasicAuth) extensions.push(UI_AUTHENTICATOR);
  if (ingests(role)) extensions.push("remote_sampling");
  extensions.push("healthcheckv2");

  const pipelines = ingests(role)
    ? {
        traces: {
          receivers: legacyReceiversEnabled(input.tls) ? ["otlp", "jaeger", "zipkin"] : ["otlp"],
          // memory_limiter first: it refuses data (clients retry) before the pod reaches its limit.
          processors: ["memory_limiter", "batch"],
          exporters: ["jaeger_storage_exporter", SPAN_METRICS],
        },
        [`metrics/${SPAN_METRICS}`]: { receivers: [SPAN_METRICS], exporters: ["prometheus"] },
      }
    : // A query-only process still needs one pipeline (as upstream's config-query.yaml).
      { traces: { receivers: ["nop"], processors: ["batch"], exporters: ["nop"] } };

  return {
    service: {
      extensions,
      pipelines,
      telemetry: {
        // The declarative form: collector v0.155 warns at every start that the inline map
        // ({ service.name: ... }) is legacy (service/telemetry/otelconftelemetry/logger.go).
        resource: {
          attributes: [{ name: "service.name", value: role === "all-in-one" ? "jaeger" : `jaeger-${role}` }],
        },
        metrics: {
          level: "detailed",
          readers: [{ pull: { exporter: { prometheus: TELEMETRY_EXPORTER } } }],
        },
        logs: { level: "info" },
      },
    },
    extensions: {
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: listenOn(PORTS.health) },
      },
      ...(serves(role) &&
        input.queryBasicAuth && { [UI_AUTHENTICATOR]: { htpasswd: { file: input.queryBasicAuth.htpasswdFile } } }),
      ...(serves(role) && {
        jaeger_query: {
          // Jaeger v2 traces its own query API by default and exports those spans over OTLP to
          // localhost:4317 (cmd/jaeger/internal/extension/jaegerquery/factory.go, EnableTracing;
          // internal/jtracer/jtracer.go). In the all-in-one they land in this stack: a "jaeger"
          // service in the Monitor tab, and accepted spans that keep JaegerNoSpansAccepted quiet
          // while anyone uses the UI; the query role has no receiver there at all.
          enable_tracing: false,
          storage: { traces: TRACE_STORE, metrics: METRICS_STORE },
          ui: { config_file: input.uiConfigFile },
          http: {
            endpoint: listenOn(PORTS.queryHttp),
            ...(input.queryTls && serverTls(input.queryTls)),
            ...(input.queryBasicAuth && {
              auth: { authenticator: UI_AUTHENTICATOR },
              response_headers: { ...LOGIN_PROMPT_HEADER },
            }),
          },
          // The same authenticator on gRPC: otherwise 16685 would serve every trace without a password.
          grpc: {
            endpoint: listenOn(PORTS.queryGrpc),
            ...(input.queryTls && serverTls(input.queryTls)),
            ...(input.queryBasicAuth && { auth: { authenticator: UI_AUTHENTICATOR } }),
          },
          ...(input.bearerTokenPropagation && { bearer_token_propagation: true }),
        },
      }),
      jaeger_storage: {
        backends: { [TRACE_STORE]: traceBackend(input.storage) },
        ...(serves(role) && {
          metric_backends: {
            [METRICS_STORE]: {
              prometheus: {
                endpoint: input.spm.prometheusUrl,
                // Without these Jaeger queries `traces_span_metrics_calls` and
                // `..._duration_bucket`, which the Prometheus exporter never writes.
                normalize_calls: true,
                normalize_duration: true,
              },
            },
          },
        }),
      },
      ...(ingests(role) && {
        remote_sampling: {
          file: { path: input.sampling.strategiesFile, reload_interval: input.sampling.reloadInterval },
          http: { endpoint: listenOn(PORTS.samplingHttp) },
          grpc: { endpoint: listenOn(PORTS.samplingGrpc) },
        },
      }),
    },
    receivers: ingests(role) ? receivers(input) : { nop: {} },
    processors: {
      batch: {},
      ...(ingests(role) && {
        // Percentages of the container's memory limit (read from the cgroup); the Go runtime's
        // own soft limit (GOMEMLIMIT, set on the container) sits above this one.
        memory_limiter: {
          check_interval: "1s",
          limit_percentage: MEMORY_LIMITER.limitPercentage,
          spike_limit_percentage: MEMORY_LIMITER.spikeLimitPercentage,
        },
      }),
    },
    ...(ingests(role) && {
      connectors: {
        [SPAN_METRICS]: {
          metrics_flush_interval: input.spm.metricsFlushInterval,
          aggregation_cardinality_limit: input.spm.cardinalityLimit,
          series_expiration: input.spm.seriesExpiration,
          // Pinned: Jaeger's Monitor tab and our rules read ..._duration_milliseconds_bucket.
          histogram: { unit: "ms" },
        },
      },
    }),
    exporters: ingests(role)
      ? {
          jaeger_storage_exporter: {
            trace_storage: TRACE_STORE,
            ...(input.exporterQueue && {
              queue: {
                enabled: true,
                num_consumers: input.exporterQueue.numConsumers,
                queue_size: input.exporterQueue.queueSize,
              },
            }),
          },
          prometheus: { endpoint: listenOn(PORTS.spanMetrics) },
        }
      : { nop: {} },
  };
}

export function renderJaegerConfig(input: JaegerConfigInput): string {
  return stringify(buildJaegerConfig(input), { lineWidth: 0 });
}
