// Smoke test and traffic generator against local servers that speak OTLP/HTTP (decoding
// what they receive) and answer in the shapes of Jaeger's and Prometheus' HTTP APIs,
// including their failure cases. The end-to-end check itself runs against a real cluster.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fetchOrExplain } from "../scripts/lib/http";
import { OtlpPayload, OtlpSpan } from "../scripts/lib/otlp";
import { findTraceSpans, pollUntil, spanMetricCalls } from "../scripts/lib/poll";
import { runSmoke } from "../scripts/smoke";
import { randomSource, runTraffic, shopTrace } from "../scripts/traffic";
import { ROOT } from "../scripts/evaluate";

interface FakeBehaviour {
  /** Answers before Jaeger shows the trace / Prometheus the metric (counting polls). */
  jaegerAfterPolls: number;
  prometheusAfterPolls: number;
  /** HTTP status for the first N polls of each API (transient failures). */
  failFirst: number;
  prometheusNever?: boolean;
  rejectOtlp?: boolean;
}

class FakeBackend {
  readonly received: OtlpPayload[] = [];
  private jaegerPolls = 0;
  private prometheusPolls = 0;
  private server: http.Server;
  url = "";

  constructor(private readonly behaviour: FakeBehaviour) {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => this.handle(req, body, res));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  spans(): { service: string; span: OtlpSpan }[] {
    return this.received.flatMap((p) =>
      p.resourceSpans.flatMap((r) => {
        const service = r.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
        return r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ service, span })));
      }),
    );
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "POST" && url.pathname === "/v1/traces") {
      if (req.headers["content-type"] !== "application/json") return json(415, {});
      if (this.behaviour.rejectOtlp) return json(503, { message: "overloaded" });
      this.received.push(JSON.parse(body) as OtlpPayload);
      return json(200, {});
    }
    // Jaeger's query API v3 as 2.20 answers a search: OTLP JSON under "result", 404 when no trace
    // matches (http_gateway.go).
    if (url.pathname === "/api/v3/traces") {
      this.jaegerPolls++;
      if (this.jaegerPolls <= this.behaviour.failFirst) return json(500, { error: { message: "storage unavailable" } });
      const service = url.searchParams.get("query.serviceName");
      const spans = this.spans().filter((s) => s.service === service);
      const ready = this.jaegerPolls > this.behaviour.jaegerAfterPolls;
      if (!ready || spans.length === 0) return json(404, { error: { httpCode: 404, message: "No traces found" } });
      return json(200, { result: { resourceSpans: [{ scopeSpans: [{ spans: spans.map((s) => s.span) }] }] } });
    }
    if (url.pathname === "/api/v1/query") {
      this.prometheusPolls++;
      if (this.prometheusPolls <= this.behaviour.failFirst) {
        res.writeHead(503);
        return res.end("not json");
      }
      const query = url.searchParams.get("query") ?? "";
      const service = /service_name="([^"]+)"/.exec(query)?.[1];
      const count = this.spans().filter((s) => s.service === service && s.span.kind === 2).length;
      const ready = !this.behaviour.prometheusNever && this.prometheusPolls > this.behaviour.prometheusAfterPolls;
      return json(200, {
        status: "success",
        data: {
          resultType: "vector",
          result: ready && count ? [{ metric: {}, value: [Date.now() / 1000, String(count)] }] : [],
        },
      });
    }
    json(404, {});
  }
}

const fast = { timeoutMs: 3000, intervalMs: 20 };

/** Runs the smoke test against a fake Jaeger/Prometheus/collector behaving as told. */
async function smokeAgainst(
  behaviour: FakeBehaviour,
  options: { traces: number; timeoutMs?: number },
): Promise<{ ok: boolean; lines: string[]; spans: ReturnType<FakeBackend["spans"]> }> {
  const backend = await new FakeBackend(behaviour).start();
  try {
    const lines: string[] = [];
    const ok = await runSmoke({
      otlpHttp: backend.url,
      query: backend.url,
      prometheus: backend.url,
      ...fast,
      ...options,
      log: (l) => lines.push(l),
    });
    return { ok, lines, spans: backend.spans() };
  } finally {
    await backend.stop();
  }
}

describe("smoke test", () => {
  it("passes when the trace and its span metrics show up, after transient API failures", async () => {
    const { ok, lines, spans } = await smokeAgainst(
      { jaegerAfterPolls: 3, prometheusAfterPolls: 4, failFirst: 2 },
      { traces: 3 },
    );
    assert.equal(ok, true, lines.join("\n"));
    assert.deepEqual(
      lines.filter((l) => /PASS|FAIL/.test(l)).map((l) => l.trim().split(" ")[0]),
      ["PASS", "PASS", "PASS"],
    );
    assert.ok(
      lines.some((l) => /waiting .*HTTP 500/.test(l)),
      "progress shows the transient error",
    );
    assert.equal(spans.filter((s) => s.span.kind === 2).length, 3, "one server span per trace");
    assert.ok(spans.every((s) => /^smoke-/.test(s.service)));
    assert.ok(spans.every((s) => /^[0-9a-f]{32}$/.test(s.span.traceId) && /^[0-9a-f]{16}$/.test(s.span.spanId)));
    const child = spans.find((s) => s.span.kind === 1);
    assert.ok(child && spans.some((s) => s.span.spanId === child.span.parentSpanId), "child span links to its parent");
  });

  it("fails at the span-metrics step when Prometheus never has them", async () => {
    const { ok, lines } = await smokeAgainst(
      { jaegerAfterPolls: 0, prometheusAfterPolls: 0, failFirst: 0, prometheusNever: true },
      { traces: 1, timeoutMs: 300 },
    );
    assert.equal(ok, false);
    assert.match(lines.join("\n"), /\[3\/3\][\s\S]*FAIL no traces_span_metrics_calls_total for smoke-/);
  });

  it("fails at the first step when the collector refuses the spans", async () => {
    const { ok, lines } = await smokeAgainst(
      { jaegerAfterPolls: 0, prometheusAfterPolls: 0, failFirst: 0, rejectOtlp: true },
      { traces: 1 },
    );
    assert.equal(ok, false);
    assert.match(lines.join("\n"), /FAIL OTLP export to .*\/v1\/traces failed: HTTP 503/);
    assert.ok(!lines.some((l) => l.startsWith("[2/3]")));
  });

  it("says why and where a request got no answer (refused, TLS, timeout), not just 'fetch failed'", async () => {
    // a port nothing listens on
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const lines: string[] = [];
    const ok = await runSmoke({
      otlpHttp: `http://127.0.0.1:${port}`,
      query: `http://127.0.0.1:${port}`,
      prometheus: `http://127.0.0.1:${port}`,
      ...fast,
      traces: 1,
      log: (l) => lines.push(l),
    });
    assert.equal(ok, false);
    assert.match(lines.join("\n"), new RegExp(`FAIL POST http://127\\.0\\.0\\.1:${port}/v1/traces: ECONNREFUSED`));

    // https to a plain-HTTP server, and a server that never answers
    const plain = http.createServer((_req, res) => res.end("{}"));
    const silent = http.createServer(() => undefined);
    for (const server of [plain, silent]) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const tls = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      await assert.rejects(fetchOrExplain(tls, { timeoutMs: 2000 }), (e: Error) => {
        assert.match(e.message, new RegExp(`^GET ${tls.replace(/\./g, "\\.")}: .*(SSL|TLS|wrong version)`, "i"));
        return true;
      });
      const slow = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/v3/traces`;
      await assert.rejects(fetchOrExplain(slow, { timeoutMs: 200 }), /: no answer within 200 ms$/);
    } finally {
      silent.closeAllConnections();
      for (const server of [plain, silent]) await new Promise((resolve) => server.close(resolve));
    }
  });

  it("pollers report a timeout with the last error, and parse both APIs", async () => {
    const down = await pollUntil(() => findTraceSpans("http://127.0.0.1:1", "x"), { timeoutMs: 100, intervalMs: 20 });
    assert.equal(down.ok, false);
    assert.ok(!down.ok && down.lastError, "the connection error is kept");
    const backend = await new FakeBackend({ jaegerAfterPolls: 0, prometheusAfterPolls: 0, failFirst: 1 }).start();
    try {
      await assert.rejects(spanMetricCalls(backend.url, "x"), /HTTP 503/);
      assert.equal(await spanMetricCalls(backend.url, "nobody"), undefined);
      assert.equal(await findTraceSpans(backend.url, "nobody").catch(() => "error"), "error");
      assert.equal(await findTraceSpans(backend.url, "nobody"), undefined);
    } finally {
      await backend.stop();
    }
  });

  it("the command has --help, exits 2 on bad usage and 0 on a passing run", async function () {
    this.timeout(30000);
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ["--require", "./startup.js", "scripts/smoke.ts", ...args], {
          cwd: ROOT,
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code, out }));
      });
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: npm run smoke/);
    assert.equal((await run(["--query", "http://x"])).code, 2);
    const backend = await new FakeBackend({ jaegerAfterPolls: 1, prometheusAfterPolls: 1, failFirst: 0 }).start();
    try {
      const ok = await run([
        "--otlp-http",
        backend.url,
        "--query",
        backend.url,
        "--prometheus",
        backend.url,
        "--interval",
        "0.05",
        "--timeout",
        "5",
      ]);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /SMOKE TEST PASSED/);
    } finally {
      await backend.stop();
    }
  });
});

describe("traffic generator", () => {
  it("sends multi-service traces with server and client spans, errors at the configured ratio", async () => {
    const backend = await new FakeBackend({ jaegerAfterPolls: 0, prometheusAfterPolls: 0, failFirst: 0 }).start();
    try {
      const result = await runTraffic({
        otlpHttp: backend.url,
        rate: 200,
        durationSeconds: 2,
        shape: { errorRatio: 0.5, latencyMs: 40 },
        seed: 42,
      });
      assert.equal(result.traces, 400);
      assert.equal(result.failedBatches, 0);
      const spans = backend.spans();
      assert.equal(spans.length, result.spans);
      assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), [
        "checkout",
        "frontend",
        "inventory",
        "payment",
      ]);
      const kinds = new Set(spans.map((s) => s.span.kind));
      assert.ok(kinds.has(2) && kinds.has(3), "server and client spans");
      const payments = spans.filter((s) => s.service === "payment" && s.span.kind === 2);
      const failed = payments.filter((s) => s.span.status.code === 2).length / payments.length;
      assert.ok(failed > 0.35 && failed < 0.65, `payment error ratio ${failed}`);
      const failedPay = payments.find((s) => s.span.status.code === 2);
      const callers = spans.filter(
        (s) => s.span.traceId === failedPay?.span.traceId && s.service === "frontend" && s.span.kind === 2,
      );
      assert.equal(callers[0]?.span.status.code, 2, "the error propagates to the frontend request");
      const routes = new Set(
        spans.flatMap((s) => s.span.attributes.filter((a) => a.key === "http.route").map((a) => a.value.stringValue)),
      );
      assert.ok(routes.has("/checkout") && routes.has("/pay"));
      for (const s of spans) {
        assert.ok(BigInt(s.span.endTimeUnixNano) > BigInt(s.span.startTimeUnixNano), "positive durations");
      }
    } finally {
      await backend.stop();
    }
  });

  it("is repeatable with a seed and honours an error ratio of 0", () => {
    const a = randomSource(7);
    const b = randomSource(7);
    assert.deepEqual(
      shopTrace(a, { errorRatio: 0.3, latencyMs: 40 }).name,
      shopTrace(b, { errorRatio: 0.3, latencyMs: 40 }).name,
    );
    const random = randomSource(1);
    const traces = [...Array(500).keys()].map(() => shopTrace(random, { errorRatio: 0, latencyMs: 40 }));
    assert.ok(traces.every((t) => !t.error));
  });

  it("counts failed batches when the collector refuses them", async () => {
    const backend = await new FakeBackend({
      jaegerAfterPolls: 0,
      prometheusAfterPolls: 0,
      failFirst: 0,
      rejectOtlp: true,
    }).start();
    try {
      const result = await runTraffic({
        otlpHttp: backend.url,
        rate: 5,
        durationSeconds: 1,
        shape: { errorRatio: 0, latencyMs: 10 },
        seed: 1,
      });
      assert.equal(result.failedBatches, 1);
      assert.match(result.errors[0], /HTTP 503/);
    } finally {
      await backend.stop();
    }
  });
});

describe("test tools installer (npm run setup, .ci/run)", () => {
  const tools = (bin: Record<string, string>, env: Record<string, string> = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-tools-"));
    for (const [name, body] of Object.entries(bin)) {
      fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
    // only the stubs and the shell's own basics: no promtool/shellcheck/sudo/apt-get unless stubbed
    for (const basic of ["sh", "id", "cat", "tee", "chmod", "rm"]) {
      const found = ["/usr/bin", "/bin"].map((d) => path.join(d, basic)).find((f) => fs.existsSync(f));
      if (found && !bin[basic]) fs.symlinkSync(found, path.join(dir, basic));
    }
    const run = spawnSync("/bin/sh", [path.join(ROOT, "scripts/test-tools.sh")], {
      encoding: "utf8",
      env: { PATH: dir, ...env },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  const PRESENT = { openssl: "exit 0", unzip: "exit 0", chromium: "exit 0", certutil: "exit 0", patch: "exit 0" };

  it("does nothing when promtool, shellcheck, curl, openssl, unzip, chromium, certutil and patch are there", () => {
    assert.deepEqual(tools({ promtool: "exit 0", shellcheck: "exit 0", curl: "exit 0", ...PRESENT }), {
      status: 0,
      output: "",
    });
  });

  it("without root or sudo, names the exact command and fails", () => {
    const run = tools({ promtool: "exit 0", curl: "exit 0", id: "echo 1000", ...PRESENT });
    assert.equal(run.status, 1);
    assert.match(run.output, /missing: shellcheck; install with: sudo apt-get install -y shellcheck/);
  });

  it("as root, installs promtool without starting Prometheus now or at boot, and says so", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "test-tools-policy-"));
    const policy = path.join(work, "policy-rc.d");
    const calls = path.join(work, "calls.log");
    const run = tools(
      {
        id: "echo 0",
        shellcheck: "exit 0",
        curl: "exit 0",
        ...PRESENT,
        // apt-get reports whether services were forbidden while it ran (policy-rc.d exit 101)
        "apt-get": `case "$1" in install) "${policy}"; echo "apt-get install: policy-rc.d exit $?" >&2 ;; esac`,
        "deb-systemd-helper": `echo "deb-systemd-helper $*" >> "${calls}"`,
        "update-rc.d": `echo "update-rc.d $*" >> "${calls}"`,
      },
      { POLICY_RC_D: policy },
    );
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /apt-get install: policy-rc\.d exit 101/, "no service may start during the install");
    const disabled = fs.readFileSync(calls, "utf8");
    assert.match(disabled, /deb-systemd-helper disable prometheus\.service/);
    assert.match(disabled, /update-rc\.d prometheus disable/);
    assert.match(run.output, /its server was not started and is disabled at boot/);
    assert.ok(!fs.existsSync(policy), "the temporary policy is removed afterwards");
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("as root, installs what is missing with apt-get, without prompts", () => {
    const policy = path.join(os.tmpdir(), `test-tools-policy-${process.pid}`);
    const run = tools(
      { id: "echo 0", "apt-get": 'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >&2' },
      { POLICY_RC_D: policy },
    );
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /apt-get update -qq DEBIAN_FRONTEND=noninteractive/);
    assert.match(
      run.output,
      /apt-get install -y -qq --no-install-recommends prometheus shellcheck curl openssl unzip chromium libnss3-tools patch DEBIAN_FRONTEND=noninteractive/,
    );
  });
});

describe("the project's shell scripts", () => {
  it("pass shellcheck as POSIX sh (test tools, engine builds, the Badger live-copy measurement, the search Jobs' scripts, CI)", () => {
    const files = ["scripts", "components/search/jobScripts"].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir))
        .filter((f) => f.endsWith(".sh"))
        .map((f) => path.join(ROOT, dir, f)),
    );
    assert.ok(files.some((f) => f.endsWith("search-lifecycle.sh")));
    assert.ok(files.length >= 3, files.join(", "));
    const run = spawnSync("shellcheck", ["-s", "sh", ...files], { encoding: "utf8" });
    if (run.error)
      assert.fail(`shellcheck is required (Debian package; npm run setup installs it): ${run.error.message}`);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const ci = spawnSync("shellcheck", ["-s", "bash", path.join(ROOT, ".ci/run")], { encoding: "utf8" });
    assert.equal(ci.status, 0, ci.stdout + ci.stderr);
  });
});
