// Starts the real Jaeger (built by scripts/engines.sh from the tagged source that
// engines/jaeger-source.json names) with a pod's rendered files, and talks to it as clients do.
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Evaluation } from "../../../scripts/evaluate";
import { DEFAULT_PROMETHEUS_URL } from "../../../config/schema";
import { Engine, freePort } from "../../support/engines";
import { LocalPod, LocalPodOptions, localPod } from "../../support/localPod";

const ROOT = path.resolve(__dirname, "../../..");

export interface JaegerSource {
  readonly image: string;
  readonly version: string;
  readonly commit: string;
  readonly tarball: string;
  readonly sha256: string;
  readonly directory: string;
  readonly commands: readonly string[];
  /** Jaeger's UI, built and embedded by scripts/engines.sh as the release image embeds it. */
  readonly ui: {
    readonly tarball: string;
    readonly sha256: string;
    readonly patch: string;
    readonly patchSha256: string;
    readonly directory: string;
    readonly commit: string;
    /** The Node (npm package node-linux-<arch>) and pnpm versions it is built with. */
    readonly node: string;
    readonly pnpm: string;
  };
}

/** The one place that maps the deployed image to the source the tests build (engines/jaeger-source.json). */
export function jaegerSource(): JaegerSource {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "engines/jaeger-source.json"), "utf8")) as JaegerSource;
}

/** A command scripts/engines.sh built from Jaeger's source: jaeger, es-index-cleaner, es-rollover. */
export function jaegerCommand(name: string): string {
  const cache = process.env.JAEGER_SPM_CACHE ?? path.join(os.homedir(), ".cache/jaeger-spm");
  const file = path.join(cache, "engines", `jaeger-${jaegerSource().version}`, name);
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run npm run setup (scripts/engines.sh builds it from the source tarball)`);
  return file;
}

export interface StartOptions extends LocalPodOptions {
  readonly name?: string;
  /** Starts the process through another command (e.g. into a memory cgroup). */
  readonly wrap?: (command: string, args: readonly string[]) => { command: string; args: string[] };
}

export interface RunningJaeger {
  readonly pod: LocalPod;
  readonly engine: Engine;
  /** http://127.0.0.1:<port> for a container port. */
  url(containerPort: number, scheme?: "http" | "https"): string;
  /**
   * Warnings and errors Jaeger logged. None is expected: the Jaeger scripts/engines.sh builds
   * embeds its UI as the image does, so not even "ui assets not embedded" is logged.
   */
  problems(): string[];
  stop(): Promise<void>;
}

/**
 * Runs the Deployment's Jaeger container locally as its pod runs it (localPod) and waits (up to
 * 60 s) until the rendered readiness probe passes. The pod's files are removed on stop() unless they were given (volumeDirs).
 */
export async function startJaeger(
  evaluation: Evaluation,
  deployment: string,
  options: StartOptions = {},
): Promise<RunningJaeger> {
  // Free ports are picked before Jaeger binds them; a client connection can take one meanwhile.
  // Such a start is retried on new ports, any other failure is not.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startJaegerOnce(evaluation, deployment, options);
    } catch (error) {
      if (attempt >= 3 || !/bind: address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startJaegerOnce(
  evaluation: Evaluation,
  deployment: string,
  options: StartOptions,
): Promise<RunningJaeger> {
  const pod = await localPod(evaluation, deployment, options);
  // In the pod, localhost:4317 is the pod's own OTLP receiver, and Jaeger's internal tracer
  // exports there by default (internal/jtracer/jtracer.go: the OTLP exporter's default endpoint).
  // Here the receiver listens on another port: point that default at it, unless the pod sets it.
  const loopback: Record<string, string> = pod.addresses.ports.has(4317)
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${pod.port(4317)}` }
    : {};
  const engine = pod.start(options.name ?? `jaeger (${deployment})`, jaegerCommand("jaeger"), {
    env: loopback,
    wrap: options.wrap,
  });
  const url = (containerPort: number, scheme: "http" | "https" = "http") =>
    `${scheme}://127.0.0.1:${pod.port(containerPort)}`;
  const running: RunningJaeger = {
    pod,
    engine,
    url,
    problems: () =>
      engine
        .logTail(10_000)
        .split("\n")
        .filter((line) => /\t(warn|error|fatal|panic)\t/i.test(line) || /^Error: /.test(line)),
    async stop() {
      await engine.stop();
      pod.remove();
    },
  };
  try {
    await pod.waitReady(engine, 60_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/**
 * The in-cluster Prometheus that Jaeger's Monitor tab queries, mapped for localPod's `services`:
 * to a Prometheus the test starts on `port`, or, when the test runs none, to a closed free port.
 */
export async function prometheusService(port?: number): Promise<Map<string, string>> {
  return new Map([[new URL(DEFAULT_PROMETHEUS_URL).host, `127.0.0.1:${port ?? (await freePort())}`]]);
}

/** What spansend printed: the trace IDs it sent. */
export interface Sent {
  readonly protocol: string;
  readonly traceIds: string[];
}

export type Protocol = "otlp-grpc" | "otlp-http" | "zipkin" | "jaeger-grpc" | "jaeger-thrift-http";

export interface ClientTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
}

function tlsArgs(tls: ClientTls | undefined): string[] {
  if (!tls) return [];
  return [
    `-ca=${tls.ca}`,
    ...(tls.cert ? [`-cert=${tls.cert}`, `-key=${tls.key}`] : []),
    ...(tls.serverName ? [`-server-name=${tls.serverName}`] : []),
  ];
}

/** Sends spans with the protocol's own client library (engines/spansend). */
export function sendSpans(
  spansend: string,
  protocol: Protocol,
  endpoint: string,
  options: {
    service: string;
    operation?: string;
    count?: number;
    errorEvery?: number;
    durationMs?: number;
    tls?: ClientTls;
    timeoutMs?: number;
    /** Each trace a call down these services (spansend -chain; OTLP and Zipkin): `service` is then unused. */
    chain?: readonly string[];
  },
): Sent {
  const args = [
    `-protocol=${protocol}`,
    `-endpoint=${endpoint}`,
    `-service=${options.service}`,
    `-operation=${options.operation ?? "GET /e2e"}`,
    `-count=${options.count ?? 1}`,
    `-error-every=${options.errorEvery ?? 0}`,
    `-duration=${options.durationMs ?? 10}ms`,
    `-timeout=${options.timeoutMs ?? 30_000}ms`,
    ...(options.chain ? [`-chain=${options.chain.join(",")}`] : []),
    ...tlsArgs(options.tls),
  ];
  const run = spawnSync(spansend, args, { encoding: "utf8", timeout: (options.timeoutMs ?? 30_000) + 10_000 });
  if (run.status !== 0)
    throw new Error(`spansend ${protocol} to ${endpoint} failed: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout) as Sent;
}

/** Lists the services through the query gRPC API (api_v2 GetServices), as a gRPC client of 16685 would. */
export function queryServicesGrpc(
  spansend: string,
  endpoint: string,
  options: { tls?: ClientTls; user?: string; password?: string } = {},
): { ok: true; services: string[] } | { ok: false; error: string } {
  const args = ["-protocol=query-grpc", `-endpoint=${endpoint}`, "-timeout=10s", ...tlsArgs(options.tls)];
  if (options.user) args.push(`-user=${options.user}`, `-password=${options.password ?? ""}`);
  const run = spawnSync(spansend, args, { encoding: "utf8", timeout: 20_000 });
  if (run.status !== 0) return { ok: false, error: run.stderr || run.error?.message || "failed" };
  return { ok: true, services: (JSON.parse(run.stdout) as { services: string[] }).services };
}

/** The trace as the query API returns it, or undefined while it is not there (404). */
export async function queryTrace(
  queryUrl: string,
  traceId: string,
  init?: RequestInit,
): Promise<{ spans: { operationName: string }[]; processes: Record<string, { serviceName: string }> } | undefined> {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`, init);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET /api/traces/${traceId}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    data: { spans: { operationName: string }[]; processes: Record<string, { serviceName: string }> }[];
  };
  return body.data[0];
}

/**
 * An HTTPS GET verified against `ca` for `serverName` (the in-cluster Service's name, which the
 * certificate carries, not the loopback address the URL has), with optional basic credentials
 * (Node's fetch takes no CA).
 */
export function httpsGet(
  url: string,
  options: { ca: string; serverName: string; user?: string; password?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const auth = options.user !== undefined ? `${options.user}:${options.password ?? ""}` : undefined;
    const tls = { ca: fs.readFileSync(options.ca), servername: options.serverName };
    const request = https.get(url, { ...tls, auth, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url}: timed out`)));
    request.on("error", reject);
  });
}
