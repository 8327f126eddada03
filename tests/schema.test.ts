import * as assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { KubernetesSchema } from "./support/kubernetesSchema";
import { kubernetesObjects, objectNamed } from "./support/objects";

describe("every emitted Kubernetes object validates against the Kubernetes schema", () => {
  let schema: KubernetesSchema;
  const stacks: Record<string, Evaluation> = {};
  before(async () => {
    schema = await KubernetesSchema.load();
    stacks.dev = await evaluateStack("dev");
    stacks.prod = await evaluateStack("prod");
    // Every optional object: TLS from cert-manager, UI basic auth, external Elasticsearch with credentials.
    stacks.options = await evaluateStack(
      "dev",
      [
        ["security.tls.enabled", "true"],
        ["security.tls.source", "certManager"],
        ["security.tls.issuer.name", "ca"],
        ["security.uiBasicAuth", "true"],
        ["uiHtpasswd", "admin:$2y$05$" + "a".repeat(53), false],
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://es:9200"],
        ["storage.elasticsearch.auth", "basic"],
        ["storage.elasticsearch.username", "jaeger"],
        ["elasticsearchPassword", "pw", false],
      ].reduce((raw, [k, v, p]) => configSet(raw, String(k), String(v), { path: p !== false }), stackConfig("dev")),
      ["jaeger-spm:uiHtpasswd", "jaeger-spm:elasticsearchPassword"],
    );
  });

  for (const stack of ["dev", "prod", "options"]) {
    it(`${stack}: all objects are valid, with unknown fields rejected`, () => {
      const objects = kubernetesObjects(stacks[stack]);
      assert.ok(objects.length >= 9, `expected the full set of objects, got ${objects.length}`);
      const problems = objects.flatMap((o) => schema.validate(o));
      assert.deepEqual(problems, []);
    });
  }

  describe("the validator itself", () => {
    const deployment = () => structuredClone(objectNamed(stacks.dev, "Deployment", "jaeger"));

    it("rejects a misspelt probe field (initialDelaySecond)", () => {
      const d = deployment();
      const probe = d.spec?.template.spec?.containers[0].livenessProbe as Record<string, unknown>;
      probe.initialDelaySecond = 5;
      const problems = schema.validate({ apiVersion: "apps/v1", kind: "Deployment", ...d });
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], /livenessProbe\.initialDelaySecond: unknown field/);
    });

    it("rejects unknown fields in the Elasticsearch resource and in the pod template it embeds", () => {
      const cluster = kubernetesObjects(stacks.prod).find((o) => o.kind === "Elasticsearch");
      assert.ok(cluster);
      const broken = structuredClone(cluster);
      const spec = broken.spec as { nodeSets: Record<string, unknown>[] };
      spec.nodeSets[0].replicas = 3;
      const podSpec = (spec.nodeSets[0].podTemplate as { spec: { containers: Record<string, unknown>[] } }).spec;
      podSpec.containers[0].resource = {};
      const problems = schema.validate(broken).join("\n");
      assert.match(problems, /\.spec\.nodeSets\[0\]\.replicas: unknown field/);
      assert.match(problems, /podTemplate\.spec\.containers\[0\]\.resource: unknown field/);
    });

    it("rejects a wrong type and a missing required field", () => {
      const d = deployment();
      Object.assign(d.spec ?? {}, { replicas: "one" });
      const container: Partial<Container> | undefined = d.spec?.template.spec?.containers[0];
      assert.ok(container);
      delete container.name;
      const problems = schema.validate({ apiVersion: "apps/v1", kind: "Deployment", ...d }).join("\n");
      assert.match(problems, /replicas: expected number/);
      assert.match(problems, /name/);
    });
  });
});
