// Real engines for end-to-end tests: where scripts/engines.sh put the Go-built ones, free ports,
// and processes that are always stopped (after the test, on failure, on exit and on Ctrl-C), with
// the tail of their output for failure messages.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/**
 * The version the engines' tools modules pin for a Go module (engines/go.mod, or a module below
 * it such as engines/kube/go.mod), as scripts/engines.sh builds it.
 */
export function pinnedModuleVersion(module: string): string {
  const engines = path.join(ROOT, "engines");
  const files = [
    path.join(engines, "go.mod"),
    ...fs
      .readdirSync(engines, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(engines, e.name, "go.mod")))
      .map((e) => path.join(engines, e.name, "go.mod")),
  ];
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const file of files) {
    const match = fs.readFileSync(file, "utf8").match(new RegExp(`^\\s*(?:require\\s+)?${escaped} (v\\S+)`, "m"));
    if (match) return match[1];
  }
  throw new Error(`no engines go.mod pins a version of ${module}`);
}

/** Where the engine sources and chart archives are (../shared/engines beside the clone, as scripts/engines.sh reads them). */
export const engineSources = () => process.env.JAEGER_SPM_ENGINE_SOURCES ?? path.resolve(ROOT, "../shared/engines");

/** A file scripts/engines.sh built into the cache (JAEGER_SPM_CACHE, else ~/.cache/jaeger-spm). */
function built(name: string): string {
  const cache = process.env.JAEGER_SPM_CACHE ?? path.join(os.homedir(), ".cache/jaeger-spm");
  const file = path.join(cache, "engines", name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run setup (scripts/engines.sh builds it)`);
  return file;
}

/**
 * The binary scripts/engines.sh built for a tool of an engines module: <name>-<version>, where the
 * name is the package's last element (or given, for a module's root package such as etcd's).
 * The version is the one pinned for the longest module path the tool starts with
 * (`k8s.io/kubernetes/cmd/kube-apiserver` is of the module k8s.io/kubernetes).
 */
export const engineBinary = (tool: string, name: string = path.basename(tool)) => {
  const parts = tool.split("/");
  for (let n = parts.length; n > 0; n--) {
    let version: string;
    try {
      version = pinnedModuleVersion(parts.slice(0, n).join("/"));
    } catch {
      continue;
    }
    return built(`${name}-${version}`);
  }
  throw new Error(`no engines go.mod pins a module of ${tool}`);
};

/** A Pulumi plugin scripts/engines.sh built from its tagged source (engines/pulumi-plugins.json). */
export function pulumiPlugin(name: string): { path: string; version: string } {
  const { plugins } = JSON.parse(fs.readFileSync(path.join(ROOT, "engines/pulumi-plugins.json"), "utf8")) as {
    plugins: { name: string; version: string }[];
  };
  const plugin = plugins.find((p) => p.name === name);
  if (!plugin) throw new Error(`engines/pulumi-plugins.json names no plugin ${name}`);
  return { path: built(`${name}-${plugin.version}`), version: plugin.version };
}

/** A test command of the engines module (engines/<name>/main.go). */
export const engineCommand = (name: string) => built(name);

/** A TCP port nobody listens on now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Engine {
  readonly name: string;
  readonly pid: number | undefined;
  /** The last lines it printed (stdout and stderr). */
  logTail(lines?: number): string;
  /** Whether the process has ended. */
  exited(): boolean;
  /** Sends a signal and waits until the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Processes started as the leader of their own group: killing them kills what they started too. */
const groups = new WeakSet<ChildProcess>();
function kill(child: ChildProcess) {
  if (groups.has(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
      return;
    } catch {
      // the group is gone already
    }
  }
  child.kill("SIGKILL");
}
/**
 * Marks every process runToEnd starts, and all it starts in turn: some programs put their helpers
 * in process groups of their own (the Pulumi CLI's language host), which a group kill misses.
 */
const RUN_MARKER = "JAEGER_SPM_E2E_RUN";
let runs = 0;
/** Kills the processes whose marker `matches` (what runToEnd started, at any depth). */
function killMarked(matches: (marker: string) => boolean) {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      const marker = environ.find((v) => v.startsWith(`${RUN_MARKER}=`));
      if (marker && matches(marker.slice(RUN_MARKER.length + 1))) process.kill(Number(entry), "SIGKILL");
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}
function killAll() {
  for (const child of running) kill(child);
  killMarked((marker) => marker.startsWith(`${process.pid}-`));
}
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a process; it is stopped by stop(), or when this process exits or is interrupted. */
export function startEngine(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Engine {
  hookExit();
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: "pipe" });
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (error) => keep(Buffer.from(`\n[${name}: ${error.message}]\n`)));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.on("exit", (code, signal) => {
    running.delete(child);
    keep(Buffer.from(`\n[${name} exited: ${signal ?? code}]\n`));
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name,
    pid: child.pid,
    exited: gone,
    logTail: (lines = 30) => `--- ${name} (last ${lines} lines) ---\n${output.split("\n").slice(-lines).join("\n")}`,
    async kill(signal) {
      if (gone()) return;
      child.kill(signal);
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Finished {
  /** The exit code, or null when a signal ended it (a timeout kills it). */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * Runs a command to its end (killed after `timeoutMs`, or when this process exits or is
 * interrupted, like the engines) and gives its exit code and output. It leads a process group of
 * its own, so that a kill also stops what it started (the Pulumi CLI's plugins, npm's node).
 */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Finished> {
  hookExit();
  const marker = `${process.pid}-${++runs}`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [RUN_MARKER]: marker },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.add(child);
    groups.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      kill(child);
      killMarked((m) => m === marker);
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`${command} ${args.join(" ")}: ${error.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, timedOut, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * Polls `probe` until it returns a value; fails after `timeoutMs` naming what it waited for,
 * with the last error and the engines' log tails.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: {
    timeoutMs: number;
    engines: readonly Engine[];
    intervalMs?: number;
    /** Engines that must keep running: the wait fails as soon as one has exited. */
    running?: readonly Engine[];
  },
): Promise<T> {
  const started = Date.now();
  let last = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = "";
    } catch (error) {
      last = (error as Error).message;
    }
    const ended = (options.running ?? []).filter((e) => e.exited());
    if (ended.length > 0) {
      throw new Error(
        [
          `${ended.map((e) => e.name).join(", ")} exited while waiting for ${what}${last ? ` (last error: ${last})` : ""}`,
          ...options.engines.map((e) => e.logTail()),
        ].join("\n"),
      );
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(
        [
          `timed out after ${options.timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${last})` : ""}`,
          ...options.engines.map((e) => e.logTail()),
        ].join("\n"),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** The TCP ports a process listens on (from /proc: its socket inodes in the listening table). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    } catch {
      // the descriptor closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ["tcp", "tcp6"]) {
    const file = `/proc/${pid}/net/${table}`;
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is field 1 (hex ip:port), st is field 3 (0A = LISTEN), inode is field 9.
      if (fields.length > 9 && fields[3] === "0A" && inodes.has(fields[9]))
        ports.add(parseInt(fields[1].split(":")[1], 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Sums a counter's samples in Prometheus text exposition, over the series whose labels contain
 * `having`. The `_total` suffix is optional, so the name matches with and without it (Jaeger's
 * telemetry has it only when the reader sets without_type_suffix to false).
 */
export function counterSum(text: string, name: string, having = ""): number {
  const base = name.replace(/_total$/, "");
  return [...text.matchAll(new RegExp(`^${base}(?:_total)?(?:\\{([^}]*)\\})? (\\S+)$`, "gm"))]
    .filter((m) => (m[1] ?? "").includes(having))
    .reduce((sum, m) => sum + Number(m[2]), 0);
}
