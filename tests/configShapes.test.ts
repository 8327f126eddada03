// config/shapes.ts spells out the config's types for the package's declarations (no zod in them):
// it must be what the schema infers today, to the letter and as a type.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { InferredStackConfigShape, InferredStackSettings, SecretKey as InferredSecretKey } from "../config/schema";
import type { SecretKey, StackConfigShape, StackSettings } from "../config/shapes";
import { SHAPES_FILE, generateShapes } from "../scripts/configTypes";

/** true only when A and B are the same type (each assignable to the other, optional fields alike). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe("config/shapes.ts (the config's types for the package's declarations)", function () {
  this.timeout(60_000);

  it("is what npm run config:types writes for the schema as it is", async () => {
    assert.equal(fs.readFileSync(SHAPES_FILE, "utf8"), await generateShapes(), "run npm run config:types");
  });

  it("declares the same types zod infers (a compile-time check)", () => {
    const shape: Same<StackConfigShape, InferredStackConfigShape> = true;
    const settings: Same<StackSettings, InferredStackSettings> = true;
    const secrets: Same<SecretKey, InferredSecretKey> = true;
    assert.deepEqual([shape, settings, secrets], [true, true, true]);
  });
});
