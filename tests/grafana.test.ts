import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import { ROOT, Evaluation, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { at } from "./support/objects";

const committed = (file: string) => fs.readFileSync(path.join(ROOT, "dashboards", file), "utf8");

function edit(edits: [string, string, boolean?][], stack = "dev"): RawConfig {
  return edits.reduce(
    (raw, [key, value, usePath = true]) => configSet(raw, key, value, { path: usePath }),
    stackConfig(stack),
  );
}

const API = edit([
  ["grafana.import", "api"],
  ["grafana.url", "https://grafana.example.com"],
  ["grafanaApiToken", "glsa_test_token", false],
]);

describe("Grafana dashboard import", () => {
  describe("sidecar (dev default, bundled Grafana)", () => {
    let dev: Evaluation;
    before(async () => {
      dev = await evaluateStack("dev");
    });

    const dashboardConfigMaps = (ev: Evaluation) =>
      ev.resources.filter(
        (r) =>
          r.type === "kubernetes:core/v1:ConfigMap" &&
          (r.inputs.metadata as { labels?: Record<string, string> }).labels?.grafana_dashboard !== undefined,
      );

    it("ships the SPM and the Badger health dashboards as labelled ConfigMaps the bundled sidecar loads", () => {
      const chart = dev.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
      const sidecar = at(chart?.inputs.values, "grafana.sidecar.dashboards") as Record<string, string>;
      const maps = dashboardConfigMaps(dev);
      assert.equal(maps.length, 2);
      const files: string[] = [];
      for (const map of maps) {
        const metadata = map.inputs.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
        assert.equal(metadata.labels[sidecar.label], sidecar.labelValue, "the label the sidecar watches");
        assert.equal(
          metadata.annotations[sidecar.folderAnnotation],
          "Jaeger",
          "the folder annotation the sidecar reads",
        );
        const data = map.inputs.data as Record<string, string>;
        const [[key, json]] = Object.entries(data);
        const file = ["jaeger-spm.json", "jaeger-health-badger.json"].find((f) => committed(f) === json);
        assert.ok(file, `${key} is one of the committed dashboards`);
        assert.equal(key, `${JSON.parse(json).uid}.json`);
        files.push(file);
      }
      assert.deepEqual(files.sort(), ["jaeger-health-badger.json", "jaeger-spm.json"]);
    });

    it("puts the ConfigMaps where configured, Jaeger's namespace by default", async () => {
      const ns = (ev: Evaluation) =>
        dashboardConfigMaps(ev).map((r) => (r.inputs.metadata as { namespace: string }).namespace);
      assert.deepEqual(ns(dev), ["observability", "observability"]);
      const moved = await evaluateStack(
        "dev",
        edit([
          ["grafana.namespace", "grafana"],
          ["grafana.folder", "Tracing"],
        ]),
      );
      assert.deepEqual(ns(moved), ["grafana", "grafana"]);
      const annotations = dashboardConfigMaps(moved).map(
        (r) => (r.inputs.metadata as { annotations: Record<string, string> }).annotations.grafana_folder,
      );
      assert.deepEqual(annotations, ["Tracing", "Tracing"]);
    });

    it("imports nothing with grafana.import none", async () => {
      const none = await evaluateStack("dev", edit([["grafana.import", "none"]]));
      assert.equal(dashboardConfigMaps(none).length, 0);
    });
  });

  describe("Grafana HTTP API (@pulumiverse/grafana)", () => {
    let api: Evaluation;
    before(async () => {
      api = await evaluateStack("dev", API, ["jaeger-spm:grafanaApiToken"]);
    });

    it("creates a folder and one dashboard per committed file, through a provider with the URL and token", () => {
      const provider = api.resources.find((r) => r.type === "pulumi:providers:grafana");
      assert.ok(provider);
      assert.equal(provider.inputs.url, "https://grafana.example.com");
      assert.equal(provider.inputs.auth, "glsa_test_token");
      assert.ok(provider.secretPaths.includes("auth"), "the token stays a secret");
      const folder = api.resources.find((r) => r.type === "grafana:oss/folder:Folder");
      assert.equal(folder?.inputs.title, "Jaeger");
      const dashboards = api.resources.filter((r) => r.type === "grafana:oss/dashboard:Dashboard");
      assert.deepEqual(
        dashboards.map((d) => d.inputs.configJson).sort(),
        [committed("jaeger-health-badger.json"), committed("jaeger-spm.json")].sort(),
      );
      for (const d of dashboards) {
        assert.equal(d.inputs.folder, folder?.inputs.uid);
        assert.equal(d.inputs.overwrite, true);
      }
      assert.ok(
        !api.resources.some((r) => r.type === "kubernetes:core/v1:ConfigMap" && String(r.name).includes("grafana")),
      );
    });

    it("refuses a token set in plaintext, without echoing it", () => {
      const result = parseStackConfig(API, new Set());
      assert.equal(result.ok, false);
      const problems = result.ok ? [] : result.problems;
      assert.ok(
        problems.some((p) =>
          /^jaeger-spm:grafanaApiToken is set in plaintext: expected a secret; run `pulumi config set --secret grafanaApiToken -- '<value>'`/.test(
            p,
          ),
        ),
        problems.join("\n"),
      );
      assert.ok(!problems.join("\n").includes("glsa_test_token"));
    });

    it("requires the URL and the token for API import", () => {
      const result = parseStackConfig(edit([["grafana.import", "api"]]));
      const problems = result.ok ? [] : result.problems;
      assert.ok(problems.some((p) => /^jaeger-spm:grafana\.url = \(not set\): expected the Grafana base URL/.test(p)));
      assert.ok(
        problems.some((p) =>
          /^jaeger-spm:grafanaApiToken = \(not set\): expected a Grafana service-account token/.test(p),
        ),
      );
    });
  });
});
