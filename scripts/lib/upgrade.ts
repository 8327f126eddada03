// What `pulumi up` would do to an existing stack's resources when the program changes: which
// resources it finds again (by URN or through an alias), which it would create, delete or
// replace. The engine's rules, as in pulumi/pulumi pkg/resource/deploy/step_generator.go
// (collapseAliasToUrn, inheritedChildAlias, generateAliases) and pkg/resource/urn.go (CreateURN):
// - a URN is `urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>`, where a
//   resource parented by the stack itself has no parent type;
// - an alias spec fills what it leaves out from the resource (name, type, parent, stack, project);
//   its parent, when the parent itself matched an old URN through an alias, is that old URN;
// - a child of a parent that matched through an alias also gets the parent's old type chain as an
//   alias, with the parent's old name in place of the new one where the child's name starts with it.
// The mock monitor's URNs keep the stack's type in front of root resources; they are recomputed here.
import { createHmac, randomBytes } from "node:crypto";
import type { AliasRequest, CapturedResource } from "../evaluate";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** One resource as a `pulumi up` leaves it in the state: its URN and what decides its replacement. */
export interface StateEntry {
  readonly urn: string;
  /** Inputs whose change makes the provider replace the resource (see replacementIdentity). */
  readonly identity?: string;
}

/** One registration of the new program, in registration order (parents before children). */
export type Registration = Pick<CapturedResource, "type" | "name" | "urn" | "parentUrn" | "aliases"> & {
  readonly identity?: string;
};

export interface UpgradePlan {
  /** Resources found under their own URN. */
  readonly same: readonly string[];
  /** Resources found through an alias: the old URN and the new. */
  readonly aliased: readonly { readonly from: string; readonly to: string }[];
  readonly created: readonly string[];
  /** Old resources no registration claims: `pulumi up` deletes them. */
  readonly deleted: readonly string[];
  /** Found again, but with inputs the provider cannot change in place. */
  readonly replaced: readonly { readonly urn: string; readonly before?: string; readonly after?: string }[];
}

interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** Qualified type: the parent chain and the type, joined by `$`. */
  readonly qualifiedType: string;
  readonly name: string;
}

export function parseUrn(urn: string): UrnParts {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::([^:]*(?::[^:]+)*?)::(.*)$/s.exec(urn);
  if (!match) throw new Error(`not a URN: ${urn}`);
  return { stack: match[1], project: match[2], qualifiedType: match[3], name: match[4] };
}

const typeOf = (qualifiedType: string) => qualifiedType.split("$").pop() ?? qualifiedType;

/** CreateURN: the parent's qualified type (none for the stack) in front of the type. */
export function createUrn(name: string, type: string, parent: string | undefined, project: string, stack: string) {
  const parentType = parent ? parseUrn(parent).qualifiedType : undefined;
  const prefix = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$` : "";
  return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
}

/** The engine's URN of each registration, keyed by the URN the mock monitor answered with. */
function engineUrns(registrations: readonly Registration[]): Map<string, string> {
  const byMockUrn = new Map<string, string>();
  for (const r of registrations) {
    const { stack, project } = parseUrn(r.urn);
    const parent = r.parentUrn === undefined ? undefined : (byMockUrn.get(r.parentUrn) ?? r.parentUrn);
    byMockUrn.set(r.urn, r.type === ROOT_STACK_TYPE ? r.urn : createUrn(r.name, r.type, parent, project, stack));
  }
  return byMockUrn;
}

/** The state a `pulumi up` of these registrations leaves: every resource's URN and identity. */
export function stateAfter(registrations: readonly Registration[]): StateEntry[] {
  const urns = engineUrns(registrations);
  return registrations
    .filter((r) => r.type !== ROOT_STACK_TYPE)
    .map((r) => ({ urn: urns.get(r.urn) ?? r.urn, ...(r.identity === undefined ? {} : { identity: r.identity }) }));
}

/** Matches the new program's registrations against an old state the way the engine does. */
/**
 * Whether two replacement identities match: the fields both name are equal. A state rendered by an
 * older revision may lack a field a newer one adds (a Secret's data digest); that is no replacement.
 */
function sameIdentity(before: string | undefined, after: string | undefined): boolean {
  if (before === after) return true;
  if (before === undefined || after === undefined) return false;
  const parse = (text: string) => {
    try {
      const value = JSON.parse(text) as unknown;
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const [a, b] = [parse(before), parse(after)];
  if (!a || !b) return false;
  return Object.keys(a)
    .filter((k) => k in b)
    .every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export function planUpgrade(olds: readonly StateEntry[], registrations: readonly Registration[]): UpgradePlan {
  const old = new Map(olds.map((o) => [o.urn, o]));
  const urns = engineUrns(registrations);
  /** New URN -> the old URN it matched through an alias (the engine's sg.aliases). */
  const matchedAlias = new Map<string, string>();
  const claimed = new Set<string>();
  const same: string[] = [];
  const aliased: { from: string; to: string }[] = [];
  const created: string[] = [];
  const replaced: { urn: string; before?: string; after?: string }[] = [];

  for (const r of registrations) {
    if (r.type === ROOT_STACK_TYPE) continue;
    const urn = urns.get(r.urn) ?? r.urn;
    const { stack, project } = parseUrn(urn);
    const parent = r.parentUrn === undefined ? undefined : (urns.get(r.parentUrn) ?? r.parentUrn);
    // An alias's parent: the resource's own, none, or the one it names (that parent's old URN
    // when the parent matched through an alias).
    const aliasParent = (specParent: string | undefined) => {
      if (specParent === undefined) return parent;
      if (specParent === "none") return undefined;
      const engineParent = urns.get(specParent) ?? specParent;
      return matchedAlias.get(engineParent) ?? engineParent;
    };
    const collapse = (alias: AliasRequest): string => {
      if ("urn" in alias) return alias.urn;
      const spec = alias.spec;
      return createUrn(
        spec.name ?? r.name,
        spec.type ?? r.type,
        aliasParent(spec.parent),
        spec.project ?? project,
        spec.stack ?? stack,
      );
    };
    const inherited = (childType: string, childName: string, parentName: string, parentAlias: string) => {
      const aliasParts = parseUrn(parentAlias);
      const name = childName.startsWith(parentName) ? aliasParts.name + childName.slice(parentName.length) : childName;
      return `urn:pulumi:${stack}::${project}::${aliasParts.qualifiedType}$${childType}::${name}`;
    };
    const candidates = [...new Set(r.aliases.map(collapse))];
    const parentAlias = parent === undefined ? undefined : matchedAlias.get(parent);
    if (parent !== undefined && parentAlias !== undefined) {
      const parentName = parseUrn(parent).name;
      candidates.push(inherited(r.type, r.name, parentName, parentAlias));
      for (const alias of r.aliases) {
        const aliasUrn = parseUrn(collapse(alias));
        candidates.push(inherited(typeOf(aliasUrn.qualifiedType), aliasUrn.name, parentName, parentAlias));
      }
    }
    const found = [urn, ...candidates].find((u) => old.has(u) && !claimed.has(u));
    if (found === undefined) {
      created.push(urn);
      continue;
    }
    claimed.add(found);
    if (found === urn) same.push(urn);
    else {
      aliased.push({ from: found, to: urn });
      matchedAlias.set(urn, found);
    }
    const before = old.get(found)?.identity;
    if (!sameIdentity(before, r.identity)) replaced.push({ urn, before, after: r.identity });
  }
  const deleted = olds.map((o) => o.urn).filter((u) => !claimed.has(u));
  return { same, aliased, created, deleted, replaced };
}

const get = (value: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    value,
  );

/**
 * The key of the digests that stand for secret values in what render and render:diff write: one per
 * render:diff run (RENDER_SECRET_DIGEST_KEY, shared by its base and head renders), else one per
 * process. A keyed digest shows that a value changed without letting anyone test guesses against it.
 */
const DIGEST_KEY = process.env.RENDER_SECRET_DIGEST_KEY ?? randomBytes(32).toString("hex");

/** A short keyed digest of a value (JSON of it), for comparing secrets without writing them. */
export const secretDigest = (value: unknown) =>
  createHmac("sha256", DIGEST_KEY)
    .update(JSON.stringify(value) ?? "")
    .digest("hex")
    .slice(0, 16);

/**
 * The inputs whose change makes a provider replace the resource rather than update it, as one
 * string; undefined for resources that are never replaced (components, providers).
 * - Kubernetes: API group, kind, namespace and name, and the fields the API server refuses to
 *   change (a workload's selector, a StatefulSet's claim templates and Service name, a claim's
 *   class, access modes and source).
 * - Helm releases: the release name and namespace.
 * - AWS: the names a resource is created with (bucket, role, policy).
 * - random: every input (the provider replaces on any change).
 */
export function replacementIdentity(
  resource: Pick<CapturedResource, "type" | "custom" | "inputs">,
): string | undefined {
  const { type, inputs } = resource;
  if (!resource.custom || type.startsWith("pulumi:providers:")) return undefined;
  const fields = (paths: readonly string[]) =>
    Object.fromEntries(paths.map((p) => [p, get(inputs, p.split("."))] as const));
  if (type.startsWith("kubernetes:helm.sh/")) return JSON.stringify(fields(["name", "namespace"]));
  if (type.startsWith("kubernetes:")) {
    const apiVersion = String(get(inputs, ["apiVersion"]) ?? "");
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const kind = String(get(inputs, ["kind"]) ?? "");
    // The kubernetes provider replaces a Secret whose data changes (Secrets are immutable to it
    // unless the provider sets enableSecretMutable; ConfigMaps are updated in place here, since
    // index.ts sets enableConfigMapMutable). Its values count as keyed digests, never in clear.
    if (kind === "Secret")
      return JSON.stringify({
        group,
        kind,
        namespace: get(inputs, ["metadata", "namespace"]),
        name: get(inputs, ["metadata", "name"]),
        data: secretDigest({ data: inputs.data, stringData: inputs.stringData, type: inputs.type }),
      });
    const immutable: Record<string, readonly string[]> = {
      Deployment: ["spec.selector"],
      DaemonSet: ["spec.selector"],
      StatefulSet: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
      PersistentVolumeClaim: ["spec.storageClassName", "spec.accessModes", "spec.dataSource", "spec.volumeName"],
      Job: ["spec.template", "spec.selector"],
    };
    return JSON.stringify({
      group,
      kind,
      namespace: get(inputs, ["metadata", "namespace"]),
      name: get(inputs, ["metadata", "name"]),
      ...fields(immutable[kind] ?? []),
    });
  }
  if (type.startsWith("aws:")) return JSON.stringify(fields(["bucket", "name", "namePrefix"]));
  if (type.startsWith("random:")) return JSON.stringify(inputs);
  return undefined;
}

/** The registrations of an evaluation, with their replacement identities (what render writes). */
export function registrationsOf(resources: readonly CapturedResource[]): Registration[] {
  return resources.map((r) => {
    const identity = replacementIdentity(r);
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      ...(r.parentUrn === undefined ? {} : { parentUrn: r.parentUrn }),
      aliases: r.aliases,
      ...(identity === undefined ? {} : { identity }),
    };
  });
}
