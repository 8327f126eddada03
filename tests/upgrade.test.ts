import * as assert from "node:assert/strict";
import { Registration, UpgradePlan, createUrn, planUpgrade, stateAfter } from "../scripts/lib/upgrade";
import { baselines, checkUpgrade } from "../scripts/upgradeCheck";

const STACK_URN = "urn:pulumi:prod::jaeger-spm::pulumi:pulumi:Stack::jaeger-spm-prod";
/** A registration as the mock monitor records it (its URNs keep the stack's type in front). */
function registered(
  type: string,
  name: string,
  parent: Registration | undefined,
  aliases: Registration["aliases"] = [],
  identity?: string,
): Registration {
  const parentUrn = parent?.urn ?? STACK_URN;
  const parentType = parentUrn.split("::")[2];
  return {
    type,
    name,
    urn: `urn:pulumi:prod::jaeger-spm::${parentType}$${type}::${name}`,
    parentUrn,
    aliases,
    identity,
  };
}

describe("upgrade plan (the engine's URN and alias rules)", () => {
  // The program before: a component at the stack's root with a child named after it.
  const oldJaeger = registered("jaeger-spm:jaeger:Jaeger", "jaeger", undefined);
  const oldDeployment = registered("kubernetes:apps/v1:Deployment", "jaeger-deployment", oldJaeger, [], "d");
  const olds = stateAfter([oldJaeger, oldDeployment]);

  it("a resource parented by the stack has no parent type in its URN", () => {
    assert.deepEqual(
      olds.map((o) => o.urn),
      [
        "urn:pulumi:prod::jaeger-spm::jaeger-spm:jaeger:Jaeger::jaeger",
        "urn:pulumi:prod::jaeger-spm::jaeger-spm:jaeger:Jaeger$kubernetes:apps/v1:Deployment::jaeger-deployment",
      ],
    );
    assert.equal(createUrn("x", "t:m:T", STACK_URN, "p", "s"), "urn:pulumi:s::p::t:m:T::x");
  });

  it("moving a component under a new parent without an alias deletes it and everything under it", () => {
    const stack = registered("jaeger-spm:index:JaegerSpmStack", "jaeger-spm", undefined);
    const jaeger = registered("jaeger-spm:jaeger:Jaeger", "jaeger", stack);
    const deployment = registered("kubernetes:apps/v1:Deployment", "jaeger-deployment", jaeger, [], "d");
    const plan = planUpgrade(olds, [stack, jaeger, deployment]);
    assert.deepEqual(
      plan.deleted,
      olds.map((o) => o.urn),
    );
    assert.equal(plan.created.length, 3);
  });

  it("an alias to the stack's root keeps the component, and its children follow without aliases of their own", () => {
    const stack = registered("jaeger-spm:index:JaegerSpmStack", "jaeger-spm", undefined);
    const jaeger = registered("jaeger-spm:jaeger:Jaeger", "jaeger", stack, [{ spec: { parent: "none" } }]);
    const deployment = registered("kubernetes:apps/v1:Deployment", "jaeger-deployment", jaeger, [], "d");
    const plan = planUpgrade(olds, [stack, jaeger, deployment]);
    assert.deepEqual(plan.deleted, []);
    assert.deepEqual(plan.replaced, []);
    assert.deepEqual(
      plan.aliased.map((a) => a.from),
      olds.map((o) => o.urn),
    );
    assert.deepEqual(plan.created, ["urn:pulumi:prod::jaeger-spm::jaeger-spm:index:JaegerSpmStack::jaeger-spm"]);
  });

  it("a renamed component's alias carries children whose names start with the old name", () => {
    const tracing = registered("jaeger-spm:jaeger:Jaeger", "tracing", undefined, [{ spec: { name: "jaeger" } }]);
    const deployment = registered("kubernetes:apps/v1:Deployment", "tracing-deployment", tracing, [], "d");
    const plan = planUpgrade(olds, [tracing, deployment]);
    assert.deepEqual(plan.deleted, []);
    assert.equal(plan.aliased.length, 2);
  });

  it("a kept resource whose replacement identity changed is replaced", () => {
    const deployment = registered("kubernetes:apps/v1:Deployment", "jaeger-deployment", oldJaeger, [], "other");
    const plan = planUpgrade(olds, [oldJaeger, deployment]);
    assert.deepEqual(
      plan.replaced.map((r) => [r.before, r.after]),
      [["d", "other"]],
    );
  });

  it("an old URN is claimed once: a second registration with the same alias is created anew", () => {
    const a = registered("jaeger-spm:jaeger:Jaeger", "a", undefined, [{ spec: { name: "jaeger" } }]);
    const b = registered("jaeger-spm:jaeger:Jaeger", "b", undefined, [{ spec: { name: "jaeger" } }]);
    const plan = planUpgrade(olds.slice(0, 1), [a, b]);
    assert.equal(plan.aliased.length, 1);
    assert.equal(plan.created.length, 1);
  });
});

describe("upgrading deployed stacks (against tests/fixtures/upgrade/<stack>/*.json)", function () {
  this.timeout(60000);
  for (const stack of ["dev", "prod"]) {
    describe(stack, () => {
      let plans: Map<string, UpgradePlan>;
      before(async () => {
        plans = await checkUpgrade(stack);
      });
      for (const baseline of baselines(stack)) {
        it(`\`pulumi up\` on a stack deployed ${baseline} deletes and replaces nothing`, () => {
          const plan = plans.get(baseline);
          assert.ok(plan, `no plan from ${baseline}`);
          assert.deepEqual(plan.deleted, [], `would delete:\n${plan.deleted.join("\n")}`);
          assert.deepEqual(
            plan.replaced.map((r) => r.urn),
            [],
            `would replace:\n${plan.replaced.map((r) => `${r.urn}\n  ${r.before}\n  ${r.after}`).join("\n")}`,
          );
        });
      }
    });
  }
});
