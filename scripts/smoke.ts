// Post-deploy smoke test: sends a few OTLP traces for a unique service, waits until
// Jaeger's query API returns them and Prometheus has their span metrics (SPM).
// Usage: npm run smoke -- <stack> | --otlp-http URL --query URL --prometheus URL [options]
import { execFileSync } from "node:child_process";
import { parseCommandLine } from "./lib/cli";
import { SpanSpec, buildTrace, mergePayloads, sendTraces } from "./lib/otlp";
import { findTraceSpans, pollUntil, spanMetricCalls } from "./lib/poll";

const USAGE = `Usage: npm run smoke -- [stack] [options]

Sends OTLP traces for a unique service and checks, step by step, that Jaeger stores
them and that Prometheus has their span metrics. Endpoints come from the flags, or
from the stack's outputs (pulumi stack output --json -s <stack>); in-cluster addresses
need port-forwards, e.g.
  kubectl -n observability port-forward svc/jaeger-collector 4318 &
  kubectl -n observability port-forward svc/jaeger-query 16686 &
  kubectl -n monitoring port-forward svc/prometheus-operated 9090 &
  npm run smoke -- --otlp-http http://localhost:4318 --query http://localhost:16686 --prometheus http://localhost:9090

Options:
  --otlp-http URL     OTLP/HTTP endpoint (stack output otlpHttpEndpoint)
  --query URL         Jaeger query base URL (stack output uiUrl)
  --prometheus URL    Prometheus base URL (stack output prometheusUrl)
  --timeout SECONDS   per step (default 300: span metrics need a flush and a scrape)
  --interval SECONDS  between polls (default 5)
  --traces N          traces to send (default 5)
  -h, --help          this text

Exit codes: 0 every step passed, 1 a step failed or timed out, 2 usage error.`;

export interface SmokeOptions {
  otlpHttp: string;
  query: string;
  prometheus: string;
  timeoutMs: number;
  intervalMs: number;
  traces: number;
  log: (line: string) => void;
}

/** Runs the three steps; returns true when all pass. */
export async function runSmoke(o: SmokeOptions): Promise<boolean> {
  const service = `smoke-${Date.now().toString(36)}`;
  const step = (n: number, text: string) => o.log(`[${n}/3] ${text}`);
  const wait = (attempt: number, elapsedMs: number, lastError?: string) =>
    o.log(`      … waiting (${Math.round(elapsedMs / 1000)}s, attempt ${attempt}${lastError ? `: ${lastError}` : ""})`);

  step(1, `sending ${o.traces} traces for service ${service} to ${o.otlpHttp}`);
  const trace = (i: number): SpanSpec => ({
    service,
    name: "GET /smoke",
    kind: "server",
    startMs: 0,
    durationMs: 20 + i,
    error: false,
    attributes: { "http.request.method": "GET", "http.route": "/smoke", "smoke.run": service },
    children: [{ service, name: "check", kind: "internal", startMs: 2, durationMs: 10, error: false }],
  });
  try {
    const now = Date.now();
    await sendTraces(
      o.otlpHttp,
      mergePayloads([...Array(o.traces).keys()].map((i) => buildTrace(trace(i), now - 100))),
    );
    o.log("      PASS spans accepted");
  } catch (error) {
    o.log(`      FAIL ${(error as Error).message}`);
    return false;
  }

  step(2, `waiting for the trace in Jaeger (${o.query})`);
  const options = { timeoutMs: o.timeoutMs, intervalMs: o.intervalMs, onWait: wait };
  const found = await pollUntil(() => findTraceSpans(o.query, service), options);
  if (!found.ok) {
    o.log(
      `      FAIL no trace for ${service} after ${Math.round(found.elapsedMs / 1000)}s${found.lastError ? ` (${found.lastError})` : ""}`,
    );
    return false;
  }
  o.log(`      PASS ${found.value} spans found after ${Math.round(found.elapsedMs / 1000)}s`);

  step(3, `waiting for span metrics in Prometheus (${o.prometheus})`);
  const metrics = await pollUntil(() => spanMetricCalls(o.prometheus, service), options);
  if (!metrics.ok) {
    o.log(
      `      FAIL no traces_span_metrics_calls_total for ${service} after ${Math.round(metrics.elapsedMs / 1000)}s${metrics.lastError ? ` (${metrics.lastError})` : ""}`,
    );
    return false;
  }
  o.log(`      PASS ${metrics.value} calls recorded after ${Math.round(metrics.elapsedMs / 1000)}s`);
  return true;
}

function stackOutputs(stack: string): Record<string, unknown> {
  const text = execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8" });
  return JSON.parse(text) as Record<string, unknown>;
}

async function main(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(
    argv,
    {
      "otlp-http": { type: "string" },
      query: { type: "string" },
      prometheus: { type: "string" },
      timeout: { type: "string", default: "300" },
      interval: { type: "string", default: "5" },
      traces: { type: "string", default: "5" },
    },
    USAGE,
    true,
  );
  if ("exitCode" in commandLine) return commandLine.exitCode;
  const { values, positionals } = commandLine;
  let outputs: Record<string, unknown> = {};
  if (positionals[0]) {
    try {
      outputs = stackOutputs(positionals[0]);
    } catch (error) {
      console.error(`cannot read outputs of stack ${positionals[0]}: ${(error as Error).message}`);
      return 2;
    }
  }
  const pick = (flag: string, output: string) =>
    (values[flag] as string | undefined) ?? (outputs[output] as string | undefined);
  const otlpHttp = pick("otlp-http", "otlpHttpEndpoint");
  const query = pick("query", "uiUrl");
  const prometheus = pick("prometheus", "prometheusUrl");
  const numbers = ["timeout", "interval", "traces"].map((k) => Number(values[k]));
  if (!otlpHttp || !query || !prometheus || numbers.some((n) => !Number.isFinite(n) || n <= 0)) {
    console.error(`need --otlp-http, --query and --prometheus (or a stack), and positive numbers\n\n${USAGE}`);
    return 2;
  }
  const [timeout, interval, traces] = numbers;
  const ok = await runSmoke({
    otlpHttp,
    query,
    prometheus,
    timeoutMs: timeout * 1000,
    intervalMs: interval * 1000,
    traces,
    log: (line) => console.log(line),
  });
  console.log(ok ? "SMOKE TEST PASSED" : "SMOKE TEST FAILED");
  return ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
