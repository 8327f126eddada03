// Builds and sends traces over OTLP/HTTP with the JSON encoding (POST <endpoint>/v1/traces),
// for the smoke test and the traffic generator. No SDK: the payload is the protocol's own
// JSON mapping (hex trace/span ids, enum numbers for kind and status).
import { randomBytes } from "node:crypto";
import { fetchOrExplain } from "./http";

export type SpanKind = "internal" | "server" | "client";
const KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

export interface SpanSpec {
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Offset from the trace start and duration, in milliseconds. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly error: boolean;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly children?: readonly SpanSpec[];
}

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}
export interface OtlpPayload {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

export const SCOPE = { name: "jaeger-spm-tools", version: "0.1.0" };

export function attribute(key: string, value: string | number | boolean): OtlpAttribute {
  if (typeof value === "string") return { key, value: { stringValue: value } };
  if (typeof value === "boolean") return { key, value: { boolValue: value } };
  return Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };
}

export const newTraceId = () => randomBytes(16).toString("hex");
export const newSpanId = () => randomBytes(8).toString("hex");

/** Flattens a span tree into OTLP spans of one trace, grouped by service (resource). */
export function buildTrace(root: SpanSpec, traceStartMs: number, traceId = newTraceId()): OtlpPayload {
  const byService = new Map<string, OtlpSpan[]>();
  const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  const visit = (spec: SpanSpec, parentSpanId: string) => {
    const spanId = newSpanId();
    const span: OtlpSpan = {
      traceId,
      spanId,
      parentSpanId,
      name: spec.name,
      kind: KIND[spec.kind],
      startTimeUnixNano: nanos(traceStartMs + spec.startMs),
      endTimeUnixNano: nanos(traceStartMs + spec.startMs + spec.durationMs),
      attributes: Object.entries(spec.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      status: spec.error ? { code: STATUS.error, message: "simulated error" } : { code: STATUS.unset },
    };
    byService.set(spec.service, [...(byService.get(spec.service) ?? []), span]);
    for (const child of spec.children ?? []) visit(child, spanId);
  };
  visit(root, "");
  return {
    resourceSpans: [...byService.entries()].map(([service, spans]) => ({
      resource: { attributes: [attribute("service.name", service)] },
      scopeSpans: [{ scope: SCOPE, spans }],
    })),
  };
}

/** Merges payloads into one request body. */
export function mergePayloads(payloads: readonly OtlpPayload[]): OtlpPayload {
  return { resourceSpans: payloads.flatMap((p) => p.resourceSpans) };
}

export async function sendTraces(endpoint: string, payload: OtlpPayload, timeoutMs = 10_000): Promise<void> {
  const url = `${endpoint.replace(/\/+$/, "")}/v1/traces`;
  const response = await fetchOrExplain(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
    timeoutMs,
  });
  if (!response.ok) {
    throw new Error(`OTLP export to ${url} failed: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
  }
}
