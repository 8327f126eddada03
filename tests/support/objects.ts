// Typed views of the Kubernetes objects an evaluated stack registers.
import type { Deployment } from "kubernetes-types/apps/v1";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2";
import type { CronJob, Job } from "kubernetes-types/batch/v1";
import type {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-types/core/v1";
import type { NetworkPolicy } from "kubernetes-types/networking/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { parse } from "yaml";
import { CapturedResource, Evaluation, computedOutputs } from "../../scripts/evaluate";
import type { KubernetesObject } from "./kubernetesSchema";

export function isKubernetesObject(resource: CapturedResource): boolean {
  return resource.custom && resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}

export function kubernetesObjects(evaluation: Evaluation): KubernetesObject[] {
  return evaluation.resources.filter(isKubernetesObject).map((r) => r.inputs as KubernetesObject);
}

interface KindMap {
  Deployment: Deployment;
  HorizontalPodAutoscaler: HorizontalPodAutoscaler;
  PodDisruptionBudget: PodDisruptionBudget;
  CronJob: CronJob;
  Job: Job;
  Secret: Secret;
  ServiceAccount: ServiceAccount;
  NetworkPolicy: NetworkPolicy;
  Service: Service;
  ConfigMap: ConfigMap;
  PersistentVolumeClaim: PersistentVolumeClaim;
  Namespace: Namespace;
}

export function objectsOfKind<K extends keyof KindMap>(evaluation: Evaluation, kind: K): KindMap[K][] {
  return kubernetesObjects(evaluation).filter((o) => o.kind === kind) as unknown as KindMap[K][];
}

export function objectNamed<K extends keyof KindMap>(evaluation: Evaluation, kind: K, name: string): KindMap[K] {
  const found = objectsOfKind(evaluation, kind).filter((o) => o.metadata?.name === name);
  if (found.length !== 1) {
    const names = objectsOfKind(evaluation, kind).map((o) => o.metadata?.name);
    throw new Error(`expected exactly one ${kind} named ${name}; have ${JSON.stringify(names)}`);
  }
  return found[0];
}

export function resourceFor(evaluation: Evaluation, kind: string, name: string): CapturedResource {
  const found = evaluation.resources.find(
    (r) => isKubernetesObject(r) && r.inputs.kind === kind && (r.inputs.metadata as { name?: string }).name === name,
  );
  if (!found) throw new Error(`no ${kind} ${name} registered`);
  return found;
}

/** The Jaeger v2 config document a role's pods read (parsed from its ConfigMap). */
export function jaegerConfigDocument(evaluation: Evaluation, configMap = "jaeger-config"): Record<string, unknown> {
  const data = objectNamed(evaluation, "ConfigMap", configMap).data ?? {};
  return parse(data["config.yaml"]) as Record<string, unknown>;
}

/** The Jaeger config document a Deployment's pods read (from the ConfigMap mounted as "config"). */
export function deploymentConfig(evaluation: Evaluation, deployment: Deployment): Record<string, unknown> {
  const name = deployment.spec?.template.spec?.volumes?.find((v) => v.name === "config")?.configMap?.name ?? "";
  return jaegerConfigDocument(evaluation, name);
}

export function at(document: unknown, dottedPath: string): unknown {
  return dottedPath.split(".").reduce<unknown>((node, key) => {
    if (node === null || typeof node !== "object") return undefined;
    return (node as Record<string, unknown>)[key];
  }, document);
}

/** `<type>::<name>`: how a resource appears in another's `options.dependsOn`. */
export function dependencyKey(resource: CapturedResource): string {
  return `${resource.type}::${resource.name}`;
}

/**
 * The ARN the (mock) provider gives the one resource of `type` (whose logical name ends with
 * `nameSuffix`, when several exist): tests compare with it rather than spell out logical names.
 */
export function arnOf(evaluation: Evaluation, type: string, nameSuffix = ""): string {
  const found = evaluation.resources.filter((r) => r.type === type && r.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`${found.length} resources of ${type} named *${nameSuffix}`);
  return String(computedOutputs(type, found[0].name, found[0].inputs).arn);
}
