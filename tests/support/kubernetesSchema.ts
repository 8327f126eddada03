// Validates emitted Kubernetes objects against the Kubernetes API schema, strictly:
//  - kubernetes-models' generated JSON-schema validators check required fields,
//    types, formats and enums, but accept unknown fields;
//  - the official client's (@kubernetes/client-node) model metadata lists every
//    field each API type has, so an unknown field ("initialDelaySecond") is rejected,
//    as `kubectl apply --validate=strict` would.
// Custom resources (prometheus-operator) are validated by @kubernetes-models packages
// generated from their CRDs (types, enums, patterns); unknown fields in them are kept
// out by the TypeScript types their builders are declared with.
import * as path from "node:path";

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}
type ClientModule = Record<string, unknown>;

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  [key: string]: unknown;
}

const PRIMITIVES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  Date: (v) => typeof v === "string",
  IntOrString: (v) => typeof v === "string" || typeof v === "number",
  object: () => true,
  any: () => true,
};

function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split("/").pop() ?? apiVersion;
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
}

export class KubernetesSchema {
  private constructor(private readonly client: ClientModule) {}

  static async load(): Promise<KubernetesSchema> {
    const client = (await import("@kubernetes/client-node")) as unknown as ClientModule;
    return new KubernetesSchema(client);
  }

  private model(name: string): ModelClass | undefined {
    const candidate = this.client[name] as Partial<ModelClass> | undefined;
    return candidate && typeof candidate.getAttributeTypeMap === "function" ? (candidate as ModelClass) : undefined;
  }

  /** Problems found in one object; empty when it is valid. */
  validate(object: KubernetesObject): string[] {
    const where = `${object.kind} ${String((object.metadata as { name?: string } | undefined)?.name ?? "?")}`;
    const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
    if (CUSTOM_RESOURCE_MODELS[group]) return modelsValidation(object).map((p) => `${where}: ${p}`);
    if (object.apiVersion === "elasticsearch.k8s.elastic.co/v1" && object.kind === "Elasticsearch") {
      return this.elasticsearch(object).map((p) => `${where}: ${p}`);
    }
    const rootType = modelName(object.apiVersion, object.kind);
    if (!this.model(rootType)) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
    const problems = [...this.unknownFields(object, rootType, ""), ...modelsValidation(object)];
    return problems.map((p) => `${where}: ${p}`);
  }

  /**
   * ECK's Elasticsearch (elasticsearch.k8s.elastic.co/v1, per ECK's API reference): its own
   * fields are checked against the reference's field lists, and the Kubernetes types it
   * embeds (pod template, volume claim templates) against the Kubernetes schema.
   */
  private elasticsearch(object: KubernetesObject): string[] {
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const problems = unknownKeys(spec, ELASTICSEARCH_SPEC_FIELDS, ".spec");
    if (typeof spec.version !== "string") problems.push(".spec.version: required string");
    const nodeSets = (spec.nodeSets ?? []) as Record<string, unknown>[];
    if (nodeSets.length === 0) problems.push(".spec.nodeSets: at least one node set");
    nodeSets.forEach((nodeSet, i) => {
      const at = `.spec.nodeSets[${i}]`;
      problems.push(...unknownKeys(nodeSet, NODE_SET_FIELDS, at));
      if (typeof nodeSet.name !== "string" || typeof nodeSet.count !== "number")
        problems.push(`${at}: name and count required`);
      problems.push(...this.unknownFields(nodeSet.podTemplate, "V1PodTemplateSpec", `${at}.podTemplate`));
      ((nodeSet.volumeClaimTemplates ?? []) as unknown[]).forEach((claim, j) =>
        problems.push(...this.unknownFields(claim, "V1PersistentVolumeClaim", `${at}.volumeClaimTemplates[${j}]`)),
      );
    });
    return problems;
  }

  private unknownFields(value: unknown, type: string, at: string): string[] {
    if (value === undefined || value === null) return [];
    const array = /^Array<(.+)>$/.exec(type);
    if (array) {
      if (!Array.isArray(value)) return [`${at || "."}: expected a list`];
      return value.flatMap((item, i) => this.unknownFields(item, array[1], `${at}[${i}]`));
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) {
      if (typeof value !== "object" || Array.isArray(value)) return [`${at}: expected a map`];
      return Object.entries(value).flatMap(([k, v]) => this.unknownFields(v, map[1], `${at}.${k}`));
    }
    const primitive = PRIMITIVES[type];
    if (primitive) return primitive(value) ? [] : [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
    const model = this.model(type);
    if (!model) {
      // String enums (e.g. V1ServiceSpecTypeEnum) have no model class.
      return typeof value === "string" ? [] : [`${at}: expected a ${type} value, got ${JSON.stringify(value)}`];
    }
    if (typeof value !== "object" || Array.isArray(value)) return [`${at}: expected an object (${type})`];
    const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
      const childType = attributes.get(key);
      if (childType === undefined) return [`${at}.${key}: unknown field (not in ${type})`];
      return this.unknownFields(child, childType, `${at}.${key}`);
    });
  }
}

const ELASTICSEARCH_SPEC_FIELDS = new Set([
  "version",
  "image",
  "http",
  "transport",
  "nodeSets",
  "updateStrategy",
  "podDisruptionBudget",
  "auth",
  "secureSettings",
  "serviceAccountName",
  "remoteClusters",
  "remoteClusterServer",
  "volumeClaimDeletePolicy",
  "monitoring",
  "revisionHistoryLimit",
]);
const NODE_SET_FIELDS = new Set(["name", "config", "count", "podTemplate", "volumeClaimTemplates"]);

function unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, at: string): string[] {
  return Object.keys(value)
    .filter((k) => !known.has(k))
    .map((k) => `${at}.${k}: unknown field`);
}

interface ValidatableModel {
  validate(): void;
}
type ModelConstructor = new (data: unknown) => ValidatableModel;

/** Packages with models of custom resources, by API group. */
const CUSTOM_RESOURCE_MODELS: Record<string, string> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

/** kubernetes-models (v4, CommonJS) validation of required fields, types and formats. */
function modelsValidation(object: KubernetesObject): string[] {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  const modulePath = path.posix.join(CUSTOM_RESOURCE_MODELS[group] ?? "kubernetes-models", group, version, object.kind);
  let Model: ModelConstructor;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = (require(modulePath) as Record<string, ModelConstructor>)[object.kind];
  } catch {
    return [`no kubernetes-models schema at ${modulePath}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
