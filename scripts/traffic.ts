// Traffic generator: realistic multi-service traces (server and client spans, errors
// that propagate to callers, log-normal latencies) at a steady rate, so that the
// SPM dashboards and Jaeger's Monitor tab fill on a fresh cluster.
// Usage: npm run traffic -- [--otlp-http URL] [--rate N] [--duration S] [--error-ratio R] ...
import { parseCommandLine } from "./lib/cli";
import { SingleBar } from "cli-progress";
import { SpanSpec, buildTrace, mergePayloads, sendTraces } from "./lib/otlp";

const USAGE = `Usage: npm run traffic -- [options]

Sends traces of a small shop (frontend -> checkout -> payment, inventory, database) over OTLP/HTTP.

Options:
  --otlp-http URL      OTLP/HTTP endpoint (default http://localhost:4318; port-forward svc/jaeger-collector 4318)
  --rate N             traces per second (default 10)
  --duration SECONDS   how long to run (default 60)
  --error-ratio R      share of payment calls that fail, 0..1 (default 0.05)
  --latency-ms MS      median latency of a payment call (default 40; others scale from it)
  --seed N             random seed, for repeatable traffic (default: time)
  -h, --help           this text

Exit codes: 0 done, 1 some batches failed to send, 2 usage error.`;

export interface TrafficShape {
  readonly errorRatio: number;
  readonly latencyMs: number;
}

/** Small deterministic PRNG (mulberry32), so tests and runs with --seed repeat exactly. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal latency around a median (sigma 0.5). */
function latency(random: () => number, median: number): number {
  const u = Math.max(random(), 1e-9);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(1, median * Math.exp(0.5 * normal));
}

const ROUTES = ["GET /", "GET /products", "POST /checkout"] as const;

/** One user request through the shop, as a span tree. */
export function shopTrace(random: () => number, shape: TrafficShape): SpanSpec {
  const route = ROUTES[Math.floor(random() * ROUTES.length)];
  const db = (service: string, start: number, statement: string): SpanSpec => ({
    service,
    name: statement,
    kind: "client",
    startMs: start,
    durationMs: latency(random, shape.latencyMs / 4),
    error: false,
    attributes: { "db.system": "postgresql", "db.operation.name": statement.split(" ")[0] },
  });
  if (route !== "POST /checkout") {
    const query = db("frontend", 2, "SELECT products");
    return {
      service: "frontend",
      name: route,
      kind: "server",
      startMs: 0,
      durationMs: query.durationMs + 4,
      error: false,
      attributes: {
        "http.request.method": route.split(" ")[0],
        "http.route": route.split(" ")[1],
        "http.response.status_code": 200,
      },
      children: [query],
    };
  }
  const paymentFails = random() < shape.errorRatio;
  const pay = latency(random, shape.latencyMs);
  const stock = latency(random, shape.latencyMs / 2);
  const payment: SpanSpec = {
    service: "payment",
    name: "POST /pay",
    kind: "server",
    startMs: 1,
    durationMs: pay,
    error: paymentFails,
    attributes: {
      "http.request.method": "POST",
      "http.route": "/pay",
      "http.response.status_code": paymentFails ? 502 : 200,
    },
  };
  const inventory: SpanSpec = {
    service: "inventory",
    name: "GET /stock",
    kind: "server",
    startMs: 1,
    durationMs: stock,
    error: false,
    attributes: { "http.request.method": "GET", "http.route": "/stock", "http.response.status_code": 200 },
    children: [db("inventory", 1, "SELECT stock")],
  };
  const call = (target: SpanSpec, start: number): SpanSpec => ({
    service: "checkout",
    name: `${target.name} ${target.service}`,
    kind: "client",
    startMs: start,
    durationMs: target.durationMs + 2,
    error: target.error,
    attributes: { "server.address": target.service, "http.request.method": target.name.split(" ")[0] },
    children: [{ ...target, startMs: start + 1 }],
  });
  const checkoutWork = stock + pay + 8;
  const checkout: SpanSpec = {
    service: "checkout",
    name: "POST /checkout",
    kind: "server",
    startMs: 2,
    durationMs: checkoutWork,
    error: paymentFails,
    attributes: {
      "http.request.method": "POST",
      "http.route": "/checkout",
      "http.response.status_code": paymentFails ? 500 : 200,
    },
    children: [call(inventory, 3), call(payment, 3 + stock + 3)],
  };
  return {
    service: "frontend",
    name: "POST /checkout",
    kind: "server",
    startMs: 0,
    durationMs: checkoutWork + 6,
    error: paymentFails,
    attributes: {
      "http.request.method": "POST",
      "http.route": "/checkout",
      "http.response.status_code": paymentFails ? 500 : 200,
    },
    children: [
      {
        service: "frontend",
        name: "POST /checkout checkout",
        kind: "client",
        startMs: 1,
        durationMs: checkoutWork + 3,
        error: paymentFails,
        attributes: { "server.address": "checkout" },
        children: [checkout],
      },
    ],
  };
}

export interface TrafficRun {
  readonly otlpHttp: string;
  readonly rate: number;
  readonly durationSeconds: number;
  readonly shape: TrafficShape;
  readonly seed: number;
  readonly onTick?: (second: number, sent: number) => void;
}

export async function runTraffic(
  run: TrafficRun,
): Promise<{ traces: number; spans: number; failedBatches: number; errors: string[] }> {
  const random = randomSource(run.seed);
  let traces = 0;
  let spans = 0;
  let failedBatches = 0;
  const errors: string[] = [];
  for (let second = 0; second < run.durationSeconds; second++) {
    const tickStart = Date.now();
    const batch = [...Array(run.rate).keys()].map(() => buildTrace(shopTrace(random, run.shape), Date.now()));
    try {
      await sendTraces(run.otlpHttp, mergePayloads(batch));
      traces += batch.length;
      spans += batch.reduce((n, p) => n + p.resourceSpans.reduce((m, r) => m + r.scopeSpans[0].spans.length, 0), 0);
    } catch (error) {
      failedBatches++;
      if (errors.length < 5) errors.push((error as Error).message);
    }
    run.onTick?.(second + 1, traces);
    const rest = 1000 - (Date.now() - tickStart);
    if (second + 1 < run.durationSeconds && rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  return { traces, spans, failedBatches, errors };
}

async function main(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(
    argv,
    {
      "otlp-http": { type: "string", default: "http://localhost:4318" },
      rate: { type: "string", default: "10" },
      duration: { type: "string", default: "60" },
      "error-ratio": { type: "string", default: "0.05" },
      "latency-ms": { type: "string", default: "40" },
      seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    },
    USAGE,
  );
  if ("exitCode" in commandLine) return commandLine.exitCode;
  const { values } = commandLine;
  const [rate, duration, errorRatio, latencyMs, seed] = ["rate", "duration", "error-ratio", "latency-ms", "seed"].map(
    (k) => Number(values[k]),
  );
  if (
    ![rate, duration, latencyMs].every((n) => Number.isInteger(n) && n > 0) ||
    !(errorRatio >= 0 && errorRatio <= 1) ||
    !Number.isInteger(seed)
  ) {
    console.error(
      `--rate, --duration and --latency-ms must be positive whole numbers, --error-ratio between 0 and 1\n\n${USAGE}`,
    );
    return 2;
  }
  const endpoint = String(values["otlp-http"]);
  console.log(`sending ${rate} traces/s for ${duration}s to ${endpoint} (error ratio ${errorRatio}, seed ${seed})`);
  const bar = new SingleBar({
    format: "{bar} {value}/{total}s | {traces} traces",
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(duration, 0, { traces: 0 });
  const result = await runTraffic({
    otlpHttp: endpoint,
    rate,
    durationSeconds: duration,
    shape: { errorRatio, latencyMs },
    seed,
    onTick: (second, traces) => bar.update(second, { traces }),
  });
  bar.stop();
  console.log(`sent ${result.traces} traces (${result.spans} spans); ${result.failedBatches} failed batches`);
  for (const e of result.errors) console.error(`  ${e}`);
  return result.failedBatches > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
