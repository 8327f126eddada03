// Remote sampling on the real Jaeger 2.20: the strategies the stack renders, served on :5778, and a
// `pulumi config set` of the sampling block reaching the running process with no restart.
import * as assert from "node:assert/strict";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../../scripts/evaluate";
import { waitFor } from "../support/engines";
import { objectNamed } from "../support/objects";
import { RunningJaeger, startJaeger, prometheusService } from "./support/jaeger";

/** What a Jaeger SDK receives from GET /api/sampling?service=<name> (api_v2 SamplingStrategyResponse as JSON). */
interface StrategyResponse {
  strategyType?: string;
  probabilisticSampling?: { samplingRate?: number };
  rateLimitingSampling?: { maxTracesPerSecond?: number };
  operationSampling?: {
    defaultSamplingProbability?: number;
    perOperationStrategies?: { operation: string; probabilisticSampling: { samplingRate?: number } }[];
  };
}

const SAMPLING = {
  reloadInterval: "2s",
  default: { type: "probabilistic", param: 0.1 },
  services: [
    { service: "gateway", type: "probabilistic", param: 0.5, operations: [{ operation: "GET /health", param: 0 }] },
    // A rate limit beside per-operation rules of the default is refused at preview (config/schema.ts).
    { service: "billing", type: "ratelimiting", param: 20 },
  ],
};

function devWithSampling(sampling: unknown): Promise<Evaluation> {
  return evaluateStack("dev", configSet(stackConfig("dev"), "sampling", JSON.stringify(sampling)));
}

describe("e2e: remote sampling on Jaeger 2.20", function () {
  let evaluation: Evaluation;
  let jaeger: RunningJaeger;

  const strategy = async (service: string) => {
    const response = await fetch(`${jaeger.url(5778)}/api/sampling?service=${encodeURIComponent(service)}`);
    if (!response.ok) throw new Error(`GET /api/sampling?service=${service}: ${response.status} ${await response.text()}`);
    return (await response.json()) as StrategyResponse;
  };

  before(async function () {
    evaluation = await devWithSampling(SAMPLING);
    jaeger = await startJaeger(evaluation, "jaeger", { services: await prometheusService() });
  });

  after(async function () {
    await jaeger?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(jaeger?.engine.logTail(40));
  });

  it("serves a configured service its probabilistic strategy and per-operation overrides", async function () {
    const gateway = await strategy("gateway");
    assert.equal(gateway.probabilisticSampling?.samplingRate, 0.5);
    assert.equal(gateway.operationSampling?.defaultSamplingProbability, 0.5);
    const health = gateway.operationSampling?.perOperationStrategies?.find((s) => s.operation === "GET /health");
    assert.ok(health, JSON.stringify(gateway));
    assert.equal(health.probabilisticSampling.samplingRate ?? 0, 0);
  });

  it("serves a configured service its rate limit", async function () {
    const billing = await strategy("billing");
    assert.equal(billing.strategyType, "RATE_LIMITING");
    assert.equal(billing.rateLimitingSampling?.maxTracesPerSecond, 20);
  });

  it("serves any other service the default", async function () {
    const other = await strategy("some-service-nobody-configured");
    assert.equal(other.probabilisticSampling?.samplingRate, 0.1);
  });

  it("serves a changed sampling config within reloadInterval, with no restart", async function () {
    const changed = { ...SAMPLING, services: [{ service: "gateway", type: "probabilistic", param: 0.25 }] };
    const next = await devWithSampling(changed);
    // A sampling change rolls no pod: the Deployment is the same, only the ConfigMap changes.
    assert.deepEqual(
      objectNamed(next, "Deployment", "jaeger"),
      objectNamed(evaluation, "Deployment", "jaeger"),
      "the Deployment changes with the sampling config, so pods would restart",
    );
    const volume = objectNamed(next, "Deployment", "jaeger").spec?.template.spec?.volumes?.find((v) => v.configMap?.name === "jaeger-sampling");
    assert.ok(volume, "the strategies are mounted from the jaeger-sampling ConfigMap");
    const changedAt = Date.now();
    jaeger.pod.updateVolume(volume.name, objectNamed(next, "ConfigMap", "jaeger-sampling").data ?? {});
    await waitFor(
      "gateway's new sampling rate (0.25) to be served",
      async () => ((await strategy("gateway")).probabilisticSampling?.samplingRate === 0.25 ? true : undefined),
      { timeoutMs: 2_000 + 5_000, engines: [jaeger.engine] },
    );
    const billing = await strategy("billing");
    assert.notEqual(billing.strategyType, "RATE_LIMITING", "billing, removed from the config, falls back to the default");
    assert.ok(Date.now() - changedAt < 7_000);
    assert.deepEqual(jaeger.problems(), []);
  });
});
