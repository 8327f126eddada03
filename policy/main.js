// The policy pack's entry point. @pulumi/pulumi's run-plugin (v3.248.0 cmd/run-plugin/index.js:
// `typeScript: !process.versions.bun`) always registers ts-node with type-checking before it
// loads a pack, whatever PulumiPolicy.yaml says, and ts-node's hooks on both .js and .ts would
// type-check every file of the pack: seconds on every preview. Here .ts files are transpiled
// the way the program's are (startup.js: sucrase, compile cache) by a loader that does not go
// through ts-node's; `npm test` type-checks them.
"use strict";

const fs = require("node:fs");
const { transform } = require("sucrase");
const { SUCRASE_OPTIONS } = require("../startup.js");

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  module._compile(transform(source, { ...SUCRASE_OPTIONS, filePath: filename }).code, filename);
};
require("./index.ts");
