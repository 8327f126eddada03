// Polls Jaeger's query API and Prometheus' HTTP API until what the smoke test waits
// for shows up, tolerating transient failures (errors are kept and reported at timeout).
import { fetchOrExplain } from "./http";

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Called after each unsuccessful attempt (progress output). */
  readonly onWait?: (attempt: number, elapsedMs: number, lastError?: string) => void;
}

export type PollResult<T> =
  | { ok: true; value: T; attempts: number; elapsedMs: number }
  | { ok: false; attempts: number; elapsedMs: number; lastError?: string };

export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<PollResult<T>> {
  const started = Date.now();
  let attempts = 0;
  let lastError: string | undefined;
  for (;;) {
    attempts++;
    try {
      const value = await attempt();
      if (value !== undefined) return { ok: true, value, attempts, elapsedMs: Date.now() - started };
      lastError = undefined;
    } catch (error) {
      lastError = (error as Error).message;
    }
    const elapsedMs = Date.now() - started;
    if (elapsedMs + options.intervalMs > options.timeoutMs) return { ok: false, attempts, elapsedMs, lastError };
    options.onWait?.(attempts, elapsedMs, lastError);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

async function getJson(url: string, timeoutMs = 10_000): Promise<unknown> {
  const response = await fetchOrExplain(url, { timeoutMs });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON from ${url}: ${text.slice(0, 100)}`);
  }
}

/**
 * Spans of a service's traces of the last hour in Jaeger, through the query API v3 (GET
 * /api/v3/traces, OTLP JSON), or undefined if none yet. v3 because Jaeger 2.21 removes the v1
 * search (/api/traces?service=); 2.20 serves both. Parameter names as Jaeger 2.20 reads them
 * (cmd/jaeger/internal/extension/jaegerquery/internal/apiv3/query_parser.go), and it answers 404
 * when no trace matches (http_gateway.go, returnTraces).
 */
export async function findTraceSpans(queryUrl: string, service: string, now = new Date()): Promise<number | undefined> {
  const search = new URLSearchParams({
    "query.serviceName": service,
    "query.startTimeMin": new Date(now.getTime() - 3_600_000).toISOString(),
    "query.startTimeMax": now.toISOString(),
    "query.searchDepth": "20",
  });
  const url = `${queryUrl.replace(/\/+$/, "")}/api/v3/traces?${search}`;
  const response = await fetchOrExplain(url, { timeoutMs: 10_000 });
  const text = await response.text();
  if (response.status === 404 && /No traces found/.test(text)) return undefined;
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 200)}`);
  let body: { result?: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`not JSON from ${url}: ${text.slice(0, 100)}`);
  }
  if (!Array.isArray(body.result?.resourceSpans)) throw new Error(`unexpected Jaeger answer from ${url}`);
  const spans = body.result.resourceSpans
    .flatMap((r) => r.scopeSpans ?? [])
    .reduce((n, scope) => n + (Array.isArray(scope.spans) ? scope.spans.length : 0), 0);
  return spans > 0 ? spans : undefined;
}

/** Total calls Prometheus has for a service's span metrics, or undefined while it has none. */
export async function spanMetricCalls(prometheusUrl: string, service: string): Promise<number | undefined> {
  const query = `sum(traces_span_metrics_calls_total{service_name="${service.replace(/"/g, '\\"')}"})`;
  const url = `${prometheusUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
  const body = (await getJson(url)) as {
    status?: string;
    error?: string;
    data?: { result?: { value?: [number, string] }[] };
  };
  if (body.status !== "success")
    throw new Error(`Prometheus query failed: ${body.error ?? JSON.stringify(body).slice(0, 200)}`);
  const value = Number(body.data?.result?.[0]?.value?.[1]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
