// Ready for Jaeger 2.21: it refuses to start with five Elasticsearch/OpenSearch keys that 2.20
// still reads (internal/storage/elasticsearch/config/config.go at v2.20.0: disable_health_check,
// health_check_timeout_startup, send_get_body_as, sniffing.use_https, bulk_processing.max_actions).
// No config this program renders may carry one, or a `jaeger.image` bump would crash-loop the pods.
import * as assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1";
import { evaluateStack } from "../scripts/evaluate";
import { deploymentConfig, kubernetesObjects, objectsOfKind } from "./support/objects";
import { ConfigEdit, edits } from "./support/stackEdits";

/** The backend keys (below `elasticsearch:`/`opensearch:`) Jaeger 2.21 refuses at start. */
const FATAL_IN_2_21 = [
  "sniffing.use_https",
  "disable_health_check",
  "health_check_timeout_startup",
  "send_get_body_as",
  "bulk_processing.max_actions",
] as const;

/** Every dotted path below a search backend's settings in a Jaeger config document. */
function searchBackendKeys(document: unknown, inBackend = false, prefix = ""): string[] {
  if (document === null || typeof document !== "object" || Array.isArray(document)) return [];
  return Object.entries(document).flatMap(([key, value]) => {
    if (!inBackend && (key === "elasticsearch" || key === "opensearch")) return searchBackendKeys(value, true, "");
    const here = prefix ? `${prefix}.${key}` : key;
    return [...(inBackend ? [here] : []), ...searchBackendKeys(value, inBackend, inBackend ? here : "")];
  });
}

const fatalKeys = (document: unknown) =>
  searchBackendKeys(document).filter((key) => (FATAL_IN_2_21 as readonly string[]).includes(key));

const SEARCH = (flavor: string): ConfigEdit[] => [
  ["storage.backend", "elasticsearch"],
  ["storage.elasticsearch.flavor", flavor],
  ["storage.retention", "72h"],
  ["storage.elasticsearch.serverUrls[0]", "https://search.example.com:9200"],
  ["storage.elasticsearch.auth", "basic"],
  ["storage.elasticsearch.username", "jaeger"],
  ["elasticsearchPassword", "not-a-real-password", false],
];

const VARIANTS: { name: string; stack: string; edits: ConfigEdit[] }[] = [
  { name: "dev (Badger)", stack: "dev", edits: [] },
  { name: "prod (in-cluster Elasticsearch, ECK)", stack: "prod", edits: [] },
  { name: "dev on external Elasticsearch", stack: "dev", edits: SEARCH("elasticsearch") },
  { name: "dev on external OpenSearch", stack: "dev", edits: SEARCH("opensearch") },
];

describe("ready for Jaeger 2.21: no rendered config uses a key it refuses", () => {
  it("the check finds such a key below a search backend, and only there", () => {
    const document = {
      extensions: {
        jaeger_storage: {
          backends: {
            primary: { opensearch: { server_urls: ["x"], sniffing: { use_https: true }, send_get_body_as: "POST" } },
          },
        },
      },
      // Not a search backend's setting: the same name elsewhere is no concern of 2.21's.
      exporters: { other: { disable_health_check: true } },
    };
    assert.deepEqual(fatalKeys(document), ["sniffing.use_https", "send_get_body_as"]);
  });

  for (const variant of VARIANTS) {
    it(`${variant.name}: every Jaeger role's config is free of them`, async () => {
      const secrets = variant.edits.some(([key]) => key === "elasticsearchPassword")
        ? ["jaeger-spm:elasticsearchPassword"]
        : [];
      const evaluation = await evaluateStack(variant.stack, edits(variant.stack, variant.edits), secrets);
      const roles = objectsOfKind(evaluation, "Deployment").filter(
        (d: Deployment) => d.metadata?.labels?.["app.kubernetes.io/name"] === "jaeger",
      );
      assert.ok(roles.length > 0);
      const searchBacked = variant.stack === "prod" || variant.edits.length > 0;
      for (const role of roles) {
        const document = deploymentConfig(evaluation, role);
        // The check saw the backend's settings (a search-backed role has some), so it can fail.
        if (searchBacked) assert.ok(searchBackendKeys(document).includes("server_urls"), role.metadata?.name);
        assert.deepEqual(fatalKeys(document), [], role.metadata?.name);
      }
    });
  }

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: setting jaeger.image to 2.21.0 changes only images and the version label (docs/upgrades.md)`, async () => {
      const objects = async (image?: string) =>
        kubernetesObjects(await evaluateStack(stack, edits(stack, image ? [["jaeger.image", image]] : [])));
      const before = (await objects()).map((o) => JSON.stringify(o));
      const after = (await objects("jaegertracing/jaeger:2.21.0")).map((o) =>
        JSON.stringify(o)
          .replace(/(jaeger[\w-]*):2\.21\.0/g, "$1:2.20.0")
          .replace(/"app\.kubernetes\.io\/version":"2\.21\.0"/g, '"app.kubernetes.io/version":"2.20.0"'),
      );
      // The same objects (in whatever order the program registers them), equal but for the images
      // and the app.kubernetes.io/version label.
      assert.deepEqual(after.sort(), before.sort());
    });
  }
});
