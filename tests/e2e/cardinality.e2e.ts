// Span names with ids in them (raw URLs, queries) on the real Jaeger 2.20: the span metrics stay
// within spm.cardinalityLimit per service, and the overflow is what the stack's alert watches.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import type { RunningJaeger } from "./support/jaeger";
import { RunningPrometheus, startJaegerWithPrometheus } from "./support/prometheus";

const LIMIT = 50;
const NAMES = 5_000;

describe("e2e: span-metric cardinality on Jaeger 2.20", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger;
  let prometheus: RunningPrometheus;

  before(async function () {
    let raw = stackConfig("dev");
    raw = configSet(raw, "spm.cardinalityLimit", String(LIMIT), { path: true });
    raw = configSet(raw, "spm.metricsFlushInterval", "2s", { path: true });
    raw = configSet(raw, "monitoring.scrapeInterval", "2s", { path: true });
    raw = configSet(raw, "monitoring.alerts.for", "1m", { path: true });
    evaluation = await evaluateStack("dev", raw);
    ({ jaeger, prometheus } = await startJaegerWithPrometheus(evaluation));
    // Two bursts of distinct names, so that the overflow series' counter moves between scrapes.
    for (const path of ["/orders", "/carts"]) {
      const load = spawnSync(
        engineCommand("spansend"),
        [`-endpoint=127.0.0.1:${jaeger.pod.port(4317)}`, `-rate=${NAMES / 2}`, "-seconds=1", "-service=e2e-ids", `-operation=GET ${path}`, "-unique-names"],
        { encoding: "utf8", timeout: 60_000 },
      );
      assert.equal(load.status, 0, load.stderr);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  });

  after(async function () {
    await prometheus?.stop();
    await jaeger?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log([jaeger?.engine.logTail(20), prometheus?.engine.logTail(20)].join("\n"));
  });

  it(`keeps one service's span-metric series at the limit (${LIMIT}) plus one overflow series, for ${NAMES} span names`, async function () {
    const text = await (await fetch(`${jaeger.url(8889)}/metrics`)).text();
    const series = text.split("\n").filter((l) => l.startsWith("traces_span_metrics_calls_total{") && l.includes('service_name="e2e-ids"'));
    const overflow = text.split("\n").filter((l) => l.startsWith("traces_span_metrics_calls_total{") && l.includes('otel_metric_overflow="true"'));
    assert.ok(series.length <= LIMIT, `${series.length} series for e2e-ids`);
    assert.equal(overflow.length, 1, overflow.join("\n"));
    // The overflow series keeps the service only as the exporter's job label (from the resource).
    assert.match(overflow[0], /job="e2e-ids"/);
    const count = (line: string) => Number(line.split(" ").pop());
    const named = series.reduce((sum, line) => sum + count(line), 0);
    assert.equal(named + count(overflow[0]), NAMES, "every span is counted: in its own series or in the overflow");
  });

  it("JaegerSpanMetricsOverflow goes pending on the overflow series", async function () {
    await waitFor(
      "JaegerSpanMetricsOverflow to be pending or firing",
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: { alertname: string }; state: string }[] } };
        return body.data.alerts.some((a) => a.labels.alertname === "JaegerSpanMetricsOverflow") ? true : undefined;
      },
      { timeoutMs: 30_000, engines: [prometheus.engine] },
    );
  });
});
