// The README's tested `pulumi config set` lines (between the tested-commands markers), as argv:
// the unit tests apply them to the config, the real-engine suite runs them with the Pulumi CLI.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseShell } from "shell-quote";

export function readmeCommands(): string[][] {
  const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const block = /<!-- tested-commands:start -->([\s\S]*?)<!-- tested-commands:end -->/.exec(readme);
  assert.ok(block, "README has a tested-commands block");
  return block[1]
    .split("\n")
    .filter((line) => line.startsWith("pulumi config set"))
    .map((line) => parseShell(line).map(String));
}
