// Evaluates the emitted NetworkPolicies the way Kubernetes does (a pod selected by any
// policy of a type is isolated for that type; a flow needs an ingress rule at the
// destination and an egress rule at the source) for the flows the stack needs and
// for flows it must refuse.
import * as assert from "node:assert/strict";
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "kubernetes-types/networking/v1";
import type { LabelSelector } from "kubernetes-types/meta/v1";
import { Evaluation, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { NetworkPolicyInput, buildNetworkPolicies, destinationOf } from "../components/security/networkPolicies";
import { at, objectsOfKind, resourceFor } from "./support/objects";

interface Endpoint {
  namespace?: string;
  labels?: Record<string, string>;
  /** An address outside the cluster's pods (node, internet). */
  ip?: string;
}
interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: "TCP" | "UDP";
}

const NS = "observability";

function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) =>
    e.operator === "In" ? (e.values ?? []).includes(labels[e.key]) : e.operator === "Exists" ? e.key in labels : false,
  );
  return byLabels && byExpressions;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) return e.ip !== undefined && ipInCidr(e.ip, peer.ipBlock.cidr);
  if (e.ip !== undefined) return false;
  const nsLabels = { "kubernetes.io/metadata.name": e.namespace ?? "" };
  if (peer.namespaceSelector) {
    return selectorMatches(peer.namespaceSelector, nsLabels) && selectorMatches(peer.podSelector, e.labels);
  }
  return e.namespace === policyNamespace && selectorMatches(peer.podSelector, e.labels);
}

// A port entry without a port matches every port of its protocol (NetworkPolicyPort).
const portMatches = (ports: NetworkPolicyPort[] | undefined, flow: Flow) =>
  !ports ||
  ports.length === 0 ||
  ports.some(
    (p) => (p.port === undefined || p.port === flow.port) && (p.protocol ?? "TCP") === (flow.protocol ?? "TCP"),
  );

function allowedBy(policies: NetworkPolicy[], direction: "Ingress" | "Egress", flow: Flow): boolean {
  const self = direction === "Ingress" ? flow.to : flow.from;
  const other = direction === "Ingress" ? flow.from : flow.to;
  if (self.ip !== undefined || self.namespace !== NS) return true; // not ours to restrict
  const selecting = policies.filter(
    (p) => (p.spec?.policyTypes ?? []).includes(direction) && selectorMatches(p.spec?.podSelector, self.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (direction === "Ingress" ? (p.spec?.ingress ?? []) : (p.spec?.egress ?? [])).some((rule) => {
      const peers =
        direction === "Ingress"
          ? (rule as { from?: NetworkPolicyPeer[] }).from
          : (rule as { to?: NetworkPolicyPeer[] }).to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, NS, other));
      return peerOk && portMatches(rule.ports, flow);
    }),
  );
}

const allowed = (policies: NetworkPolicy[], flow: Flow) =>
  allowedBy(policies, "Egress", flow) && allowedBy(policies, "Ingress", flow);

function podLabels(ev: Evaluation, deployment: string): Record<string, string> {
  const d = objectsOfKind(ev, "Deployment").find((x) => x.metadata?.name === deployment);
  assert.ok(d, deployment);
  return d.spec?.template.metadata?.labels ?? {};
}
function cronLabels(ev: Evaluation, name: string): Record<string, string> {
  const j = objectsOfKind(ev, "CronJob").find((x) => x.metadata?.name === name);
  assert.ok(j, name);
  return j.spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
}
const policiesOf = (ev: Evaluation): NetworkPolicy[] => objectsOfKind(ev, "NetworkPolicy");
/** Pod labels of the ES snapshot setup Job (a Job's spec is computed from the bucket name). */
function snapshotJobLabels(ev: Evaluation): Record<string, string> {
  const labels = at(resourceFor(ev, "Job", "jaeger-es-snapshots").inputs, "spec.template.metadata.labels");
  assert.ok(labels, "the snapshot Job's pod labels");
  return labels as Record<string, string>;
}

const OTEL = { namespace: "opentelemetry", labels: { "app.kubernetes.io/name": "opentelemetry-collector" } };
/** A pod wearing the collector's labels in another namespace. */
const IMPOSTOR = { namespace: "default", labels: { "app.kubernetes.io/name": "opentelemetry-collector" } };
const RANDOM_POD = { namespace: "default", labels: { app: "curious" } };
const PROMETHEUS = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
const DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const INTERNET = { ip: "203.0.113.10" };
/** Pods that share a namespace with a trusted peer but not its labels. */
const OTHER_OTEL_POD = { namespace: "opentelemetry", labels: { app: "batch-job" } };
const OTHER_KUBE_SYSTEM_POD = { namespace: "kube-system", labels: { "k8s-app": "metrics-server" } };
const OTHER_POD_HERE = { namespace: NS, labels: { app: "debug-shell" } };

describe("network policies (buildNetworkPolicies, called directly)", () => {
  const JAEGER = { "app.kubernetes.io/name": "jaeger" };
  const COLLECTOR = { ...JAEGER, "app.kubernetes.io/component": "collector" };
  const QUERY = { ...JAEGER, "app.kubernetes.io/component": "query" };
  const CLEANER = { "app.kubernetes.io/name": "jaeger-index-cleaner" };
  const input: NetworkPolicyInput = {
    ingestPods: COLLECTOR,
    queryPods: QUERY,
    allJaegerPods: JAEGER,
    ingestPorts: [4317, 4318],
    queryPorts: [16686, 16685],
    metricsPorts: [8888, 8889],
    ingestFrom: [{ namespace: OTEL.namespace, podLabels: OTEL.labels }],
    queryFrom: [{ namespace: "ingress" }],
    prometheusNamespace: PROMETHEUS.namespace,
    prometheus: destinationOf("http://prometheus-operated.monitoring.svc:9090"),
    storage: { cidr: "10.20.0.0/16", ports: [9200] },
    jobs: [{ name: "index-cleaner", pods: CLEANER }],
  };
  // As Kubernetes objects (the builder returns Pulumi inputs, plain values here).
  const policiesFor = (i: NetworkPolicyInput): NetworkPolicy[] =>
    buildNetworkPolicies(i).map((p) => JSON.parse(JSON.stringify({ metadata: { name: p.name }, spec: p.spec })));
  const here = (labels: Record<string, string>) => ({ namespace: NS, labels });
  const policies = policiesFor(input);
  const cases: [string, Flow, boolean][] = [
    ["the configured source sends spans", { from: OTEL, to: here(COLLECTOR), port: 4317 }, true],
    ["another namespace's pod sends spans", { from: IMPOSTOR, to: here(COLLECTOR), port: 4317 }, false],
    [
      "the configured source reaches a port that is not an ingest port",
      { from: OTEL, to: here(COLLECTOR), port: 9200 },
      false,
    ],
    [
      "the ingress namespace opens the UI",
      { from: { namespace: "ingress", labels: {} }, to: here(QUERY), port: 16686 },
      true,
    ],
    ["a random pod opens the UI", { from: RANDOM_POD, to: here(QUERY), port: 16686 }, false],
    ["Prometheus scrapes span metrics", { from: PROMETHEUS, to: here(COLLECTOR), port: 8889 }, true],
    ["a random pod scrapes span metrics", { from: RANDOM_POD, to: here(COLLECTOR), port: 8889 }, false],
    [
      "the query servers ask Prometheus (SPM)",
      { from: here(QUERY), to: { namespace: "monitoring", labels: {} }, port: 9090 },
      true,
    ],
    ["collectors write to the storage", { from: here(COLLECTOR), to: { ip: "10.20.1.5" }, port: 9200 }, true],
    ["collectors call the internet", { from: here(COLLECTOR), to: INTERNET, port: 443 }, false],
    ["the index cleaner reaches the storage", { from: here(CLEANER), to: { ip: "10.20.1.5" }, port: 9200 }, true],
    [
      "the index cleaner reaches Prometheus",
      { from: here(CLEANER), to: { namespace: "monitoring", labels: {} }, port: 9090 },
      false,
    ],
    ["any pod here resolves names", { from: OTHER_POD_HERE, to: DNS, port: 53, protocol: "UDP" } as Flow, true],
  ];
  for (const [what, flow, expected] of cases) {
    it(`${expected ? "allows" : "refuses"}: ${what}`, () => assert.equal(allowed(policies, flow), expected));
  }

  it("with sign-in, only its pods reach the query ports; the UI's sources reach sign-in instead", () => {
    const SIGN_IN = { "app.kubernetes.io/component": "sign-in" };
    const withSignIn = policiesFor({
      ...input,
      signIn: { pods: SIGN_IN, port: 4180, identityProvider: { cidr: "0.0.0.0/0", ports: [443] } },
    });
    const ingress = { namespace: "ingress", labels: {} };
    assert.equal(allowed(withSignIn, { from: ingress, to: here(QUERY), port: 16686 }), false);
    assert.equal(allowed(withSignIn, { from: ingress, to: here(SIGN_IN), port: 4180 }), true);
    assert.equal(allowed(withSignIn, { from: here(SIGN_IN), to: here(QUERY), port: 16686 }), true);
    assert.equal(
      allowed(withSignIn, { from: here(SIGN_IN), to: INTERNET, port: 443 }),
      true,
      "it calls the identity provider",
    );
  });
});

describe("network policies", () => {
  describe("prod (Elasticsearch in the cluster, backups)", () => {
    let ev: Evaluation;
    let policies: NetworkPolicy[];
    const es = { namespace: NS, labels: { "elasticsearch.k8s.elastic.co/cluster-name": "jaeger-es" } };
    before(async () => {
      ev = await evaluateStack("prod");
      policies = policiesOf(ev);
    });

    it("denies all ingress and egress by default", () => {
      const deny = policies.find((p) => p.metadata?.name === "jaeger-default-deny");
      assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    const flows: [string, () => Flow, boolean][] = [
      [
        "OpenTelemetry Collector -> collector OTLP gRPC",
        () => ({ from: OTEL, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 4317 }),
        true,
      ],
      [
        "OpenTelemetry Collector -> collector OTLP HTTP",
        () => ({ from: OTEL, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 4318 }),
        true,
      ],
      [
        "a pod with the collector's labels in another namespace -> collector OTLP gRPC",
        () => ({ from: IMPOSTOR, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 4317 }),
        false,
      ],
      [
        "any other pod -> collector OTLP gRPC",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 4317 }),
        false,
      ],
      [
        "Prometheus -> collector :8888 and :8889",
        () => ({ from: PROMETHEUS, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 8889 }),
        true,
      ],
      [
        "Prometheus -> query :8888",
        () => ({ from: PROMETHEUS, to: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, port: 8888 }),
        true,
      ],
      [
        "any other pod -> collector :8888",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 8888 }),
        false,
      ],
      [
        "a pod in the cluster -> sign-in (oauth2-proxy)",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, port: 4180 }),
        true,
      ],
      [
        "a pod in the cluster -> query UI directly (only through sign-in)",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, port: 16686 }),
        false,
      ],
      [
        "a pod in the cluster -> query gRPC directly",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, port: 16685 }),
        false,
      ],
      [
        "sign-in -> query UI",
        () => ({
          from: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") },
          to: { namespace: NS, labels: podLabels(ev, "jaeger-query") },
          port: 16686,
        }),
        true,
      ],
      [
        "sign-in -> the identity provider :443",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, to: INTERNET, port: 443 }),
        true,
      ],
      [
        "sign-in -> Elasticsearch :9200",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, to: es, port: 9200 }),
        false,
      ],
      [
        "the internet -> query UI",
        () => ({ from: INTERNET, to: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, port: 16686 }),
        false,
      ],
      [
        "query -> Prometheus :9090 (SPM)",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, to: PROMETHEUS, port: 9090 }),
        true,
      ],
      [
        "collector -> DNS",
        () => ({
          from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") },
          to: DNS,
          port: 53,
          protocol: "UDP",
        }),
        true,
      ],
      [
        "collector -> Elasticsearch :9200",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: es, port: 9200 }),
        true,
      ],
      [
        "index cleaner -> Elasticsearch :9200",
        () => ({ from: { namespace: NS, labels: cronLabels(ev, "jaeger-es-index-cleaner") }, to: es, port: 9200 }),
        true,
      ],
      ["Elasticsearch <-> Elasticsearch :9300", () => ({ from: es, to: es, port: 9300 }), true],
      [
        "ECK operator -> Elasticsearch :9200",
        () => ({
          from: { namespace: "elastic-system", labels: { "control-plane": "elastic-operator" } },
          to: es,
          port: 9200,
        }),
        true,
      ],
      ["Elasticsearch -> S3 :443 (snapshots)", () => ({ from: es, to: INTERNET, port: 443 }), true],
      [
        "snapshot setup Job -> Elasticsearch :9200",
        () => ({ from: { namespace: NS, labels: snapshotJobLabels(ev) }, to: es, port: 9200 }),
        true,
      ],
      [
        "snapshot setup Job -> the internet :443 (Elasticsearch, not the Job, talks to S3)",
        () => ({ from: { namespace: NS, labels: snapshotJobLabels(ev) }, to: INTERNET, port: 443 }),
        false,
      ],
      [
        "Prometheus -> snapshot exporter :9114",
        () => ({
          from: PROMETHEUS,
          to: { namespace: NS, labels: podLabels(ev, "jaeger-es-snapshot-exporter") },
          port: 9114,
        }),
        true,
      ],
      [
        "any other pod -> snapshot exporter :9114",
        () => ({
          from: RANDOM_POD,
          to: { namespace: NS, labels: podLabels(ev, "jaeger-es-snapshot-exporter") },
          port: 9114,
        }),
        false,
      ],
      [
        "snapshot exporter -> Elasticsearch :9200",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-es-snapshot-exporter") }, to: es, port: 9200 }),
        true,
      ],
      [
        "snapshot exporter -> the internet :443",
        () => ({
          from: { namespace: NS, labels: podLabels(ev, "jaeger-es-snapshot-exporter") },
          to: INTERNET,
          port: 443,
        }),
        false,
      ],
      [
        "another pod in the collectors' namespace -> collector OTLP gRPC",
        () => ({ from: OTHER_OTEL_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, port: 4317 }),
        false,
      ],
      [
        "collector -> DNS over TCP",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: DNS, port: 53 }),
        true,
      ],
      [
        "collector -> another kube-system pod :53",
        () => ({
          from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") },
          to: OTHER_KUBE_SYSTEM_POD,
          port: 53,
        }),
        false,
      ],
      [
        "collector -> the DNS pods on another port",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: DNS, port: 8080 }),
        false,
      ],
      [
        "query -> the internet :9090 (only the in-cluster Prometheus)",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, to: INTERNET, port: 9090 }),
        false,
      ],
      [
        "collector -> the internet :9200 (only the in-cluster Elasticsearch)",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: INTERNET, port: 9200 }),
        false,
      ],
      [
        "index cleaner -> the internet :9200",
        () => ({
          from: { namespace: NS, labels: cronLabels(ev, "jaeger-es-index-cleaner") },
          to: INTERNET,
          port: 9200,
        }),
        false,
      ],
      [
        "collector -> Elasticsearch on another port",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: es, port: 9201 }),
        false,
      ],
      [
        "a non-Elasticsearch pod in Jaeger's namespace -> Elasticsearch :9300 (transport)",
        () => ({ from: OTHER_POD_HERE, to: es, port: 9300 }),
        false,
      ],
      ["Elasticsearch -> Elasticsearch on another port", () => ({ from: es, to: es, port: 9400 }), false],
      ["Elasticsearch -> the internet :9300", () => ({ from: es, to: INTERNET, port: 9300 }), false],
      ["Elasticsearch -> the internet :80", () => ({ from: es, to: INTERNET, port: 80 }), false],
      [
        "Elasticsearch -> a pod in Jaeger's namespace :9300",
        () => ({ from: es, to: OTHER_POD_HERE, port: 9300 }),
        false,
      ],
      [
        "sign-in -> the internet :80 (the identity provider over HTTPS only)",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, to: INTERNET, port: 80 }),
        false,
      ],
      [
        "a non-Jaeger pod in Jaeger's namespace -> Elasticsearch :9200",
        () => ({ from: OTHER_POD_HERE, to: es, port: 9200 }),
        false,
      ],
      [
        "sign-in -> the internet :16686 (only the query pods)",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, to: INTERNET, port: 16686 }),
        false,
      ],
      [
        "a pod in the cluster -> sign-in on another port",
        () => ({ from: RANDOM_POD, to: { namespace: NS, labels: podLabels(ev, "jaeger-oauth2-proxy") }, port: 8080 }),
        false,
      ],
      [
        "Prometheus -> snapshot exporter on another port",
        () => ({
          from: PROMETHEUS,
          to: { namespace: NS, labels: podLabels(ev, "jaeger-es-snapshot-exporter") },
          port: 8080,
        }),
        false,
      ],
      [
        "Prometheus -> index cleaner (it serves no metrics)",
        () => ({
          from: PROMETHEUS,
          to: { namespace: NS, labels: cronLabels(ev, "jaeger-es-index-cleaner") },
          port: 8080,
        }),
        false,
      ],
      [
        "index cleaner -> the internet :443",
        () => ({ from: { namespace: NS, labels: cronLabels(ev, "jaeger-es-index-cleaner") }, to: INTERNET, port: 443 }),
        false,
      ],
      ["any other pod -> Elasticsearch :9200", () => ({ from: RANDOM_POD, to: es, port: 9200 }), false],
      [
        "collector -> the internet :80",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: INTERNET, port: 80 }),
        false,
      ],
      [
        "collector -> the internet :443",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-collector") }, to: INTERNET, port: 443 }),
        false,
      ],
      [
        "query -> Elasticsearch :9300",
        () => ({ from: { namespace: NS, labels: podLabels(ev, "jaeger-query") }, to: es, port: 9300 }),
        false,
      ],
    ];
    for (const [what, flow, expected] of flows) {
      it(`${expected ? "allows" : "refuses"} ${what}`, () => assert.equal(allowed(policies, flow()), expected));
    }

    it("every policy selects pods and states its types (a policy without them isolates nothing or everything)", async () => {
      for (const policy of [...policies, ...policiesOf(await evaluateStack("dev"))]) {
        assert.equal(typeof policy.spec?.podSelector, "object", policy.metadata?.name);
        assert.ok((policy.spec?.policyTypes ?? []).length > 0, policy.metadata?.name);
      }
    });

    it("names every policy once (a repeated name would replace the other policy)", () => {
      const names = policies.map((p) => p.metadata?.name ?? "");
      assert.ok(
        names.every((n) => /^jaeger-[a-z0-9-]+$/.test(n)),
        names.join(", "),
      );
      assert.deepEqual(names, [...new Set(names)]);
    });

    it("selects no pod by app.kubernetes.io/version, which an upgrade changes", () => {
      const selectors = JSON.stringify(policies.map((p) => [p.spec?.podSelector, p.spec?.ingress, p.spec?.egress]));
      assert.ok(!selectors.includes("app.kubernetes.io/version"), selectors);
      // and each maintenance task has labels of its own
      assert.notDeepEqual(
        snapshotJobLabels(ev)["app.kubernetes.io/name"],
        cronLabels(ev, "jaeger-es-index-cleaner")["app.kubernetes.io/name"],
      );
    });
  });

  describe("prod on Badger (backups by Velero, in its own namespace)", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack("prod", configSet(configSet(stackConfig("prod"), "storage.backend", "badger", { path: true }), "backup.acceptInconsistentFileCopies", "true", { path: true }));
    });
    it("opens nothing in Jaeger's namespace for backups: Velero reads the volume, not the network", () => {
      const policies = policiesOf(ev);
      assert.ok(!policies.some((p) => /backup/.test(p.metadata?.name ?? "")), "no backup egress policy");
      const jaeger = { namespace: NS, labels: podLabels(ev, "jaeger") };
      assert.equal(allowed(policies, { from: jaeger, to: INTERNET, port: 443 }), false);
    });
  });

  describe("dev (Badger, NodePort UI, bundled monitoring)", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack("dev");
    });
    it("lets any pod send spans, the node reach the NodePort UI, and the bundled Prometheus scrape", () => {
      const policies = policiesOf(ev);
      const jaeger = { namespace: NS, labels: podLabels(ev, "jaeger") };
      assert.equal(allowed(policies, { from: RANDOM_POD, to: jaeger, port: 4317 }), true);
      assert.equal(allowed(policies, { from: { ip: "172.18.0.2" }, to: jaeger, port: 16686 }), true);
      assert.equal(allowed(policies, { from: PROMETHEUS, to: jaeger, port: 8889 }), true);
      assert.equal(allowed(policies, { from: jaeger, to: PROMETHEUS, port: 9090 }), true);
      assert.equal(allowed(policies, { from: { ip: "172.18.0.2" }, to: jaeger, port: 4317 }), false);
    });
  });

  it("external Elasticsearch: Jaeger may reach its port anywhere, nothing else", async () => {
    const raw = [
      ["storage.backend", "elasticsearch"],
      ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9243"],
    ].reduce((r, [k, v]) => configSet(r, k, v, { path: true }), stackConfig("dev"));
    const ev = await evaluateStack("dev", raw);
    const policies = policiesOf(ev);
    const collector = { namespace: NS, labels: podLabels(ev, "jaeger-collector") };
    assert.equal(allowed(policies, { from: collector, to: INTERNET, port: 9243 }), true);
    assert.equal(allowed(policies, { from: collector, to: INTERNET, port: 9200 }), false);
  });
});

describe("destinations from URLs", () => {
  it("an in-cluster Service URL becomes its namespace and port; anything else, anywhere on its port", () => {
    assert.deepEqual(destinationOf("http://prometheus-operated.monitoring.svc:9090"), {
      namespace: "monitoring",
      ports: [9090],
    });
    assert.deepEqual(destinationOf("http://prometheus.monitoring.svc.cluster.local"), {
      namespace: "monitoring",
      ports: [80],
    });
    assert.deepEqual(destinationOf("https://login.example.com/realms/platform"), { cidr: "0.0.0.0/0", ports: [443] });
    assert.deepEqual(destinationOf("http://metrics.example.com"), { cidr: "0.0.0.0/0", ports: [80] });
    // Only a Service's own DNS name is in the cluster: not a longer name, not an outside host that contains .svc.
    assert.deepEqual(destinationOf("http://a.b.monitoring.svc:9090"), { cidr: "0.0.0.0/0", ports: [9090] });
    assert.deepEqual(destinationOf("https://grafana.monitoring.svc.example.com"), { cidr: "0.0.0.0/0", ports: [443] });
  });
});
