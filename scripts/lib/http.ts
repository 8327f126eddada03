// fetch with errors that say what went wrong and where: Node's fetch reports every network
// failure as "fetch failed" and keeps the reason (refused, DNS, TLS, timeout) in `cause`.

/** The reason behind a failed fetch, in words: the error code and message of its cause. */
export function describeFetchError(error: unknown, timeoutMs?: number): string {
  const e = error as Error & { cause?: unknown };
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return timeoutMs === undefined ? "no answer in time" : `no answer within ${timeoutMs} ms`;
  }
  const parts: string[] = [];
  let cause: unknown = e.cause;
  for (let depth = 0; cause && depth < 3; depth++) {
    const c = cause as { code?: string; message?: string; cause?: unknown; errors?: unknown[] };
    // Happy-eyeballs failures wrap one error per address.
    const inner = Array.isArray(c.errors) && c.errors.length > 0 ? (c.errors[0] as typeof c) : c;
    const text = [inner.code, inner.message?.trim()].filter(Boolean).join(": ");
    if (text && !parts.includes(text)) parts.push(text);
    cause = inner.cause;
  }
  return parts.length > 0 ? parts.join("; ") : e.message;
}

/** fetch, throwing `<METHOD> <url>: <reason>` when the request gets no HTTP answer. */
export async function fetchOrExplain(url: string, init: RequestInit & { timeoutMs: number }): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  try {
    return await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`${rest.method ?? "GET"} ${url}: ${describeFetchError(error, timeoutMs)}`);
  }
}
