// Sizing rule from our users' production guide ("Resource Planning"):
//   memory = 512Mi base + 100Mi per 1k spans/s + 200Mi for SPM
//   cpu    = 300m base  + 100m per 1k spans/s
// Volumes are derived from what they must hold (the guide's tiers were 10-25x too small):
//   stored bytes = spans/s x bytes per span x retention, x (1 + replicas) for Elasticsearch,
// with VOLUME_HEADROOM on top for Badger's value-log GC lag and LSM compaction, or for
// Elasticsearch's merges and disk watermarks (shards stop allocating at 85% used).
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

export const VOLUME_HEADROOM = 1.5;
const GIB = 1024 ** 3;

export interface VolumeDemand {
  readonly spansPerSecond: number;
  readonly bytesPerSpan: number;
  readonly retentionSeconds: number;
}

/** Bytes of spans kept at any time: spans/s x bytes/span x retention. */
export function retainedBytes(d: VolumeDemand): number {
  return d.spansPerSecond * d.bytesPerSpan * d.retentionSeconds;
}

const wholeGi = (bytes: number) => `${Math.max(1, Math.ceil(bytes / GIB))}Gi`;

/** The Badger volume: everything retained, with headroom. */
export function badgerVolumeSize(d: VolumeDemand): string {
  return wholeGi(retainedBytes(d) * VOLUME_HEADROOM);
}

/** One Elasticsearch node's volume: every copy of the retained spans, spread over the nodes, with headroom. */
export function elasticsearchNodeVolumeSize(d: VolumeDemand & { replicas: number; nodeCount: number }): string {
  return wholeGi((retainedBytes(d) * (1 + d.replicas) * VOLUME_HEADROOM) / d.nodeCount);
}
