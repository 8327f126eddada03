// SPM end to end on the real engines: Jaeger 2.20 with the dev stack's config, Prometheus scraping
// it as the stack's ServiceMonitor says and loading the stack's rule file, traffic with a known
// error ratio and latency, and what users read back: the Monitor tab's API, the recording rules,
// the alerts, every dashboard query, and the metric names our rules and dashboards rely on.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { Evaluation, ROOT, configSet, deployedRuleFile, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import { objectsOfKind } from "../support/objects";
import { RunningJaeger, sendSpans } from "./support/jaeger";
import { RunningPrometheus, startJaegerWithPrometheus } from "./support/prometheus";

const SERVICE = "e2e-checkout";
const OPERATION = "POST /checkout";
const BATCHES = 5;
const SPANS_PER_BATCH = 40;
const SPANS = BATCHES * SPANS_PER_BATCH;
const ERROR_EVERY = 4; // 25% errors
const DURATION_MS = 30; // in the spanmetrics bucket (10 ms, 50 ms]

interface MetricFamily {
  metrics?: { labels: { name: string; value: string }[]; metricPoints: { gaugeValue: { doubleValue: number } }[] }[];
}

interface Rule {
  name: string;
  type: "recording" | "alerting";
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

interface Catalogue {
  metrics: Record<string, string[]>;
  targetLabels: string[];
  /** Names the live engines here do not expose, with the reason (the test checks each has one). */
  notScrapedHere?: Record<string, string>;
  /** Labels live series carry only in some state, with the reason. */
  labelsOnlyWhen?: Record<string, Record<string, string>>;
}

describe("e2e: SPM on Jaeger 2.20 and Prometheus (dev stack)", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger;
  let prometheus: RunningPrometheus;

  before(async function () {
    // Short intervals so the test waits seconds, not minutes; everything else is the dev stack.
    let raw = stackConfig("dev");
    raw = configSet(raw, "monitoring.scrapeInterval", "2s", { path: true });
    raw = configSet(raw, "spm.metricsFlushInterval", "2s", { path: true });
    raw = configSet(raw, "storage.badger.maintenanceInterval", "5s", { path: true });
    // The exporter queue's metrics and JaegerExporterQueueNearFull exist only with the queue on.
    raw = configSet(raw, "jaeger.exporterQueue.enabled", "true", { path: true });
    evaluation = await evaluateStack("dev", raw);
    ({ jaeger, prometheus } = await startJaegerWithPrometheus(evaluation));
    // Steady traffic, as a service sends it: a counter that appears already at its final value
    // has no increase for rate() to see.
    for (let batch = 0; batch < BATCHES; batch++) {
      sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, {
        service: SERVICE,
        operation: OPERATION,
        count: SPANS_PER_BATCH,
        errorEvery: ERROR_EVERY,
        durationMs: DURATION_MS,
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    await waitFor(
      `Prometheus to hold all ${SPANS} spans of ${SERVICE} in traces_span_metrics_calls_total`,
      async () => {
        const [sample] = await prometheus.query(`sum(traces_span_metrics_calls_total{service_name="${SERVICE}"})`);
        return sample && Number(sample.value[1]) === SPANS ? true : undefined;
      },
      { timeoutMs: 60_000, engines: [jaeger.engine, prometheus.engine] },
    );
    // rate() needs two samples after the counter moved: wait for the recording rule built on it.
    await waitFor(
      `the recording rule service_name:traces_span_metrics_calls:rate5m for ${SERVICE}`,
      async () => ((await prometheus.query(`service_name:traces_span_metrics_calls:rate5m{service_name="${SERVICE}"} > 0`)).length > 0 ? true : undefined),
      { timeoutMs: 60_000, engines: [jaeger.engine, prometheus.engine] },
    );
  });

  after(async function () {
    await prometheus?.stop();
    await jaeger?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log([jaeger?.engine.logTail(30), prometheus?.engine.logTail(30)].join("\n"));
  });

  it("scrapes every endpoint the ServiceMonitor names, and each is up", async function () {
    const up = await prometheus.query("up");
    const endpoints = up.map((s) => `${s.metric.service}/${s.metric.endpoint}=${s.value[1]}`).sort();
    assert.deepEqual(endpoints, ["jaeger-metrics/metrics=1", "jaeger-span-metrics/span-metrics=1"]);
  });

  it("counts every span sent, errors apart", async function () {
    const [errors] = await prometheus.query(
      `sum(traces_span_metrics_calls_total{service_name="${SERVICE}", status_code="STATUS_CODE_ERROR"})`,
    );
    assert.equal(Number(errors.value[1]), SPANS / ERROR_EVERY);
  });

  const monitor = async (kind: "calls" | "errors" | "latencies", extra = "") => {
    const now = Date.now();
    const response = await fetch(
      `${jaeger.url(16686)}/api/metrics/${kind}?service=${SERVICE}&spanKind=server&endTs=${now}&lookback=120000&step=5000&ratePer=60000${extra}`,
    );
    assert.equal(response.status, 200, await response.clone().text());
    const family = (await response.json()) as MetricFamily;
    const points = family.metrics?.[0]?.metricPoints.map((p) => p.gaugeValue.doubleValue).filter((v) => Number.isFinite(v)) ?? [];
    assert.ok(points.length > 0, `the Monitor tab's ${kind} for ${SERVICE} has data: ${JSON.stringify(family)}`);
    return points[points.length - 1];
  };

  it("answers the Monitor tab with the error ratio sent (25% +- 2 points)", async function () {
    const ratio = await monitor("errors");
    assert.ok(Math.abs(ratio - 1 / ERROR_EVERY) <= 0.02, `error ratio ${ratio}`);
    assert.ok((await monitor("calls")) > 0);
  });

  it("answers the Monitor tab with a p95 latency in the bucket of the latency sent (10-50 ms for 30 ms)", async function () {
    const p95 = await monitor("latencies", "&quantile=0.95");
    assert.ok(p95 > 10 && p95 <= 50, `p95 ${p95} ms`);
  });

  it("produces a series for every recording rule", async function () {
    const records = (deployedRuleFile(evaluation)?.groups as { rules: { record?: string }[] }[])
      .flatMap((g) => g.rules)
      .flatMap((r) => (r.record ? [r.record] : []));
    assert.ok(records.length > 0);
    const empty: string[] = [];
    for (const record of records) if ((await prometheus.query(record)).length === 0) empty.push(record);
    assert.deepEqual(empty, [], "recording rules with no series");
  });

  it("evaluates every alerting rule without error", async function () {
    const rules = await waitFor(
      "every rule to have been evaluated once",
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: Rule[] }[] } };
        const all = body.data.groups.flatMap((g) => g.rules);
        return all.every((r) => !r.lastEvaluation.startsWith("0001")) ? all : undefined;
      },
      { timeoutMs: 20_000, engines: [prometheus.engine] },
    );
    const alerts = rules.filter((r) => r.type === "alerting");
    assert.ok(alerts.length > 0);
    assert.deepEqual(
      rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.health} ${r.lastError ?? ""}`),
      [],
    );
  });

  it("returns at least one series for every query of every deployed dashboard", async function () {
    const dashboards = objectsOfKind(evaluation, "ConfigMap")
      .filter((c) => c.metadata?.name?.startsWith("grafana-dashboard-"))
      .flatMap((c) => Object.entries(c.data ?? {}));
    assert.ok(dashboards.length >= 2, "dev deploys the SPM and Badger health dashboards");
    // What Grafana sends for the variables: the namespace picked, every service and operation, and
    // $__rate_interval as Grafana computes it for a 2 s scrape at a one-minute step.
    const variables: Record<string, string> = { namespace: "observability", service: ".+", operation: ".+", __rate_interval: "1m" };
    const queries = dashboards.flatMap(([file, json]) =>
      (JSON.parse(json) as { panels: { title: string; targets?: { expr?: string }[] }[] }).panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) =>
          target.expr
            ? [
                {
                  where: `${file} / ${panel.title}: ${target.expr}`,
                  expr: target.expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
                    assert.ok(variables[name] !== undefined, `${file}: no value for $${name}`);
                    return variables[name];
                  }),
                },
              ]
            : [],
        ),
      ),
    );
    let empty: string[] = [];
    // Someone uses the UI meanwhile, as on a stack in use: the storage and query API panels read
    // what the query API does, and a counter needs two scrapes after it moved before rate() sees it.
    await waitFor(
      "every dashboard query to return a series",
      async () => {
        const search = await fetch(`${jaeger.url(16686)}/api/traces?service=${SERVICE}&limit=5`);
        assert.equal(search.status, 200, await search.clone().text());
        empty = [];
        for (const q of queries) if ((await prometheus.query(q.expr)).length === 0) empty.push(q.where);
        return empty.length === 0 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 2_000, engines: [] },
    ).catch(() => undefined);
    assert.deepEqual(empty, [], "dashboard queries that show no data on a healthy stack in use");
  });

  it("exposes every catalogued metric name of Jaeger's telemetry and span metrics, with its labels, or the catalogue says why not", async function () {
    const catalogue = parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/upstream-metrics.yml"), "utf8")) as Catalogue;
    const scraped = new Map<string, Set<string>>();
    for (const port of [8888, 8889]) {
      const text = await (await fetch(`${jaeger.url(port)}/metrics`)).text();
      for (const match of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /gm)) {
        const labels = scraped.get(match[1]) ?? new Set<string>();
        for (const label of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(label[1]);
        scraped.set(match[1], labels);
      }
    }
    const ours = Object.keys(catalogue.metrics).filter((name) => /^(otelcol_|jaeger_|http_server_|traces_span_metrics_)/.test(name));
    const missing = ours.filter((name) => !scraped.has(name) && !catalogue.notScrapedHere?.[name]);
    assert.deepEqual(missing, [], "catalogued names the live Jaeger does not expose (and no reason given)");
    const wrongLabels = ours
      .filter((name) => scraped.has(name))
      .flatMap((name) =>
        catalogue.metrics[name]
          .filter((l) => l !== "le" && !scraped.get(name)?.has(l) && !catalogue.labelsOnlyWhen?.[name]?.[l])
          .map((l) => `${name}: ${l}`),
      );
    assert.deepEqual(wrongLabels, [], "catalogued labels the live series do not carry");
    const stale = Object.keys(catalogue.notScrapedHere ?? {}).filter((name) => scraped.has(name));
    assert.deepEqual(stale, [], "names the catalogue says are not scraped here, but are");
  });
});
