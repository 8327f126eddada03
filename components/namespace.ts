// The namespace everything lives in: created (with Pod Security "restricted"
// enforced) unless the stack says it already exists.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_LABELS } from "./labels";

export interface NamespaceArgs {
  /** The namespace's name (`namespace`, default "observability"). */
  name: string;
  /** Create it (`createNamespace`, default true), or use one that exists. */
  create: boolean;
  /** Protect it from deletion (protectData: prod). */
  protectData: boolean;
  /**
   * Keep it when Pulumi deletes it (`pulumi destroy`): deleting a namespace deletes the trace data
   * in it, whatever the data's own resource options say. Kept when protected, and when it holds
   * trace data the stack keeps (storage.deleteDataOnDestroy false).
   */
  keepOnDestroy: boolean;
}

export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

export function tracingNamespace(args: NamespaceArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  if (!args.create) return pulumi.output(args.name);
  const namespace = new k8s.core.v1.Namespace(
    "namespace",
    {
      metadata: {
        name: args.name,
        labels: {
          ...POD_SECURITY_LABELS,
          ...MANAGED_LABELS,
        },
      },
    },
    { ...opts, protect: args.protectData, retainOnDelete: args.protectData || args.keepOnDestroy },
  );
  return namespace.metadata.name;
}
