// Velero's CustomResourceDefinitions at the pinned release, from its Go module (downloaded
// through the Go module proxy into the module cache, outside the clone), and a validator for
// our Velero objects against their openAPIV3Schema, unknown fields refused as the API server
// refuses them (structural schemas prune or reject them).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { VELERO_VERSION } from "../../components/backup/velero";

const MODULE = "github.com/vmware-tanzu/velero";

/** The module's directory in the Go module cache (downloaded once). */
function veleroModuleDir(): string {
  const run = spawnSync("go", ["mod", "download", "-json", `${MODULE}@${VELERO_VERSION}`], {
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
    timeout: 300_000,
  });
  if (run.error)
    assert.fail(
      `the Go toolchain is required to read Velero's CRDs (${MODULE}@${VELERO_VERSION}): ${run.error.message}`,
    );
  const info = JSON.parse(run.stdout || "{}") as { Dir?: string; Error?: string };
  if (!info.Dir) assert.fail(`go mod download ${MODULE}@${VELERO_VERSION} failed: ${info.Error ?? run.stderr}`);
  return info.Dir;
}

type Schema = Record<string, unknown>;

/** Unknown fields are errors, as for `kubectl apply --validate=strict`, except where the schema preserves them. */
function strict(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (copy.type === "object" && copy.properties && copy["x-kubernetes-preserve-unknown-fields"] !== true) {
    copy.additionalProperties = copy.additionalProperties ?? false;
  }
  for (const key of ["properties", "patternProperties"]) {
    const children = copy[key] as Record<string, Schema> | undefined;
    if (children) copy[key] = Object.fromEntries(Object.entries(children).map(([k, v]) => [k, strict(v)]));
  }
  if (copy.items && typeof copy.items === "object") copy.items = strict(copy.items as Schema);
  if (copy.additionalProperties && typeof copy.additionalProperties === "object") {
    copy.additionalProperties = strict(copy.additionalProperties as Schema);
  }
  // Kubernetes-only keywords Ajv does not know.
  for (const key of Object.keys(copy)) if (key.startsWith("x-kubernetes-")) delete copy[key];
  return copy;
}

let cached: Map<string, (object: unknown) => string[]> | undefined;

/** Validates a Velero object (kind Schedule, BackupStorageLocation, …) against its CRD; returns the errors. */
export function validateVeleroObject(object: { kind: string; spec: unknown }): string[] {
  if (!cached) {
    cached = new Map();
    const dir = path.join(veleroModuleDir(), "config", "crd", "v1", "bases");
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
      const crd = parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
        spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
      };
      const version = crd.spec.versions.find((v) => v.name === "v1") ?? crd.spec.versions[0];
      const spec = (version.schema.openAPIV3Schema.properties as Record<string, Schema>).spec;
      const check = ajv.compile(strict(spec));
      cached.set(crd.spec.names.kind, (value) =>
        check(value)
          ? []
          : (check.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`),
      );
    }
  }
  const validate = cached.get(object.kind);
  assert.ok(validate, `Velero ${VELERO_VERSION} has no CRD for kind ${object.kind}`);
  return validate(object.spec);
}
