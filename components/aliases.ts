// Aliases that keep deployed resources when a component's type token changes.
import type * as pulumi from "@pulumi/pulumi";

/** Type tokens components had until 0.1, when the folder, the module and the class were made to agree. */
export const TYPES_UNTIL_0_1 = {
  /** components/search/: "storage" now means trace storage in general. */
  searchBackend: "jaeger-spm:storage:SearchBackend",
  /** components/backup/bucket.ts: the S3 bucket, its key and its writers' roles. */
  backupBucket: "jaeger-spm:backup:BackupStorage",
} as const;

/**
 * A component's options with one more alias: the same name and parent under its former type token.
 * Pulumi derives each child's alias from it, so the whole subtree keeps its URNs. A caller that also
 * renamed or re-parented the component gives the combined alias itself (an alias spec changes only
 * what it names).
 */
export function withTypeAlias(
  opts: pulumi.ComponentResourceOptions | undefined,
  formerType: string,
): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: formerType }] };
}
