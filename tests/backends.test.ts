import * as assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1";
import type { Container, PodSpec } from "kubernetes-types/core/v1";
import { parseStackConfig } from "../config/load";
import { indexCleanerImage } from "../components/search/indexCleaner";
import { Evaluation, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { edits } from "./support/stackEdits";
import { parse } from "yaml";
import { EXPECTED_PORTS } from "./support/jaegerPorts";
import {
  at,
  dependencyKey,
  deploymentConfig,
  kubernetesObjects,
  objectNamed,
  objectsOfKind,
  resourceFor,
} from "./support/objects";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";
const PASSWORD = "s3cr3t-es-password";

const EXTERNAL_BASIC: [string, string, boolean?][] = [
  ["storage.backend", "elasticsearch"],
  ["storage.retention", "72h"],
  ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
  ["storage.elasticsearch.auth", "basic"],
  ["storage.elasticsearch.username", "jaeger"],
  ["storage.elasticsearch.caCert", CA],
  ["elasticsearchPassword", PASSWORD, false],
];

const matches = (selector: Record<string, string> = {}, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

const pod = (d: Deployment): PodSpec => {
  assert.ok(d.spec?.template.spec);
  return d.spec.template.spec;
};
const container = (d: Deployment): Container => pod(d).containers[0];
/** Jaeger's own workloads (not the sign-in proxy beside them). */
const jaegerDeployments = (ev: Evaluation): Deployment[] =>
  objectsOfKind(ev, "Deployment").filter((d) => d.metadata?.labels?.["app.kubernetes.io/name"] === "jaeger");

/** Every endpoint value in a Jaeger config document. */
function endpoints(document: unknown): string[] {
  if (Array.isArray(document)) return document.flatMap(endpoints);
  if (document === null || typeof document !== "object") return [];
  return Object.entries(document).flatMap(([k, v]) => (k === "endpoint" && typeof v === "string" ? [v] : endpoints(v)));
}

const BACKENDS: { name: string; evaluate: () => Promise<Evaluation>; roles: string[] }[] = [
  { name: "Badger (dev)", evaluate: () => evaluateStack("dev"), roles: ["jaeger"] },
  {
    name: "Elasticsearch, external (dev + basic auth)",
    evaluate: () => evaluateStack("dev", edits("dev", EXTERNAL_BASIC), ["jaeger-spm:elasticsearchPassword"]),
    roles: ["jaeger-collector", "jaeger-query"],
  },
  {
    name: "Elasticsearch, in-cluster ECK (prod)",
    evaluate: () => evaluateStack("prod"),
    roles: ["jaeger-collector", "jaeger-query"],
  },
];

describe("shared guarantees on every storage backend", () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      let ev: Evaluation;
      before(async () => {
        ev = await backend.evaluate();
      });

      it("runs the expected Jaeger roles", () => {
        assert.deepEqual(
          jaegerDeployments(ev)
            .map((d) => d.metadata?.name)
            .sort(),
          backend.roles,
        );
      });

      it("serves every documented port: Service -> pods -> container port -> Jaeger config", () => {
        for (const { service: serviceName, port } of EXPECTED_PORTS) {
          const service = objectNamed(ev, "Service", serviceName);
          const servicePort = service.spec?.ports?.find((p) => p.port === port);
          assert.ok(servicePort, `${serviceName} exposes ${port}`);
          const selected = objectsOfKind(ev, "Deployment").filter((d) =>
            matches(service.spec?.selector, d.spec?.template.metadata?.labels),
          );
          assert.ok(selected.length > 0, `${serviceName} selects pods`);
          const targetPort = servicePort.targetPort;
          for (const d of selected) {
            const target = container(d).ports?.find((p) => p.name === targetPort);
            assert.equal(target?.containerPort, port, `${serviceName}:${port} -> ${d.metadata?.name}`);
            assert.ok(
              endpoints(deploymentConfig(ev, d)).includes(`0.0.0.0:${port}`),
              `${d.metadata?.name} listens on ${port}`,
            );
          }
        }
      });

      it("probes /status on each role's healthcheckv2 port", () => {
        for (const d of jaegerDeployments(ev)) {
          const c = container(d);
          const healthPort = c.ports?.find((p) => p.name === "health")?.containerPort;
          assert.equal(at(deploymentConfig(ev, d), "extensions.healthcheckv2.http.endpoint"), `0.0.0.0:${healthPort}`);
          for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
            assert.equal(probe?.httpGet?.path, "/status");
            assert.equal(probe?.httpGet?.port, "health");
          }
        }
      });

      it("meets Pod Security 'restricted' in every pod template (Deployments and CronJobs)", () => {
        const templates: [string, PodSpec | undefined][] = [
          ...objectsOfKind(ev, "Deployment").map((d): [string, PodSpec | undefined] => [
            String(d.metadata?.name),
            d.spec?.template.spec,
          ]),
          ...objectsOfKind(ev, "CronJob").map((j): [string, PodSpec | undefined] => [
            String(j.metadata?.name),
            j.spec?.jobTemplate.spec?.template.spec,
          ]),
        ];
        for (const [name, spec] of templates) {
          assert.ok(spec, name);
          assert.equal(spec.securityContext?.runAsNonRoot, true, name);
          assert.equal(spec.securityContext?.seccompProfile?.type, "RuntimeDefault", name);
          for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
            assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${name}/${c.name}`);
            assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], `${name}/${c.name}`);
            assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${name}/${c.name}`);
            assert.ok(c.resources?.requests && c.resources?.limits, `${name}/${c.name} resources`);
          }
          for (const v of spec.volumes ?? []) assert.equal(v.hostPath, undefined, `${name} hostPath`);
        }
      });

      it("wires SPM: spans -> span_metrics -> :8889, and the UI's Monitor tab -> Prometheus with normalised names", () => {
        const ingest = jaegerDeployments(ev).find((d) => endpoints(deploymentConfig(ev, d)).includes("0.0.0.0:4317"));
        const query = jaegerDeployments(ev).find((d) => endpoints(deploymentConfig(ev, d)).includes("0.0.0.0:16686"));
        assert.ok(ingest && query);
        const ingestConfig = deploymentConfig(ev, ingest);
        assert.ok((at(ingestConfig, "service.pipelines.traces.exporters") as string[]).includes("span_metrics"));
        assert.equal(at(ingestConfig, "exporters.prometheus.endpoint"), "0.0.0.0:8889");
        const queryConfig = deploymentConfig(ev, query);
        const metricsStore = at(queryConfig, "extensions.jaeger_query.storage.metrics") as string;
        const backendConfig = (at(queryConfig, "extensions.jaeger_storage.metric_backends") as Record<string, unknown>)[
          metricsStore
        ];
        assert.deepEqual(at(backendConfig, "prometheus.normalize_calls"), true);
        assert.deepEqual(at(backendConfig, "prometheus.normalize_duration"), true);
        const ui = objectNamed(
          ev,
          "ConfigMap",
          String(pod(query).volumes?.find((v) => v.name === "config")?.configMap?.name),
        ).data?.["ui-config.json"];
        assert.equal(JSON.parse(ui ?? "{}").monitor.menuEnabled, true);
      });

      it("selects real pods from every Service", () => {
        const labels = objectsOfKind(ev, "Deployment").map((d) => d.spec?.template.metadata?.labels);
        for (const s of objectsOfKind(ev, "Service")) {
          assert.ok(
            labels.some((l) => matches(s.spec?.selector, l)),
            `${s.metadata?.name} selects pods`,
          );
        }
        for (const d of objectsOfKind(ev, "Deployment")) {
          assert.ok(matches(d.spec?.selector.matchLabels, d.spec?.template.metadata?.labels), `${d.metadata?.name}`);
        }
      });
    });
  }
});

describe("Elasticsearch / OpenSearch backend", () => {
  describe("external cluster with basic auth and a custom CA", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack("dev", edits("dev", EXTERNAL_BASIC), ["jaeger-spm:elasticsearchPassword"]);
    });

    it("keeps the password in a Secret mounted as a file, never in a ConfigMap, env literal, arg or output", () => {
      const secret = resourceFor(ev, "Secret", "jaeger-storage-credentials");
      assert.deepEqual(secret.inputs.stringData, { password: PASSWORD });
      assert.ok(secret.secretPaths.includes("stringData"));
      for (const r of ev.resources.filter((r) => r.type !== "kubernetes:core/v1:Secret")) {
        assert.ok(!JSON.stringify(r.inputs).includes(PASSWORD), `${r.type} ${r.name} holds the password`);
      }
      assert.ok(!JSON.stringify(ev.outputs).includes(PASSWORD));
      for (const name of ["jaeger-collector", "jaeger-query"]) {
        const d = objectNamed(ev, "Deployment", name);
        const es = at(deploymentConfig(ev, d), "extensions.jaeger_storage.backends.traces.elasticsearch") as Record<
          string,
          unknown
        >;
        const passwordFile = String(at(es, "auth.basic.password_file"));
        const caFile = String(at(es, "tls.ca_file"));
        assert.equal(at(es, "auth.basic.username"), "jaeger");
        assert.deepEqual(es.server_urls, ["https://es.example.com:9200"]);
        for (const [file, secretName, key] of [
          [passwordFile, "jaeger-storage-credentials", "password"],
          [caFile, "jaeger-storage-ca", "ca.crt"],
        ]) {
          const mount = container(d).volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
          assert.ok(mount?.readOnly, `${name}: ${file} is on a read-only mount`);
          const volume = pod(d).volumes?.find((v) => v.name === mount?.name);
          assert.equal(volume?.secret?.secretName, secretName);
          assert.deepEqual(volume?.secret?.items, [{ key, path: file.slice(mount.mountPath.length + 1) }]);
        }
      }
    });

    it("uses the Elasticsearch index settings (shards, replicas) for every index type", () => {
      const es = at(
        deploymentConfig(ev, objectNamed(ev, "Deployment", "jaeger-collector")),
        "extensions.jaeger_storage.backends.traces.elasticsearch.indices",
      ) as Record<string, unknown>;
      assert.deepEqual(es.spans, { shards: 3, replicas: 1 });
      for (const index of ["services", "dependencies", "sampling"])
        assert.deepEqual(es[index], { shards: 1, replicas: 1 });
    });

    it("scales collectors with an HPA, protects both roles with PDBs and spreads them over nodes", () => {
      const hpa = objectNamed(ev, "HorizontalPodAutoscaler", "jaeger-collector");
      assert.equal(hpa.spec?.scaleTargetRef.name, "jaeger-collector");
      assert.equal(hpa.spec?.metrics?.[0].resource?.target.averageUtilization, 70);
      assert.equal(
        objectNamed(ev, "Deployment", "jaeger-collector").spec?.replicas,
        undefined,
        "the HPA owns replicas",
      );
      for (const role of ["jaeger-collector", "jaeger-query"]) {
        const d = objectNamed(ev, "Deployment", role);
        assert.equal(d.spec?.strategy?.type, "RollingUpdate");
        const pdb = objectNamed(ev, "PodDisruptionBudget", role);
        assert.equal(pdb.spec?.maxUnavailable, 1);
        assert.ok(matches(pdb.spec?.selector?.matchLabels, d.spec?.template.metadata?.labels));
        const spread = pod(d).topologySpreadConstraints ?? [];
        assert.deepEqual(
          spread.map((c) => c.topologyKey),
          ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        assert.ok(spread.every((c) => matches(c.labelSelector?.matchLabels, d.spec?.template.metadata?.labels)));
      }
    });

    it("deletes indices older than the retention with the index cleaner CronJob", () => {
      const job = objectNamed(ev, "CronJob", "jaeger-es-index-cleaner");
      assert.equal(job.spec?.concurrencyPolicy, "Forbid");
      assert.ok((job.spec?.startingDeadlineSeconds ?? 0) > 0);
      const c = job.spec?.jobTemplate.spec?.template.spec?.containers[0];
      assert.equal(c?.image, "jaegertracing/jaeger-es-index-cleaner:2.20.0");
      // retention 72h = 3 days
      assert.deepEqual(c?.args?.slice(0, 2), ["3", "https://es.example.com:9200"]);
      const password = c?.env?.find((e) => e.name === "ES_PASSWORD");
      assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: "jaeger-storage-credentials", key: "password" });
      assert.equal(password?.value, undefined);
    });

    it("keeps Service names and ports identical to the Badger shape", async () => {
      const badger = await evaluateStack("dev");
      const shape = (e: Evaluation, names: string[]) =>
        names.map((n) => ({ n, ports: objectNamed(e, "Service", n).spec?.ports?.map((p) => [p.name, p.port]) }));
      const names = ["jaeger-query", "jaeger-collector", "jaeger-metrics", "jaeger-span-metrics"];
      assert.deepEqual(shape(ev, names), shape(badger, names));
    });

    it("no longer manages the Badger claim, which Pulumi keeps in the cluster (retainOnDelete)", async () => {
      const badger = await evaluateStack("dev");
      assert.equal(resourceFor(badger, "PersistentVolumeClaim", "jaeger-badger").options.retainOnDelete, true);
      assert.ok(!ev.resources.some((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim"));
    });

    it("imports the Elasticsearch variant of the health dashboard", () => {
      assert.deepEqual(ev.outputs.grafanaDashboardUids, ["jaeger-spm-red", "jaeger-health-elasticsearch"]);
      const maps = objectsOfKind(ev, "ConfigMap").filter((m) => m.metadata?.labels?.grafana_dashboard === "1");
      assert.ok(maps.some((m) => Object.values(m.data ?? {}).some((json) => json.includes("Bulk inserts / errors"))));
    });
  });

  it("external with an API key mounts it as a file for Jaeger and the index cleaner", async () => {
    const ev = await evaluateStack(
      "dev",
      edits("dev", [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
        ["storage.elasticsearch.auth", "apiKey"],
        ["elasticsearchApiKey", "aWQ6a2V5", false],
      ]),
      ["jaeger-spm:elasticsearchApiKey"],
    );
    const d = objectNamed(ev, "Deployment", "jaeger-collector");
    const file = String(
      at(deploymentConfig(ev, d), "extensions.jaeger_storage.backends.traces.elasticsearch.auth.api_key.file_path"),
    );
    const mount = container(d).volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
    assert.equal(pod(d).volumes?.find((v) => v.name === mount?.name)?.secret?.secretName, "jaeger-storage-credentials");
    const cleaner = objectNamed(ev, "CronJob", "jaeger-es-index-cleaner").spec?.jobTemplate.spec?.template.spec
      ?.containers[0];
    assert.ok(cleaner?.args?.includes(`--es.api-key-file=${file}`));
    // https without a CA of ours: the cleaner still verifies the server, against the image's roots.
    assert.ok(cleaner?.args?.includes("--es.tls.enabled=true"), String(cleaner?.args));
    assert.ok(!cleaner?.args?.some((a) => a.includes("skip-host-verify")));
  });

  it("the index cleaner talks plain HTTP to an http:// cluster (no TLS flags)", async () => {
    const ev = await evaluateStack(
      "dev",
      edits("dev", [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "http://es.example.com:9200"],
      ]),
    );
    const cleaner = objectNamed(ev, "CronJob", "jaeger-es-index-cleaner").spec?.jobTemplate.spec?.template.spec
      ?.containers[0];
    // dev keeps 168h = 7 days
    assert.deepEqual(cleaner?.args, ["7", "http://es.example.com:9200"]);
  });

  it("OpenSearch uses the opensearch storage type with the same settings", async () => {
    const ev = await evaluateStack(
      "dev",
      edits("dev", [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.flavor", "opensearch"],
        ["storage.elasticsearch.serverUrls[0]", "http://opensearch.search.svc:9200"],
      ]),
    );
    const backends = at(
      deploymentConfig(ev, objectNamed(ev, "Deployment", "jaeger-query")),
      "extensions.jaeger_storage.backends.traces",
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(backends), ["opensearch"]);
    assert.deepEqual(at(backends, "opensearch.server_urls"), ["http://opensearch.search.svc:9200"]);
  });

  describe("in-cluster Elasticsearch (prod)", () => {
    let prod: Evaluation;
    before(async () => {
      prod = await evaluateStack("prod");
    });

    it("installs the pinned ECK operator and an Elasticsearch with the configured nodes and volumes", () => {
      const operator = prod.resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "eck-operator",
      );
      assert.ok(operator);
      assert.match(String(operator.inputs.version), /^\d+\.\d+\.\d+$/);
      const cluster = resourceFor(prod, "Elasticsearch", "jaeger-es").inputs;
      assert.equal(at(cluster, "spec.version"), "8.19.0");
      assert.equal(at(cluster, "spec.nodeSets.0.count"), 3);
      // derived from 3000 spans/s x 832 B x 168h x 2 copies x 1.5 / 3 nodes (config/sizing.ts)
      assert.equal(at(cluster, "spec.nodeSets.0.volumeClaimTemplates.0.spec.resources.requests.storage"), "1406Gi");
      assert.equal(at(cluster, "spec.volumeClaimDeletePolicy"), "DeleteOnScaledownOnly");
    });

    it("leaves the Elasticsearch container's securityContext to ECK, whose default is stricter", () => {
      // ECK fills in its own (no privilege escalation, no capabilities, read-only root filesystem,
      // non-root) only when the container has none: setting one here would drop readOnlyRootFilesystem.
      const podSpec = at(
        resourceFor(prod, "Elasticsearch", "jaeger-es").inputs,
        "spec.nodeSets.0.podTemplate.spec",
      ) as PodSpec;
      const elasticsearch = podSpec.containers.find((c) => c.name === "elasticsearch");
      assert.ok(elasticsearch);
      assert.equal(elasticsearch.securityContext, undefined);
      // Pod level still carries what the restricted namespace needs.
      assert.equal(podSpec.securityContext?.runAsNonRoot, true);
      assert.equal(podSpec.securityContext?.seccompProfile?.type, "RuntimeDefault");
    });

    it("connects every client over HTTPS with ECK's CA as its own least-privilege user, never `elastic`", () => {
      const users = { "jaeger-collector": "jaeger-collector", "jaeger-query": "jaeger-query" } as const;
      for (const [deployment, user] of Object.entries(users)) {
        const d = objectNamed(prod, "Deployment", deployment);
        const es = at(deploymentConfig(prod, d), "extensions.jaeger_storage.backends.traces.elasticsearch") as Record<
          string,
          unknown
        >;
        assert.deepEqual(es.server_urls, ["https://jaeger-es-es-http.observability.svc:9200"]);
        assert.equal(at(es, "auth.basic.username"), user);
        const secrets = (pod(d).volumes ?? []).map((v) => v.secret?.secretName).filter(Boolean);
        assert.deepEqual(secrets.sort(), ["jaeger-es-es-http-certs-public", `jaeger-es-${user}`]);
        assert.ok(
          resourceFor(prod, "Deployment", deployment).options.dependsOn.includes(
            dependencyKey(resourceFor(prod, "Elasticsearch", "jaeger-es")),
          ),
        );
      }
      const cleaner = objectNamed(prod, "CronJob", "jaeger-es-index-cleaner").spec?.jobTemplate.spec?.template.spec
        ?.containers[0];
      // retention 168h = 7 days
      assert.deepEqual(cleaner?.args?.slice(0, 2), ["7", "https://jaeger-es-es-http.observability.svc:9200"]);
      assert.equal(cleaner?.env?.find((e) => e.name === "ES_USERNAME")?.value, "jaeger-index-cleaner");
      assert.deepEqual(cleaner?.env?.find((e) => e.name === "ES_PASSWORD")?.valueFrom?.secretKeyRef, {
        name: "jaeger-es-jaeger-index-cleaner",
        key: "password",
      });
      const everything = JSON.stringify(kubernetesObjects(prod));
      assert.ok(!everything.includes("es-elastic-user"), "no client uses the elastic superuser's Secret");
    });

    it("declares the users and their roles to ECK: writes, reads, deletes, snapshots and watches snapshots each by one user", () => {
      const cluster = resourceFor(prod, "Elasticsearch", "jaeger-es");
      const fileRealm = (at(cluster.inputs, "spec.auth.fileRealm") as { secretName: string }[]).map(
        (r) => r.secretName,
      );
      const rolesSecret = (at(cluster.inputs, "spec.auth.roles") as { secretName: string }[])[0].secretName;
      const roles = parse(objectNamed(prod, "Secret", rolesSecret).stringData?.["roles.yml"] ?? "") as Record<
        string,
        { cluster: string[]; indices: { names: string[]; privileges: string[] }[] }
      >;
      const privileges = new Map<string, string[]>();
      for (const name of fileRealm) {
        const user = objectNamed(prod, "Secret", name);
        assert.equal(user.type, "kubernetes.io/basic-auth", name);
        const role = roles[user.stringData?.roles ?? ""];
        assert.ok(role, `${name}'s role ${user.stringData?.roles} is declared`);
        assert.ok(
          role.indices.every((i) => i.names.every((n) => n === "jaeger-*")),
          "index privileges only on Jaeger's indices",
        );
        privileges.set(user.stringData?.username ?? "", [
          ...role.cluster,
          ...role.indices.flatMap((i) => i.privileges),
        ]);
        assert.ok(user.stringData?.password, "a generated password");
        assert.ok(
          resourceFor(prod, "Secret", name).secretPaths.includes("stringData"),
          "the password is a Pulumi secret",
        );
      }
      const holders = (privilege: string) => [...privileges].filter(([, p]) => p.includes(privilege)).map(([u]) => u);
      assert.deepEqual(holders("write"), ["jaeger-collector"]);
      assert.deepEqual(holders("delete_index"), ["jaeger-index-cleaner"]);
      assert.deepEqual(holders("manage_slm"), ["jaeger-snapshots"]);
      assert.deepEqual(holders("read").sort(), ["jaeger-query", "jaeger-snapshots"]);
      // The snapshot exporter only looks: repositories and snapshots, cluster health, no index data.
      assert.deepEqual(privileges.get("jaeger-snapshot-monitor"), ["monitor", "monitor_snapshot"]);
      assert.ok(
        resourceFor(prod, "Elasticsearch", "jaeger-es").options.dependsOn.includes(
          dependencyKey(resourceFor(prod, "Secret", "jaeger-es-jaeger-roles")),
        ),
        "the roles exist before the cluster reads them",
      );
    });

    it("only collectors create index templates at start-up; query servers (read-only user) do not try", () => {
      const es = (name: string) =>
        at(
          deploymentConfig(prod, objectNamed(prod, "Deployment", name)),
          "extensions.jaeger_storage.backends.traces.elasticsearch",
        ) as Record<string, unknown>;
      assert.equal(es("jaeger-query").create_mappings, false);
      assert.notEqual(es("jaeger-collector").create_mappings, false);
      const roles = parse(
        objectNamed(prod, "Secret", "jaeger-es-jaeger-roles").stringData?.["roles.yml"] ?? "",
      ) as Record<string, { cluster: string[] }>;
      assert.ok(roles.jaeger_writer.cluster.includes("manage_index_templates"));
      assert.ok(!roles.jaeger_reader.cluster.includes("manage_index_templates"));
    });

    it("looks back as far as the retention (max_span_age), not Jaeger's 72h default", () => {
      for (const name of ["jaeger-collector", "jaeger-query"]) {
        const doc = deploymentConfig(prod, objectNamed(prod, "Deployment", name));
        assert.equal(at(doc, "extensions.jaeger_storage.backends.traces.elasticsearch.max_span_age"), "168h");
      }
    });

    it("bearer token propagation: the query role uses only the caller's token; collectors keep their user", async () => {
      const ev = await evaluateStack(
        "prod",
        configSet(stackConfig("prod"), "security.bearerTokenPropagation", "true", { path: true }),
      );
      const auth = (name: string) =>
        at(
          deploymentConfig(ev, objectNamed(ev, "Deployment", name)),
          "extensions.jaeger_storage.backends.traces.elasticsearch.auth",
        ) as Record<string, unknown>;
      assert.deepEqual(auth("jaeger-query"), { bearer_token: { from_context: true } });
      assert.deepEqual(Object.keys(auth("jaeger-collector")), ["basic"]);
      assert.equal(at(auth("jaeger-collector"), "basic.username"), "jaeger-collector");
      const querySecrets = (pod(objectNamed(ev, "Deployment", "jaeger-query")).volumes ?? [])
        .map((v) => v.secret?.secretName)
        .filter(Boolean);
      assert.deepEqual(querySecrets, ["jaeger-es-es-http-certs-public"], "no stored credentials in the query pods");
      // Jaeger asks the cluster its version at start-up (GET /) with no caller's token; a secured
      // cluster answers 401 and the query pods crash-loop. The version comes from the config instead.
      assert.equal(
        at(
          deploymentConfig(ev, objectNamed(ev, "Deployment", "jaeger-query")),
          "extensions.jaeger_storage.backends.traces.elasticsearch.version",
        ),
        8,
        "in-cluster Elasticsearch 8.19.0: version 8, no probe",
      );
    });

    it("without propagation, Jaeger keeps probing the version (a derived version changes no pod)", () => {
      for (const name of ["jaeger-collector", "jaeger-query"]) {
        const doc = deploymentConfig(prod, objectNamed(prod, "Deployment", name));
        assert.equal(at(doc, "extensions.jaeger_storage.backends.traces.elasticsearch.version"), undefined, name);
      }
    });
  });

  describe("external cluster version (storage.elasticsearch.majorVersion)", () => {
    const versionOf = (ev: Evaluation, name: string, flavor = "elasticsearch") =>
      at(
        deploymentConfig(ev, objectNamed(ev, "Deployment", name)),
        `extensions.jaeger_storage.backends.traces.${flavor}.version`,
      );

    it("bearer token propagation on an external OpenSearch 2: the query role skips the probe (version 102)", async () => {
      const ev = await evaluateStack(
        "dev",
        edits("dev", [
          ...EXTERNAL_BASIC,
          ["storage.elasticsearch.flavor", "opensearch"],
          ["storage.elasticsearch.majorVersion", "2"],
          ["security.bearerTokenPropagation", "true"],
        ]),
        ["jaeger-spm:elasticsearchPassword"],
      );
      assert.equal(versionOf(ev, "jaeger-query", "opensearch"), 102, "Jaeger's number for OpenSearch 2.x");
    });

    it("a stated version reaches every role, even without propagation", async () => {
      const ev = await evaluateStack(
        "dev",
        edits("dev", [...EXTERNAL_BASIC, ["storage.elasticsearch.majorVersion", "9"]]),
        ["jaeger-spm:elasticsearchPassword"],
      );
      assert.equal(versionOf(ev, "jaeger-query"), 9);
      assert.equal(versionOf(ev, "jaeger-collector"), 9);
    });
  });

  describe("validation", () => {
    const es = (values: [string, string, boolean?][]) =>
      edits("dev", [["storage.backend", "elasticsearch"], ...values]);
    const url: [string, string] = ["storage.elasticsearch.serverUrls[0]", "https://es:9200"];
    const cases: { what: string; raw: RawConfig; secret?: string[]; message: RegExp }[] = [
      {
        what: "external without server URLs",
        raw: es([]),
        message:
          /^jaeger-spm:storage\.elasticsearch\.serverUrls = \(not set\): expected at least one server URL when storage\.backend is elasticsearch/,
      },
      {
        what: "zero shards",
        raw: es([url, ["storage.elasticsearch.spans.shards", "0"]]),
        message: /^jaeger-spm:storage\.elasticsearch\.spans\.shards = 0: expected a whole number of shards, 1 to 100$/,
      },
      {
        what: "replicas not below the in-cluster node count",
        raw: es([
          ["storage.elasticsearch.mode", "inCluster"],
          ["storage.elasticsearch.inCluster.nodeCount", "1"],
        ]),
        message:
          /^jaeger-spm:storage\.elasticsearch\.spans\.replicas = \(not set\): expected fewer replicas \(1\) than storage\.elasticsearch\.inCluster\.nodeCount \(1\)/,
      },
      {
        what: "a retention that is not whole days",
        raw: es([url, ["storage.retention", "36h"]]),
        message:
          /^jaeger-spm:storage\.retention = "36h": expected a whole number of days \(e\.g\. 168h or 72h\) with storage\.backend elasticsearch/,
      },
      {
        what: "bearer token propagation to an external cluster of unknown version",
        raw: es([url, ["security.bearerTokenPropagation", "true"]]),
        message:
          /^jaeger-spm:storage\.elasticsearch\.majorVersion = \(not set\): expected the external cluster's major version \(7, 8, 9 for elasticsearch\) when security\.bearerTokenPropagation is true/,
      },
      {
        what: "an OpenSearch major version Jaeger does not support",
        raw: es([url, ["storage.elasticsearch.flavor", "opensearch"], ["storage.elasticsearch.majorVersion", "8"]]),
        message: /^jaeger-spm:storage\.elasticsearch\.majorVersion = 8: expected one of 1, 2, 3 for flavor opensearch/,
      },
      {
        what: "a major version with an in-cluster cluster",
        raw: es([
          ["storage.elasticsearch.mode", "inCluster"],
          ["storage.elasticsearch.majorVersion", "8"],
        ]),
        message: /^jaeger-spm:storage\.elasticsearch\.majorVersion = 8: expected not set with mode inCluster/,
      },
      {
        what: "an in-cluster Elasticsearch older than 8.8 (ECK's hardened container defaults need 8.8)",
        raw: es([
          ["storage.elasticsearch.mode", "inCluster"],
          ["storage.elasticsearch.inCluster.version", "7.17.25"],
        ]),
        message: /^jaeger-spm:storage\.elasticsearch\.inCluster\.version = "7\.17\.25": expected 8\.8\.0 or newer/,
      },
      {
        what: "basic auth without a user name",
        raw: es([url, ["storage.elasticsearch.auth", "basic"], ["elasticsearchPassword", "x", false]]),
        secret: ["jaeger-spm:elasticsearchPassword"],
        message:
          /^jaeger-spm:storage\.elasticsearch\.username = \(not set\): expected a user name when storage\.elasticsearch\.auth is basic$/,
      },
      {
        what: "basic auth without a password",
        raw: es([url, ["storage.elasticsearch.auth", "basic"], ["storage.elasticsearch.username", "jaeger"]]),
        message:
          /^jaeger-spm:elasticsearchPassword = \(not set\): expected the password of storage\.elasticsearch\.username/,
      },
      {
        what: "API key auth without a key",
        raw: es([url, ["storage.elasticsearch.auth", "apiKey"]]),
        message:
          /^jaeger-spm:elasticsearchApiKey = \(not set\): expected an API key when storage\.elasticsearch\.auth is apiKey/,
      },
      {
        what: "a password with auth none",
        raw: es([url, ["elasticsearchPassword", "x", false]]),
        secret: ["jaeger-spm:elasticsearchPassword"],
        message:
          /^jaeger-spm:elasticsearchPassword is set but unused: expected storage\.elasticsearch\.auth "basic" \(it is "none"\)$/,
      },
      {
        what: "a password in plaintext",
        raw: es([
          url,
          ["storage.elasticsearch.auth", "basic"],
          ["storage.elasticsearch.username", "j"],
          ["elasticsearchPassword", "x", false],
        ]),
        message: /^jaeger-spm:elasticsearchPassword is set in plaintext: expected a secret/,
      },
      {
        what: "OpenSearch in the cluster",
        raw: es([
          ["storage.elasticsearch.mode", "inCluster"],
          ["storage.elasticsearch.flavor", "opensearch"],
        ]),
        message: /^jaeger-spm:storage\.elasticsearch\.mode = "inCluster": expected "external" for OpenSearch/,
      },
      {
        what: "server URLs with the in-cluster mode",
        raw: es([["storage.elasticsearch.mode", "inCluster"], url]),
        message:
          /^jaeger-spm:storage\.elasticsearch\.serverUrls = \["https:\/\/es:9200"\]: expected no server URLs with mode inCluster/,
      },
      {
        what: "collector maxReplicas below minReplicas",
        raw: es([url, ["jaeger.collector.minReplicas", "4"], ["jaeger.collector.maxReplicas", "2"]]),
        message:
          /^jaeger-spm:jaeger\.collector\.maxReplicas = 2: expected at least jaeger\.collector\.minReplicas \(4\)$/,
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.what}`, () => {
        const result = parseStackConfig(c.raw, new Set(c.secret ?? []));
        const problems = result.ok ? [] : result.problems;
        assert.ok(
          problems.some((p) => c.message.test(p)),
          `no problem matched ${c.message}; got:\n${problems.join("\n")}`,
        );
      });
    }
  });
});

describe("index cleaner image", () => {
  it("follows the Jaeger release, also for mirrored images, and never reuses the Jaeger image", () => {
    assert.equal(indexCleanerImage("jaegertracing/jaeger:2.19.0"), "jaegertracing/jaeger-es-index-cleaner:2.19.0");
    assert.equal(
      indexCleanerImage("registry.example.com/mirror/jaeger:2.20.0"),
      "jaegertracing/jaeger-es-index-cleaner:2.20.0",
    );
    assert.equal(
      indexCleanerImage(`jaegertracing/jaeger@sha256:${"a".repeat(64)}`),
      "jaegertracing/jaeger-es-index-cleaner:2.20.0",
    );
  });
});
