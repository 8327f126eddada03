// Every port Jaeger v2 serves in this stack: the single source for the Jaeger
// config endpoints, the container ports and the Service ports. Names follow the
// Kubernetes IANA_SVC_NAME rule (<= 15 chars, lower-case, '-') so Services,
// ServiceMonitors and NetworkPolicies can refer to them by name.

export interface JaegerPort {
  readonly name: string;
  readonly port: number;
  /** Kubernetes appProtocol hint for meshes and ingress controllers. */
  readonly appProtocol: "grpc" | "http";
  readonly purpose: string;
}

function port(name: string, number: number, appProtocol: JaegerPort["appProtocol"], purpose: string): JaegerPort {
  return { name, port: number, appProtocol, purpose };
}

export const PORTS = {
  otlpGrpc: port("otlp-grpc", 4317, "grpc", "OTLP gRPC ingestion"),
  otlpHttp: port("otlp-http", 4318, "http", "OTLP HTTP ingestion"),
  jaegerGrpc: port("jaeger-grpc", 14250, "grpc", "Jaeger native gRPC ingestion"),
  jaegerThriftHttp: port("jaeger-thrift", 14268, "http", "Jaeger native Thrift over HTTP ingestion (/api/traces)"),
  zipkin: port("zipkin", 9411, "http", "Zipkin ingestion (/api/v2/spans)"),
  samplingHttp: port("sampling-http", 5778, "http", "remote sampling strategies over HTTP"),
  samplingGrpc: port("sampling-grpc", 5779, "grpc", "remote sampling strategies over gRPC"),
  queryHttp: port("http-query", 16686, "http", "query UI and HTTP API"),
  queryGrpc: port("grpc-query", 16685, "grpc", "query gRPC API"),
  metrics: port("metrics", 8888, "http", "Jaeger's own telemetry (/metrics)"),
  spanMetrics: port("span-metrics", 8889, "http", "SPM span metrics for Prometheus (/metrics)"),
  health: port("health", 13133, "http", "health check (/status)"),
} as const;

export type PortKey = keyof typeof PORTS;

/** Jaeger native and Zipkin ingestion: run only when they get the same TLS as OTLP (or there is none). */
export const LEGACY_INGEST_PORTS: readonly JaegerPort[] = [PORTS.jaegerGrpc, PORTS.jaegerThriftHttp, PORTS.zipkin];

/** What clients call: span ingestion in every protocol and remote sampling (the jaeger-collector Service). */
export const INGEST_PORTS: readonly JaegerPort[] = [
  PORTS.otlpGrpc,
  PORTS.otlpHttp,
  ...LEGACY_INGEST_PORTS,
  PORTS.samplingHttp,
  PORTS.samplingGrpc,
];

/** The ingestion ports a collector serves: without the legacy receivers when they would bypass TLS. */
export function ingestPorts(legacyReceivers: boolean): JaegerPort[] {
  return INGEST_PORTS.filter((p) => legacyReceivers || !LEGACY_INGEST_PORTS.includes(p));
}

/** `0.0.0.0:<port>`: OTel components default to localhost, which is unreachable from other pods. */
export function listenOn(p: JaegerPort): string {
  return `0.0.0.0:${p.port}`;
}

export const HEALTH_PATH = "/status";
export const METRICS_PATH = "/metrics";
