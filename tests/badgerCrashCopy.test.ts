// The premise of Badger backups that never stop Jaeger: a copy of Badger's directories taken
// after the writer died mid-write (what a point-in-time volume snapshot gives) opens and holds
// every write acknowledged before. Run on Badger v4.9.2, the version Jaeger v2.20.0 pins, opened
// as Jaeger opens it (engines/badgercrash). Jaeger itself cannot be built here (issue #16), so its
// span store on top of Badger is not part of this run.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, engineCommand, pinnedModuleVersion, startEngine, waitFor } from "./support/engines";

/** The last write the writer acknowledged in what it printed so far. */
function lastAcked(writer: Engine): number {
  const acks = [...writer.logTail(5).matchAll(/^acked (\d+)$/gm)];
  return acks.length === 0 ? 0 : Number(acks[acks.length - 1][1]);
}

describe("Badger after a crash: a copy of its directories opens with every acknowledged write", function () {
  this.timeout(120_000);
  let dir: string;
  const engines: Engine[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "badger-crash-"));
  });
  after(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs the Badger version Jaeger v2.20.0 pins", () => {
    // jaegertracing/jaeger v2.20.0 go.mod: github.com/dgraph-io/badger/v4 v4.9.2
    assert.equal(pinnedModuleVersion("github.com/dgraph-io/badger/v4"), "v4.9.2");
  });

  it("SIGKILL mid-ingest, then a copy of the keys and values directories: all acknowledged writes are there", async () => {
    const live = { keys: path.join(dir, "live/keys"), values: path.join(dir, "live/values") };
    const copy = { keys: path.join(dir, "copy/keys"), values: path.join(dir, "copy/values") };
    for (const d of Object.values(live)) fs.mkdirSync(d, { recursive: true });
    fs.mkdirSync(path.join(dir, "copy"));

    const writer = startEngine("badgercrash write", engineCommand("badgercrash"), ["write", live.keys, live.values]);
    engines.push(writer);
    await waitFor(
      "the writer to acknowledge 50,000 writes (about 50 MB)",
      async () => lastAcked(writer) >= 50_000 || undefined,
      {
        timeoutMs: 60_000,
        engines: [writer],
      },
    );
    await writer.kill("SIGKILL");
    const acknowledged = lastAcked(writer);
    assert.match(writer.logTail(3), /exited: SIGKILL/, "killed while writing, not finished");

    // The directories as a snapshot holds them; --sparse keeps Badger's preallocated files small.
    for (const d of ["keys", "values"] as const) {
      execFileSync("cp", ["-a", "--sparse=always", live[d], copy[d]]);
    }
    const check = startEngine("badgercrash check", engineCommand("badgercrash"), [
      "check",
      copy.keys,
      copy.values,
      String(acknowledged),
    ]);
    engines.push(check);
    await waitFor(
      `the copy to be opened and checked for ${acknowledged} writes`,
      async () => /exited: /.test(check.logTail(3)) || undefined,
      { timeoutMs: 60_000, engines: [check] },
    );
    assert.match(check.logTail(10), new RegExp(`found ${acknowledged}\\b`), check.logTail(10));
    assert.match(check.logTail(3), /exited: 0/, check.logTail(10));
  });
});
