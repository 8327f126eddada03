// JaegerNoSpansAccepted on the real engines: Jaeger 2.20 with the dev stack's config, scraped by
// Prometheus as the ServiceMonitor says, with the stack's rule file. A Jaeger that is up and gets
// no spans makes the alert pending (right after a start its counters have no series at all, the
// case the rule's "or up * 0" is there for); spans arriving clear it; when they stop again it goes
// pending again (with its rate window shortened, the one change, so that the wait is not 5 minutes).
import * as assert from "node:assert/strict";
import { WINDOW } from "../../components/monitoring/prometheusRules";
import { Evaluation, configSet, deployedRuleFile, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { engineCommand, waitFor } from "../support/engines";
import { RunningJaeger, sendSpans } from "./support/jaeger";
import { RuleFile, RunningPrometheus, startJaegerWithPrometheus } from "./support/prometheus";

/** The stack's rule file with JaegerNoSpansAccepted's rate window (and that alone) set to `window`. */
function withNoSpansWindow(rules: RuleFile, window: string): RuleFile {
  let changed = 0;
  const groups = (rules.groups as { rules: { alert?: string; expr: string }[] }[]).map((group) => ({
    ...group,
    rules: group.rules.map((rule) => {
      if (rule.alert !== "JaegerNoSpansAccepted") return rule;
      const expr = rule.expr.replaceAll(`[${WINDOW}]`, `[${window}]`);
      if (expr !== rule.expr) changed++;
      return { ...rule, expr };
    }),
  }));
  if (changed !== 1)
    throw new Error(`expected JaegerNoSpansAccepted with a [${WINDOW}] window once; changed ${changed}`);
  return { ...rules, groups };
}

interface Alert {
  labels: { alertname: string; namespace?: string };
  state: string;
}

describe("e2e: JaegerNoSpansAccepted on Jaeger 2.20 and Prometheus (dev stack)", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger;
  let prometheus: RunningPrometheus;

  const alerts = async () =>
    ((await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts;
  const noSpans = async () => (await alerts()).find((a) => a.labels.alertname === "JaegerNoSpansAccepted");

  before(async function () {
    let raw = stackConfig("dev");
    raw = configSet(raw, "monitoring.scrapeInterval", "2s", { path: true });
    raw = configSet(raw, "monitoring.alerts.noSpansFor", "1m", { path: true });
    evaluation = await evaluateStack("dev", raw);
    ({ jaeger, prometheus } = await startJaegerWithPrometheus(evaluation));
  });

  after(async function () {
    await prometheus?.stop();
    await jaeger?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed")
      console.log(`${jaeger?.engine.logTail(30)}\n${prometheus?.engine.logTail(30)}`);
  });

  it("goes pending while Jaeger is up and no span has arrived since it started", async function () {
    const alert = await waitFor(
      "JaegerNoSpansAccepted to be pending on a Jaeger that got no spans",
      async () => {
        const found = await noSpans();
        return found?.state === "pending" ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, engines: [jaeger.engine, prometheus.engine] },
    );
    assert.equal(alert.labels.namespace, "observability");
    const up = await prometheus.query(`up{namespace="observability", service="jaeger-metrics"}`);
    assert.deepEqual(
      up.map((s) => s.value[1]),
      ["1"],
      "Jaeger's telemetry target is up, so this is not a scrape failure",
    );
  });

  it("clears once spans arrive", async function () {
    // Steady traffic for a few scrapes: rate() needs the counter to move between two samples.
    const endpoint = `127.0.0.1:${jaeger.pod.port(4317)}`;
    await waitFor(
      "JaegerNoSpansAccepted to clear while spans arrive",
      async () => {
        sendSpans(engineCommand("spansend"), "otlp-grpc", endpoint, { service: "e2e-no-spans", count: 5 });
        return (await noSpans()) === undefined ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, engines: [jaeger.engine, prometheus.engine] },
    );
  });

  it("goes pending again once spans stop arriving (its rate window shortened from 5m to 20s)", async function () {
    // In the stack the window is 5 minutes: the alert goes pending 5 minutes after the last span.
    const rules = deployedRuleFile(evaluation);
    assert.ok(rules);
    await prometheus.reloadRules(withNoSpansWindow(rules, "20s"));
    const endpoint = `127.0.0.1:${jaeger.pod.port(4317)}`;
    sendSpans(engineCommand("spansend"), "otlp-grpc", endpoint, { service: "e2e-no-spans", count: 5 });
    await waitFor(
      "JaegerNoSpansAccepted to stay clear on the 20s window while spans were sent within it",
      async () => ((await noSpans()) === undefined ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 500, engines: [jaeger.engine, prometheus.engine] },
    );
    const stopped = Date.now();
    await waitFor(
      "JaegerNoSpansAccepted to be pending after spans stopped",
      async () => ((await noSpans())?.state === "pending" ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 1_000, engines: [jaeger.engine, prometheus.engine] },
    );
    assert.ok(Date.now() - stopped >= 15_000, "not before the last span has left the 20s window");
    const accepted = await prometheus.query(`otelcol_receiver_accepted_spans_total{namespace="observability"}`);
    assert.ok(accepted.length > 0, "the counter keeps its series after traffic stops: the rate is 0, not absent");
  });
});
