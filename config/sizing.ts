// Sizing of Jaeger's pods and volumes for an expected ingest rate.
//   memory request = 512Mi base + 30Mi per 1k spans/s + 200Mi for SPM
//   cpu request    = 300m base  + 100m per 1k spans/s
// The per-1k figures are measured on the real Jaeger with the stack's own config, open loop, in a
// cgroup of the dev pod's CPU and memory limits, memory as steady-state RSS
// (npm run bench:engine; recorded in bench/engine-capacity.json, where tests/sizing.test.ts holds
// them to within 25%); the bases and the SPM share are the platform team's guide's, and the
// memory base also has to cover Badger's memtables and block cache, which fill over hours.
// Volumes are derived from what they must hold (the guide's tiers were 10-25x too small):
//   stored bytes = spans/s x bytes per span x retention, x (1 + replicas) for Elasticsearch,
// with VOLUME_HEADROOM on top for Badger's value-log GC lag and LSM compaction, or for
// Elasticsearch's merges and disk watermarks (shards stop allocating at 85% used).
// The figures are what the process needs, so they become requests; limits leave 2x headroom
// because an OOM-killed Badger writer risks an unclean shutdown.

import { parseBytesQuantity, parseCpuMillis } from "./units";

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

/** What one Jaeger process needs on top of its base for each 1,000 spans/s it ingests (measured). */
export const PER_THOUSAND_SPANS_PER_SECOND = { cpuMillis: 100, memoryMi: 30 } as const;
/** The base requests (the guide's) and the span-metrics share of memory. */
export const BASE_REQUESTS = { cpuMillis: 300, memoryMi: 512, spmMemoryMi: 200 } as const;
/**
 * storage.bytesPerSpan's default per backend, each as measured rounded up to a multiple of 64:
 * Badger's bytes on disk per stored span (bench:engine), and the span indices' primary store per
 * span on OpenSearch (bench:search, spans as an instrumented HTTP service on Kubernetes sends them;
 * replicas are counted by the sizing's (1 + replicas) factor).
 */
export const DEFAULT_BYTES_PER_SPAN = { badger: 640, elasticsearch: 832 } as const;

/** Requests for a given expected ingest rate. */
export function sizedRequests(spansPerSecond: number, spmEnabled = true): { cpuMillis: number; memoryMi: number } {
  const thousands = spansPerSecond / 1000;
  return {
    cpuMillis: Math.ceil(BASE_REQUESTS.cpuMillis + PER_THOUSAND_SPANS_PER_SECOND.cpuMillis * thousands),
    memoryMi: Math.ceil(
      BASE_REQUESTS.memoryMi +
        PER_THOUSAND_SPANS_PER_SECOND.memoryMi * thousands +
        (spmEnabled ? BASE_REQUESTS.spmMemoryMi : 0),
    ),
  };
}

/**
 * Final requests and limits: explicit values win over the derived ones, field by field. A limit
 * not given is twice the request, whether the request was given or derived: a request set alone
 * above the derived figure still gets its headroom (and is never refused as above its limit).
 */
export function resolveResources(spansPerSecond: number, explicit: ExplicitResources): Resources {
  const { cpuMillis, memoryMi } = sizedRequests(spansPerSecond);
  const requests = {
    cpu: explicit.requests.cpu ?? `${cpuMillis}m`,
    memory: explicit.requests.memory ?? `${memoryMi}Mi`,
  };
  const requestedMillis = parseCpuMillis(requests.cpu) ?? cpuMillis;
  const requestedBytes = parseBytesQuantity(requests.memory) ?? memoryMi * MIB;
  return {
    requests,
    limits: {
      cpu: explicit.limits.cpu ?? `${Math.ceil(requestedMillis * LIMIT_HEADROOM)}m`,
      memory: explicit.limits.memory ?? `${Math.ceil((requestedBytes * LIMIT_HEADROOM) / MIB)}Mi`,
    },
  };
}

const MIB = 2 ** 20;

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
