// The ports clients and operators expect, written out here rather than taken from the code: the
// "Services Exposed" table of the platform team's Jaeger production guide (the README's "the
// guide"), in its v2 equivalents (14269 no longer exists), plus the v2 ports for sampling, span
// metrics and health. Each with the Service that serves it
// and where the Jaeger config makes the process listen on it.
export interface ExpectedPort {
  readonly service: string;
  readonly port: number;
  readonly configPath: string;
}

export const EXPECTED_PORTS: readonly ExpectedPort[] = [
  { service: "jaeger-query", port: 16686, configPath: "extensions.jaeger_query.http.endpoint" },
  { service: "jaeger-collector", port: 4317, configPath: "receivers.otlp.protocols.grpc.endpoint" },
  { service: "jaeger-collector", port: 4318, configPath: "receivers.otlp.protocols.http.endpoint" },
  { service: "jaeger-collector", port: 14250, configPath: "receivers.jaeger.protocols.grpc.endpoint" },
  { service: "jaeger-collector", port: 14268, configPath: "receivers.jaeger.protocols.thrift_http.endpoint" },
  { service: "jaeger-collector", port: 9411, configPath: "receivers.zipkin.endpoint" },
  { service: "jaeger-collector", port: 5778, configPath: "extensions.remote_sampling.http.endpoint" },
  { service: "jaeger-collector", port: 5779, configPath: "extensions.remote_sampling.grpc.endpoint" },
  { service: "jaeger-span-metrics", port: 8889, configPath: "exporters.prometheus.endpoint" },
  { service: "jaeger-metrics", port: 13133, configPath: "extensions.healthcheckv2.http.endpoint" },
];
