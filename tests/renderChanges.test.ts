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
import type { RenderedResource } from "../scripts/render";
import { changesMarkdown, stackChanges } from "../scripts/lib/renderChanges";
import { planUpgrade, registrationsOf, stateAfter } from "../scripts/lib/upgrade";

const rendered = (ev: Evaluation): RenderedResource[] => {
  const urns = stateAfter(registrationsOf(ev.resources)).map((e) => e.urn);
  return ev.resources.map((r, i) => ({
    type: r.type,
    name: r.name,
    urn: urns[i],
    inputs: r.inputs,
    options: r.options,
  }));
};

/** The base as deployed, then the head evaluated from it, as render:diff does. */
async function upgrade(base: Evaluation, head: RawConfig) {
  const deployed = new Map(base.resources.map((r) => [`${r.type}::${r.name}`, r.inputs]));
  const after = await evaluateStack("dev", head, stackSecretKeys("dev"), PROGRAM, deployed);
  const changes = stackChanges(
    planUpgrade(stateAfter(registrationsOf(base.resources)), registrationsOf(after.resources)),
    rendered(base),
    rendered(after),
    after.ignoredChanges,
  );
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
});
