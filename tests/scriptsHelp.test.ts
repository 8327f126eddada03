// Every npm script of the project answers --help with its usage and changes nothing: a user
// who asks how a command works must not find a file rewritten.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../scripts/evaluate";

const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const programs = Object.entries(scripts)
  .map(([name, command]) => [name, /^node --require \.\/startup\.js (scripts\/\S+\.ts)$/.exec(command)?.[1]] as const)
  .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);

function trackedFileTimes(): Map<string, number> {
  const files = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  return new Map(files.filter((f) => fs.existsSync(path.join(ROOT, f))).map((f) => [f, fs.statSync(path.join(ROOT, f)).mtimeMs]));
}

describe("npm scripts answer --help", function () {
  this.timeout(120_000);

  it("finds the project's script programs in package.json", () => {
    assert.ok(programs.length >= 10, programs.map(([n]) => n).join(", "));
  });

  for (const [name, program] of programs) {
    it(`npm run ${name} -- --help prints its usage, exits 0 and writes nothing`, () => {
      const before = trackedFileTimes();
      const run = spawnSync(process.execPath, ["--require", "./startup.js", program, "--help"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^Usage: npm run /m, `${name}: ${run.stdout}${run.stderr}`);
      const after = trackedFileTimes();
      const changed = [...before].filter(([file, time]) => after.get(file) !== time).map(([file]) => file);
      assert.deepEqual(changed, []);
    });
  }
});
