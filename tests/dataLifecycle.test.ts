// What `pulumi destroy` does to the trace data, in every shape of stack: the Badger claim, the
// in-cluster Elasticsearch and the namespace holding them stay in the cluster unless the user asks
// with storage.deleteDataOnDestroy (tests/e2e/pulumi.e2e.ts shows it on the real engine); and the
// figures the stack files and docs state about the data are the ones the program renders.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import { Evaluation, ROOT, evaluateStack } from "../scripts/evaluate";
import { resourceFor } from "./support/objects";
import { edits } from "./support/stackEdits";

const DATA_TYPES = [
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
];
/** The trace data and the namespace everything of Jaeger's lives in (the charts' own namespaces hold none). */
const dataResources = (e: Evaluation) =>
  e.resources.filter(
    (r) => DATA_TYPES.includes(r.type) || (r.type === "kubernetes:core/v1:Namespace" && r.name === "namespace"),
  );

const VARIANTS: readonly { name: string; stack: string; edits: [string, string][] }[] = [
  { name: "dev (Badger, unprotected)", stack: "dev", edits: [] },
  { name: "prod (Elasticsearch in the cluster, protected)", stack: "prod", edits: [] },
  { name: "prod unprotected", stack: "prod", edits: [["protectData", "false"]] },
  {
    name: "prod on Badger",
    stack: "prod",
    edits: [
      ["storage.backend", "badger"],
      ["backup.acceptInconsistentFileCopies", "true"],
    ],
  },
];

describe("trace data and pulumi destroy", () => {
  for (const variant of VARIANTS) {
    it(`${variant.name}: the claim or Elasticsearch and the namespace holding them are kept by destroy`, async () => {
      const e = await evaluateStack(variant.stack, edits(variant.stack, variant.edits));
      const data = dataResources(e);
      assert.ok(
        data.some((r) => r.type !== "kubernetes:core/v1:Namespace"),
        "the stack holds trace data",
      );
      for (const r of data) assert.equal(r.options.retainOnDelete, true, `${r.type}::${r.name} retainOnDelete`);
    });
  }

  it("with storage.deleteDataOnDestroy, destroy deletes the claim and the namespace (dev)", async () => {
    const e = await evaluateStack("dev", edits("dev", [["storage.deleteDataOnDestroy", "true"]]));
    const data = dataResources(e);
    assert.equal(data.length, 2);
    for (const r of data) assert.notEqual(r.options.retainOnDelete, true, `${r.type}::${r.name} retainOnDelete`);
  });

  it("with storage.deleteDataOnDestroy, destroy deletes the in-cluster Elasticsearch (prod unprotected)", async () => {
    const e = await evaluateStack(
      "prod",
      edits("prod", [
        ["protectData", "false"],
        ["storage.deleteDataOnDestroy", "true"],
      ]),
    );
    assert.notEqual(resourceFor(e, "Elasticsearch", "jaeger-es").options.retainOnDelete, true);
  });

  it("an external search cluster's namespace holds no data: it follows protectData alone", async () => {
    const e = await evaluateStack(
      "dev",
      edits("dev", [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://search.internal:9200"],
        ["storage.retention", "72h"],
      ]),
    );
    assert.notEqual(resourceFor(e, "Namespace", "observability").options.retainOnDelete, true);
  });

  it("refuses storage.deleteDataOnDestroy while protectData is true, naming both keys", () => {
    const result = parseStackConfig(edits("prod", [["storage.deleteDataOnDestroy", "true"]]));
    assert.equal(result.ok, false);
    const problems = result.ok ? [] : result.problems;
    assert.ok(
      problems.some((p) => p.startsWith("jaeger-spm:storage.deleteDataOnDestroy = true") && p.includes("protectData")),
      problems.join("\n"),
    );
  });
});

describe("figures the stack files and docs state about the data", () => {
  const claimSize = async (stack: string) => {
    const e = await evaluateStack(stack);
    const claim = e.resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
    return (claim?.inputs as { spec: { resources: { requests: { storage: string } } } } | undefined)?.spec.resources
      .requests.storage;
  };

  it("Pulumi.dev.yaml and the configuration reference give dev's claim size as rendered", async () => {
    const size = await claimSize("dev");
    const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    assert.match(stackFile, /= (\d+Gi)\)/);
    assert.equal(/= (\d+Gi)\)/.exec(stackFile)?.[1], size, "Pulumi.dev.yaml's comment");
    const reference = fs.readFileSync(path.join(ROOT, "docs/configuration.md"), "utf8");
    assert.equal(/derived \(dev (\d+Gi)\)/.exec(reference)?.[1], size, "docs/configuration.md");
  });

  it("Pulumi.prod.yaml gives the in-cluster Elasticsearch volume per node as rendered", async () => {
    const e = await evaluateStack("prod");
    const es = resourceFor(e, "Elasticsearch", "jaeger-es").inputs as {
      spec: { nodeSets: { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] }[] };
    };
    const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    assert.equal(
      /= (\d+Gi)\s*\n\s*# per node/.exec(stackFile)?.[1],
      es.spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage,
    );
  });
});
