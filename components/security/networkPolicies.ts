// NetworkPolicies for Jaeger's namespace: deny everything, then allow exactly the
// flows the stack needs (ingestion from configured sources, the UI from configured
// sources, metrics from Prometheus' namespace, DNS, storage, SPM queries, and the
// jobs' storage/S3/API calls). Pure: returns the policy specs the component creates.
import type * as k8s from "@pulumi/kubernetes";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PeerSpec = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Labels = Readonly<Record<string, string>>;

export interface Peer {
  readonly namespace?: string;
  readonly podLabels?: Labels;
  readonly cidr?: string;
}

/** A destination outside the namespace, by namespace (and optional pods) or by CIDR, on ports. */
export interface Destination extends Peer {
  readonly ports: readonly number[];
}

export interface NetworkPolicyInput {
  readonly ingestPods: Labels;
  readonly queryPods: Labels;
  readonly allJaegerPods: Labels;
  readonly ingestPorts: readonly number[];
  readonly queryPorts: readonly number[];
  readonly metricsPorts: readonly number[];
  readonly ingestFrom: readonly Peer[];
  readonly queryFrom: readonly Peer[];
  readonly prometheusNamespace: string;
  /** Where Jaeger's query role sends SPM queries. */
  readonly prometheus: Destination;
  /** The storage Jaeger and the maintenance jobs write to (none for Badger). */
  readonly storage?: Destination;
  /** In-cluster Elasticsearch pods, their operator's namespace. */
  readonly elasticsearch?: { readonly pods: Labels; readonly operatorNamespace: string };
  /**
   * OIDC sign-in in front of the query APIs: then only its pods reach the query ports, and the
   * `queryFrom` sources reach its port instead; it calls the identity provider.
   */
  readonly signIn?: { readonly pods: Labels; readonly port: number; readonly identityProvider: Destination };
  /**
   * Maintenance pods (index cleaner, snapshot setup, snapshot exporter): each may call the trace
   * storage and nothing else (Elasticsearch itself writes snapshots to S3).
   */
  readonly jobs: readonly {
    readonly name: string;
    readonly pods: Labels;
    /** A metrics port Prometheus scrapes (a long-running exporter). */
    readonly scrapedPort?: number;
  }[];
}

export interface NamedPolicy {
  readonly name: string;
  readonly spec: Spec;
}

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
const ANYWHERE = "0.0.0.0/0";

export function peerSpec(peer: Peer): PeerSpec {
  if (peer.cidr) return { ipBlock: { cidr: peer.cidr } };
  return {
    namespaceSelector: peer.namespace ? { matchLabels: { [NAMESPACE_LABEL]: peer.namespace } } : {},
    ...(peer.podLabels && { podSelector: { matchLabels: { ...peer.podLabels } } }),
  };
}

const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const select = (labels: Labels) => ({ matchLabels: { ...labels } });
const samePods = (labels: Labels): PeerSpec => ({ podSelector: select(labels) });

export function buildNetworkPolicies(input: NetworkPolicyInput): NamedPolicy[] {
  const policies: NamedPolicy[] = [
    { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "allow-dns",
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    },
    {
      name: "jaeger-ingest",
      spec: {
        podSelector: select(input.ingestPods),
        policyTypes: ["Ingress"],
        ingress: input.ingestFrom.length
          ? [{ from: input.ingestFrom.map(peerSpec), ports: tcp(input.ingestPorts) }]
          : [],
      },
    },
    {
      name: "jaeger-query",
      spec: {
        podSelector: select(input.queryPods),
        policyTypes: ["Ingress"],
        ingress: input.signIn
          ? [{ from: [samePods(input.signIn.pods)], ports: tcp(input.queryPorts) }]
          : input.queryFrom.length
            ? [{ from: input.queryFrom.map(peerSpec), ports: tcp(input.queryPorts) }]
            : [],
      },
    },
    ...(input.signIn
      ? [
          {
            name: "sign-in",
            spec: {
              podSelector: select(input.signIn.pods),
              policyTypes: ["Ingress", "Egress"],
              ingress: input.queryFrom.length
                ? [{ from: input.queryFrom.map(peerSpec), ports: tcp([input.signIn.port]) }]
                : [],
              egress: [
                { to: [samePods(input.queryPods)], ports: tcp(input.queryPorts) },
                { to: [peerSpec(input.signIn.identityProvider)], ports: tcp(input.signIn.identityProvider.ports) },
              ],
            },
          },
        ]
      : []),
    {
      name: "jaeger-metrics",
      spec: {
        podSelector: select(input.allJaegerPods),
        policyTypes: ["Ingress"],
        ingress: [{ from: [peerSpec({ namespace: input.prometheusNamespace })], ports: tcp(input.metricsPorts) }],
      },
    },
    {
      name: "jaeger-egress",
      spec: {
        podSelector: select(input.allJaegerPods),
        policyTypes: ["Egress"],
        egress: [
          { to: [peerSpec(input.prometheus)], ports: tcp(input.prometheus.ports) },
          ...(input.storage ? [{ to: [peerSpec(input.storage)], ports: tcp(input.storage.ports) }] : []),
        ],
      },
    },
  ];

  for (const job of input.jobs) {
    if (job.scrapedPort !== undefined) {
      policies.push({
        name: `${job.name}-metrics`,
        spec: {
          podSelector: select(job.pods),
          policyTypes: ["Ingress"],
          ingress: [{ from: [peerSpec({ namespace: input.prometheusNamespace })], ports: tcp([job.scrapedPort]) }],
        },
      });
    }
    policies.push({
      name: `${job.name}-egress`,
      spec: {
        podSelector: select(job.pods),
        policyTypes: ["Egress"],
        egress: [...(input.storage ? [{ to: [peerSpec(input.storage)], ports: tcp(input.storage.ports) }] : [])],
      },
    });
  }

  if (input.elasticsearch) {
    const es = input.elasticsearch;
    const clients: PeerSpec[] = [
      samePods(input.allJaegerPods),
      ...input.jobs.map((j) => samePods(j.pods)),
      peerSpec({ namespace: es.operatorNamespace }),
    ];
    policies.push({
      name: "elasticsearch",
      spec: {
        podSelector: select(es.pods),
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: clients, ports: tcp([9200]) },
          { from: [samePods(es.pods)], ports: tcp([9300]) },
        ],
        egress: [
          { to: [samePods(es.pods)], ports: tcp([9300]) },
          // Snapshots to S3 (repository-s3) and STS for the web identity.
          { to: [{ ipBlock: { cidr: ANYWHERE } }], ports: tcp([443]) },
        ],
      },
    });
  }
  return policies;
}

/** Where an http(s) URL points, as a policy destination: an in-cluster Service's namespace, or anywhere. */
export function destinationOf(url: string): Destination {
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  const service = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(parsed.hostname);
  return service ? { namespace: service[1], ports: [port] } : { cidr: ANYWHERE, ports: [port] };
}
