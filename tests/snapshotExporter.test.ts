// The Elasticsearch snapshot alerts on real engines: the Prometheus community's exporter (built
// from its Go module at the version our image pins, by scripts/engines.sh) runs with exactly the
// command, arguments, environment and Secret files prod renders, and a real Prometheus scrapes it
// and evaluates prod's rule file. No Elasticsearch with snapshot lifecycle management can run
// here (its x-pack distribution is not on Maven Central), so a local HTTPS server answers the
// exporter's requests with the documented GET _snapshot responses and checks its credentials.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import type { PodSpec } from "kubernetes-types/core/v1";
import { stringify } from "yaml";
import { SNAPSHOT_EXPORTER } from "../components/backup/snapshots";
import { SNAPSHOT_REPOSITORY } from "../components/backup/jobs";
import { Evaluation, deployedRuleFile, evaluateStack } from "../scripts/evaluate";
import { Engine, engineBinary, freePort, pinnedModuleVersion, startEngine, waitFor } from "./support/engines";
import { objectNamed } from "./support/objects";

const EXPORTER_MODULE = "github.com/prometheus-community/elasticsearch_exporter";
const PASSWORD = `pa$$ 'w"rd\\`;
const HOUR = 3600_000;

type Scenario = "failed" | "healthy" | "never" | "forbidden";

interface Snapshot {
  readonly state: "SUCCESS" | "FAILED" | "PARTIAL";
  readonly hoursAgo: number;
}

const SNAPSHOTS: Record<Exclude<Scenario, "forbidden">, Snapshot[]> = {
  // The newest snapshot failed an hour ago; the newest good one is 30h old.
  failed: [
    { state: "SUCCESS", hoursAgo: 30 },
    { state: "FAILED", hoursAgo: 1 },
  ],
  healthy: [
    { state: "SUCCESS", hoursAgo: 25 },
    { state: "SUCCESS", hoursAgo: 1 },
  ],
  never: [],
};

/** GET /_snapshot/<repository>/_all as Elasticsearch 8 answers it (the fields the exporter reads). */
function snapshotList(snapshots: readonly Snapshot[]) {
  const now = Date.now();
  return {
    snapshots: snapshots.map((s, i) => {
      const start = now - s.hoursAgo * HOUR;
      return {
        snapshot: `jaeger-${i}`,
        uuid: `uuid-${i}`,
        version: "8.19.0",
        indices: ["jaeger-span-2026-12-01"],
        state: s.state,
        start_time_in_millis: start,
        end_time_in_millis: start + 60_000,
        failures:
          s.state === "SUCCESS"
            ? []
            : [{ index: "jaeger-span-2026-12-01", shard_id: 0, status: "INTERNAL_SERVER_ERROR" }],
        shards: { total: 3, failed: s.state === "SUCCESS" ? 0 : 3, successful: s.state === "SUCCESS" ? 3 : 0 },
      };
    }),
    total: snapshots.length,
    remaining: 0,
  };
}

describe("Elasticsearch snapshot alerts on the real exporter and Prometheus", function () {
  this.timeout(120_000);
  const engines: Engine[] = [];
  let dir: string;
  let prod: Evaluation;
  let scenario: Scenario = "failed";
  const requests = { authorized: 0, refused: [] as string[] };
  let elasticsearch: https.Server;
  let prometheusUrl: string;
  let username: string;

  before(async () => {
    prod = await evaluateStack("prod");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "snapshot-exporter-"));

    // A CA-signed (self-signed) certificate for 127.0.0.1: the exporter must trust it through the
    // CA file mounted from the Secret, as it trusts ECK's.
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=jaeger-es-http"],
        ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem")],
        ...["-out", path.join(dir, "cert.pem")],
      ],
      { stdio: "pipe" },
    );
    const cert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");

    const deployment = objectNamed(prod, "Deployment", SNAPSHOT_EXPORTER.name);
    const pod = deployment.spec?.template.spec as PodSpec;
    const container = pod.containers[0];
    username = container.env?.find((e) => e.name === "ES_USERNAME")?.value ?? "";
    assert.ok(username, "the exporter's user is set");

    // The Secret files, where the pod would mount them (under the temporary directory).
    const hostPath = (p: string) => path.join(dir, "mounts", p);
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.volumes?.find((v) => v.name === mount.name);
      for (const item of volume?.secret?.items ?? []) {
        fs.mkdirSync(hostPath(mount.mountPath), { recursive: true });
        const content = item.key === "ca.crt" ? cert : PASSWORD;
        fs.writeFileSync(path.join(hostPath(mount.mountPath), item.path), content);
      }
    }
    const mounted = (value: string) =>
      (container.volumeMounts ?? []).reduce((v, m) => v.split(m.mountPath).join(hostPath(m.mountPath)), value);

    elasticsearch = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
      const expected = `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString("base64")}`;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== expected) {
        requests.refused.push(`${req.method} ${req.url}`);
        return reply(401, { error: "unauthenticated" });
      }
      requests.authorized++;
      const url = req.url ?? "";
      if (url === "/") return reply(200, { cluster_name: "jaeger", cluster_uuid: "u", version: { number: "8.19.0" } });
      if (url === "/_snapshot" || url.startsWith("/_snapshot/")) {
        if (scenario === "forbidden")
          return reply(403, { error: "action [cluster:admin/repository/get] is unauthorized" });
        if (url === "/_snapshot") return reply(200, { [SNAPSHOT_REPOSITORY]: { type: "s3", settings: {} } });
        if (url.startsWith(`/_snapshot/${SNAPSHOT_REPOSITORY}/_all`))
          return reply(200, snapshotList(SNAPSHOTS[scenario]));
      }
      return reply(404, { error: `not served here: ${url}` });
    });
    const esPort = await freePort();
    await new Promise<void>((resolve) => elasticsearch.listen(esPort, "127.0.0.1", resolve));

    // The exporter, run the way the pod runs it: the image's sh, the start-up script, the rendered
    // arguments; only the addresses and mount paths point at this machine.
    const exporterPort = await freePort();
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(engineBinary(EXPORTER_MODULE), path.join(bin, "elasticsearch_exporter"));
    const args = (container.args ?? []).map((arg) =>
      arg.startsWith("--es.uri=")
        ? `--es.uri=https://127.0.0.1:${esPort}`
        : arg.startsWith("--web.listen-address=")
          ? `--web.listen-address=127.0.0.1:${exporterPort}`
          : mounted(arg),
    );
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, mounted(e.value ?? "")]));
    const [shell, ...shellArgs] = container.command ?? [];
    assert.equal(shell, "/bin/sh");
    engines.push(
      startEngine("elasticsearch_exporter", "/bin/sh", [...shellArgs, ...args], {
        env: { ...env, PATH: `${bin}:/usr/bin:/bin` },
      }),
    );

    // Prometheus scrapes the exporter as the annotations/ServiceMonitor would (with the namespace
    // label both add) and evaluates prod's rule file every second.
    const namespace = String(deployment.metadata?.namespace);
    fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(deployedRuleFile(prod)));
    fs.writeFileSync(
      path.join(dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [path.join(dir, "rules.yaml")],
        scrape_configs: [
          {
            job_name: "snapshot-exporter",
            metrics_path: SNAPSHOT_EXPORTER.path,
            static_configs: [{ targets: [`127.0.0.1:${exporterPort}`], labels: { namespace } }],
          },
        ],
      }),
    );
    const prometheusPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    engines.push(
      startEngine("prometheus", "prometheus", [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ]),
    );
    await waitFor(
      "Prometheus to scrape the exporter (up == 1)",
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/query?query=up`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return body.data.result.some((r) => r.value[1] === "1") || undefined;
      },
      { timeoutMs: 30_000, engines },
    );
  });

  after(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    elasticsearch?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  type State = "inactive" | "pending" | "firing";
  async function alertStates(): Promise<Record<string, State>> {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: { rules: { name: string; state: State; lastEvaluation: string }[] }[] };
    };
    return Object.fromEntries(
      body.data.groups
        .flatMap((g) => g.rules)
        .filter((r) => r.name.startsWith("JaegerSnapshot"))
        .map((r) => [r.name, r.state]),
    );
  }

  /** Waits until every snapshot alert is in the expected state (active: pending or firing). */
  async function expectAlerts(active: Partial<Record<string, "pending" | "firing">>) {
    let seen: Record<string, State> = {};
    await waitFor(
      `snapshot alerts ${JSON.stringify(active)} active and the others inactive (scenario ${scenario})`,
      async () => {
        seen = await alertStates();
        const names = Object.keys(seen);
        assert.ok(names.length >= 4, `snapshot alerts in prod's rule file: ${names.join(", ")}`);
        return names.every((name) => (active[name] ?? "inactive") === seen[name]) || undefined;
      },
      { timeoutMs: 30_000, engines },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nlast states: ${JSON.stringify(seen)}`);
    });
  }

  it("builds the exporter the default image pins", () => {
    assert.equal(pinnedModuleVersion(EXPORTER_MODULE), SNAPSHOT_EXPORTER.version);
    const image = objectNamed(prod, "Deployment", SNAPSHOT_EXPORTER.name).spec?.template.spec?.containers[0].image;
    assert.equal(image, `quay.io/prometheuscommunity/elasticsearch-exporter:${SNAPSHOT_EXPORTER.version}`);
  });

  it("a failed newest snapshot fires JaegerSnapshotFailed; a 30h-old last success makes JaegerSnapshotMissing pending", async () => {
    scenario = "failed";
    await expectAlerts({ JaegerSnapshotFailed: "firing", JaegerSnapshotMissing: "pending" });
  });

  it("a fresh successful snapshot quiets every snapshot alert", async () => {
    scenario = "healthy";
    await expectAlerts({});
  });

  it("a repository with no snapshot yet makes JaegerSnapshotMetricsAbsent pending, and nothing else", async () => {
    scenario = "never";
    await expectAlerts({ JaegerSnapshotMetricsAbsent: "pending" });
  });

  it("a refused snapshot listing makes JaegerSnapshotCheckFailing pending", async () => {
    scenario = "forbidden";
    await expectAlerts({ JaegerSnapshotCheckFailing: "pending", JaegerSnapshotMetricsAbsent: "pending" });
  });

  it("the exporter authenticated with the mounted password on every request, over TLS with the mounted CA", () => {
    assert.deepEqual(requests.refused, []);
    assert.ok(requests.authorized > 0, "the exporter reached Elasticsearch");
  });
});
