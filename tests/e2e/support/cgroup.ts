// A cgroup with the container's limits, so a process here runs under the limits its pod would
// have: the collector's memory_limiter reads the memory limit (as a percentage of the cgroup's
// limit), the kernel's OOM killer enforces it, and the CPU limit is a CFS quota as the kubelet
// sets it. Needs root and writable memory (and cpu) controllers (cgroup v1, or v2 at /sys/fs/cgroup).
import * as fs from "node:fs";
import * as path from "node:path";

export interface MemoryCgroup {
  /** The memory cgroup's directory. */
  readonly dir: string;
  /** The command line that starts `command` inside the cgroup(s). */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  /** Processes the kernel's OOM killer ended in the cgroup. */
  oomKills(): number;
  /** Seconds the CPU quota held the processes back (0 without a CPU limit). */
  throttledSeconds(): number;
  remove(): void;
}

/** A container's limits as the kubelet gives them to its cgroup. */
export interface PodLimits {
  readonly memoryBytes: number;
  /** The CPU limit in millicores: a CFS quota of that share of each 100 ms period. */
  readonly cpuMillis?: number;
}

const CFS_PERIOD_US = 100_000;

export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  return podCgroup(name, { memoryBytes: limitBytes });
}

/**
 * A cgroup with a container's memory and CPU limits, as the kubelet makes one for a pod (memory
 * limit; CPU limit as a CFS quota per 100 ms period). cgroup v1 (one directory per controller) or
 * v2 (one directory).
 */
export function podCgroup(name: string, limits: PodLimits): MemoryCgroup {
  const own = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n");
  const v1Path = (controller: string) =>
    own.map((l) => l.split(":")).find((f) => f[1]?.split(",").includes(controller))?.[2];
  const leaf = `${name}-${process.pid}-${Date.now()}`;
  const writes: [string, string][] = [];
  let dirs: string[];
  let memoryDir: string;
  let v2 = false;
  const memoryV1 = v1Path("memory");
  if (memoryV1 !== undefined && fs.existsSync("/sys/fs/cgroup/memory")) {
    memoryDir = path.join("/sys/fs/cgroup/memory", memoryV1, leaf);
    dirs = [memoryDir];
    writes.push([path.join(memoryDir, "memory.limit_in_bytes"), String(limits.memoryBytes)]);
    if (limits.cpuMillis !== undefined) {
      const cpuDir = path.join("/sys/fs/cgroup/cpu", v1Path("cpu") ?? "/", leaf);
      dirs.push(cpuDir);
      writes.push([path.join(cpuDir, "cpu.cfs_period_us"), String(CFS_PERIOD_US)]);
      writes.push([
        path.join(cpuDir, "cpu.cfs_quota_us"),
        String(Math.round((limits.cpuMillis * CFS_PERIOD_US) / 1000)),
      ]);
    }
  } else if (fs.existsSync("/sys/fs/cgroup/cgroup.controllers")) {
    v2 = true;
    const own2 = own.find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
    memoryDir = path.join("/sys/fs/cgroup", own2, leaf);
    dirs = [memoryDir];
    writes.push([path.join(memoryDir, "memory.max"), String(limits.memoryBytes)]);
    if (limits.cpuMillis !== undefined)
      writes.push([
        path.join(memoryDir, "cpu.max"),
        `${Math.round((limits.cpuMillis * CFS_PERIOD_US) / 1000)} ${CFS_PERIOD_US}`,
      ]);
  } else {
    throw new Error("no memory cgroup controller here: a container's memory limit cannot be given to the process");
  }
  try {
    for (const dir of dirs) fs.mkdirSync(dir);
    for (const [file, value] of writes) fs.writeFileSync(file, value);
  } catch (error) {
    for (const dir of dirs) fs.rmSync(dir, { force: true, recursive: false });
    throw new Error(
      `cannot make the cgroup ${dirs.join(" and ")} (root and writable memory and cpu controllers are needed): ${(error as Error).message}`,
    );
  }
  return {
    dir: memoryDir,
    wrap: (command, args) => ({
      command: "/bin/sh",
      args: [
        "-c",
        'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1/cgroup.procs"; shift; n=$((n-1)); done; exec "$@"',
        "sh",
        String(dirs.length),
        ...dirs,
        command,
        ...args,
      ],
    }),
    oomKills() {
      const control = path.join(memoryDir, v2 ? "memory.events" : "memory.oom_control");
      const match = /oom_kill (\d+)/.exec(fs.readFileSync(control, "utf8"));
      return Number(match?.[1] ?? 0);
    },
    throttledSeconds() {
      if (limits.cpuMillis === undefined) return 0;
      const stat = fs.readFileSync(path.join(dirs[dirs.length - 1], "cpu.stat"), "utf8");
      const v1 = /^throttled_time (\d+)$/m.exec(stat);
      if (v1) return Number(v1[1]) / 1e9;
      return Number(/^throttled_usec (\d+)$/m.exec(stat)?.[1] ?? 0) / 1e6;
    },
    remove() {
      // A cgroup can be removed once its processes are gone.
      for (const dir of dirs) {
        for (let i = 0; i < 50; i++) {
          try {
            fs.rmdirSync(dir);
            break;
          } catch {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
          }
        }
      }
    },
  };
}
