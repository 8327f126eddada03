// How the Pulumi language host starts this program, read from Pulumi.yaml, so the
// benchmark and the tests run exactly what `pulumi preview`/`up` run.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface NodeRuntime {
  /** `runtime.options.typescript`: false means the language host does not load ts-node. */
  readonly typescript: boolean;
  /** `runtime.options.nodeargs`, split into arguments as the language host passes them to node. */
  readonly nodeArgs: readonly string[];
}

export function projectNodeRuntime(root: string): NodeRuntime {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    runtime?: string | { name?: string; options?: { typescript?: boolean; nodeargs?: string } };
  };
  const runtime = project.runtime;
  if (typeof runtime !== "object" || runtime.name !== "nodejs") {
    throw new Error("Pulumi.yaml: runtime must be an object with name nodejs");
  }
  const options = runtime.options ?? {};
  return {
    typescript: options.typescript ?? true,
    nodeArgs: (options.nodeargs ?? "").split(/\s+/).filter((arg) => arg !== ""),
  };
}
