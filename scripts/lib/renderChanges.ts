// What `pulumi up` would do to a stack deployed from a base revision, told from two offline
// renders (the head rendered with the base's state, so that ignored changes stay as deployed):
// resources kept unchanged, updated in place, created, deleted (and whether the cluster keeps
// them), replaced, and changes ignoreChanges sets aside. Pure: render:diff writes it as Markdown.
import type { IgnoredChange } from "../evaluate";
import type { RenderedResource } from "../render";
import type { UpgradePlan } from "./upgrade";

export interface StackChanges {
  readonly unchanged: number;
  /** Found again (by URN or alias) with other inputs: updated in place. */
  readonly updated: readonly string[];
  readonly created: readonly string[];
  readonly deleted: readonly { readonly resource: string; readonly retained: boolean }[];
  readonly replaced: readonly string[];
  /**
   * Protected resources (`protect`) that the change would delete or replace: the engine refuses
   * the whole update (preview fails) until they are unprotected.
   */
  readonly blocked: readonly string[];
  readonly aliased: number;
  readonly ignored: readonly IgnoredChange[];
}

/** How a person names a resource: a Kubernetes object by kind and namespace/name, anything else by type and name. */
export function resourceLabel(r: Pick<RenderedResource, "type" | "name" | "inputs">): string {
  const kind = r.inputs.kind;
  const metadata = r.inputs.metadata as { name?: string; namespace?: string } | undefined;
  if (r.type.startsWith("kubernetes:") && typeof kind === "string" && metadata?.name) {
    return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name}`;
  }
  return `${r.type} ${r.name}`;
}

/** The type prefix of this program's ComponentResources (jaeger-spm:<module>:<Name>). */
const COMPONENT_TYPE_PREFIX = "jaeger-spm:";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Sorts the plan's kept resources into unchanged and updated by comparing inputs (a component's
 * inputs are its children's business: only custom resources count), and marks deletions the
 * cluster keeps (retainOnDelete).
 */
export function stackChanges(
  plan: UpgradePlan,
  base: readonly RenderedResource[],
  head: readonly RenderedResource[],
  ignored: readonly IgnoredChange[],
): StackChanges {
  const baseByUrn = new Map(base.map((r) => [r.urn, r]));
  const headByUrn = new Map(head.map((r) => [r.urn, r]));
  const kept = [...plan.same.map((urn) => ({ from: urn, to: urn })), ...plan.aliased];
  const replacedUrns = new Set(plan.replaced.map((r) => r.urn));
  const updated: string[] = [];
  let unchanged = 0;
  for (const { from, to } of kept) {
    const before = baseByUrn.get(from);
    const after = headByUrn.get(to);
    // A replacement is one change (deleted and created again), not also an update.
    if (!before || !after || replacedUrns.has(to) || after.type.startsWith(COMPONENT_TYPE_PREFIX)) continue;
    if (same(before.inputs, after.inputs)) unchanged++;
    else updated.push(resourceLabel(after));
  }
  const aliasedFrom = new Map(plan.aliased.map((a) => [a.to, a.from]));
  const protectedBase = (urn: string) => baseByUrn.get(urn)?.options.protect === true;
  const label = (urn: string, from: Map<string, RenderedResource>) => {
    const r = from.get(urn);
    return r ? resourceLabel(r) : urn;
  };
  // Components (this program's own types) hold no state of their own: their children are counted.
  const resource = (urn: string, from: Map<string, RenderedResource>) =>
    !from.get(urn)?.type.startsWith(COMPONENT_TYPE_PREFIX);
  return {
    unchanged,
    updated,
    created: plan.created.filter((urn) => resource(urn, headByUrn)).map((urn) => label(urn, headByUrn)),
    deleted: plan.deleted
      .filter((urn) => resource(urn, baseByUrn))
      .map((urn) => ({
        resource: label(urn, baseByUrn),
        retained: baseByUrn.get(urn)?.options.retainOnDelete === true,
      })),
    replaced: plan.replaced.map((r) => label(r.urn, headByUrn)),
    blocked: [
      ...plan.deleted.filter(protectedBase).map((urn) => `${label(urn, baseByUrn)} (deleted)`),
      ...plan.replaced
        .filter((r) => protectedBase(aliasedFrom.get(r.urn) ?? r.urn))
        .map((r) => `${label(r.urn, headByUrn)} (replaced)`),
    ],
    aliased: plan.aliased.length,
    ignored,
  };
}

const show = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

/** The summary a reviewer reads before any diff: counts, then each change that is not an in-place update of content. */
export function changesMarkdown(c: StackChanges): string {
  // Each block its own paragraph: GitHub joins a line to the paragraph above it.
  const list = (heading: string, items: readonly string[]) =>
    items.length === 0 ? [] : [[`${heading}:`, ...items.map((i) => `- ${i}`)].join("\n")];
  const retained = c.deleted.filter((d) => d.retained).length;
  return [
    ...list(
      "**Blocked**: `pulumi up` refuses the whole update, because these are protected (`protectData`); unprotect them first (`pulumi state unprotect <urn>`) if this is meant",
      c.blocked.map((b) => `\`${b}\``),
    ),
    `\`pulumi up\` from the base: ${c.unchanged} unchanged, ${c.updated.length} updated in place, ${c.created.length} created, ` +
      `${c.deleted.length} deleted${retained > 0 ? ` (${retained} of them left in the cluster)` : ""}, ${c.replaced.length} replaced` +
      `${c.aliased > 0 ? `; ${c.aliased} found under a new name through aliases` : ""}.`,
    ...list(
      "**Ignored** (`ignoreChanges`: the deployed value stays)",
      c.ignored.map(
        (i) =>
          `\`${i.type.split(":").pop()} ${i.name}\` ${i.path}: the config now gives ${show(i.wanted)}; ${show(i.deployed)} stays`,
      ),
    ),
    ...list(
      "**Replaced** (deleted and created again)",
      c.replaced.map((r) => `\`${r}\``),
    ),
    ...list(
      "**Deleted**",
      c.deleted.map(
        (d) =>
          `\`${d.resource}\`${d.retained ? " (retainOnDelete: left in the cluster with its data, no longer managed by Pulumi)" : ""}`,
      ),
    ),
    ...list(
      "**Created**",
      c.created.map((r) => `\`${r}\``),
    ),
    ...list(
      "**Updated in place**",
      c.updated.map((r) => `\`${r}\``),
    ),
  ].join("\n\n");
}

/** One file's part of `diff -ruN` output. */
export interface FileDiff {
  readonly file: string;
  readonly diff: string;
}

/** Splits `diff -ruN` output (paths already made relative) into one part per file. */
export function splitDiff(text: string): FileDiff[] {
  const parts = text.split(/^(?=diff -ruN )/m).filter((p) => p.startsWith("diff -ruN "));
  return parts.map((diff) => ({ file: /^\+\+\+ (\S+)/m.exec(diff)?.[1] ?? diff.split("\n")[0], diff }));
}

/** A file's diff in one line: its name and how many lines it adds and removes. */
export function fileSummary(f: FileDiff): string {
  const lines = f.diff.split("\n");
  const added = lines.filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
  const removed = lines.filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
  return `- \`${f.file}\`: +${added} −${removed} lines (not shown)`;
}
