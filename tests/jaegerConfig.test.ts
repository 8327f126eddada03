// The Jaeger config builder, called directly, per role and option: the rules the collector itself
// applies when it loads a config, and what each role opens. The program-level tests
// (jaeger.test.ts, backends.test.ts) check the same documents as rendered into the ConfigMaps.
import * as assert from "node:assert/strict";
import {
  JaegerConfigInput,
  Role,
  SearchStorage,
  buildJaegerConfig,
  renderJaegerConfig,
  rolePorts,
} from "../components/jaeger/jaegerConfig";
import { PORTS } from "../components/jaeger/ports";
import { parseGoDurationSeconds } from "../config/units";
import { parse } from "yaml";

type Config = ReturnType<typeof buildJaegerConfig>;
type Pipeline = { receivers: string[]; processors?: string[]; exporters: string[] };

const SEARCH: SearchStorage = {
  kind: "elasticsearch",
  serverUrls: ["https://es.example.com:9200"],
  indexPrefix: "",
  spans: { shards: 3, replicas: 1 },
  otherIndices: { shards: 1, replicas: 1 },
  maxSpanAge: "168h",
  createMappings: true,
};
const input = (role: Role, over: Partial<JaegerConfigInput> = {}): JaegerConfigInput => ({
  role,
  storage:
    role === "all-in-one"
      ? {
          kind: "badger",
          keysDirectory: "/badger/keys",
          valuesDirectory: "/badger/values",
          ttl: "168h",
          maintenanceInterval: "5m",
        }
      : SEARCH,
  spm: {
    prometheusUrl: "http://prometheus:9090",
    metricsFlushInterval: "15s",
    cardinalityLimit: 2000,
    seriesExpiration: "1h",
  },
  sampling: { strategiesFile: "/etc/jaeger/sampling/strategies.json", reloadInterval: "30s" },
  uiConfigFile: "/etc/jaeger/ui.json",
  ...over,
});
const TLS = { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", clientCaFile: "/tls/ca.crt", legacyReceivers: true };

/** Every variant a stack renders: each role, with and without TLS, legacy receivers, basic auth, a queue. */
const VARIANTS: [string, JaegerConfigInput][] = (["all-in-one", "collector", "query"] as const).flatMap((role) => [
  [`${role}`, input(role)],
  [`${role}, TLS without the legacy receivers`, input(role, { tls: { ...TLS, legacyReceivers: false } })],
  [
    `${role}, TLS everywhere, basic auth, a queue`,
    input(role, {
      tls: TLS,
      queryTls: TLS,
      queryBasicAuth: { htpasswdFile: "/auth/htpasswd" },
      exporterQueue: { queueSize: 1000, numConsumers: 10 },
    }),
  ],
]);

const pipelinesOf = (config: Config) => config.service.pipelines as Record<string, Pipeline>;
const keys = (section: object | undefined) => Object.keys(section ?? {});

/** Every port the document makes Jaeger listen on. */
function listeningPorts(config: Config): number[] {
  const found: number[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      // The telemetry reader says host and port apart.
      if ("host" in node && node.host === "0.0.0.0" && "port" in node) found.push(Number(node.port));
      for (const [key, value] of Object.entries(node)) {
        if (key === "endpoint" && typeof value === "string" && /^0\.0\.0\.0:\d+$/.test(value)) {
          found.push(Number(value.split(":")[1]));
        } else walk(value);
      }
    }
  };
  walk(config);
  return found.sort((a, b) => a - b);
}

describe("Jaeger config (buildJaegerConfig)", () => {
  // The checks the collector makes before it starts (opentelemetry-collector otelcol/config.go,
  // Config.Validate, and service/pipelines/config.go): a failing one crash-loops the pod.
  describe("loads as the collector requires", () => {
    for (const [name, variant] of VARIANTS) {
      it(name, () => {
        const config = buildJaegerConfig(variant);
        const configured = {
          receivers: keys(config.receivers),
          processors: keys(config.processors),
          exporters: keys(config.exporters),
          connectors: keys("connectors" in config ? config.connectors : undefined),
        };
        for (const ext of config.service.extensions) {
          assert.ok(keys(config.extensions).includes(ext), `service.extensions names ${ext}, which is not configured`);
        }
        // Extensions the service does not list never start (the query UI, sampling, auth would be missing).
        assert.deepEqual(keys(config.extensions).sort(), [...config.service.extensions].sort());
        const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
        for (const [pipelineName, pipeline] of Object.entries(pipelinesOf(config))) {
          assert.ok(pipeline.receivers.length > 0, `${pipelineName} has no receiver`);
          assert.ok(pipeline.exporters.length > 0, `${pipelineName} has no exporter`);
          for (const kind of ["receivers", "processors", "exporters"] as const) {
            for (const component of pipeline[kind] ?? []) {
              const known = [...configured[kind], ...(kind === "processors" ? [] : configured.connectors)];
              assert.ok(
                known.includes(component),
                `${pipelineName} uses ${kind} ${component}, which is not configured`,
              );
              used[kind].add(component);
            }
          }
        }
        // A connector joins two pipelines: it exports from one and receives in another.
        for (const connector of configured.connectors) {
          assert.ok(used.exporters.has(connector) && used.receivers.has(connector), `connector ${connector}`);
        }
        // Nothing configured and unused: an unused receiver would not listen on the port the Service advertises.
        for (const kind of ["receivers", "processors", "exporters"] as const) {
          assert.deepEqual(
            configured[kind].filter((c) => !used[kind].has(c)),
            [],
            `unused ${kind}`,
          );
        }
      });
    }
  });

  describe("each role listens on its own ports and no others", () => {
    for (const [name, variant] of VARIANTS) {
      it(name, () => {
        const legacy = !variant.tls || variant.tls.legacyReceivers;
        assert.deepEqual(
          listeningPorts(buildJaegerConfig(variant)),
          rolePorts(variant.role, legacy)
            .map((p) => p.port)
            .sort((a, b) => a - b),
        );
      });
    }

    it("collectors accept spans and serve sampling, but no query API", () => {
      const ports = listeningPorts(buildJaegerConfig(input("collector")));
      for (const p of [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.samplingHttp, PORTS.spanMetrics]) {
        assert.ok(ports.includes(p.port), p.name);
      }
      assert.ok(!ports.includes(PORTS.queryHttp.port) && !ports.includes(PORTS.queryGrpc.port));
      assert.ok(!keys(buildJaegerConfig(input("collector")).extensions).includes("jaeger_query"));
    });

    it("query servers serve the UI and APIs, and accept no spans", () => {
      const config = buildJaegerConfig(input("query"));
      const ports = listeningPorts(config);
      assert.ok(ports.includes(PORTS.queryHttp.port) && ports.includes(PORTS.queryGrpc.port));
      for (const p of [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.zipkin, PORTS.samplingHttp, PORTS.spanMetrics]) {
        assert.ok(!ports.includes(p.port), p.name);
      }
      assert.deepEqual(keys(config.receivers), ["nop"], "a query-only process receives nothing");
      assert.ok(!("connectors" in config), "and computes no span metrics");
    });

    it("all-in-one does both", () => {
      const ports = listeningPorts(buildJaegerConfig(input("all-in-one")));
      for (const p of [PORTS.otlpGrpc, PORTS.queryHttp, PORTS.samplingHttp, PORTS.spanMetrics]) {
        assert.ok(ports.includes(p.port), p.name);
      }
    });
  });

  describe("Elasticsearch/OpenSearch settings", () => {
    const backend = (storage: SearchStorage) => {
      const store = buildJaegerConfig(input("collector", { storage })).extensions.jaeger_storage.backends.traces;
      assert.ok("elasticsearch" in store && store.elasticsearch);
      return store.elasticsearch;
    };

    it("uses the configured index prefix, and Jaeger's own index names without one", () => {
      assert.equal(backend({ ...SEARCH, indexPrefix: "prod" }).indices.index_prefix, "prod");
      assert.ok(!("index_prefix" in backend(SEARCH).indices), "an empty prefix is left out, not sent as ''");
    });

    it("sends the backend version only when it is known (Jaeger asks the cluster otherwise)", () => {
      assert.equal(backend({ ...SEARCH, version: 8 }).version, 8);
      assert.ok(!("version" in backend(SEARCH)));
    });
  });

  it("re-reads TLS certificates hourly, as the README says, so renewed certificates are served without a restart", () => {
    const config = buildJaegerConfig(input("all-in-one", { tls: TLS, queryTls: TLS }));
    const tlsBlocks: { cert_file?: string; reload_interval?: string }[] = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== "object") return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "tls" && value && typeof value === "object" && "cert_file" in value) tlsBlocks.push(value);
        else walk(value);
      }
    };
    walk(config);
    // OTLP gRPC and HTTP, Jaeger gRPC and Thrift, Zipkin, and the query HTTP and gRPC APIs.
    assert.equal(tlsBlocks.length, 7);
    for (const block of tlsBlocks) assert.equal(parseGoDurationSeconds(block.reload_interval ?? ""), 3600);
  });

  it("checks memory every second: a spike between two checks can outgrow the limit", () => {
    const limiter = buildJaegerConfig(input("collector")).processors.memory_limiter;
    assert.equal(parseGoDurationSeconds(limiter?.check_interval ?? ""), 1);
  });

  it("emits the query API's request metrics the health dashboard reads (the collector drops them below level detailed)", () => {
    // opentelemetry-collector service/service.go, configureViews: below "detailed" the otelhttp and
    // otelgrpc meters are dropped, and with them http_server_request_duration_seconds.
    for (const role of ["all-in-one", "query"] as const) {
      assert.equal(buildJaegerConfig(input(role)).service.telemetry.metrics.level, "detailed", role);
    }
  });

  it("names each role in its own telemetry, so that a process's traces and metrics say what it is", () => {
    const names = (["all-in-one", "collector", "query"] as const).map(
      (role) =>
        buildJaegerConfig(input(role)).service.telemetry.resource.attributes.find((a) => a.name === "service.name")
          ?.value ?? "",
    );
    assert.equal(new Set(names).size, 3, names.join(", "));
    for (const n of names) assert.match(n, /^jaeger\b/);
  });

  // Both found by starting Jaeger 2.20 with the rendered config (tests/e2e/dev.e2e.ts): each
  // logged a warning at every start, which a clean start must not.
  it("gives the telemetry resource in the declarative form, not the legacy inline map collector v0.155 warns about", () => {
    for (const role of ["all-in-one", "collector", "query"] as const) {
      const resource = buildJaegerConfig(input(role)).service.telemetry.resource;
      assert.deepEqual(Object.keys(resource), ["attributes"], role);
    }
  });

  it("keeps the query API from tracing itself into the stack's own receiver (Jaeger v2's default)", () => {
    for (const role of ["all-in-one", "query"] as const) {
      assert.equal(buildJaegerConfig(input(role)).extensions.jaeger_query?.enable_tracing, false, role);
    }
  });

  it("bounds the span metrics: a cardinality limit per service and an expiry for idle series", () => {
    const connector = buildJaegerConfig(input("all-in-one")).connectors?.span_metrics;
    assert.equal(connector?.aggregation_cardinality_limit, 2000);
    assert.equal(connector?.series_expiration, "1h");
  });

  it("uses the span metrics connector by its current type, span_metrics (spanmetrics is a deprecated alias)", () => {
    const config = buildJaegerConfig(input("all-in-one"));
    assert.deepEqual(Object.keys(config.connectors ?? {}), ["span_metrics"]);
    assert.ok(config.service.pipelines.traces.exporters.includes("span_metrics"));
  });

  it("renders to YAML that reads back as the same document", () => {
    for (const [name, variant] of VARIANTS) {
      assert.deepEqual(
        parse(renderJaegerConfig(variant)),
        JSON.parse(JSON.stringify(buildJaegerConfig(variant))),
        name,
      );
    }
  });
});
