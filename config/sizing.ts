// Sizing rule from our users' production guide ("Resource Planning"):
//   memory = 512Mi base + 100Mi per 1k spans/s + 200Mi for SPM
//   cpu    = 300m base  + 100m per 1k spans/s
//   Badger volume: 5Gi below 1k spans/s, 20Gi from 1k to 5k, 50Gi above 5k (7-day retention).
// The guide's figures are what the process needs, so they become requests; limits
// leave 2x headroom because an OOM-killed Badger writer risks an unclean shutdown.

export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
}

export interface Resources {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

export interface ExplicitResources {
  readonly requests: Partial<ResourceAmounts>;
  readonly limits: Partial<ResourceAmounts>;
}

export const LIMIT_HEADROOM = 2;

/** Requests from the guide's rule, for a given expected ingest rate. */
export function guideRequests(spansPerSecond: number, spmEnabled = true): { cpuMillis: number; memoryMi: number } {
  const thousands = spansPerSecond / 1000;
  return {
    cpuMillis: Math.ceil(300 + 100 * thousands),
    memoryMi: Math.ceil(512 + 100 * thousands + (spmEnabled ? 200 : 0)),
  };
}

/** Final requests and limits: explicit values win over the derived ones, field by field. */
export function resolveResources(spansPerSecond: number, explicit: ExplicitResources): Resources {
  const { cpuMillis, memoryMi } = guideRequests(spansPerSecond);
  return {
    requests: {
      cpu: explicit.requests.cpu ?? `${cpuMillis}m`,
      memory: explicit.requests.memory ?? `${memoryMi}Mi`,
    },
    limits: {
      cpu: explicit.limits.cpu ?? `${cpuMillis * LIMIT_HEADROOM}m`,
      memory: explicit.limits.memory ?? `${memoryMi * LIMIT_HEADROOM}Mi`,
    },
  };
}

/** Badger volume tier for a given ingest rate. */
export function badgerVolumeTier(spansPerSecond: number): string {
  if (spansPerSecond < 1000) return "5Gi";
  if (spansPerSecond <= 5000) return "20Gi";
  return "50Gi";
}
