// What render:diff tells a reviewer about `pulumi up`, on the program's own evaluations: a change
// the engine ignores is shown as ignored (not as a new claim size), a deletion the cluster keeps is
// marked, and in-place updates are counted apart from unchanged resources.
import * as assert from "node:assert/strict";
import {
  Evaluation,
  PROGRAM,
  RawConfig,
  configSet,
  evaluateStack,
  stackConfig,
  stackSecretKeys,
} from "../scripts/evaluate";
import { deployedInputs, evaluationChanges } from "../scripts/render";
import { changesMarkdown } from "../scripts/lib/renderChanges";
import { edits } from "./support/stackEdits";

/** The base as deployed, then the head evaluated from it, as render:diff does (state.json's redacted inputs). */
async function upgrade(base: Evaluation, head: RawConfig, stack = "dev", secretKeys = stackSecretKeys(stack)) {
  const after = await evaluateStack(stack, head, secretKeys, PROGRAM, deployedInputs(base));
  const changes = evaluationChanges(base, after);
  return { changes, markdown: changesMarkdown(changes) };
}

describe("render:diff's account of `pulumi up`", function () {
  this.timeout(60_000);
  let base: Evaluation;
  const set = (key: string, value: string) => configSet(stackConfig("dev"), key, value, { path: true });

  before(async () => {
    base = await evaluateStack("dev");
  });

  it("retention 168h -> 72h: the claim's derived size is shown as ignored, the claim stays, and the config and Deployment are updates", async () => {
    const { changes, markdown } = await upgrade(base, set("storage.retention", "72h"));
    // 200 spans/s x 640 B x 72h x 1.5 = 46.4 GiB -> 47Gi derived; the deployed 109Gi stays.
    assert.match(
      markdown,
      /\*\*Ignored\*\* \(`ignoreChanges`: the deployed value stays\):\n- `PersistentVolumeClaim jaeger-badger` spec\.resources\.requests\.storage: the config now gives `47Gi`; `109Gi` stays/,
    );
    assert.ok(
      !changes.updated.includes("PersistentVolumeClaim observability/jaeger-badger"),
      changes.updated.join(", "),
    );
    assert.ok(changes.updated.includes("ConfigMap observability/jaeger-config"), changes.updated.join(", "));
    assert.ok(changes.updated.includes("Deployment observability/jaeger"), "the pod rolls for the new TTL");
    assert.ok(changes.unchanged > 10);
    assert.deepEqual([changes.created, changes.deleted, changes.replaced], [[], [], []]);
    assert.match(
      markdown,
      new RegExp(
        `^\`pulumi up\` from the base: ${changes.unchanged} unchanged, ${changes.updated.length} updated in place, 0 created, 0 deleted, 0 replaced\\.`,
      ),
    );
  });

  it("moving to Elasticsearch: the Badger claim is listed as deleted from the stack and left in the cluster", async () => {
    let raw = set("storage.backend", "elasticsearch");
    raw = configSet(raw, "storage.elasticsearch.mode", "external", { path: true });
    raw = configSet(raw, "storage.elasticsearch.serverUrls[0]", "https://es.internal:9200", { path: true });
    const { changes, markdown } = await upgrade(base, raw);
    assert.ok(
      changes.deleted.some((d) => d.resource === "PersistentVolumeClaim observability/jaeger-badger" && d.retained),
    );
    assert.match(
      markdown,
      /- `PersistentVolumeClaim observability\/jaeger-badger` \(retainOnDelete: left in the cluster with its data, no longer managed by Pulumi\)/,
    );
    assert.match(markdown, /deleted \(1 of them left in the cluster\)/);
  });

  describe("what the real engine does that the offline diff used to miss (#36 item 4)", () => {
    const EXTERNAL: [string, string, boolean?][] = [
      ["storage.backend", "elasticsearch"],
      ["storage.retention", "72h"],
      ["storage.elasticsearch.serverUrls[0]", "https://search.internal:9200"],
      ["storage.elasticsearch.auth", "basic"],
      ["storage.elasticsearch.username", "jaeger"],
      ["elasticsearchPassword", "first-password", false],
    ];
    const PASSWORD_KEY = ["jaeger-spm:elasticsearchPassword"];

    it("a new password inside a Secret replaces that Secret, as the kubernetes provider does (its values are compared as digests)", async () => {
      const before = await evaluateStack("dev", edits("dev", EXTERNAL), PASSWORD_KEY);
      const { changes, markdown } = await upgrade(
        before,
        edits("dev", [...EXTERNAL, ["elasticsearchPassword", "second-password", false]]),
        "dev",
        PASSWORD_KEY,
      );
      assert.ok(
        changes.replaced.includes("Secret observability/jaeger-storage-credentials"),
        changes.replaced.join(", "),
      );
      assert.ok(!markdown.includes("second-password") && !markdown.includes("first-password"));
    });

    it("retention on the in-cluster Elasticsearch: the volume under spec.nodeSets[0]… is ignored, the Elasticsearch unchanged", async () => {
      const unprotected: [string, string][] = [
        ["protectData", "false"],
        ["backup.enabled", "false"],
      ];
      const before = await evaluateStack("prod", edits("prod", unprotected));
      const { changes } = await upgrade(before, edits("prod", [...unprotected, ["storage.retention", "72h"]]), "prod");
      assert.deepEqual(
        changes.ignored.map((i) => `${i.name} ${i.path}`),
        ["search-elasticsearch spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage"],
      );
      assert.ok(!changes.updated.includes("Elasticsearch observability/jaeger-es"), changes.updated.join(", "));
    });

    it("a resource replaced (a new namespace) is counted as replaced, not also as updated", async () => {
      const { changes } = await upgrade(base, set("namespace", "tracing"));
      assert.ok(changes.replaced.length > 0);
      assert.deepEqual(
        changes.updated.filter((u) => changes.replaced.includes(u)),
        [],
      );
    });

    it("deleting a protected resource blocks the whole update, and the summary says so first", async () => {
      const prod = await evaluateStack("prod", edits("prod", [["backup.enabled", "false"]]));
      const { changes, markdown } = await upgrade(
        prod,
        edits("prod", [
          ["backup.enabled", "false"],
          ["storage.backend", "badger"],
        ]),
        "prod",
      );
      assert.ok(
        changes.blocked.some((b) => b.startsWith("Elasticsearch observability/jaeger-es")),
        changes.blocked.join(", "),
      );
      assert.match(markdown, /^\*\*Blocked\*\*/);
    });
  });
});
