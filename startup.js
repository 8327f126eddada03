// Loaded first (`--require ./startup.js`) by `pulumi preview`/`up` (Pulumi.yaml nodeargs), the
// tests (.mocharc.json) and the npm scripts, so all of them run the TypeScript sources the same way.
"use strict";

const nodeModule = require("node:module");

// 1. V8's compiled code is kept on disk between runs (os.tmpdir()/node-compile-cache, or
//    $NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Node >= 22.1 only: on
//    Node 20 (end of life) nothing is cached; the v8-compile-cache package is not a substitute,
//    since code it compiles cannot use dynamic import().
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();

// 2. `.ts` files are transpiled by sucrase as they are required: types removed, static imports
//    turned into CommonJS (esModuleInterop semantics), dynamic import() and modern syntax kept as
//    written, nothing type-checked (`npm test` and CI run `tsc --noEmit`, with isolatedModules so
//    that every file compiles on its own). Only `.ts` files are hooked: the thousand-odd
//    JavaScript modules of @pulumi/pulumi and the providers load as Node loads them.
//    This is the hook behind `sucrase/register/ts`, with two options that register does not set.
const SUCRASE_OPTIONS = {
  transforms: ["typescript", "imports"],
  preserveDynamicImport: true,
  disableESTransforms: true,
};
require("sucrase/dist/register").addHook(".ts", SUCRASE_OPTIONS);

module.exports = { SUCRASE_OPTIONS };
