// A real Prometheus server (Debian's `prometheus` package, installed by scripts/test-tools.sh)
// that scrapes the locally running pods the way prometheus-operator turns the stack's
// ServiceMonitor into scrape targets, and loads the stack's own rule file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { IServiceMonitor as ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { stringify } from "yaml";
import { Evaluation, deployedRuleFile } from "../../../scripts/evaluate";
import { Engine, freePort, startEngine, waitFor } from "../../support/engines";
import type { LocalPod } from "../../support/localPod";
import { RunningJaeger, StartOptions, prometheusService, startJaeger } from "./jaeger";
import { kubernetesObjects, objectsOfKind } from "../../support/objects";

/** A Prometheus rule file, as deployedRuleFile renders it. */
export type RuleFile = NonNullable<ReturnType<typeof deployedRuleFile>>;

/** One scrape target as prometheus-operator would label it. */
export interface ScrapeTarget {
  readonly address: string;
  readonly path: string;
  readonly scheme: string;
  readonly interval: string;
  /** The endpoint's relabelings and metricRelabelings, in Prometheus' own form. */
  readonly relabelConfigs: readonly Record<string, unknown>[];
  readonly metricRelabelConfigs: readonly Record<string, unknown>[];
  readonly labels: Readonly<Record<string, string>>;
}

type LabelSelector = NonNullable<ServiceMonitor["spec"]["selector"]>;

/** A Kubernetes label selector, matchLabels and matchExpressions (apimachinery labels.Selector). */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> = {}): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabels &&
    (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case "In":
          return key in labels && values.includes(labels[key]);
        case "NotIn":
          return !(key in labels) || !values.includes(labels[key]);
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        default:
          throw new Error(`label selector operator ${operator} is not a Kubernetes one`);
      }
    })
  );
}

/** A Service's selector (a plain map) against a pod's labels; an empty one selects no pod. */
const selectsPods = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.keys(selector ?? {}).length > 0 && Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

/** What the harness runs of a ServiceMonitor endpoint; any other field fails the run, never ignored. */
const ENDPOINT_FIELDS = new Set([
  "port",
  "path",
  "scheme",
  "interval",
  "scrapeTimeout",
  "relabelings",
  "metricRelabelings",
]);
const MONITOR_FIELDS = new Set(["endpoints", "selector", "namespaceSelector"]);

/** A relabeling as the CRD spells it (sourceLabels, targetLabel, ...) in Prometheus' spelling. */
function relabelConfig(relabeling: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(relabeling).map(([key, value]) => [
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      key === "action" && typeof value === "string" ? value.toLowerCase() : value,
    ]),
  );
}

/** Kubernetes service discovery's name for a label: every character not [a-zA-Z0-9_] becomes _. */
const metaName = (label: string) => label.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The targets the stack's ServiceMonitors select, for pods running locally (by Deployment name):
 * Services chosen by the monitor's namespaces and label selector (matchLabels and
 * matchExpressions), each endpoint's port name resolved through the Service to the container
 * port, labelled with namespace, service, endpoint, pod, container and job (= the Service name), as
 * prometheus-operator does (pkg/prometheus/promcfg.go, generateServiceMonitorConfig). Each target
 * also carries the __meta_kubernetes_* labels Kubernetes service discovery gives an endpoint, so
 * that the endpoint's relabelings, which Prometheus runs here, see what they see in the cluster.
 */
export function serviceMonitorTargets(evaluation: Evaluation, pods: ReadonlyMap<string, LocalPod>): ScrapeTarget[] {
  const monitors = kubernetesObjects(evaluation).filter(
    (o) => o.kind === "ServiceMonitor",
  ) as unknown as ServiceMonitor[];
  const services = objectsOfKind(evaluation, "Service");
  const deployments = objectsOfKind(evaluation, "Deployment");
  const targets: ScrapeTarget[] = [];
  for (const monitor of monitors) {
    const unknown = Object.keys(monitor.spec).filter((k) => !MONITOR_FIELDS.has(k));
    if (unknown.length > 0)
      throw new Error(`ServiceMonitor ${monitor.metadata?.name}: the harness does not run ${unknown.join(", ")}`);
    const namespaces = monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata?.namespace ?? ""];
    for (const service of services) {
      if (!namespaces.includes(service.metadata?.namespace ?? "")) continue;
      if (!selects(monitor.spec.selector, service.metadata?.labels)) continue;
      for (const endpoint of monitor.spec.endpoints ?? []) {
        const unknownFields = Object.keys(endpoint).filter((k) => !ENDPOINT_FIELDS.has(k));
        if (unknownFields.length > 0)
          throw new Error(
            `ServiceMonitor ${monitor.metadata?.name} endpoint ${endpoint.port}: the harness does not run ${unknownFields.join(", ")}`,
          );
        const servicePort = service.spec?.ports?.find((p) => p.name === endpoint.port);
        if (!servicePort) continue;
        for (const deployment of deployments) {
          const template = deployment.spec?.template;
          if (!selectsPods(service.spec?.selector, template?.metadata?.labels)) continue;
          const pod = pods.get(deployment.metadata?.name ?? "");
          if (!pod)
            throw new Error(
              `Service ${service.metadata?.name} selects Deployment ${deployment.metadata?.name}, which is not running here`,
            );
          const containerPort = pod.container.ports?.find((p) =>
            typeof servicePort.targetPort === "string"
              ? p.name === servicePort.targetPort
              : p.containerPort === (servicePort.targetPort ?? servicePort.port),
          );
          if (!containerPort)
            throw new Error(`Service ${service.metadata?.name} port ${endpoint.port} reaches no container port`);
          const podName = `${deployment.metadata?.name}-0`;
          const meta: Record<string, string> = {
            __meta_kubernetes_namespace: service.metadata?.namespace ?? "",
            __meta_kubernetes_service_name: service.metadata?.name ?? "",
            __meta_kubernetes_endpoint_port_name: servicePort.name ?? "",
            __meta_kubernetes_pod_name: podName,
            __meta_kubernetes_pod_container_name: pod.container.name,
            __meta_kubernetes_pod_container_port_name: containerPort.name ?? "",
            __meta_kubernetes_pod_container_port_number: String(containerPort.containerPort),
          };
          for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) {
            meta[`__meta_kubernetes_service_label_${metaName(k)}`] = v;
            meta[`__meta_kubernetes_service_labelpresent_${metaName(k)}`] = "true";
          }
          for (const [k, v] of Object.entries(template?.metadata?.labels ?? {})) {
            meta[`__meta_kubernetes_pod_label_${metaName(k)}`] = v;
            meta[`__meta_kubernetes_pod_labelpresent_${metaName(k)}`] = "true";
          }
          targets.push({
            address: `127.0.0.1:${pod.port(containerPort.containerPort)}`,
            path: endpoint.path ?? "/metrics",
            scheme: endpoint.scheme ?? "http",
            interval: endpoint.interval ?? "30s",
            relabelConfigs: (endpoint.relabelings ?? []).map((r) => relabelConfig({ ...r })),
            metricRelabelConfigs: (endpoint.metricRelabelings ?? []).map((r) => relabelConfig({ ...r })),
            labels: {
              ...meta,
              namespace: service.metadata?.namespace ?? "",
              service: service.metadata?.name ?? "",
              endpoint: endpoint.port ?? "",
              pod: podName,
              container: pod.container.name,
              job: service.metadata?.name ?? "",
            },
          });
        }
      }
    }
  }
  return targets;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly engine: Engine;
  /** An instant query's result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Replaces the loaded rule file with `rules` and reloads it (POST /-/reload); the TSDB stays. */
  reloadRules(rules: RuleFile): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Prometheus with the targets and the stack's rule file; waits until it is ready (30 s). */
export async function startPrometheus(
  evaluation: Evaluation,
  targets: readonly ScrapeTarget[],
  options: {
    evaluationInterval: string;
    port: number;
    /** A TSDB directory filled beforehand (it is kept). */ dataDir?: string;
  },
): Promise<RunningPrometheus> {
  const binary = spawnSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim();
  if (!binary) throw new Error('prometheus is missing: install Debian\'s "prometheus" package (npm run setup)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-prometheus-"));
  const rules = deployedRuleFile(evaluation);
  if (!rules) throw new Error("the stack deploys no Prometheus rules");
  fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(rules));
  const config = {
    global: { evaluation_interval: options.evaluationInterval },
    rule_files: [path.join(dir, "rules.yaml")],
    scrape_configs: targets.map((t, i) => ({
      job_name: `${t.labels.job}-${t.labels.endpoint}-${i}`,
      scrape_interval: t.interval,
      metrics_path: t.path,
      scheme: t.scheme,
      static_configs: [{ targets: [t.address], labels: t.labels }],
      relabel_configs: t.relabelConfigs,
      metric_relabel_configs: t.metricRelabelConfigs,
    })),
  };
  fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(config));
  const port = options.port;
  const engine = startEngine("prometheus", binary, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${options.dataDir ?? path.join(dir, "data")}`,
    // Backfilled blocks are up to hours old: kept whatever their age.
    "--storage.tsdb.retention.time=30d",
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`Prometheus at ${url}/-/ready`, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), {
      timeoutMs: 30_000,
      engines: [engine],
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    engine,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
      return body.data?.result ?? [];
    },
    async reloadRules(rules) {
      fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(rules));
      const response = await fetch(`${url}/-/reload`, { method: "POST" });
      if (!response.ok) throw new Error(`POST /-/reload: ${response.status} ${await response.text()}`);
    },
    stop,
  };
}

/**
 * The dev stack's Jaeger and a Prometheus that scrapes it as the ServiceMonitor says and loads the
 * stack's rules; the Monitor tab queries that Prometheus. Rules are evaluated every 2 s.
 */
export async function startJaegerWithPrometheus(
  evaluation: Evaluation,
  options: Omit<StartOptions, "services"> = {},
): Promise<{ jaeger: RunningJaeger; prometheus: RunningPrometheus }> {
  const port = await freePort();
  const jaeger = await startJaeger(evaluation, "jaeger", { ...options, services: await prometheusService(port) });
  try {
    const targets = serviceMonitorTargets(evaluation, new Map([["jaeger", jaeger.pod]]));
    return { jaeger, prometheus: await startPrometheus(evaluation, targets, { evaluationInterval: "2s", port }) };
  } catch (error) {
    await jaeger.stop();
    throw error;
  }
}
