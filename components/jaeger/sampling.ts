// Builds Jaeger's remote sampling strategies document (the file that the
// remote_sampling extension serves on :5778/:5779) from the stack's sampling config.
import type { SamplingConfig, SamplingStrategyConfig } from "../../config/shapes";
import type { DeepReadonly } from "../../config/types";

export interface OperationStrategy {
  operation: string;
  type: "probabilistic";
  param: number;
}

export interface Strategy {
  type: "probabilistic" | "ratelimiting";
  param: number;
  operation_strategies?: OperationStrategy[];
}

export interface ServiceStrategy extends Strategy {
  service: string;
}

/** Jaeger's file format (jaeger cmd/jaeger/sampling_strategies_example.json). */
export interface SamplingStrategies {
  service_strategies: ServiceStrategy[];
  default_strategy: Strategy;
}

function toStrategy(config: DeepReadonly<SamplingStrategyConfig>): Strategy {
  const strategy: Strategy = { type: config.type, param: config.param };
  if (config.operations.length > 0) {
    strategy.operation_strategies = config.operations.map((op) => ({
      operation: op.operation,
      type: "probabilistic",
      param: op.param,
    }));
  }
  return strategy;
}

export function buildSamplingStrategies(sampling: DeepReadonly<SamplingConfig>): SamplingStrategies {
  return {
    service_strategies: sampling.services.map((svc) => ({ service: svc.service, ...toStrategy(svc) })),
    default_strategy: toStrategy(sampling.default),
  };
}

export const SAMPLING_FILE = "strategies.json";

export function renderSamplingStrategies(sampling: DeepReadonly<SamplingConfig>): string {
  return JSON.stringify(buildSamplingStrategies(sampling), null, 2) + "\n";
}
