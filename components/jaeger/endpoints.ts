// Client-facing addresses of the Jaeger Services, exported as stack outputs.
import { PORTS } from "./ports";

export interface JaegerEndpoints {
  readonly uiUrl: string;
  readonly uiPortForward: string;
  readonly otlpGrpc: string;
  readonly otlpHttp: string;
  readonly jaegerGrpc: string;
  readonly jaegerThriftHttp: string;
  readonly zipkin: string;
  readonly samplingHttp: string;
}

export interface EndpointInput {
  readonly namespace: string;
  readonly queryService: string;
  readonly collectorService: string;
  readonly query: { readonly serviceType: "ClusterIP" | "NodePort"; readonly nodePort: number };
}

export function jaegerEndpoints(input: EndpointInput): JaegerEndpoints {
  const host = (service: string) => `${service}.${input.namespace}.svc.cluster.local`;
  const collector = host(input.collectorService);
  const query = host(input.queryService);
  return {
    // A NodePort answers on every node's address; kind/k3d/minikube map it to localhost (README).
    uiUrl:
      input.query.serviceType === "NodePort"
        ? `http://localhost:${input.query.nodePort}`
        : `http://${query}:${PORTS.queryHttp.port}`,
    uiPortForward: `kubectl -n ${input.namespace} port-forward svc/${input.queryService} ${PORTS.queryHttp.port}:${PORTS.queryHttp.port}`,
    otlpGrpc: `http://${collector}:${PORTS.otlpGrpc.port}`,
    otlpHttp: `http://${collector}:${PORTS.otlpHttp.port}`,
    jaegerGrpc: `${collector}:${PORTS.jaegerGrpc.port}`,
    jaegerThriftHttp: `http://${collector}:${PORTS.jaegerThriftHttp.port}/api/traces`,
    zipkin: `http://${collector}:${PORTS.zipkin.port}/api/v2/spans`,
    samplingHttp: `http://${collector}:${PORTS.samplingHttp.port}/sampling`,
  };
}
