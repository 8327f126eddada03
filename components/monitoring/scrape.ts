// How Prometheus finds Jaeger's two metrics endpoints (:8888 own telemetry, :8889
// span metrics), in both conventions our users run:
//  - prometheus.io/* annotations, honoured by the community Prometheus chart's
//    `kubernetes-service-endpoints` job. One annotation names one port, so each
//    endpoint has its own annotated Service;
//  - a prometheus-operator ServiceMonitor whose endpoints name those Services' ports.
import { JaegerPort, METRICS_PATH } from "../jaeger/ports";

export type ScrapeMode = "serviceMonitor" | "annotations" | "both";

export const usesAnnotations = (mode: ScrapeMode) => mode !== "serviceMonitor";
export const usesServiceMonitor = (mode: ScrapeMode) => mode !== "annotations";

/** Annotations for a Service that exposes exactly one metrics port (served at METRICS_PATH). */
export function scrapeAnnotations(port: Pick<JaegerPort, "port">): Record<string, string> {
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(port.port),
    "prometheus.io/path": METRICS_PATH,
    "prometheus.io/scheme": "http",
  };
}

/**
 * The part of a prometheus-operator ServiceMonitor spec (monitoring.coreos.com/v1) the stack sets.
 * Declared here so that the package's types need nothing outside its dependencies; the tests check
 * it against @kubernetes-models/prometheus-operator's type and the CRD itself.
 */
export interface ServiceMonitorSpec {
  selector: { matchLabels: Record<string, string> };
  namespaceSelector: { matchNames: string[] };
  endpoints: { port: string; path: string; scheme: "http" | "https"; interval: string }[];
}

export interface ServiceMonitorInput {
  /** Labels of the Services to scrape (all in one namespace). */
  readonly serviceSelector: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** Service port names to scrape; a Service without one of them yields no target for it. */
  readonly ports: readonly Pick<JaegerPort, "name">[];
  /** A prometheus-operator duration (whole h/m/s; the config schema checks it). */
  readonly interval: string;
}

export function buildServiceMonitorSpec(input: ServiceMonitorInput): ServiceMonitorSpec {
  return {
    selector: { matchLabels: { ...input.serviceSelector } },
    namespaceSelector: { matchNames: [input.namespace] },
    endpoints: input.ports.map((p) => ({
      port: p.name,
      path: METRICS_PATH,
      scheme: "http" as const,
      interval: input.interval,
    })),
  };
}
