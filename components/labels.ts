// Labels every object of the stack carries, defined once.

/** The `app.kubernetes.io/part-of` label (and AWS tag) of everything the stack creates. */
export const PART_OF = "jaeger-spm";

/** What the stack's own objects say about themselves: part of the stack, managed by Pulumi. */
export const MANAGED_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/part-of": PART_OF,
  "app.kubernetes.io/managed-by": "pulumi",
};
