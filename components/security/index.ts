// The security components: NetworkPolicies (here; the rules are in networkPolicies.ts), and the
// access control (access.ts) and OIDC sign-in (signIn.ts) components, re-exported.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyInput, buildNetworkPolicies } from "./networkPolicies";

/** Who may reach each Jaeger port and where Jaeger's pods may connect (NetworkPolicyInput). */
export interface NetworkPoliciesArgs extends NetworkPolicyInput {
  /** Jaeger's namespace: the policies select pods there. */
  namespace: pulumi.Input<string>;
  /** Labels of the policies. */
  labels: Record<string, string>;
}

/** The namespace's NetworkPolicies: deny by default, then each flow the stack needs. */
export class NetworkPolicies extends pulumi.ComponentResource {
  /** The policies' names, `jaeger-<flow>`. */
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

export { AccessControl } from "./access";
export type { AccessControlArgs } from "./access";
export { OidcSignIn } from "./signIn";
export type { OidcSignInArgs } from "./signIn";
