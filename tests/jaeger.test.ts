import * as assert from "node:assert/strict";
import type { Container, PodSpec, Probe, ServicePort } from "kubernetes-types/core/v1";
import {
  Evaluation,
  PROGRAM,
  configSet,
  deployedRuleFile,
  evaluateStack,
  stackConfig,
  stackSecretKeys,
} from "../scripts/evaluate";
import { EXPECTED_PORTS } from "./support/jaegerPorts";
import { at, deploymentConfig, jaegerConfigDocument, objectNamed, objectsOfKind, resourceFor } from "./support/objects";

function jaegerPod(ev: Evaluation): PodSpec {
  const spec = objectNamed(ev, "Deployment", "jaeger").spec?.template.spec;
  assert.ok(spec, "Deployment has a pod spec");
  return spec;
}

function jaegerContainer(ev: Evaluation): Container {
  const containers = jaegerPod(ev).containers;
  assert.equal(containers.length, 1);
  return containers[0];
}

function targetContainerPort(container: Container, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return container.ports?.find((p) => p.containerPort === target)?.containerPort;
  return container.ports?.find((p) => p.name === target)?.containerPort;
}

function probePort(container: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

describe("Jaeger on Badger (dev stack)", function () {
  let dev: Evaluation;
  before(async () => {
    dev = await evaluateStack("dev");
  });

  describe("every documented port is served end to end", () => {
    for (const expected of EXPECTED_PORTS) {
      it(`${expected.service}:${expected.port} -> container port -> ${expected.configPath}`, () => {
        const service = objectNamed(dev, "Service", expected.service);
        const servicePort = service.spec?.ports?.find((p) => p.port === expected.port);
        assert.ok(servicePort, `${expected.service} exposes ${expected.port}`);
        assert.equal(
          targetContainerPort(jaegerContainer(dev), servicePort),
          expected.port,
          "targets the same container port",
        );
        assert.equal(at(jaegerConfigDocument(dev), expected.configPath), `0.0.0.0:${expected.port}`);
      });
    }

    it("Jaeger's own telemetry on 8888 is a Prometheus pull reader on all interfaces", () => {
      const service = objectNamed(dev, "Service", "jaeger-metrics");
      const servicePort = service.spec?.ports?.find((p) => p.port === 8888);
      assert.ok(servicePort);
      assert.equal(targetContainerPort(jaegerContainer(dev), servicePort), 8888);
      const readers = at(jaegerConfigDocument(dev), "service.telemetry.metrics.readers") as unknown[];
      assert.equal(readers.length, 1);
      assert.equal(at(readers[0], "pull.exporter.prometheus.host"), "0.0.0.0");
      assert.equal(at(readers[0], "pull.exporter.prometheus.port"), 8888);
    });

    it("Jaeger's telemetry keeps the suffixed names our alerts and dashboards query (_total, _bytes)", async () => {
      // Collector v0.155 turns an unset without_units / without_type_suffix into true, and
      // Jaeger would then expose otelcol_receiver_accepted_spans (no _total): every alert on it
      // would never fire. Both must be set, and false, in every role's config.
      for (const ev of [dev, await evaluateStack("prod")]) {
        const configs = objectsOfKind(ev, "Deployment")
          .filter((d) => d.spec?.template.spec?.volumes?.some((v) => v.name === "config"))
          .map((d) => deploymentConfig(ev, d));
        assert.ok(configs.length >= 1);
        for (const doc of configs) {
          const prometheus = at(doc, "service.telemetry.metrics.readers.0.pull.exporter.prometheus");
          assert.equal(at(prometheus, "without_units"), false);
          assert.equal(at(prometheus, "without_type_suffix"), false);
          assert.equal(at(prometheus, "without_scope_info"), true, "no otel_scope_* labels on every series");
        }
      }
    });

    it("exposes the query UI as NodePort 30002 in dev and keeps ingestion on ClusterIP", () => {
      const query = objectNamed(dev, "Service", "jaeger-query");
      assert.equal(query.spec?.type, "NodePort");
      assert.equal(query.spec?.ports?.find((p) => p.port === 16686)?.nodePort, 30002);
      for (const name of ["jaeger-collector", "jaeger-metrics", "jaeger-span-metrics"]) {
        assert.equal(objectNamed(dev, "Service", name).spec?.type, "ClusterIP", name);
      }
    });

    it("names every port so monitors and policies can select it", () => {
      for (const service of objectsOfKind(dev, "Service")) {
        for (const p of service.spec?.ports ?? []) {
          assert.match(p.name ?? "", /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, `${service.metadata?.name}:${p.port}`);
        }
      }
    });
  });

  describe("workload", () => {
    it("every Service selects the Jaeger pods", () => {
      const podLabels = objectNamed(dev, "Deployment", "jaeger").spec?.template.metadata?.labels ?? {};
      for (const service of objectsOfKind(dev, "Service")) {
        const selector = service.spec?.selector ?? {};
        assert.ok(Object.keys(selector).length > 0, `${service.metadata?.name} has a selector`);
        for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `${service.metadata?.name} ${k}`);
      }
      const matchLabels = objectNamed(dev, "Deployment", "jaeger").spec?.selector.matchLabels ?? {};
      for (const [k, v] of Object.entries(matchLabels)) assert.equal(podLabels[k], v);
    });

    it("runs one replica with the Recreate strategy (Badger's exclusive lock)", () => {
      const spec = objectNamed(dev, "Deployment", "jaeger").spec;
      assert.equal(spec?.replicas, 1);
      assert.equal(spec?.strategy?.type, "Recreate");
    });

    it("starts Jaeger with --config pointing at the mounted config file", () => {
      const container = jaegerContainer(dev);
      assert.equal(container.image, "jaegertracing/jaeger:2.20.0");
      const configIndex = container.args?.indexOf("--config") ?? -1;
      assert.ok(configIndex >= 0);
      const configPath = container.args?.[configIndex + 1] ?? "";
      const mount = container.volumeMounts?.find((m) => configPath.startsWith(m.mountPath + "/"));
      assert.ok(mount, `${configPath} is on a mount`);
      const volume = jaegerPod(dev).volumes?.find((v) => v.name === mount.name);
      assert.equal(volume?.configMap?.name, "jaeger-config");
      const fileName = configPath.slice(mount.mountPath.length + 1);
      assert.ok(objectNamed(dev, "ConfigMap", "jaeger-config").data?.[fileName], `ConfigMap has ${fileName}`);
    });

    it("keeps Badger's keys and values on the persistent claim, with TTL from the retention", () => {
      const badger = at(jaegerConfigDocument(dev), "extensions.jaeger_storage.backends.traces.badger") as {
        directories: { keys: string; values: string };
        ephemeral: boolean;
        ttl: { spans: string };
      };
      assert.equal(badger.ephemeral, false);
      assert.equal(badger.ttl.spans, "168h");
      const container = jaegerContainer(dev);
      for (const dir of [badger.directories.keys, badger.directories.values]) {
        const mount = container.volumeMounts?.find((m) => dir.startsWith(m.mountPath + "/"));
        assert.ok(mount, `${dir} is on a mount`);
        assert.notEqual(mount.readOnly, true);
        const volume = jaegerPod(dev).volumes?.find((v) => v.name === mount.name);
        assert.equal(volume?.persistentVolumeClaim?.claimName, "jaeger-badger", dir);
      }
      const claim = objectNamed(dev, "PersistentVolumeClaim", "jaeger-badger");
      assert.deepEqual(claim.spec?.accessModes, ["ReadWriteOnce"]);
      // derived: 200 spans/s x 640 B x 168h x 1.5 headroom (config/sizing.ts)
      assert.equal(claim.spec?.resources?.requests?.storage, "109Gi");
    });

    it("guards memory: memory_limiter first in the traces pipeline, GOMEMLIMIT at 80% of the limit", () => {
      const doc = jaegerConfigDocument(dev);
      assert.deepEqual(at(doc, "service.pipelines.traces.processors"), ["memory_limiter", "batch"]);
      assert.equal(at(doc, "processors.memory_limiter.limit_percentage"), 75);
      const limit = jaegerContainer(dev).resources?.limits?.memory;
      // dev's limit 1436Mi (2 x (512 + 6 + 200)Mi); 80% = 1148.8 -> 1148MiB, below the 90% memory alert
      assert.equal(limit, "1436Mi");
      assert.deepEqual(
        jaegerContainer(dev).env?.find((e) => e.name === "GOMEMLIMIT"),
        { name: "GOMEMLIMIT", value: "1148MiB" },
      );
    });

    it("never traces itself into its own receiver: its global tracer (which Badger's compactions use) samples nothing", () => {
      // Measured on Jaeger 2.20 under overload without it: Badger.Compaction spans of service "jaeger"
      // stored and counted beside the clients' (tests/e2e/overload.e2e.ts).
      assert.deepEqual(
        jaegerContainer(dev).env?.find((e) => e.name === "OTEL_TRACES_SAMPLER"),
        { name: "OTEL_TRACES_SAMPLER", value: "always_off" },
      );
    });

    it("probes GET /status on the healthcheckv2 port", () => {
      const container = jaegerContainer(dev);
      const healthEndpoint = at(jaegerConfigDocument(dev), "extensions.healthcheckv2.http.endpoint");
      assert.equal(at(jaegerConfigDocument(dev), "extensions.healthcheckv2.use_v2"), true);
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        assert.equal(probe?.httpGet?.path, "/status");
        assert.equal(`0.0.0.0:${probePort(container, probe)}`, healthEndpoint);
      }
      assert.notDeepEqual(container.livenessProbe, container.readinessProbe, "liveness and readiness differ");
    });

    it("sizes resources by the sizing rule for 200 spans/s", () => {
      // memory 512 + 0.2*30 + 200 = 718Mi; cpu 300 + 0.2*100 = 320m
      assert.deepEqual(jaegerContainer(dev).resources, {
        requests: { cpu: "320m", memory: "718Mi" },
        limits: { cpu: "640m", memory: "1436Mi" },
      });
    });

    it("meets Pod Security Standards 'restricted' and gives Badger time to close", () => {
      const pod = jaegerPod(dev);
      const container = jaegerContainer(dev);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 10001);
      assert.equal(pod.securityContext?.runAsGroup, 10001);
      assert.equal(pod.securityContext?.fsGroup, 10001);
      assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ["ALL"]);
      assert.equal(container.securityContext?.capabilities?.add, undefined);
      assert.equal(pod.hostNetwork ?? false, false);
      for (const volume of pod.volumes ?? []) {
        const types = Object.keys(volume).filter((k) => k !== "name");
        assert.ok(
          types.every((t) => ["configMap", "emptyDir", "persistentVolumeClaim", "secret", "projected"].includes(t)),
          `${volume.name}: ${types}`,
        );
      }
      const writable = (container.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
      assert.deepEqual(writable.sort(), ["/badger", "/tmp"]);
      assert.equal(pod.enableServiceLinks, false);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.ok((pod.terminationGracePeriodSeconds ?? 30) >= 60);
    });

    it("creates the namespace with Pod Security 'restricted' enforced", () => {
      const ns = objectNamed(dev, "Namespace", "observability");
      assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
      for (const kind of ["Deployment", "Service", "ConfigMap", "PersistentVolumeClaim"] as const) {
        for (const o of objectsOfKind(dev, kind)) assert.equal(o.metadata?.namespace, "observability");
      }
    });

    it("deploys every Kubernetes object through the stack's provider, which updates ConfigMaps in place", () => {
      const provider = dev.resources.find((r) => r.type === "pulumi:providers:kubernetes");
      assert.ok(provider);
      // Provider inputs reach the engine as text.
      assert.equal(String(provider.inputs.enableConfigMapMutable), "true");
      for (const r of dev.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
        assert.ok(r.provider?.includes("pulumi:providers:kubernetes::kubernetes"), `${r.type} ${r.name}`);
      }
    });
  });

  describe("SPM", () => {
    it("feeds spans to the span_metrics connector and span metrics to the Prometheus exporter", () => {
      const doc = jaegerConfigDocument(dev);
      assert.deepEqual(at(doc, "service.pipelines.traces.exporters"), ["jaeger_storage_exporter", "span_metrics"]);
      const metricsPipeline = (
        at(doc, "service.pipelines") as Record<string, { receivers: string[]; exporters: string[] }>
      )["metrics/span_metrics"];
      assert.deepEqual(metricsPipeline, { receivers: ["span_metrics"], exporters: ["prometheus"] });
      // milliseconds, pinned: Jaeger reads traces_span_metrics_duration_milliseconds_bucket (latency_unit ms)
      assert.equal(at(doc, "connectors.span_metrics.histogram.unit"), "ms");
    });

    it("queries Prometheus for the normalised names the Monitor tab needs", () => {
      const doc = jaegerConfigDocument(dev);
      const metricsStore = at(doc, "extensions.jaeger_query.storage.metrics") as string;
      const backend = (at(doc, "extensions.jaeger_storage.metric_backends") as Record<string, { prometheus: object }>)[
        metricsStore
      ];
      assert.deepEqual(backend.prometheus, {
        endpoint: "http://prometheus-operated.monitoring.svc:9090",
        normalize_calls: true,
        normalize_duration: true,
      });
    });

    it("enables the Monitor menu in the UI config Jaeger loads", () => {
      const doc = jaegerConfigDocument(dev);
      const uiFile = at(doc, "extensions.jaeger_query.ui.config_file") as string;
      const data = objectNamed(dev, "ConfigMap", "jaeger-config").data ?? {};
      const mount = jaegerContainer(dev).volumeMounts?.find((m) => uiFile.startsWith(m.mountPath + "/"));
      assert.equal(mount?.name, "config");
      const ui = JSON.parse(data[uiFile.slice((mount?.mountPath.length ?? 0) + 1)]) as {
        monitor: { menuEnabled: boolean };
      };
      assert.equal(ui.monitor.menuEnabled, true);
    });
  });

  describe("sampling", () => {
    it("serves the guide's example: gateway at 100%, everything else at 10%", () => {
      const data = objectNamed(dev, "ConfigMap", "jaeger-sampling").data ?? {};
      assert.deepEqual(JSON.parse(data["strategies.json"]), {
        service_strategies: [{ service: "gateway", type: "probabilistic", param: 1 }],
        default_strategy: { type: "probabilistic", param: 0.1 },
      });
    });

    it("points remote_sampling at the mounted file and polls it", () => {
      const doc = jaegerConfigDocument(dev);
      const file = at(doc, "extensions.remote_sampling.file") as { path: string; reload_interval: string };
      assert.equal(file.reload_interval, "30s");
      const mount = jaegerContainer(dev).volumeMounts?.find((m) => file.path === `${m.mountPath}/strategies.json`);
      assert.ok(mount, "the strategies file is on a mount");
      assert.equal(mount.subPath, undefined, "no subPath: ConfigMap updates must reach the pod");
      const volume = jaegerPod(dev).volumes?.find((v) => v.name === mount.name);
      assert.equal(volume?.configMap?.name, "jaeger-sampling");
    });
  });

  describe("outputs", () => {
    it("exports the UI and ingestion endpoints", () => {
      assert.equal(dev.outputs.uiUrl, "http://localhost:30002");
      assert.equal(dev.outputs.otlpGrpcEndpoint, "http://jaeger-collector.observability.svc.cluster.local:4317");
      assert.equal(dev.outputs.otlpHttpEndpoint, "http://jaeger-collector.observability.svc.cluster.local:4318");
      assert.equal(dev.outputs.jaegerGrpcEndpoint, "jaeger-collector.observability.svc.cluster.local:14250");
      assert.equal(
        dev.outputs.zipkinEndpoint,
        "http://jaeger-collector.observability.svc.cluster.local:9411/api/v2/spans",
      );
      assert.equal(dev.outputs.namespace, "observability");
      assert.equal(dev.outputs.storageBackend, "badger");
    });
  });
});

describe("config changes touch only what they must", () => {
  const set = (key: string, value: string) => configSet(stackConfig("dev"), key, value, { path: true });

  /** Inputs as the engine diffs them: paths under ignoreChanges keep their old value. */
  function inputsOf(ev: Evaluation, kind: string, name: string): unknown {
    const resource = resourceFor(ev, kind, name);
    const inputs = structuredClone(resource.inputs);
    for (const path of resource.options.ignoreChanges ?? []) {
      const keys = path.split(".");
      const parent = keys
        .slice(0, -1)
        .reduce<Record<string, unknown> | undefined>(
          (node, key) => node?.[key] as Record<string, unknown> | undefined,
          inputs,
        );
      if (parent) delete parent[keys[keys.length - 1]];
    }
    return inputs;
  }

  let before_: Evaluation;
  before(async () => {
    before_ = await evaluateStack("dev");
  });

  it("a sampling change rewrites the strategies file and leaves the Deployment identical (no restart)", async () => {
    const after = await evaluateStack("dev", set("sampling.services[0].param", "0.5"));
    assert.deepEqual(inputsOf(after, "Deployment", "jaeger"), inputsOf(before_, "Deployment", "jaeger"));
    assert.deepEqual(inputsOf(after, "ConfigMap", "jaeger-config"), inputsOf(before_, "ConfigMap", "jaeger-config"));
    const strategies = JSON.parse(objectNamed(after, "ConfigMap", "jaeger-sampling").data?.["strategies.json"] ?? "{}");
    assert.equal(strategies.service_strategies[0].param, 0.5);
  });

  it("a retention change alters the Jaeger config and its checksum, and nothing stateful", async () => {
    const after = await evaluateStack("dev", set("storage.retention", "72h"));
    assert.equal(at(jaegerConfigDocument(after), "extensions.jaeger_storage.backends.traces.badger.ttl.spans"), "72h");
    const checksum = (ev: Evaluation) =>
      objectNamed(ev, "Deployment", "jaeger").spec?.template.metadata?.annotations?.["checksum/jaeger-config"];
    assert.match(checksum(after) ?? "", /^[a-f0-9]{64}$/);
    assert.notEqual(checksum(after), checksum(before_), "the pod rolls to pick up the new TTL");
    for (const [kind, name] of [
      ["PersistentVolumeClaim", "jaeger-badger"],
      ["Namespace", "observability"],
      ["ConfigMap", "jaeger-sampling"],
    ]) {
      assert.deepEqual(inputsOf(after, kind, name), inputsOf(before_, kind, name), `${kind} ${name}`);
    }
  });

  it("no stack-config change replaces the claim: its storage class is ignored after creation", () => {
    const claim = resourceFor(before_, "PersistentVolumeClaim", "jaeger-badger");
    assert.ok(claim.options.ignoreChanges?.includes("spec.storageClassName"));
  });

  it("a shorter retention never asks Kubernetes to shrink the claim; an explicit size still grows it", async () => {
    const shorter = await evaluateStack("dev", set("storage.retention", "24h"));
    const claim = resourceFor(shorter, "PersistentVolumeClaim", "jaeger-badger");
    // the derived size went down (16Gi), but the engine keeps the existing request
    assert.equal(
      objectNamed(shorter, "PersistentVolumeClaim", "jaeger-badger").spec?.resources?.requests?.storage,
      "16Gi",
    );
    assert.ok(claim.options.ignoreChanges?.includes("spec.resources.requests.storage"));
    const explicit = await evaluateStack("dev", set("storage.badger.volumeSize", "300Gi"));
    const explicitClaim = resourceFor(explicit, "PersistentVolumeClaim", "jaeger-badger");
    assert.ok(!explicitClaim.options.ignoreChanges?.includes("spec.resources.requests.storage"));
    assert.equal(
      objectNamed(explicit, "PersistentVolumeClaim", "jaeger-badger").spec?.resources?.requests?.storage,
      "300Gi",
    );
  });

  it("the Badger disk alert follows the claim as deployed: 168h -> 72h keeps a 174Gi claim, and the threshold is 15% of 174Gi", async () => {
    // A stack deployed when its claim was derived as 174Gi (e.g. before the bytes-per-span default
    // moved), now given a shorter retention: the claim's size is ignored and stays at 174Gi.
    const claim = resourceFor(before_, "PersistentVolumeClaim", "jaeger-badger");
    const deployedClaim = structuredClone(claim.inputs) as { spec: { resources: { requests: { storage: string } } } };
    deployedClaim.spec.resources.requests.storage = "174Gi";
    const deployed = new Map([[`${claim.type}::${claim.name}`, deployedClaim as unknown as Record<string, unknown>]]);
    const raw = set("storage.retention", "72h");
    const after = await evaluateStack("dev", raw, stackSecretKeys("dev"), PROGRAM, deployed);
    assert.equal(
      objectNamed(after, "PersistentVolumeClaim", "jaeger-badger").spec?.resources?.requests?.storage,
      "174Gi",
    );
    assert.deepEqual(
      after.ignoredChanges.map((c) => [c.name, c.path, c.deployed]),
      [[claim.name, "spec.resources.requests.storage", "174Gi"]],
    );
    const alert = (deployedRuleFile(after) as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "JaegerBadgerDiskSpaceLow");
    // 15% of 174Gi = 0.15 x 186,831,077,376 B = 28,024,661,606.4 -> 28024661606
    assert.match(alert?.expr ?? "", / < 28024661606$/);
  });
});

describe("prod stack (Elasticsearch via ECK)", () => {
  let prod: Evaluation;
  before(async () => {
    prod = await evaluateStack("prod");
  });

  it("protects the namespace and the Elasticsearch cluster (its data) from deletion", () => {
    const namespace = resourceFor(prod, "Namespace", "observability");
    const cluster = resourceFor(prod, "Elasticsearch", "jaeger-es");
    for (const r of [namespace, cluster]) {
      assert.equal(r.options.protect, true, `${r.type} protect`);
      assert.equal(r.options.retainOnDelete, true, `${r.type} retainOnDelete`);
    }
  });

  it("keeps the query UI on ClusterIP with two query replicas and autoscaled collectors", () => {
    assert.equal(objectNamed(prod, "Service", "jaeger-query").spec?.type, "ClusterIP");
    assert.equal(objectNamed(prod, "Deployment", "jaeger-query").spec?.replicas, 2);
    const hpa = objectNamed(prod, "HorizontalPodAutoscaler", "jaeger-collector");
    assert.equal(hpa.spec?.minReplicas, 2);
    assert.equal(hpa.spec?.maxReplicas, 6);
    // prod signs in through OIDC: the UI's address is the sign-in proxy's public one
    assert.equal(prod.outputs.uiUrl, "https://jaeger.example.com");
  });

  it("drops health-check traces by default", () => {
    const strategies = JSON.parse(objectNamed(prod, "ConfigMap", "jaeger-sampling").data?.["strategies.json"] ?? "{}");
    assert.deepEqual(strategies.default_strategy.operation_strategies, [
      { operation: "GET /health", type: "probabilistic", param: 0 },
    ]);
  });

  it("on Badger, protects the claim from deletion", async () => {
    const badger = await evaluateStack(
      "prod",
      configSet(
        configSet(stackConfig("prod"), "storage.backend", "badger", { path: true }),
        "backup.acceptInconsistentFileCopies",
        "true",
        { path: true },
      ),
    );
    const claim = resourceFor(badger, "PersistentVolumeClaim", "jaeger-badger");
    assert.equal(claim.options.protect, true);
    assert.equal(claim.options.retainOnDelete, true);
    assert.equal(
      objectNamed(badger, "PersistentVolumeClaim", "jaeger-badger").spec?.resources?.requests?.storage,
      // 3000 spans/s x 640 B x 168h = 1081.5 GiB, x 1.5 headroom = 1622.2 -> 1623Gi
      "1623Gi",
    );
  });
});
