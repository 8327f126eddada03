// The harness every real-engine test runs its pods with (tests/support/localPod.ts): a process
// started in a pod's place must meet what the cluster gives that pod, its user, its groups, a
// read-only root and the Services' names, or a test passes here that fails there. A shell stands
// in the container's place and looks around.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { LocalPod, localPod } from "../support/localPod";
import { objectNamed } from "../support/objects";
import { freePort, waitFor } from "../support/engines";
import { RunningJaeger, prometheusService, startJaeger } from "./support/jaeger";
import { RunningPrometheus, serviceMonitorTargets, startPrometheus } from "./support/prometheus";

/** Runs `script` with /bin/sh in the pod's place; its output, failing on a non-zero exit. */
async function inPod(pod: LocalPod, script: string): Promise<string> {
  const run = await pod.run("/bin/sh", { args: ["-c", script], timeoutMs: 20_000 });
  assert.equal(run.code, 0, `${script}\n${run.stdout}\n${run.stderr}`);
  return run.stdout.trim();
}

describe("e2e: a pod here runs as the cluster runs it", function () {
  let dev: Evaluation;
  let pod: LocalPod;
  let badger: string;

  before(async function () {
    dev = await evaluateStack("dev");
    badger = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-pod-badger-"));
    pod = await localPod(dev, "jaeger", { volumeDirs: { badger }, services: await prometheusService() });
  });

  after(function () {
    pod?.remove();
    if (badger) fs.rmSync(badger, { recursive: true, force: true });
  });

  it("runs as the rendered user and group, with fsGroup among its groups, and with no capabilities", async function () {
    const security = objectNamed(dev, "Deployment", "jaeger").spec?.template.spec?.securityContext;
    assert.ok(security?.runAsUser && security.runAsUser !== 0, "dev's Jaeger runs as a non-root user");
    const [uid, gid, groups, caps] = (
      await inPod(pod, "id -u; id -g; id -G; grep -E '^CapEff:' /proc/self/status | cut -f2")
    ).split("\n");
    assert.equal(Number(uid), security.runAsUser);
    assert.equal(Number(gid), security.runAsGroup);
    assert.ok(
      groups
        .split(" ")
        .map(Number)
        .includes(security.fsGroup ?? -1),
      `groups ${groups}`,
    );
    assert.equal(caps, "0000000000000000");
  });

  it("can write to its writable volumes (the Badger claim, the /tmp emptyDir) and nowhere else", async function () {
    const out = await inPod(
      pod,
      [
        `touch '${pod.file("/badger/written")}' && echo badger-ok`,
        `touch '${pod.file("/tmp/written")}' && echo tmp-ok`,
        // The host's /tmp stands for the image's /tmp, under the mount; the pod's own directory
        // (its config files), the config volume and the root must all refuse.
        `touch /tmp/e2e-pod-outside-$$ 2>&1 || echo root-tmp-refused`,
        `touch '${pod.dir}/written' 2>&1 || echo pod-dir-refused`,
        `touch '${pod.file("/etc/jaeger/config/written")}' 2>&1 || echo config-refused`,
        `touch /written 2>&1 || echo root-refused`,
      ].join("; "),
    );
    for (const expected of [
      "badger-ok",
      "tmp-ok",
      "root-tmp-refused",
      "pod-dir-refused",
      "config-refused",
      "root-refused",
    ])
      assert.ok(out.split("\n").includes(expected), `${expected} in:\n${out}`);
    assert.match(out, /Read-only file system/, "the root is refused as read-only, not only for lack of permission");
  });

  it("resolves the in-cluster Services it talks to on 127.0.0.1, under their cluster names", async function () {
    const [service] = [...(await prometheusService()).keys()];
    const host = service.split(":")[0];
    assert.equal(await inPod(pod, `getent hosts ${host} | cut -d' ' -f1`), "127.0.0.1");
  });

  describe("prod's index cleaner (a CronJob's pod, a password Secret mounted 0440 and in its env)", function () {
    let prod: Evaluation;
    let cleaner: LocalPod;

    before(async function () {
      prod = await evaluateStack("prod");
      const url = new URL(
        objectNamed(prod, "CronJob", "jaeger-es-index-cleaner").spec?.jobTemplate.spec?.template.spec?.containers[0]
          .args?.[1] ?? "",
      );
      cleaner = await localPod(prod, "jaeger-es-index-cleaner", {
        kind: "CronJob",
        services: new Map([[url.host, "127.0.0.1:9200"]]),
        // ECK's public CA, which the operator writes into the cluster.
        secrets: { "jaeger-es-es-http-certs-public": { "ca.crt": "-----BEGIN CERTIFICATE-----\n" } },
      });
    });

    after(() => cleaner?.remove());

    it("reads the password file through fsGroup (0440, group-owned), and gets the same password in its env", async function () {
      const mode = fs.statSync(cleaner.file("/etc/jaeger/storage/password/password")).mode & 0o777;
      assert.equal(mode, 0o440, "the rendered defaultMode");
      const out = await inPod(
        cleaner,
        `cat '${cleaner.file("/etc/jaeger/storage/password/password")}'; echo; printf %s "$ES_PASSWORD"`,
      );
      const [file, env] = out.split("\n");
      assert.ok(file.length >= 16, "the file holds the generated password");
      assert.equal(env, file, "ES_PASSWORD comes from the same Secret (valueFrom), not dropped");
    });
  });

  describe("the ServiceMonitor as prometheus-operator hands it to Prometheus", function () {
    let jaeger: RunningJaeger;
    let prometheus: RunningPrometheus;
    /** dev's render with the ServiceMonitor changed by `edit`. */
    const withMonitor = (edit: (spec: Record<string, unknown>) => void): Evaluation => {
      assert.ok(
        dev.resources.some((r) => r.inputs.kind === "ServiceMonitor"),
        "dev renders a ServiceMonitor",
      );
      const resources = dev.resources.map((r) => {
        if (r.inputs.kind !== "ServiceMonitor") return r;
        const inputs = JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>;
        edit(inputs.spec as Record<string, unknown>);
        return { ...r, inputs };
      });
      return { ...dev, resources };
    };

    before(async function () {
      const port = await freePort();
      jaeger = await startJaeger(dev, "jaeger", { services: await prometheusService(port) });
      // A relabeling that adds a label from the pod's labels, and a metric relabeling that drops a
      // family: the harness must pass both to Prometheus and give it the discovery labels they read.
      const edited = withMonitor((spec) => {
        const [first] = spec.endpoints as Record<string, unknown>[];
        first.relabelings = [
          {
            sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
            targetLabel: "app",
            action: "replace",
          },
        ];
        first.metricRelabelings = [{ sourceLabels: ["__name__"], regex: "otelcol_process_.*", action: "drop" }];
      });
      const targets = serviceMonitorTargets(edited, new Map([["jaeger", jaeger.pod]]));
      prometheus = await startPrometheus(dev, targets, { evaluationInterval: "2s", port });
    });

    after(async function () {
      await prometheus?.stop();
      await jaeger?.stop();
    });

    it("selects Services by matchExpressions too: a NotIn that excludes Jaeger's Service leaves no target", function () {
      const excluding = withMonitor((spec) => {
        spec.selector = {
          ...(spec.selector as object),
          matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["jaeger"] }],
        };
      });
      assert.deepEqual(serviceMonitorTargets(excluding, new Map([["jaeger", jaeger.pod]])), []);
      assert.ok(serviceMonitorTargets(dev, new Map([["jaeger", jaeger.pod]])).length > 0);
    });

    it("refuses a ServiceMonitor field it does not run, instead of scraping as if it were not there", function () {
      const sampled = withMonitor((spec) => {
        spec.sampleLimit = 1000;
      });
      assert.throws(
        () => serviceMonitorTargets(sampled, new Map([["jaeger", jaeger.pod]])),
        /does not run sampleLimit/,
      );
    });

    it("runs the endpoint's relabelings on the discovery labels and its metric relabelings on the samples", async function () {
      const endpoint = `endpoint="metrics"`;
      await waitFor(
        "Prometheus to scrape Jaeger's telemetry endpoint once",
        async () =>
          (await prometheus.query(`otelcol_receiver_accepted_spans_total{${endpoint}} or up{${endpoint}} == 1`))
            .length > 0
            ? true
            : undefined,
        { timeoutMs: 60_000, engines: [prometheus.engine, jaeger.engine] },
      );
      const up = await prometheus.query(`up{${endpoint}}`);
      assert.deepEqual(
        up.map((s) => s.metric.app),
        ["jaeger"],
        "the relabeling copied the pod's app.kubernetes.io/name label",
      );
      const families = (await prometheus.query(`count by (__name__) ({${endpoint}})`)).map((s) => s.metric.__name__);
      assert.ok(
        families.some((f) => f.startsWith("otelcol_")),
        `Jaeger's telemetry is scraped: ${families.join(", ")}`,
      );
      assert.deepEqual(
        families.filter((f) => f.startsWith("otelcol_process_")),
        [],
        "the metric relabeling dropped otelcol_process_*",
      );
    });
  });
});
