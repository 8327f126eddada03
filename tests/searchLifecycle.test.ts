// Rollover by size and age (storage.elasticsearch.rotation autoRollover): the policies, what Jaeger
// is told, the setup Job, and that the default (periodic) stays as it was.
import * as assert from "node:assert/strict";
import type { Job } from "kubernetes-types/batch/v1";
import { parse } from "yaml";
import { evaluateStack } from "../scripts/evaluate";
import {
  dailyDeletePolicy,
  esRolloverImage,
  lifecyclePolicyNames,
  rolloverPolicy,
} from "../components/search/lifecycle";
import { at, dependencyKey, deploymentConfig, objectNamed, objectsOfKind, resourceFor } from "./support/objects";
import { ConfigEdit, edits } from "./support/stackEdits";

const GIB = 1024 ** 3;
const DAY = 86_400;

const OPENSEARCH: ConfigEdit[] = [
  ["storage.backend", "elasticsearch"],
  ["storage.retention", "36h"],
  ["storage.elasticsearch.flavor", "opensearch"],
  ["storage.elasticsearch.serverUrls[0]", "https://search.example.com:9200"],
  ["storage.elasticsearch.auth", "basic"],
  ["storage.elasticsearch.username", "jaeger"],
  ["elasticsearchPassword", "not-a-real-password", false],
  ["storage.elasticsearch.rotation", "autoRollover"],
  ["storage.elasticsearch.rollover.maxPrimaryShardSize", "30Gi"],
  ["storage.elasticsearch.rollover.maxAge", "12h"],
];
const SECRETS = ["jaeger-spm:elasticsearchPassword"];

const jaegerRoles = (ev: Awaited<ReturnType<typeof evaluateStack>>) =>
  objectsOfKind(ev, "Deployment").filter((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === "jaeger");

describe("index rollover by size and age (storage.elasticsearch.rotation)", () => {
  describe("the policies", () => {
    const settings = {
      indexPrefix: "prod",
      maxPrimaryShardBytes: 30 * GIB,
      maxAgeSeconds: 12 * 3600,
      retentionSeconds: 36 * 3600,
    };

    it("OpenSearch ISM: rolls over at either condition, deletes once rolled over for the retention, attaches itself to new rollover indices only", () => {
      const policy = rolloverPolicy({ ...settings, flavor: "opensearch" });
      assert.equal(at(policy, "policy.default_state"), "hot");
      const [hot, remove] = at(policy, "policy.states") as {
        name: string;
        actions: unknown[];
        transitions: unknown[];
      }[];
      assert.deepEqual(hot.actions, [
        { rollover: { min_primary_shard_size: `${30 * GIB}b`, min_index_age: `${12 * 3600}s` } },
      ]);
      assert.deepEqual(hot.transitions, [{ state_name: "delete", conditions: { min_rollover_age: `${36 * 3600}s` } }]);
      assert.deepEqual(remove.actions, [{ delete: {} }]);
      // …-000001 and later, never a periodic stack's …-2026-12-07, nor another prefix's indices.
      assert.deepEqual(at(policy, "policy.ism_template"), [
        {
          index_patterns: ["prod-jaeger-span-0*", "prod-jaeger-service-0*", "prod-jaeger-dependencies-0*"],
          priority: 100,
        },
      ]);
    });

    it("Elasticsearch ILM: a hot phase that rolls over at either condition, a delete phase at the retention", () => {
      const policy = rolloverPolicy({ ...settings, flavor: "elasticsearch" });
      assert.deepEqual(at(policy, "policy.phases.hot.actions.rollover"), {
        max_primary_shard_size: `${30 * GIB}b`,
        max_age: `${12 * 3600}s`,
      });
      assert.deepEqual(at(policy, "policy.phases.delete"), { min_age: `${36 * 3600}s`, actions: { delete: {} } });
    });

    it("a periodic stack's daily indices are deleted a day plus the retention after creation (the last span of a day is a day younger than its index)", () => {
      const os = dailyDeletePolicy({ flavor: "opensearch", indexPrefix: "", retentionSeconds: 7 * DAY });
      const [keep] = at(os, "policy.states") as { transitions: { conditions: { min_index_age: string } }[] }[];
      assert.equal(keep.transitions[0].conditions.min_index_age, `${8 * DAY}s`);
      const es = dailyDeletePolicy({ flavor: "elasticsearch", indexPrefix: "", retentionSeconds: 7 * DAY });
      assert.equal(at(es, "policy.phases.delete.min_age"), `${8 * DAY}s`);
    });

    it("names the policies after the index prefix, as the indices are", () => {
      assert.deepEqual(lifecyclePolicyNames(""), { rollover: "jaeger-rollover", daily: "jaeger-daily-delete" });
      assert.deepEqual(lifecyclePolicyNames("prod"), {
        rollover: "prod-jaeger-rollover",
        daily: "prod-jaeger-daily-delete",
      });
    });

    it("runs es-rollover of the Jaeger image's release", () => {
      assert.equal(esRolloverImage("jaegertracing/jaeger:2.21.0"), "jaegertracing/jaeger-es-rollover:2.21.0");
      assert.equal(
        esRolloverImage("registry.example.com/mirror/jaeger@sha256:abc"),
        "jaegertracing/jaeger-es-rollover:2.20.0",
      );
    });
  });

  describe("a stack on external OpenSearch with autoRollover", () => {
    let ev: Awaited<ReturnType<typeof evaluateStack>>;
    before(async () => {
      ev = await evaluateStack(
        "dev",
        edits("dev", [...OPENSEARCH, ["storage.elasticsearch.indexPrefix", "prod"]]),
        SECRETS,
      );
    });

    it("points both Jaeger roles at the aliases es-rollover init creates, with the policy's name, for spans, services and dependencies", () => {
      const roles = jaegerRoles(ev);
      assert.equal(roles.length, 2);
      for (const role of roles) {
        const indices = at(deploymentConfig(ev, role), "extensions.jaeger_storage.backends.traces.opensearch.indices");
        for (const [key, type] of [
          ["spans", "jaeger-span"],
          ["services", "jaeger-service"],
          ["dependencies", "jaeger-dependencies"],
        ]) {
          // es-rollover: <prefix>- + type + -read / -write (cmd/es-rollover/app/index_options.go).
          assert.deepEqual(at(indices, `${key}.rotation`), {
            auto_rollover: {
              read_alias: `prod-${type}-read`,
              write_alias: `prod-${type}-write`,
              policy_name: "prod-jaeger-rollover",
            },
          });
        }
      }
    });

    it("runs the setup Job instead of the index cleaner, and Jaeger's workloads wait for it", () => {
      assert.deepEqual(objectsOfKind(ev, "CronJob"), [], "no index cleaner");
      const job = objectNamed(ev, "Job", "jaeger-es-rollover-setup") as Job;
      const spec = job.spec?.template.spec;
      assert.equal(spec?.initContainers?.[0].name, "lifecycle-policies");
      const init = spec?.containers[0];
      assert.equal(init?.image, "jaegertracing/jaeger-es-rollover:2.20.0");
      assert.deepEqual(init?.args?.slice(0, 4), [
        "init",
        "https://search.example.com:9200",
        "--es.use-ilm=true",
        "--es.ilm-policy-name=prod-jaeger-rollover",
      ]);
      assert.ok(init?.args?.includes("--index-prefix=prod"));
      assert.ok(init?.args?.includes("--es.tls.enabled=true"));
      // The password only by reference, never in the spec.
      assert.deepEqual(
        init?.env?.find((e) => e.name === "ES_PASSWORD")?.valueFrom?.secretKeyRef?.name,
        "jaeger-storage-credentials",
      );
      assert.ok(!JSON.stringify(job).includes("not-a-real-password"));
      const setup = dependencyKey(resourceFor(ev, "Job", "jaeger-es-rollover-setup"));
      for (const role of jaegerRoles(ev)) {
        const deps = resourceFor(ev, "Deployment", role.metadata?.name ?? "").options.dependsOn;
        assert.ok(deps.includes(setup), `${role.metadata?.name} waits for the setup Job: ${deps.join(", ")}`);
      }
    });

    it("mounts the policies as rendered, for OpenSearch, with the stack's sizes and retention", () => {
      const data = objectNamed(ev, "ConfigMap", "jaeger-es-lifecycle").data ?? {};
      const policy = parse(data["rollover-policy.json"]) as Record<string, unknown>;
      assert.equal(
        JSON.stringify(at(policy, "policy.states")),
        JSON.stringify(
          at(
            rolloverPolicy({
              flavor: "opensearch",
              indexPrefix: "prod",
              maxPrimaryShardBytes: 30 * GIB,
              maxAgeSeconds: 12 * 3600,
              retentionSeconds: 36 * 3600,
            }),
            "policy.states",
          ),
        ),
      );
      assert.match(data["search-lifecycle.sh"], /^#!\/bin\/sh/);
    });

    it("lets the setup Job's pods reach the cluster, as the cleaner's did", () => {
      const policy = objectsOfKind(ev, "NetworkPolicy").find((p) =>
        JSON.stringify(p.spec?.podSelector).includes("index-lifecycle"),
      );
      assert.ok(policy, "an egress policy selects the setup Job's pods");
      const job = objectNamed(ev, "Job", "jaeger-es-rollover-setup") as Job;
      const labels = job.spec?.template.metadata?.labels ?? {};
      const selector = policy.spec?.podSelector.matchLabels ?? {};
      assert.ok(
        Object.entries(selector).every(([k, v]) => labels[k] === v),
        "…and it matches their labels",
      );
    });

    it("a changed policy changes the Job (which then runs again), though the Job mounts the policies by name", async () => {
      const checksum = (e: typeof ev) =>
        (objectNamed(e, "Job", "jaeger-es-rollover-setup") as Job).spec?.template.metadata?.annotations?.[
          "checksum/lifecycle"
        ];
      const other = await evaluateStack(
        "dev",
        edits("dev", [
          ...OPENSEARCH,
          ["storage.elasticsearch.indexPrefix", "prod"],
          ["storage.elasticsearch.rollover.maxAge", "6h"],
        ]),
        SECRETS,
      );
      assert.match(checksum(ev) ?? "", /^[0-9a-f]{64}$/);
      assert.notEqual(checksum(other), checksum(ev));
    });

    it("accepts a retention that is not whole days (no daily indices to delete whole)", async () => {
      await evaluateStack("dev", edits("dev", [...OPENSEARCH, ["storage.retention", "30h"]]), SECRETS);
    });
  });

  it("leaves periodic stacks as they were: daily indices, the cleaner, no setup Job, retention in whole days", async () => {
    const periodic = OPENSEARCH.filter(([key]) => !key.startsWith("storage.elasticsearch.rotation"));
    await assert.rejects(
      evaluateStack("dev", edits("dev", periodic), SECRETS),
      /storage\.retention.*whole number of days/s,
    );
    const ev = await evaluateStack("dev", edits("dev", [...periodic, ["storage.retention", "48h"]]), SECRETS);
    assert.equal(objectsOfKind(ev, "CronJob").length, 1);
    assert.equal(objectsOfKind(ev, "Job").length, 0);
    for (const role of jaegerRoles(ev)) {
      assert.equal(
        at(deploymentConfig(ev, role), "extensions.jaeger_storage.backends.traces.opensearch.indices.spans.rotation"),
        undefined,
      );
    }
  });

  it("refuses another rotation, naming the key and what it takes", async () => {
    await assert.rejects(
      evaluateStack("dev", edits("dev", [...OPENSEARCH, ["storage.elasticsearch.rotation", "rollover"]]), SECRETS),
      /storage\.elasticsearch\.rotation = "rollover": expected one of "periodic" or "autoRollover"/,
    );
  });

  it("in-cluster (ECK): the setup user may manage ILM policies and templates, the periodic cleaner only delete", async () => {
    const roles = async (extra: ConfigEdit[]) => {
      const ev = await evaluateStack("prod", edits("prod", extra));
      return parse(objectNamed(ev, "Secret", "jaeger-es-jaeger-roles").stringData?.["roles.yml"] ?? "") as Record<
        string,
        { cluster: string[] }
      >;
    };
    assert.deepEqual((await roles([])).jaeger_index_cleaner.cluster, ["monitor"]);
    assert.deepEqual((await roles([["storage.elasticsearch.rotation", "autoRollover"]])).jaeger_index_cleaner.cluster, [
      "monitor",
      "manage_ilm",
      "manage_index_templates",
    ]);
  });
});
