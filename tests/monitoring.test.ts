import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "kubernetes-types/core/v1";
import { Evaluation, RawConfig, configSet, deployedRuleFile, evaluateStack, stackConfig } from "../scripts/evaluate";
import { parse } from "yaml";
import { at, jaegerConfigDocument, objectNamed, objectsOfKind } from "./support/objects";
import type { ServiceMonitorSpec } from "../components/monitoring/scrape";
import type { RuleFile } from "../components/monitoring/prometheusRules";

interface CustomResource {
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: unknown;
}

function customResources(ev: Evaluation, kind: string): CustomResource[] {
  return ev.resources
    .filter((r) => r.type === `kubernetes:monitoring.coreos.com/v1:${kind}`)
    .map((r) => r.inputs as unknown as CustomResource);
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Container port a Service port forwards to, in the Jaeger Deployment(s) the Service selects. */
function containerPortBehind(ev: Evaluation, service: Service, servicePort: number): number | undefined {
  const selected = objectsOfKind(ev, "Deployment").filter((d) =>
    matches(service.spec?.selector ?? {}, d.spec?.template.metadata?.labels),
  );
  assert.ok(selected.length > 0, `${service.metadata?.name} selects Jaeger pods`);
  const port = service.spec?.ports?.find((p) => p.port === servicePort);
  const target = port?.targetPort ?? servicePort;
  const found = selected.map(
    (d) =>
      d.spec?.template.spec?.containers[0].ports?.find((p) => p.name === target || p.containerPort === target)
        ?.containerPort,
  );
  assert.ok(
    found.every((p) => p === found[0]),
    `${service.metadata?.name}: every selected pod serves the port`,
  );
  return found[0];
}

/** The two metrics endpoints Jaeger's config serves: own telemetry and span metrics. */
function metricsEndpoints(ev: Evaluation): number[] {
  const doc = jaegerConfigDocument(ev);
  const telemetry = at(doc, "service.telemetry.metrics.readers") as {
    pull: { exporter: { prometheus: { port: number } } };
  }[];
  const spanMetrics = String(at(doc, "exporters.prometheus.endpoint")).split(":").pop();
  return [telemetry[0].pull.exporter.prometheus.port, Number(spanMetrics)].sort();
}

function withMonitoring(edits: Record<string, string>, stack = "dev"): RawConfig {
  return Object.entries(edits).reduce(
    (raw, [key, value]) => configSet(raw, key, value, { path: true }),
    stackConfig(stack),
  );
}

function scrapedByAnnotations(ev: Evaluation): number[] {
  const scraped: number[] = [];
  for (const service of objectsOfKind(ev, "Service")) {
    const a = service.metadata?.annotations ?? {};
    if (a["prometheus.io/scrape"] !== "true") continue;
    assert.equal(a["prometheus.io/path"], "/metrics");
    const port = containerPortBehind(ev, service, Number(a["prometheus.io/port"]));
    assert.ok(port, `${service.metadata?.name} annotates a port it serves`);
    scraped.push(port);
  }
  return scraped.sort();
}

function scrapedByServiceMonitor(ev: Evaluation, selectorLabels: Record<string, string>): number[] {
  const monitors = customResources(ev, "ServiceMonitor");
  assert.ok(monitors.length > 0, "a ServiceMonitor");
  const scraped = new Set<number>();
  for (const monitor of monitors) {
    assert.ok(matches(selectorLabels, monitor.metadata.labels), "Prometheus' selector label is on the ServiceMonitor");
    const spec = monitor.spec as ServiceMonitorSpec;
    // Without a namespaceSelector a ServiceMonitor selects Services in its own namespace.
    const namespaces = spec.namespaceSelector?.matchNames ?? [String(monitor.metadata.namespace)];
    const services = objectsOfKind(ev, "Service").filter(
      (s) =>
        matches(spec.selector.matchLabels ?? {}, s.metadata?.labels) &&
        namespaces.includes(s.metadata?.namespace ?? ""),
    );
    for (const endpoint of spec.endpoints ?? []) {
      const servicesWithPort = services.filter((s) => s.spec?.ports?.some((p) => p.name === endpoint.port));
      assert.ok(servicesWithPort.length > 0, `a selected Service has a port named ${endpoint.port}`);
      assert.equal(endpoint.path, "/metrics");
      for (const service of servicesWithPort) {
        const servicePort = service.spec?.ports?.find((p) => p.name === endpoint.port);
        const port = containerPortBehind(ev, service, servicePort?.port ?? -1);
        assert.ok(port, `${service.metadata?.name}:${endpoint.port} reaches a container port`);
        scraped.add(port);
      }
    }
  }
  return [...scraped].sort();
}

describe("Prometheus scraping", () => {
  it("serviceMonitor mode (dev): a ServiceMonitor reaches both metrics endpoints, no annotations", async () => {
    const ev = await evaluateStack("dev");
    assert.deepEqual(scrapedByServiceMonitor(ev, { release: "kube-prometheus-stack" }), metricsEndpoints(ev));
    assert.deepEqual(metricsEndpoints(ev), [8888, 8889]);
    assert.deepEqual(scrapedByAnnotations(ev), []);
  });

  it("annotations mode: one annotated Service per endpoint for the community chart, no ServiceMonitor", async () => {
    const ev = await evaluateStack(
      "dev",
      withMonitoring({ "monitoring.scrape": "annotations", "monitoring.bundled.enabled": "false" }),
    );
    assert.deepEqual(scrapedByAnnotations(ev), [8888, 8889]);
    assert.equal(customResources(ev, "ServiceMonitor").length, 0);
    assert.equal(customResources(ev, "PrometheusRule").length, 0);
    // the rules come as a rule file to mount into that Prometheus
    const file = parse(
      objectNamed(ev, "ConfigMap", "jaeger-prometheus-rules").data?.["jaeger-rules.yaml"] ?? "",
    ) as RuleFile;
    assert.ok(file.groups.some((g) => g.rules.some((r) => "alert" in r && r.alert === "JaegerSpansRefused")));
    assert.deepEqual(ev.outputs.prometheusRules && (ev.outputs.prometheusRules as { objects: string[] }).objects, [
      "ConfigMap observability/jaeger-prometheus-rules (jaeger-rules.yaml)",
    ]);
  });

  it("stack output: where the rules are and how many, not the whole rule file in every `up` summary", async () => {
    const ev = await evaluateStack("prod");
    const output = ev.outputs.prometheusRules as { objects: string[]; groups: { name: string; rules: number }[] };
    assert.deepEqual(output.objects, ["PrometheusRule observability/jaeger"]);
    const [rule] = customResources(ev, "PrometheusRule");
    assert.deepEqual(
      output.groups,
      (rule.spec as RuleFile).groups.map((g) => ({ name: g.name, rules: g.rules.length })),
    );
    assert.ok(!JSON.stringify(output).includes("expr"), "no rule bodies in the output");
  });

  it("both mode: annotations and a ServiceMonitor with the configured selector label", async () => {
    const ev = await evaluateStack(
      "dev",
      withMonitoring({ "monitoring.scrape": "both", "monitoring.selectorLabels.release": "prom-main" }),
    );
    assert.deepEqual(scrapedByAnnotations(ev), [8888, 8889]);
    assert.deepEqual(scrapedByServiceMonitor(ev, { release: "prom-main" }), [8888, 8889]);
    // the same rules both ways
    const [rule] = customResources(ev, "PrometheusRule");
    const file = parse(
      objectNamed(ev, "ConfigMap", "jaeger-prometheus-rules").data?.["jaeger-rules.yaml"] ?? "",
    ) as RuleFile;
    assert.deepEqual(file.groups, (rule.spec as RuleFile).groups);
  });

  it("prod: ServiceMonitors (Jaeger's and the snapshot exporter's) and PrometheusRule carry the existing Prometheus' selector label", async () => {
    const ev = await evaluateStack("prod");
    assert.deepEqual(scrapedByServiceMonitor(ev, { release: "kube-prometheus-stack" }), [8888, 8889, 9114]);
    const [rule] = customResources(ev, "PrometheusRule");
    assert.equal(rule.metadata.labels.release, "kube-prometheus-stack");
  });

  it("rejects annotation scraping with the bundled kube-prometheus-stack, which ignores annotations", async () => {
    await assert.rejects(
      evaluateStack("dev", withMonitoring({ "monitoring.scrape": "annotations" })),
      /jaeger-spm:monitoring\.scrape = "annotations": expected "serviceMonitor" or "both" when monitoring\.bundled\.enabled is true/,
    );
  });
});

describe("bundled monitoring", () => {
  let dev: Evaluation;
  let prod: Evaluation;
  before(async () => {
    dev = await evaluateStack("dev");
    prod = await evaluateStack("prod");
  });

  const release = (ev: Evaluation) =>
    ev.resources.filter(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "kube-prometheus-stack",
    );

  it("dev installs a pinned kube-prometheus-stack whose Prometheus selects our ServiceMonitor and PrometheusRule", () => {
    const [chart] = release(dev);
    assert.ok(chart, "dev has the chart");
    assert.equal(chart.inputs.chart, "kube-prometheus-stack");
    assert.match(String(chart.inputs.version), /^\d+\.\d+\.\d+$/);
    assert.equal(
      (chart.inputs.repositoryOpts as { repo: string }).repo,
      "https://prometheus-community.github.io/helm-charts",
    );
    const spec = at(chart.inputs.values, "prometheus.prometheusSpec") as Record<
      string,
      { matchLabels?: Record<string, string> }
    >;
    const [monitor] = customResources(dev, "ServiceMonitor");
    const [rule] = customResources(dev, "PrometheusRule");
    assert.ok(matches(spec.serviceMonitorSelector.matchLabels ?? {}, monitor.metadata.labels));
    assert.ok(matches(spec.ruleSelector.matchLabels ?? {}, rule.metadata.labels));
    assert.deepEqual(spec.serviceMonitorNamespaceSelector, {}, "all namespaces");
    assert.deepEqual(spec.ruleNamespaceSelector, {}, "all namespaces");
  });

  it("runs only the node exporter in a privileged namespace; the rest of monitoring enforces baseline", () => {
    const namespaces = objectsOfKind(dev, "Namespace");
    const enforced = (name: string) =>
      namespaces.find((n) => n.metadata?.name === name)?.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    assert.equal(enforced("monitoring"), "baseline");
    assert.equal(enforced("monitoring-node-exporter"), "privileged");
    assert.equal(
      at(release(dev)[0].inputs.values, "prometheus-node-exporter.namespaceOverride"),
      "monitoring-node-exporter",
    );
    assert.deepEqual(
      namespaces
        .filter((n) => n.metadata?.labels?.["pod-security.kubernetes.io/enforce"] === "privileged")
        .map((n) => n.metadata?.name),
      ["monitoring-node-exporter"],
      "no other namespace we create is privileged",
    );
  });

  it("points Jaeger's SPM queries at the bundled Prometheus", () => {
    const url = at(
      jaegerConfigDocument(dev),
      "extensions.jaeger_storage.metric_backends.spm_prometheus.prometheus.endpoint",
    );
    assert.equal(url, "http://prometheus-operated.monitoring.svc:9090");
    assert.equal(dev.outputs.prometheusUrl, url);
    const viaOtherNamespace = withMonitoring({ "monitoring.bundled.namespace": "metrics" });
    return evaluateStack("dev", viaOtherNamespace).then((ev) =>
      assert.equal(ev.outputs.prometheusUrl, "http://prometheus-operated.metrics.svc:9090"),
    );
  });

  it("loads dashboards from labelled ConfigMaps through the Grafana sidecar", () => {
    const sidecar = at(release(dev)[0].inputs.values, "grafana.sidecar.dashboards") as Record<string, unknown>;
    assert.equal(sidecar.enabled, true);
    assert.equal(sidecar.label, "grafana_dashboard");
    assert.equal(sidecar.labelValue, "1");
    assert.equal(sidecar.searchNamespace, "ALL");
    assert.equal(sidecar.folderAnnotation, "grafana_folder");
  });

  it("generates the Grafana admin password, keeps it in a Secret and exports it only as a secret", async () => {
    const values = release(dev)[0].inputs.values;
    assert.equal(at(values, "grafana.adminPassword"), undefined, "no password in chart values");
    const secretName = at(values, "grafana.admin.existingSecret");
    const secret = dev.resources.find(
      (r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === secretName,
    );
    assert.ok(secret, "the Secret the chart reads exists");
    assert.deepEqual(secret.secretPaths, ["stringData"]);
    const password = (secret.inputs.stringData as Record<string, string>)["admin-password"];
    assert.notEqual(password, "admin");
    assert.ok(dev.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword"));
    const exported = dev.exports.grafanaAdminPassword as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(exported), true);
    assert.equal(dev.outputs.grafanaAdminPassword, password);
  });

  it("prod renders no chart and no Grafana password", () => {
    assert.equal(release(prod).length, 0);
    assert.ok(
      !prod.resources.some(
        (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.endsWith("-grafana-admin"),
      ),
    );
    assert.equal(prod.outputs.grafanaAdminPassword, null);
    assert.equal(prod.outputs.prometheusUrl, "http://prometheus-operated.monitoring.svc:9090");
  });

  it("creates the ServiceMonitor and PrometheusRule after the chart that installs their CRDs", () => {
    const chart = release(dev)[0];
    for (const r of dev.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"))) {
      assert.deepEqual(r.options.dependsOn, [`${chart.type}::${chart.name}`], r.type);
    }
  });
});

describe("alert rules", () => {
  it("come in one group per owner: the backups' only with backups on", async () => {
    const groups = (ev: Evaluation) => (deployedRuleFile(ev) as RuleFile).groups.map((g) => g.name);
    assert.deepEqual(groups(await evaluateStack("dev")), ["jaeger-spm-recording", "jaeger-alerts"]);
    const prod = await evaluateStack("prod");
    assert.deepEqual(groups(prod), ["jaeger-spm-recording", "jaeger-alerts", "jaeger-backup-alerts"]);
    const backup = (deployedRuleFile(prod) as RuleFile).groups[2].rules;
    assert.ok(
      backup.every((r) => "alert" in r && r.alert.startsWith("JaegerSnapshot")),
      "prod's snapshots are watched",
    );
  });

  it("include the exporter-queue alert only when the queue is configured", async () => {
    const names = (ev: Evaluation) =>
      (deployedRuleFile(ev) as RuleFile).groups.flatMap((g) => g.rules).map((r) => ("alert" in r ? r.alert : r.record));
    const off = await evaluateStack("dev");
    assert.ok(!names(off).includes("JaegerExporterQueueNearFull"));
    const on = await evaluateStack("dev", withMonitoring({ "jaeger.exporterQueue.enabled": "true" }));
    assert.ok(names(on).includes("JaegerExporterQueueNearFull"));
    assert.deepEqual(at(jaegerConfigDocument(on), "exporters.jaeger_storage_exporter.queue"), {
      enabled: true,
      num_consumers: 10,
      queue_size: 1000,
    });
  });

  it("use the configured thresholds", async () => {
    const ev = await evaluateStack(
      "dev",
      withMonitoring({ "monitoring.alerts.spansRefusedRatio": "0.05", "monitoring.alerts.for": "30m" }),
    );
    const alert = (deployedRuleFile(ev) as RuleFile).groups
      .flatMap((g) => g.rules)
      .find((r) => "alert" in r && r.alert === "JaegerSpansRefused");
    assert.ok(alert && "alert" in alert);
    assert.match(alert.expr, /> 0\.05$/);
    assert.equal(alert.for, "30m");
  });
});
