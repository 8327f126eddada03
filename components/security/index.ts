// Creates the namespace's NetworkPolicies (see networkPolicies.ts for the rules).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyInput, buildNetworkPolicies } from "./networkPolicies";

export interface NetworkPoliciesArgs extends NetworkPolicyInput {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

export class NetworkPolicies extends pulumi.ComponentResource {
  public readonly names: string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:security:NetworkPolicies", name, {}, opts);
    const policies = buildNetworkPolicies(args);
    for (const policy of policies) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.name}`,
        {
          metadata: { name: `jaeger-${policy.name}`, namespace: args.namespace, labels: args.labels },
          spec: policy.spec,
        },
        { parent: this },
      );
    }
    this.names = policies.map((p) => `jaeger-${p.name}`);
    this.registerOutputs({ names: this.names });
  }
}
