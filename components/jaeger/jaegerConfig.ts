// Builds the Jaeger v2 (OpenTelemetry Collector based) configuration document.
// Key names follow ../shared/reference/jaeger-v2.md (§2a Badger, §3 SPM, §4 ports
// and bind addresses, §5 remote sampling): an unknown key crash-loops the pod.
import { stringify } from "yaml";
import { PORTS, listenOn } from "./ports";

export interface BadgerStorage {
  readonly kind: "badger";
  /** Where the keys and values directories live (on the persistent volume). */
  readonly keysDirectory: string;
  readonly valuesDirectory: string;
  /** Go duration, e.g. "168h". */
  readonly ttl: string;
}

export interface JaegerConfigInput {
  readonly storage: BadgerStorage;
  readonly spm: {
    readonly prometheusUrl: string;
    /** Go duration between spanmetrics flushes. */
    readonly metricsFlushInterval: string;
  };
  readonly sampling: {
    readonly strategiesFile: string;
    /** Go duration; > 0 makes Jaeger re-read the file, so changes apply without a restart. */
    readonly reloadInterval: string;
  };
  readonly uiConfigFile: string;
  /** In-memory queue in front of the storage writer; undefined = none (upstream default). */
  readonly exporterQueue?: { readonly queueSize: number; readonly numConsumers: number };
}

/** Names of the backends inside `jaeger_storage`. */
export const TRACE_STORE = "traces";
export const METRICS_STORE = "spm_prometheus";

/** The Jaeger UI config: the Monitor tab (SPM) is off unless enabled here. */
export function buildUiConfig(): { monitor: { menuEnabled: boolean } } {
  return { monitor: { menuEnabled: true } };
}

export type JaegerConfig = ReturnType<typeof buildJaegerConfig>;

export function buildJaegerConfig(input: JaegerConfigInput) {
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "remote_sampling", "healthcheckv2"],
      pipelines: {
        traces: {
          receivers: ["otlp", "jaeger", "zipkin"],
          processors: ["batch"],
          exporters: ["jaeger_storage_exporter", "spanmetrics"],
        },
        "metrics/spanmetrics": {
          receivers: ["spanmetrics"],
          exporters: ["prometheus"],
        },
      },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: {
          level: "detailed",
          readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: PORTS.metrics.port } } } }],
        },
        logs: { level: "info" },
      },
    },
    extensions: {
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: listenOn(PORTS.health) },
      },
      jaeger_query: {
        storage: { traces: TRACE_STORE, metrics: METRICS_STORE },
        ui: { config_file: input.uiConfigFile },
        http: { endpoint: listenOn(PORTS.queryHttp) },
        grpc: { endpoint: listenOn(PORTS.queryGrpc) },
      },
      jaeger_storage: {
        backends: {
          [TRACE_STORE]: {
            badger: {
              directories: { keys: input.storage.keysDirectory, values: input.storage.valuesDirectory },
              ephemeral: false,
              ttl: { spans: input.storage.ttl },
            },
          },
        },
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
      },
      remote_sampling: {
        file: { path: input.sampling.strategiesFile, reload_interval: input.sampling.reloadInterval },
        http: { endpoint: listenOn(PORTS.samplingHttp) },
        grpc: { endpoint: listenOn(PORTS.samplingGrpc) },
      },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: listenOn(PORTS.otlpGrpc) },
          http: { endpoint: listenOn(PORTS.otlpHttp) },
        },
      },
      jaeger: {
        protocols: {
          grpc: { endpoint: listenOn(PORTS.jaegerGrpc) },
          thrift_http: { endpoint: listenOn(PORTS.jaegerThriftHttp) },
        },
      },
      zipkin: { endpoint: listenOn(PORTS.zipkin) },
    },
    processors: { batch: {} },
    connectors: {
      spanmetrics: { metrics_flush_interval: input.spm.metricsFlushInterval },
    },
    exporters: {
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
    },
  };
}

export function renderJaegerConfig(input: JaegerConfigInput): string {
  return stringify(buildJaegerConfig(input), { lineWidth: 0 });
}
