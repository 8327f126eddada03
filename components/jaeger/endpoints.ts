// Client-facing addresses of the Jaeger Services, exported as stack outputs.
import { PORTS } from "./ports";

export interface JaegerEndpoints {
  readonly uiUrl: string;
  readonly uiPortForward: string;
  readonly otlpGrpc: string;
  readonly otlpHttp: string;
  /** null when the legacy receivers are off (TLS on OTLP without security.tls.legacyReceivers). */
  readonly jaegerGrpc: string | null;
  readonly jaegerThriftHttp: string | null;
  readonly zipkin: string | null;
  readonly samplingHttp: string;
}

export interface EndpointInput {
  readonly namespace: string;
  readonly queryService: string;
  readonly collectorService: string;
  readonly query: { readonly serviceType: "ClusterIP" | "NodePort"; readonly nodePort: number };
  /** TLS on the ingestion receivers and the query APIs (https:// addresses). */
  readonly tls: boolean;
  readonly legacyReceivers: boolean;
}

export function jaegerEndpoints(input: EndpointInput): JaegerEndpoints {
  const host = (service: string) => `${service}.${input.namespace}.svc.cluster.local`;
  const collector = host(input.collectorService);
  const query = host(input.queryService);
  const scheme = input.tls ? "https" : "http";
  return {
    // A NodePort answers on every node's address; kind/k3d/minikube map it to localhost (README).
    uiUrl:
      input.query.serviceType === "NodePort"
        ? `${scheme}://localhost:${input.query.nodePort}`
        : `${scheme}://${query}:${PORTS.queryHttp.port}`,
    uiPortForward: `kubectl -n ${input.namespace} port-forward svc/${input.queryService} ${PORTS.queryHttp.port}:${PORTS.queryHttp.port}`,
    otlpGrpc: `${scheme}://${collector}:${PORTS.otlpGrpc.port}`,
    otlpHttp: `${scheme}://${collector}:${PORTS.otlpHttp.port}`,
    jaegerGrpc: input.legacyReceivers ? `${collector}:${PORTS.jaegerGrpc.port}` : null,
    jaegerThriftHttp: input.legacyReceivers
      ? `${scheme}://${collector}:${PORTS.jaegerThriftHttp.port}/api/traces`
      : null,
    zipkin: input.legacyReceivers ? `${scheme}://${collector}:${PORTS.zipkin.port}/api/v2/spans` : null,
    samplingHttp: `http://${collector}:${PORTS.samplingHttp.port}/sampling`,
  };
}
