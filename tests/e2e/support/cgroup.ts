// A memory cgroup with the container's limit, so a process here runs under the limit its pod
// would have: the collector's memory_limiter reads it (as a percentage of the cgroup's limit) and
// the kernel's OOM killer enforces it. Needs root and a writable memory controller (cgroup v1's
// memory hierarchy, or cgroup v2 at /sys/fs/cgroup).
import * as fs from "node:fs";
import * as path from "node:path";

export interface MemoryCgroup {
  readonly dir: string;
  /** The command line that starts `command` inside the cgroup. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  /** Processes the kernel's OOM killer ended in the cgroup. */
  oomKills(): number;
  remove(): void;
}

export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  const own = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n");
  const v1 = own.map((l) => l.split(":")).find((f) => f[1]?.split(",").includes("memory"));
  let dir: string;
  let limitFile: string;
  if (v1 && fs.existsSync("/sys/fs/cgroup/memory")) {
    dir = path.join("/sys/fs/cgroup/memory", v1[2], `${name}-${process.pid}`);
    limitFile = "memory.limit_in_bytes";
  } else if (fs.existsSync("/sys/fs/cgroup/cgroup.controllers")) {
    const v2 = own.find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
    dir = path.join("/sys/fs/cgroup", v2, `${name}-${process.pid}`);
    limitFile = "memory.max";
  } else {
    throw new Error("no memory cgroup controller here: the overload scenario needs one to give Jaeger its container's memory limit");
  }
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, limitFile), String(limitBytes));
  } catch (error) {
    throw new Error(`cannot make the memory cgroup ${dir} (root and a writable memory controller are needed): ${(error as Error).message}`);
  }
  return {
    dir,
    wrap: (command, args) => ({
      command: "/bin/sh",
      args: ["-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', "sh", dir, command, ...args],
    }),
    oomKills() {
      const control = path.join(dir, limitFile === "memory.max" ? "memory.events" : "memory.oom_control");
      const match = /oom_kill (\d+)/.exec(fs.readFileSync(control, "utf8"));
      return Number(match?.[1] ?? 0);
    },
    remove() {
      // A cgroup can be removed once its processes are gone.
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(dir);
          return;
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        }
      }
    },
  };
}
