// The stack's decisions, straight from planStack: no mocks, no Pulumi runtime.
import * as assert from "node:assert/strict";
import { StackConfig, parseStackConfig } from "../config/load";
import { badgerWorkload } from "../components/jaeger";
import { selectorLabels } from "../components/jaeger/workload";
import { SNAPSHOT_EXPORTER } from "../components/backup/snapshots";
import { StackPlan, planStack } from "../components/stack/plan";
import { RawConfig, configSet, stackConfig, stackSecretKeys } from "../scripts/evaluate";

type Edit = [key: string, value: string];

function configOf(stack: string, edits: readonly Edit[] = []): StackConfig {
  const raw: RawConfig = edits.reduce((r, [k, v]) => configSet(r, k, v, { path: true }), stackConfig(stack));
  // Values set here for secret keys count as set with --secret.
  const secrets = new Set([
    ...stackSecretKeys(stack),
    ...edits.filter(([k]) => !k.includes(".")).map(([k]) => `jaeger-spm:${k}`),
  ]);
  const result = parseStackConfig(raw, secrets);
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.config;
}
const plan = (stack: string, edits: readonly Edit[] = [], name = stack): StackPlan =>
  planStack(configOf(stack, edits), name);

/** prod on Badger; its backups are file-system copies, accepted by name. */
const BADGER: Edit[] = [
  ["storage.backend", "badger"],
  ["backup.acceptInconsistentFileCopies", "true"],
];
const EXTERNAL: Edit[] = [
  ["storage.elasticsearch.mode", "external"],
  ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
];

describe("stack plan (planStack)", () => {
  describe("trace storage", () => {
    it("Badger: the volume as configured, in bytes for the disk alerts, with the snapshot class Velero uses", () => {
      const p = plan("prod", [
        ...BADGER,
        ["storage.badger.volumeSize", "50Gi"],
        ["backup.volumeSnapshotClass", "ebs-csi"],
      ]);
      assert.equal(p.storage.kind, "badger");
      if (p.storage.kind !== "badger") return;
      assert.equal(p.storage.volumeBytes, 50 * 1024 ** 3);
      assert.equal(p.storage.volumeDerived, false);
      assert.deepEqual(p.storage.claimAnnotations, { "velero.io/csi-volumesnapshot-class": "ebs-csi" });
    });

    it("Badger without backups: no snapshot-class annotation on the claim", () => {
      const p = plan("dev");
      assert.ok(p.storage.kind === "badger" && p.storage.claimAnnotations === undefined);
    });

    it("Elasticsearch: the index cleaner keeps whole days of the retention, from Jaeger's own image version", () => {
      const p = plan("prod", [["storage.retention", "72h"]]);
      assert.equal(p.storage.kind, "search");
      if (p.storage.kind !== "search") return;
      assert.equal(p.storage.search.indexCleaner.days, 3);
      assert.match(p.storage.search.indexCleaner.image, /jaeger-es-index-cleaner:2\.20\.0$/);
      assert.deepEqual(p.storage.search.jaegerOptions, { bearerTokenPropagation: false, maxSpanAge: "72h" });
    });
  });

  describe("backups", () => {
    it("prod on Elasticsearch: snapshots under <prefix>/<stack>/elasticsearch by their own IRSA account", () => {
      const p = plan("prod", [], "prod-eu");
      assert.equal(p.backup.kind, "snapshots");
      if (p.backup.kind !== "snapshots") return;
      assert.equal(p.backup.basePath, "jaeger/prod-eu/elasticsearch");
      assert.deepEqual(
        p.backup.bucket.writers.map((w) => [w.name, w.prefix, w.serviceAccount, w.namespace]),
        [["elasticsearch", "jaeger/prod-eu/elasticsearch", p.backup.serviceAccountName, "observability"]],
      );
      assert.equal(p.backup.bucket.stackPrefix, "jaeger/prod-eu/");
      assert.equal(p.backup.bucket.tags["pulumi:stack"], "prod-eu");
      const alerts = p.monitoring.backupAlerts;
      assert.equal(alerts?.kind, "snapshots", "the snapshot repository is watched");
      assert.equal(alerts.kind === "snapshots" && alerts.repository.maxGapSeconds, 24 * 3600);
    });

    it("prod on Badger: Velero backs up Jaeger's Badger pod, keeping backups for backup.velero.ttl", () => {
      const p = plan("prod", [...BADGER, ["backup.velero.ttl", "336h"], ["backup.schedule", "0 */6 * * *"]]);
      assert.equal(p.backup.kind, "velero");
      if (p.backup.kind !== "velero") return;
      assert.equal(p.backup.schedule.ttlHours, 336);
      assert.deepEqual(p.backup.schedule.selector, badgerWorkload("jaeger").pods);
      assert.equal(p.backup.prefix, "jaeger/prod/velero");
      assert.deepEqual(p.backup.mode, { kind: "fileSystem" });
      const alerts = p.monitoring.backupAlerts;
      assert.equal(alerts?.kind, "velero", "Velero's schedule is watched");
      assert.equal(alerts.kind === "velero" && alerts.schedule.maxGapSeconds, 6 * 3600);
      assert.equal(p.backup.bucket.writers[0].readOnly, undefined, "nothing to read without a restore source");
    });

    it("a restore from another stack's bucket reads it read-only, with the partition of the region", () => {
      const p = plan("prod", [
        ...BADGER,
        ["backup.region", "cn-north-1"],
        ["backup.volumeSnapshotClass", "csi"],
        ["backup.restore.backupName", "daily-1"],
        ["backup.restore.bucket", "old-bucket"],
        ["backup.restore.prefix", "jaeger/old/velero"],
        ["backup.restore.kmsKeyArn", "arn:aws-cn:kms:cn-north-1:123456789012:key/abc"],
        ["backup.restore.timeout", "2h"],
      ]);
      assert.ok(p.backup.kind === "velero");
      if (p.backup.kind !== "velero") return;
      assert.deepEqual(p.backup.bucket.writers[0].readOnly, [
        {
          bucket: "old-bucket",
          bucketArn: "arn:aws-cn:s3:::old-bucket",
          prefix: "jaeger/old/velero",
          kmsKeyArn: "arn:aws-cn:kms:cn-north-1:123456789012:key/abc",
        },
      ]);
      assert.deepEqual(p.backup.restore, {
        backupName: "daily-1",
        sourceNamespace: undefined,
        source: { bucket: "old-bucket", prefix: "jaeger/old/velero", region: "cn-north-1" },
        timeoutSeconds: 7200,
      });
    });

    it("an external cluster with backups on keeps the bucket, with no writer in the stack", () => {
      const p = plan("prod", EXTERNAL);
      assert.equal(p.backup.kind, "bucketOnly");
      assert.ok(p.backup.kind === "bucketOnly" && p.backup.bucket.writers.length === 0);
      assert.ok(!p.networkPolicies?.jobs.some((j) => j.name.startsWith("es-snapshot")));
    });

    it("no backups: nothing planned and no backup alerts", () => {
      const p = plan("dev");
      assert.deepEqual(p.backup, { kind: "none" });
      assert.equal(p.monitoring.backupAlerts, undefined);
    });
  });

  describe("access", () => {
    it("TLS from cert-manager or from an existing Secret", () => {
      const certManager = plan("prod", [
        ["security.tls.enabled", "true"],
        ["security.tls.source", "certManager"],
        ["security.tls.issuer.kind", "ClusterIssuer"],
        ["security.tls.issuer.name", "platform-ca"],
      ]);
      assert.deepEqual(certManager.tls, {
        source: "certManager",
        issuer: { kind: "ClusterIssuer", name: "platform-ca" },
      });
      const secret = plan("prod", [
        ["security.tls.enabled", "true"],
        ["security.tls.source", "secret"],
        ["security.tls.secretName", "jaeger-tls"],
      ]);
      assert.deepEqual(secret.tls, { source: "secret", secretName: "jaeger-tls" });
      assert.equal(plan("dev").tls, undefined);
    });

    it("sign-in: the UI's address is the redirect URL's origin, reached through oauth2-proxy", () => {
      const p = plan("prod");
      assert.equal(p.signIn?.uiUrl, "https://jaeger.example.com");
      assert.match(p.signIn?.portForward ?? "", /^kubectl -n observability port-forward svc\/\S+ (\d+):\1$/);
      assert.deepEqual(p.signIn?.oidc.allowedGroups, ["platform-sre"]);
      assert.equal(plan("dev").signIn, undefined);
    });
  });

  describe("network policies", () => {
    it("Prometheus' namespace: the stated one, else the bundled release's, else `monitoring`", () => {
      assert.equal(
        plan("prod", [
          ["security.prometheusNamespace", "obs-metrics"],
          ["spm.prometheusUrl", "http://prometheus-operated.obs-metrics.svc:9090"],
        ]).networkPolicies?.prometheusNamespace,
        "obs-metrics",
      );
      const bundled = plan("dev", [["security.networkPolicies", "true"]]);
      assert.equal(bundled.networkPolicies?.prometheusNamespace, bundled.bundledMonitoring?.namespace);
      assert.notEqual(bundled.bundledMonitoring, undefined);
    });

    it("each maintenance task gets its own pods' labels, none of which selects Jaeger's pods", () => {
      const p = plan("prod");
      const jobs = p.networkPolicies?.jobs ?? [];
      assert.deepEqual(
        jobs.map((j) => j.name),
        ["index-cleaner", "es-snapshots", "es-snapshot-monitor"],
      );
      assert.equal(jobs.find((j) => j.name === "es-snapshot-monitor")?.scrapedPort, SNAPSHOT_EXPORTER.port.port);
      const jaegerPods = ["all-in-one", "collector", "query"].map((role) => selectorLabels("jaeger", role));
      const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => labels[k] === v);
      for (const job of jobs) {
        for (const pods of jaegerPods) assert.ok(!matches(job.pods, pods) && !matches(pods, job.pods), job.name);
      }
      const tasks = Object.values(p.maintenanceLabels).map((l) => l["app.kubernetes.io/name"]);
      assert.equal(new Set(tasks).size, tasks.length);
    });

    it("an external Elasticsearch is reached at its own address; the in-cluster one through its pods", () => {
      // A host name has no address a NetworkPolicy can name: its port, anywhere.
      assert.deepEqual(plan("prod", EXTERNAL).networkPolicies?.storage, { cidr: "0.0.0.0/0", ports: [9200] });
      assert.equal(plan("prod").networkPolicies?.storage?.namespace, "observability");
    });
  });

  describe("dashboards", () => {
    it("imports the backend's dashboards by the configured route", () => {
      assert.deepEqual(plan("prod", [["grafana.import", "none"]]).dashboards, { mode: "none" });
      const api = plan("prod", [
        ["grafana.import", "api"],
        ["grafana.url", "https://grafana.example.com"],
        ["grafanaApiToken", "glsa_token"],
      ]).dashboards;
      assert.equal(api.mode, "api");
      assert.ok(api.mode === "api" && api.url === "https://grafana.example.com");
      const badger = plan("dev").dashboards;
      assert.ok(badger.mode === "sidecar" && badger.files.some((f) => f.includes("badger")));
      const search = plan("prod", [["grafana.import", "sidecar"]]).dashboards;
      assert.ok(search.mode === "sidecar" && search.files.some((f) => f.includes("elasticsearch")));
    });
  });
});
