// Jaeger's real UI as users see it: the Jaeger that scripts/engines.sh builds embeds the jaeger-ui
// build of the commit Jaeger v2.20.0 pins, as the release image does, and a real headless Chromium
// (tests/e2e/support/browser.ts) loads it from the stack's rendered configs. The pages are read as
// a user reads them (the values on screen, not the API behind them): Search and a trace, the
// Monitor tab against traffic of known shape, and the two ways the stack guards the UI (OIDC
// sign-in through oauth2-proxy, basic auth on the query API). A failed test leaves a screenshot,
// the browser console and the engines' logs under out/e2e-artifacts/.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hashSync } from "bcryptjs";
import type { Page } from "playwright-core";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { Engine, engineCommand, waitFor } from "../support/engines";
import { edits } from "../support/stackEdits";
import { RunningBrowser, docsScreenshot, startBrowser } from "./support/browser";
import { Certificates, makeCertificates } from "./support/certs";
import { RunningIngress, startIngress } from "./support/ingress";
import { ClientTls, RunningJaeger, Sent, prometheusService, sendSpans, startJaeger } from "./support/jaeger";
import { RunningPrometheus, startJaegerWithPrometheus } from "./support/prometheus";
import {
  COLLECTOR_NAME,
  IdentityProvider,
  QUERY_NAME,
  RunningSignInProxy,
  signInEdits,
  startIdentityProvider,
  startSignInProxy,
} from "./support/signIn";

/** Each trace: a call from the root service down two more, five spans (three server, two client). */
const CHAIN = ["ui-checkout", "ui-cart", "ui-payments"] as const;
const ROOT = CHAIN[0];
const OPERATION = "POST /checkout";
const BATCHES = 4;
const SPANS_PER_BATCH = 40;
const ERROR_EVERY = 4; // 25% of the root spans fail
const DURATION_MS = 30; // in the spanmetrics latency bucket (10 ms, 50 ms]
/** The Monitor tab rates calls over this window (jaeger-ui ServicesView: ratePer 10 minutes). */
const MONITOR_RATE_WINDOW_S = 600;
/** The five spans of one trace as the trace view lists them, top to bottom: service, operation. */
const TRACE_ROWS = [
  [ROOT, OPERATION],
  [ROOT, `GET /${CHAIN[1]}`],
  [CHAIN[1], `GET /${CHAIN[1]}`],
  [CHAIN[1], `GET /${CHAIN[2]}`],
  [CHAIN[2], `GET /${CHAIN[2]}`],
];

/**
 * Sends the traffic the Monitor tab is checked against, as a service sends it: first one batch of
 * ERROR_EVERY traces whose counters Prometheus must have seen once (a counter's first sample is
 * no increase to rate()), then BATCHES batches 3 s apart. Returns every trace sent and the number
 * of root calls rate() can count.
 */
async function sendTraffic(
  jaeger: RunningJaeger,
  prometheus: RunningPrometheus,
  tls?: ClientTls,
): Promise<{ sent: Sent[]; counted: number }> {
  const send = (count: number) =>
    sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, {
      service: ROOT,
      chain: CHAIN,
      operation: OPERATION,
      count,
      errorEvery: ERROR_EVERY,
      durationMs: DURATION_MS,
      tls,
    });
  const calls = `sum(traces_span_metrics_calls_total{service_name="${ROOT}", span_name="${OPERATION}"})`;
  const engines = [jaeger.engine, prometheus.engine];
  const sent = [send(ERROR_EVERY)];
  await waitFor(
    `Prometheus to hold the first ${ERROR_EVERY} calls of ${ROOT}, errors and successes`,
    async () => {
      const series = await prometheus.query(
        `traces_span_metrics_calls_total{service_name="${ROOT}", span_name="${OPERATION}"}`,
      );
      return series.length === 2 ? true : undefined;
    },
    { timeoutMs: 60_000, engines },
  );
  for (let batch = 0; batch < BATCHES; batch++) {
    sent.push(send(SPANS_PER_BATCH));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  const total = ERROR_EVERY + BATCHES * SPANS_PER_BATCH;
  await waitFor(
    `Prometheus to hold all ${total} calls of ${ROOT}`,
    async () => {
      const [sample] = await prometheus.query(calls);
      return sample && Number(sample.value[1]) === total ? true : undefined;
    },
    { timeoutMs: 60_000, engines },
  );
  return { sent, counted: BATCHES * SPANS_PER_BATCH };
}

/** A number the page shows, with its unit: "48ms" → 48, "25%" → 25, "0.23 req/s" → 0.23. */
function shown(text: string, unit: RegExp): number {
  const match = text.trim().match(new RegExp(`^(\\d+(?:\\.\\d+)?)\\s*${unit.source}$`));
  assert.ok(match, `"${text}" is a number in ${unit.source}`);
  return Number(match[1]);
}

interface MonitorReading {
  /** The three charts' values at the latest point (the tooltip a user hovers). */
  readonly charts: { p95Ms: number; errorPercent: number; requestsPerSecond: number };
  /** The operations table's row for OPERATION. */
  readonly table: { p95Ms: number; errorPercent: number; requestsPerSecond: number };
  readonly headers: string[];
}

/** Reads the Monitor tab of `service` as a user does: the chart tooltips at the right edge, and the operations table. */
async function readMonitor(page: Page, url: string): Promise<MonitorReading> {
  await page.goto(url);
  const row = page.locator("tr.ant-table-row", { hasText: OPERATION });
  await row.waitFor({ timeout: 30_000 });
  const graphs = page.locator(".graph-container");
  assert.equal(await graphs.count(), 3, "three charts");
  const headers = await graphs.locator(".graph-header").allInnerTexts();
  const tooltip = async (n: number) => {
    const box = await graphs.nth(n).boundingBox();
    assert.ok(box, `chart ${n + 1} is on screen`);
    await page.mouse.move(box.x + box.width - 15, box.y + box.height / 2);
    const wrapper = graphs.nth(n).locator(".recharts-tooltip-wrapper");
    await waitFor(
      `the tooltip of chart "${headers[n]}"`,
      async () => ((await wrapper.innerText()).trim() ? true : undefined),
      {
        timeoutMs: 10_000,
        engines: [],
      },
    );
    return (await wrapper.innerText())
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
  };
  const latency = await tooltip(0);
  const p95Line = latency.find((line) => /^P95\s*:/.test(line));
  assert.ok(p95Line, `the latency tooltip has a P95 line: ${latency.join(" | ")}`);
  const errors = await tooltip(1);
  const requests = await tooltip(2);
  const cells = (await row.locator("td").allInnerTexts()).map((t) => t.trim());
  return {
    headers,
    charts: {
      p95Ms: Number(p95Line.split(":")[1]),
      errorPercent: Number(errors[errors.length - 1]),
      requestsPerSecond: Number(requests[requests.length - 1]),
    },
    table: {
      p95Ms: shown(cells[1], /ms/),
      errorPercent: shown(cells[3], /%/),
      requestsPerSecond: shown(cells[2], /req\/s/),
    },
  };
}

/** Checks a Monitor tab reading against the traffic sendTraffic sent. */
function assertMonitorAgrees(reading: MonitorReading, counted: number) {
  assert.deepEqual(reading.headers, ["Latency (ms)", "Error rate (%)", "Request rate (req/s)"]);
  for (const [where, values] of [
    ["chart", reading.charts],
    ["table", reading.table],
  ] as const) {
    assert.ok(
      Math.abs(values.errorPercent - 100 / ERROR_EVERY) <= 2,
      `${where}: error rate ${values.errorPercent}% for 1 in ${ERROR_EVERY}`,
    );
    assert.ok(values.p95Ms > 10 && values.p95Ms <= 50, `${where}: p95 ${values.p95Ms} ms for ${DURATION_MS} ms spans`);
  }
  // The latest point rates every counted call over the window; Prometheus extrapolates an
  // increase by at most half a scrape interval at each end of the samples.
  const expected = counted / MONITOR_RATE_WINDOW_S;
  const { requestsPerSecond } = reading.charts;
  assert.ok(
    requestsPerSecond >= expected * 0.95 && requestsPerSecond <= expected * 1.25,
    `request rate ${requestsPerSecond} req/s at the latest point for ${counted} calls in ${MONITOR_RATE_WINDOW_S} s (${expected.toFixed(3)})`,
  );
  // The table averages every point of the hour; the rate only rose, so no point exceeds the latest.
  assert.ok(reading.table.requestsPerSecond > 0 && reading.table.requestsPerSecond <= requestsPerSecond + 0.01);
}

describe("e2e: Jaeger's UI in Chromium, dev stack (Badger, SPM on Prometheus)", function () {
  let jaeger: RunningJaeger;
  let prometheus: RunningPrometheus;
  let browser: RunningBrowser;
  let traffic: { sent: Sent[]; counted: number };

  before(async function () {
    // Short intervals so the test waits seconds, not minutes; everything else is the dev stack.
    let raw = stackConfig("dev");
    raw = configSet(raw, "monitoring.scrapeInterval", "2s", { path: true });
    raw = configSet(raw, "spm.metricsFlushInterval", "2s", { path: true });
    ({ jaeger, prometheus } = await startJaegerWithPrometheus(await evaluateStack("dev", raw)));
    traffic = await sendTraffic(jaeger, prometheus);
    browser = await startBrowser();
  });

  after(async function () {
    await browser?.close();
    await prometheus?.stop();
    await jaeger?.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && browser)
      console.log(
        `browser artifacts: ${await browser.saveFailure(this.currentTest.fullTitle(), [jaeger?.engine, prometheus?.engine])}`,
      );
    await browser?.closePages();
  });

  it("serves the real UI, not the placeholder: Jaeger logs no warning at start", function () {
    assert.deepEqual(jaeger.problems(), []);
  });

  it("Search lists every service that sent spans; the root service's traces are found, and one opens with its five spans across the three services", async function () {
    const { page, log } = await browser.newPage();
    await page.goto(`${jaeger.url(16686)}/search`);
    await page.getByTestId("service").click();
    const options = page.locator(".ant-select-item-option");
    await options.first().waitFor();
    const services = await options.allInnerTexts();
    for (const service of CHAIN)
      assert.ok(services.includes(service), `${service} in the service list: ${services.join(", ")}`);
    await options.filter({ hasText: ROOT }).click();
    await page.getByRole("button", { name: "Find Traces" }).click();
    const rows = page.locator("tr.ant-table-row");
    await rows.first().waitFor();
    const found = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-row-key") ?? ""));
    const sentIds = new Set(traffic.sent.flatMap((s) => s.traceIds));
    assert.equal(found.length, 20, "a page of 20 traces (the form's default limit)");
    assert.deepEqual(
      found.filter((id) => !sentIds.has(id)),
      [],
      "every trace listed is one that was sent",
    );
    await docsScreenshot(page, "ui-search");

    // A trace with an error: the first batch's last one.
    const failed = traffic.sent[0].traceIds[ERROR_EVERY - 1];
    await page.goto(`${jaeger.url(16686)}/trace/${failed}`);
    const spans = page.locator("a.span-name");
    await spans.first().waitFor();
    const listed = await spans.evaluateAll((links) =>
      links.map((a) => [
        a.querySelector(".span-svc-name")?.textContent?.trim() ?? "",
        a.querySelector(".endpoint-name")?.textContent?.trim() ?? "",
      ]),
    );
    assert.deepEqual(listed, TRACE_ROWS);
    assert.match(await page.locator("body").innerText(), /Total Spans\s*5/);
    await docsScreenshot(page, "ui-trace");
    assert.deepEqual(log.errors, [], "no console error");
  });

  it("the Monitor tab shows the root service's latency, error rate and request rate, agreeing with the traffic sent", async function () {
    const { page, log } = await browser.newPage();
    assertMonitorAgrees(await readMonitor(page, `${jaeger.url(16686)}/monitor?service=${ROOT}`), traffic.counted);
    await docsScreenshot(page, "ui-monitor");
    assert.deepEqual(log.errors, [], "no console error");
  });
});

const PUBLIC_HOST = "jaeger.example.com";
const ALLOWED_GROUP = "sre";

/** Signs in at the issuer's login page, as a person would: email, groups, the button. */
async function signInAtIssuer(page: Page, issuer: string, login: string, groups: string) {
  await page.waitForURL((url) => url.href.startsWith(`${issuer}/authorize`), { timeout: 20_000 });
  await page.getByLabel("Email").fill(login);
  await page.getByLabel(/^Groups/).fill(groups);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("e2e: Jaeger's UI behind OIDC sign-in, in Chromium (ingress → oauth2-proxy → Jaeger over TLS)", function () {
  let dir: string;
  let queryCerts: Certificates;
  let provider: IdentityProvider | undefined;
  let jaeger: RunningJaeger | undefined;
  let prometheus: RunningPrometheus | undefined;
  let proxy: RunningSignInProxy | undefined;
  let ingress: RunningIngress | undefined;
  let browser: RunningBrowser | undefined;
  let counted: number;
  const engines = (): (Engine | undefined)[] => [proxy?.engine, provider?.engine, jaeger?.engine, prometheus?.engine];

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-ui-sign-in-"));
    queryCerts = makeCertificates(path.join(dir, "query"), [QUERY_NAME, COLLECTOR_NAME]);
    provider = await startIdentityProvider(dir);
    let raw = edits("dev", [
      ...signInEdits({ issuer: provider.issuer, publicHost: PUBLIC_HOST, allowedGroup: ALLOWED_GROUP }),
      // The ingress stands on loopback here.
      ["security.oidc.trustedProxyIps[0]", "127.0.0.0/8"],
    ]);
    raw = configSet(raw, "monitoring.scrapeInterval", "2s", { path: true });
    raw = configSet(raw, "spm.metricsFlushInterval", "2s", { path: true });
    const evaluation: Evaluation = await evaluateStack("dev", raw);
    ({ jaeger, prometheus } = await startJaegerWithPrometheus(evaluation, {
      secrets: { "jaeger-tls": queryCerts.serverSecret },
    }));
    ({ counted } = await sendTraffic(jaeger, prometheus, { ca: queryCerts.serverCa, serverName: COLLECTOR_NAME }));
    proxy = await startSignInProxy(evaluation, { provider, queryCerts, queryPort: jaeger.pod.port(16686) });
    const publicCerts = makeCertificates(path.join(dir, "public"), [PUBLIC_HOST]);
    ingress = await startIngress({ ...publicCerts.server, backend: proxy.url });
    browser = await startBrowser({
      hosts: { [PUBLIC_HOST]: ingress.port },
      trust: [publicCerts.serverCa, provider.certs.serverCa],
    });
  });

  after(async function () {
    await browser?.close();
    await ingress?.stop();
    await proxy?.stop();
    await prometheus?.stop();
    await jaeger?.stop();
    await provider?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && browser)
      console.log(`browser artifacts: ${await browser.saveFailure(this.currentTest.fullTitle(), engines())}`);
    await browser?.closePages();
  });

  it("a browser with no session is sent to the issuer; a member of the allowed group signs in there and lands on the Monitor tab, with data", async function () {
    assert.ok(browser && provider);
    const { page, log } = await browser.newPage();
    await page.goto(`https://${PUBLIC_HOST}/monitor?service=${ROOT}`);
    await signInAtIssuer(page, provider.issuer, "alice@example.org", `developers,${ALLOWED_GROUP}`);
    await page.waitForURL(`https://${PUBLIC_HOST}/monitor?service=${ROOT}`, { timeout: 20_000 });
    assertMonitorAgrees(await readMonitor(page, page.url()), counted);
    // The test issuer's login page is not ours (it has no favicon, for one).
    const ours = log.errors.filter((line) => !line.includes(provider?.issuer.replace(/\/oidc$/, "") ?? "-"));
    assert.deepEqual(ours, [], "no console error on the stack's pages");
  });

  it("a member of no allowed group signs in at the issuer and is refused: a 403 page, no session, no data", async function () {
    assert.ok(browser && provider);
    const { context, page } = await browser.newPage();
    await page.goto(`https://${PUBLIC_HOST}/monitor?service=${ROOT}`);
    const callback = page.waitForResponse((r) => r.url().startsWith(`https://${PUBLIC_HOST}/oauth2/callback`));
    await signInAtIssuer(page, provider.issuer, "mallory@example.org", "developers");
    assert.equal((await callback).status(), 403);
    const cookies = (await context.cookies(`https://${PUBLIC_HOST}`)).map((c) => c.name);
    assert.deepEqual(
      cookies.filter((name) => /^_oauth2_proxy(_\d+)?$/.test(name)),
      [],
      `no session cookie: ${cookies.join(", ")}`,
    );
    assert.doesNotMatch(await page.locator("body").innerText(), new RegExp(ROOT));
    // The API, asked directly: sent to sign in again, never answered.
    const api = await page.goto(`https://${PUBLIC_HOST}/api/services`);
    assert.ok(page.url().startsWith(`${provider.issuer}/authorize`), `sent to the issuer: ${page.url()}`);
    assert.doesNotMatch((await api?.text()) ?? "", new RegExp(ROOT));
  });
});

describe("e2e: Jaeger's UI with basic auth on the query API, in Chromium (the browser's own prompt, over TLS)", function () {
  const USER = "sre";
  const PASSWORD = "correct horse battery staple";
  let dir: string;
  let certs: Certificates;
  let jaeger: RunningJaeger | undefined;
  let browser: RunningBrowser | undefined;
  /** The in-cluster address of the query UI; the browser's DNS maps the name to the local port. */
  const url = `https://${QUERY_NAME}:16686/search`;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-ui-basic-"));
    certs = makeCertificates(dir, [QUERY_NAME, COLLECTOR_NAME]);
    const raw = edits("dev", [
      ["security.tls.enabled", "true"],
      ["security.tls.source", "secret"],
      ["security.tls.secretName", "jaeger-tls"],
      ["security.uiBasicAuth", "true"],
    ]);
    raw["jaeger-spm:uiHtpasswd"] = `${USER}:${hashSync(PASSWORD, 10)}`;
    jaeger = await startJaeger(await evaluateStack("dev", raw, ["jaeger-spm:uiHtpasswd"]), "jaeger", {
      services: await prometheusService(),
      secrets: { "jaeger-tls": certs.serverSecret },
    });
    sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, {
      service: ROOT,
      chain: CHAIN,
      operation: OPERATION,
      tls: { ca: certs.serverCa, serverName: COLLECTOR_NAME },
    });
    browser = await startBrowser({ hosts: { [QUERY_NAME]: jaeger.pod.port(16686) }, trust: [certs.serverCa] });
  });

  after(async function () {
    await browser?.close();
    await jaeger?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && browser)
      console.log(`browser artifacts: ${await browser.saveFailure(this.currentTest.fullTitle(), [jaeger?.engine])}`);
    await browser?.closePages();
  });

  it("without credentials the page answers 401 with the Basic challenge that makes a browser prompt, and shows no UI; a wrong password is refused the same way", async function () {
    assert.ok(browser);
    const { page } = await browser.newPage();
    const challenge = page.waitForResponse((r) => r.url() === url, { timeout: 20_000 });
    const visit = await page.goto(url).catch((error: Error) => error);
    const answer = await challenge;
    assert.equal(answer.status(), 401, `navigation: ${visit instanceof Error ? visit.message : visit?.status()}`);
    assert.match((await answer.headerValue("www-authenticate")) ?? "", /^Basic realm=/);
    assert.equal(await page.locator(".ant-select").count(), 0, "no UI");
    // A wrong password typed at the prompt: the server refuses it again (the browser shows the
    // 401, or gives up with net::ERR_INVALID_AUTH_CREDENTIALS), and the UI never loads.
    const { page: wrong } = await browser.newPage({ httpCredentials: { username: USER, password: "wrong" } });
    const refused = await wrong.goto(url).catch((error: Error) => error);
    if (refused instanceof Error) assert.match(refused.message, /ERR_INVALID_AUTH_CREDENTIALS/);
    else assert.equal(refused?.status(), 401);
    assert.equal(await wrong.locator(".ant-select").count(), 0, "no UI");
  });

  it("with the right credentials typed at the prompt, Search loads and its own API calls pass: the services that sent spans are listed", async function () {
    assert.ok(browser);
    const { page, log } = await browser.newPage({ httpCredentials: { username: USER, password: PASSWORD } });
    const answer = await page.goto(url);
    assert.equal(answer?.status(), 200);
    await page.getByTestId("service").click();
    const options = page.locator(".ant-select-item-option");
    await options.first().waitFor();
    const services = await options.allInnerTexts();
    for (const service of CHAIN) assert.ok(services.includes(service), `${service} listed: ${services.join(", ")}`);
    assert.deepEqual(
      log.lines.filter((line) => / 401 /.test(line)),
      [],
      "no call of the page was refused",
    );
    assert.deepEqual(log.errors, [], "no console error");
  });
});
