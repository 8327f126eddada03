import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackConfig, parseStackConfig } from "../config/load";
import { TOP_LEVEL_KEYS, stackConfigSchema } from "../config/schema";
import { EvaluationFailed, ROOT, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { objectNamed } from "./support/objects";
import { stackFileProblems } from "../config/stackFile";

function valid(raw: RawConfig): StackConfig {
  const result = parseStackConfig(raw);
  if (!result.ok) assert.fail(`expected valid config, got:\n${result.problems.join("\n")}`);
  return result.config;
}

/** The warnings of a config that must be valid. */
function warningsOf(raw: RawConfig): string[] {
  const result = parseStackConfig(raw);
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  return result.warnings;
}

function problems(raw: RawConfig): string[] {
  const result = parseStackConfig(raw);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.problems;
}

const dev = () => stackConfig("dev");
const set = (raw: RawConfig, key: string, value: string) => configSet(raw, key, value, { path: true });
const sets = (raw: RawConfig, entries: [string, string][]) => entries.reduce((r, [k, v]) => set(r, k, v), raw);

describe("stack config", () => {
  describe("defaults and stack files", () => {
    it("declares every schema key in Pulumi.yaml with a type, a description and the schema's own default", () => {
      const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { type: string; description?: string; default?: unknown }>;
      };
      assert.deepEqual(Object.keys(project.config).sort(), [...TOP_LEVEL_KEYS].sort());
      const schemaDefaults = stackConfigSchema.parse({});
      for (const key of TOP_LEVEL_KEYS) {
        const decl = project.config[key];
        assert.ok(decl.description && decl.description.length > 20, `${key} needs a description`);
        assert.ok(["string", "boolean", "integer", "object"].includes(decl.type), `${key} type`);
        if (decl.type === "object") assert.deepEqual(decl.default, {}, `${key}: object defaults live in the schema`);
        else assert.deepEqual(decl.default, schemaDefaults[key], `${key}: Pulumi.yaml default differs from the schema`);
      }
    });

    it("gives the dev stack the guide's settings: 7-day TTL, NodePort 30002, gateway sampled at 100%, 10% elsewhere", () => {
      const config = valid(dev());
      assert.equal(config.storage.backend, "badger");
      assert.equal(config.storage.retention, "168h");
      assert.equal(config.storage.retentionSeconds, 7 * 24 * 3600);
      assert.equal(config.jaeger.query.serviceType, "NodePort");
      assert.equal(config.jaeger.query.nodePort, 30002);
      assert.deepEqual(config.sampling.default, { type: "probabilistic", param: 0.1, operations: [] });
      assert.deepEqual(config.sampling.services, [
        { service: "gateway", type: "probabilistic", param: 1, operations: [] },
      ]);
      assert.equal(config.protectData, false);
    });

    it("keeps prod's query UI off NodePort and its data protected", () => {
      const config = valid(stackConfig("prod"));
      assert.equal(config.jaeger.query.serviceType, "ClusterIP");
      assert.equal(config.protectData, true);
    });

    it("returns a frozen object", () => {
      const config = valid(dev());
      assert.ok(Object.isFrozen(config) && Object.isFrozen(config.sampling.services[0]));
    });
  });

  describe("`pulumi config set --path` values", () => {
    it('accepts the string "0.5" the CLI stores for a sampling probability', () => {
      const config = valid(set(dev(), "sampling.services[0].param", "0.5"));
      assert.equal(config.sampling.services[0].param, 0.5);
    });

    it("accepts a new per-service, per-operation strategy built from path sets", () => {
      let raw = set(dev(), "sampling.services[1].service", "checkout");
      raw = set(raw, "sampling.services[1].param", "0.25");
      raw = set(raw, "sampling.services[1].operations[0].operation", "GET /health");
      raw = set(raw, "sampling.services[1].operations[0].param", "0.01");
      const checkout = valid(raw).sampling.services[1];
      assert.deepEqual(checkout, {
        service: "checkout",
        type: "probabilistic",
        param: 0.25,
        operations: [{ operation: "GET /health", type: "probabilistic", param: 0.01 }],
      });
    });

    it("accepts pinned job images by version tag or digest, and cron macros and SLM schedules with a year", () => {
      const raw = sets(dev(), [
        ["backup.toolsImage", "alpine/k8s:1.34.1"],
        ["backup.curlImage", `curlimages/curl@sha256:${"a".repeat(64)}`],
        ["backup.schedule", "@daily"],
        ["backup.snapshotSchedule", "0 30 1 ? * MON-FRI 2027"],
        ["storage.elasticsearch.indexCleaner.schedule", "*/30 1-5 * * 1,3"],
        ["jaeger.image", "jaegertracing/jaeger:2.20.0-rc1"],
      ]);
      const config = valid(raw);
      assert.equal(config.backup.curlImage, `curlimages/curl@sha256:${"a".repeat(64)}`);
      assert.equal(config.backup.snapshotSchedule, "0 30 1 ? * MON-FRI 2027");
    });

    it("accepts alert durations in Prometheus' grammar, compound or in days", () => {
      const config = valid(
        sets(dev(), [
          ["monitoring.alerts.for", "1h30m"],
          ["monitoring.alerts.noSpansFor", "1d"],
        ]),
      );
      assert.equal(config.monitoring.alerts.for, "1h30m");
      assert.equal(config.monitoring.alerts.noSpansFor, "1d");
    });

    it("accepts a ratelimiting service when neither it nor the default has per-operation rules", () => {
      let raw = set(dev(), "sampling.services[1].service", "checkout");
      raw = set(raw, "sampling.services[1].type", "ratelimiting");
      raw = set(raw, "sampling.services[1].param", "25");
      assert.deepEqual(valid(raw).sampling.services[1], {
        service: "checkout",
        type: "ratelimiting",
        param: 25,
        operations: [],
      });
    });

    it("never prints the value of an unknown key (a secret under a misspelt name), and suggests the key", () => {
      const raw = { ...dev(), "jaeger-spm:grafanaApiTokn": "glsa_SECRET_token_value" };
      const result = parseStackConfig(raw, new Set(["jaeger-spm:grafanaApiTokn"]));
      assert.ok(!result.ok);
      const text = result.problems.join("\n");
      assert.ok(!text.includes("glsa_SECRET"), text);
      assert.match(
        text,
        /jaeger-spm:grafanaApiTokn: unknown key \(value not shown\); .*\(did you mean jaeger-spm:grafanaApiToken\?\)/,
      );
    });

    it("reports every problem at once: schema, resource limits and checks across sections", () => {
      const raw = sets(stackConfig("prod"), [
        ["jaeger.image", "jaegertracing/jaeger:latest"],
        ["jaeger.query.serviceType", "NodePort"],
        ["jaeger.resources.requests.memory", "2Gi"],
        ["jaeger.resources.limits.memory", "1Gi"],
      ]);
      const result = parseStackConfig(raw);
      assert.ok(!result.ok);
      const text = result.problems.join("\n");
      assert.match(
        text,
        /jaeger-spm:jaeger\.image = "jaegertracing\/jaeger:latest": expected a pinned Jaeger v2 image/,
      );
      assert.match(text, /jaeger-spm:jaeger\.resources\.limits\.memory = "1Gi": expected at least the memory request/);
      assert.match(
        text,
        /jaeger-spm:jaeger\.query\.serviceType = "NodePort": expected "ClusterIP" when protectData is true/,
      );
    });

    it("reports TLS and sign-in problems together, and both sign-ins at once once the sign-in is complete", () => {
      const problems = (edits: [string, string][]) => {
        const result = parseStackConfig(sets(dev(), edits), new Set(["jaeger-spm:uiHtpasswd"]));
        return result.ok ? [] : result.problems;
      };
      const incomplete = problems([
        ["security.tls.enabled", "true"],
        ["security.oidc.enabled", "true"],
        ["security.oidc.allowedGroups[0]", "sre"],
      ]);
      assert.ok(
        incomplete.some((p) => p.startsWith("jaeger-spm:security.tls.source = (not set): expected ")),
        incomplete.join("\n"),
      );
      for (const key of ["issuerUrl", "clientId", "redirectUrl"]) {
        assert.ok(
          incomplete.includes(
            `jaeger-spm:security.oidc.${key} = (not set): expected set when security.oidc.enabled is true`,
          ),
          `${key}:\n${incomplete.join("\n")}`,
        );
      }
      const both = problems([
        ["security.tls.enabled", "true"],
        ["security.tls.source", "secret"],
        ["security.tls.secretName", "jaeger-tls"],
        ["security.oidc.enabled", "true"],
        ["security.oidc.issuerUrl", "https://login.example.com"],
        ["security.oidc.clientId", "jaeger"],
        ["security.oidc.redirectUrl", "https://jaeger.example.com/oauth2/callback"],
        ["security.oidc.allowedGroups[0]", "sre"],
        ["security.uiBasicAuth", "true"],
      ]);
      assert.ok(
        both.includes(
          "jaeger-spm:security.uiBasicAuth = true: expected false when security.oidc.enabled is true (one sign-in for the UI)",
        ),
        both.join("\n"),
      );
    });

    it("says a nested section given as a plain value expects an object, as for top-level sections", () => {
      const result = parseStackConfig(sets(dev(), [["security.tls", "7"]]));
      assert.ok(!result.ok);
      assert.deepEqual(result.problems, [
        "jaeger-spm:security.tls = 7: expected an object; set its fields with `pulumi config set --path <key>.<field> <value>`",
      ]);
    });

    it("accepts CPU and memory quantities typed as bare integers (the CLI stores them as numbers)", () => {
      const config = valid(
        sets(dev(), [
          ["jaeger.resources.requests.cpu", "1"],
          ["jaeger.resources.limits.cpu", "2"],
          ["jaeger.resources.limits.memory", "2147483648"],
          ["jaeger.query.resources.limits.cpu", "2"],
        ]),
      );
      assert.deepEqual(config.jaeger.resources.requests.cpu, "1");
      assert.deepEqual(config.jaeger.resources.limits, { cpu: "2", memory: "2147483648" });
      assert.equal(config.jaeger.query.resources.limits.cpu, "2");
    });

    it("accepts `cpu: 2` written as a number in a stack file", () => {
      const raw = dev();
      const storage = JSON.parse(raw["jaeger-spm:storage"] ?? "{}") as Record<string, unknown>;
      raw["jaeger-spm:storage"] = JSON.stringify({
        ...storage,
        backend: "elasticsearch",
        elasticsearch: { mode: "inCluster", inCluster: { cpu: 2, nodeCount: 3 } },
      });
      assert.equal(valid(raw).storage.elasticsearch.inCluster.cpu, "2");
    });

    it("accepts retention set as plain text and the booleans the CLI passes as text", () => {
      const raw = configSet(set(dev(), "storage.retention", "72h"), "createNamespace", "false");
      const config = valid(raw);
      assert.equal(config.storage.retentionSeconds, 72 * 3600);
      assert.equal(config.createNamespace, false);
    });
  });

  describe("sizing from expected spans per second (512Mi + 30Mi/1k + 200Mi SPM; 300m + 100m/1k)", () => {
    it("derives requests and 2x limits from 3000 spans/s", () => {
      const config = valid(set(dev(), "jaeger.expectedSpansPerSecond", "3000"));
      // memory 512 + 3*30 + 200 = 802Mi; cpu 300 + 3*100 = 600m
      assert.deepEqual(config.jaeger.resources, {
        requests: { cpu: "600m", memory: "802Mi" },
        limits: { cpu: "1200m", memory: "1604Mi" },
      });
    });

    it("sizes the Badger volume for spans/s x bytes/span x retention with 1.5x headroom", () => {
      // 1000 spans/s x 640 B (Badger's default) x 86400 s = 55,296,000,000 B = 51.5 GiB; x 1.5 = 77.25 -> 78Gi
      let raw = set(dev(), "jaeger.expectedSpansPerSecond", "1000");
      raw = set(raw, "storage.retention", "24h");
      assert.equal(valid(raw).storage.badger.volumeSize, "78Gi");
      // 512 B spans: 41.2 GiB x 1.5 = 61.8 -> 62Gi
      assert.equal(valid(set(raw, "storage.bytesPerSpan", "512")).storage.badger.volumeSize, "62Gi");
      // dev (200 spans/s, 168h): 200 x 640 x 604800 = 77,414,400,000 B = 72.1 GiB; x 1.5 = 108.1 -> 109Gi
      assert.equal(valid(dev()).storage.badger.volumeSize, "109Gi");
    });

    it("sizes each in-cluster Elasticsearch node for every copy of the retained spans", () => {
      // prod: 3000 x 832 x 604800 = 1,509,580,800,000 B = 1405.9 GiB; x (1 + 1 replica) x 1.5 / 3 nodes = 1405.9 -> 1406Gi
      assert.equal(valid(stackConfig("prod")).storage.elasticsearch.inCluster.volumeSize, "1406Gi");
      // no replica: half of that, 703.0 -> 703Gi
      const raw = set(stackConfig("prod"), "storage.elasticsearch.spans.replicas", "0");
      assert.equal(valid(raw).storage.elasticsearch.inCluster.volumeSize, "703Gi");
    });

    it("warns (without failing) when an explicit volume is smaller than the load needs", () => {
      const result = parseStackConfig(set(dev(), "storage.badger.volumeSize", "5Gi"));
      assert.ok(result.ok);
      assert.deepEqual(result.warnings, [
        'jaeger-spm:storage.badger.volumeSize = "5Gi" is smaller than the 109Gi that 200 spans/s x 640 B x 168h needs; the disk fills before retention deletes data',
      ]);
      assert.deepEqual(
        (parseStackConfig(set(dev(), "storage.badger.volumeSize", "200Gi")) as { warnings: string[] }).warnings,
        [],
      );
    });

    it("warns about settings that will be ignored, naming the key that makes them so", () => {
      assert.deepEqual(warningsOf(set(dev(), "storage.elasticsearch.serverUrls[0]", "https://es:9200")), [
        'jaeger-spm:storage.elasticsearch (serverUrls) is ignored: storage.backend is "badger"',
      ]);
      assert.deepEqual(warningsOf(sets(dev(), [["security.tls.secretName", "jaeger-tls"]])), [
        "jaeger-spm:security.tls (secretName) is ignored: security.tls.enabled is false",
      ]);
      assert.deepEqual(warningsOf(dev()), [], "the dev stack as shipped has nothing to warn about");
    });

    it("warns when one Badger pod would have to carry more than about 10,000 spans/s", () => {
      const result = parseStackConfig(set(dev(), "jaeger.expectedSpansPerSecond", "1000000"));
      assert.ok(result.ok);
      assert.ok(
        result.warnings.some((w) =>
          /^jaeger-spm:jaeger\.expectedSpansPerSecond = 1000000 is more than one Badger pod carries \(about 10000 spans\/s/.test(
            w,
          ),
        ),
        result.warnings.join("\n"),
      );
      const fine = parseStackConfig(set(dev(), "jaeger.expectedSpansPerSecond", "10000"));
      assert.ok(fine.ok && fine.warnings.every((w) => !w.includes("expectedSpansPerSecond")));
    });

    it("refuses a Badger memory limit under 768Mi, which overload turns into OOM kills (measured on Jaeger 2.20)", () => {
      const problemsOf = (raw: RawConfig) => {
        const result = parseStackConfig(raw);
        return result.ok ? [] : result.problems;
      };
      const small = set(
        set(dev(), "jaeger.resources.requests.memory", "128Mi"),
        "jaeger.resources.limits.memory",
        "256Mi",
      );
      assert.ok(
        problemsOf(small).some((p) =>
          p.startsWith(
            'jaeger-spm:jaeger.resources.limits.memory = "256Mi": expected at least 768Mi with storage.backend "badger"',
          ),
        ),
        problemsOf(small).join("\n"),
      );
      const enough = set(
        set(dev(), "jaeger.resources.requests.memory", "384Mi"),
        "jaeger.resources.limits.memory",
        "768Mi",
      );
      assert.deepEqual(problemsOf(enough), []);
    });

    describe("Badger backups are crash-consistent unless file copies are accepted by name", () => {
      const prodBadger = () => set(stackConfig("prod"), "storage.backend", "badger");
      const outcome = (raw: RawConfig) => {
        const result = parseStackConfig(raw);
        return result.ok
          ? { problems: [] as string[], warnings: result.warnings }
          : { problems: result.problems, warnings: [] as string[] };
      };

      it("refuses backups with no snapshot class, naming the measured risk and both ways out as commands", () => {
        const { problems } = outcome(prodBadger());
        const problem = problems.find((p) => p.startsWith("jaeger-spm:backup.volumeSnapshotClass = (not set)"));
        assert.ok(problem, problems.join("\n"));
        assert.match(problem, /file by file while Jaeger writes/);
        assert.match(
          problem,
          /3 of 41 such copies lacked writes acknowledged before the copy began \(28,884 in one\) and 1 did not open/,
        );
        assert.ok(problem.includes("`pulumi config set --path backup.volumeSnapshotClass <class>`"), problem);
        assert.ok(problem.includes("`pulumi config set --path backup.acceptInconsistentFileCopies true`"), problem);
      });

      it("takes either way out, as its command sets it", () => {
        const byClass = outcome(set(prodBadger(), "backup.volumeSnapshotClass", "ebs-csi"));
        assert.deepEqual(byClass.problems, []);
        const accepted = outcome(set(prodBadger(), "backup.acceptInconsistentFileCopies", "true"));
        assert.deepEqual(accepted.problems, []);
        assert.ok(
          !accepted.warnings.some((w) => w.includes("acceptInconsistentFileCopies")),
          "an accepted risk is not repeated at every preview",
        );
      });

      it("does not ask where Velero does not copy Badger: Elasticsearch, or no backups", () => {
        assert.deepEqual(outcome(stackConfig("prod")).problems, [], "Elasticsearch: its own snapshots");
        assert.deepEqual(outcome(set(prodBadger(), "backup.enabled", "false")).problems, []);
      });

      it("says when the acceptance has no effect", () => {
        const withClass = outcome(
          set(
            set(prodBadger(), "backup.volumeSnapshotClass", "ebs-csi"),
            "backup.acceptInconsistentFileCopies",
            "true",
          ),
        );
        assert.deepEqual(
          withClass.warnings.filter((w) => w.includes("acceptInconsistentFileCopies")),
          [
            "jaeger-spm:backup.acceptInconsistentFileCopies is ignored: backup.volumeSnapshotClass is set, so backups are crash-consistent snapshots",
          ],
        );
        const onSearch = outcome(set(stackConfig("prod"), "backup.acceptInconsistentFileCopies", "true"));
        assert.ok(
          onSearch.warnings.some((w) =>
            /acceptInconsistentFileCopies is ignored: storage.backend is not "badger"/.test(w),
          ),
        );
      });
    });

    it("shows the warnings at preview (pulumi.log.warn from the program itself)", async () => {
      const ev = await evaluateStack("prod");
      assert.ok(
        ev.warnings.some((w) => /^jaeger-spm:security\.oidc\.issuerUrl = .* is an example placeholder/.test(w)),
        ev.warnings.join("\n"),
      );
      assert.deepEqual((await evaluateStack("dev")).warnings, []);
    });

    it("warns about the example placeholders prod ships with, until they are replaced", () => {
      const result = parseStackConfig(stackConfig("prod"));
      assert.ok(result.ok);
      const keys = result.warnings.filter((w) => w.includes("example placeholder")).map((w) => w.split(" = ")[0]);
      assert.deepEqual(keys.sort(), [
        "jaeger-spm:backup.oidcIssuer",
        "jaeger-spm:backup.oidcProviderArn",
        "jaeger-spm:monitoring.runbookBaseUrl",
        "jaeger-spm:security.oidc.issuerUrl",
        "jaeger-spm:security.oidc.redirectUrl",
      ]);
      const replaced = sets(stackConfig("prod"), [
        ["monitoring.runbookBaseUrl", "https://git.acme.io/platform/jaeger-spm/-/blob/main/README.md"],
        [
          "backup.oidcProviderArn",
          "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D",
        ],
        ["backup.oidcIssuer", "oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D"],
        ["security.oidc.issuerUrl", "https://login.acme.io/realms/platform"],
        ["security.oidc.redirectUrl", "https://jaeger.acme.io/oauth2/callback"],
      ]);
      const after = parseStackConfig(replaced);
      assert.ok(after.ok);
      assert.deepEqual(after.warnings, []);
    });

    it("lets explicit values win field by field", () => {
      let raw = set(dev(), "jaeger.resources.limits.memory", "4Gi");
      raw = set(raw, "storage.badger.volumeSize", "100Gi");
      const config = valid(raw);
      // 200 spans/s: memory 512 + 6 + 200 = 718Mi, cpu 300 + 20 = 320m
      assert.deepEqual(config.jaeger.resources, {
        requests: { cpu: "320m", memory: "718Mi" },
        limits: { cpu: "640m", memory: "4Gi" },
      });
      assert.equal(config.storage.badger.volumeSize, "100Gi");
    });
  });

  describe("rejects bad input with the key, the value and what is expected", () => {
    const cases: { what: string; edit: (raw: RawConfig) => RawConfig; message: RegExp }[] = [
      {
        what: "an unknown storage backend",
        edit: (raw) => set(raw, "storage.backend", "cassandra"),
        message: /^jaeger-spm:storage\.backend = "cassandra": expected one of "badger" or "elasticsearch"$/,
      },
      {
        what: 'retention "7 days"',
        edit: (raw) => set(raw, "storage.retention", "7 days"),
        message:
          /^jaeger-spm:storage\.retention = "7 days": expected a positive Go duration such as 168h.*7 days = 168h\), at least 1h$/,
      },
      {
        what: "a negative retention",
        edit: (raw) => set(raw, "storage.retention", "-1h"),
        message: /^jaeger-spm:storage\.retention = "-1h": expected a positive Go duration/,
      },
      {
        what: "a zero retention",
        edit: (raw) => set(raw, "storage.retention", "0"),
        message: /^jaeger-spm:storage\.retention = 0: expected a positive Go duration/,
      },
      {
        what: "an alert `for` Prometheus cannot parse (1.5h)",
        edit: (raw) => set(raw, "monitoring.alerts.for", "1.5h"),
        message:
          /^jaeger-spm:monitoring\.alerts\.for = "1\.5h": expected a Prometheus duration: whole numbers of y, w, d, h, m, s, ms/,
      },
      {
        what: "an alert duration in microseconds (1us)",
        edit: (raw) => set(raw, "monitoring.alerts.noSpansFor", "1us"),
        message: /^jaeger-spm:monitoring\.alerts\.noSpansFor = "1us": expected a Prometheus duration/,
      },
      {
        what: "a retention of one nanosecond",
        edit: (raw) => set(raw, "storage.retention", "1ns"),
        message: /^jaeger-spm:storage\.retention = "1ns": expected a positive Go duration .*, at least 1h$/,
      },
      {
        what: "a sampling reload every nanosecond",
        edit: (raw) => set(raw, "sampling.reloadInterval", "1ns"),
        message: /^jaeger-spm:sampling\.reloadInterval = "1ns": expected a positive Go duration .*, at least 1s$/,
      },
      {
        what: "a scrape interval of zero",
        edit: (raw) => set(raw, "monitoring.scrapeInterval", "0s"),
        message:
          /^jaeger-spm:monitoring\.scrapeInterval = "0s": expected whole hours, minutes and seconds .*at least 1s$/,
      },
      {
        what: "a sampling probability of 1.5",
        edit: (raw) => set(raw, "sampling.default.param", "1.5"),
        message: /^jaeger-spm:sampling\.default\.param = "1\.5": expected a sampling probability between 0 and 1/,
      },
      {
        what: "ratelimiting per operation",
        edit: (raw) =>
          set(
            set(
              set(raw, "sampling.services[0].operations[0].operation", "GET /"),
              "sampling.services[0].operations[0].type",
              "ratelimiting",
            ),
            "sampling.services[0].operations[0].param",
            "5",
          ),
        message:
          /^jaeger-spm:sampling\.services\[0\]\.operations\[0\]\.type = "ratelimiting": expected "probabilistic": Jaeger does not support ratelimiting per operation$/,
      },
      {
        what: "a ratelimiting service with per-operation rules (SDKs would never apply the rate limit)",
        edit: (raw) =>
          sets(raw, [
            ["sampling.services[0].type", "ratelimiting"],
            ["sampling.services[0].param", "20"],
            ["sampling.services[0].operations[0].operation", "GET /health"],
            ["sampling.services[0].operations[0].param", "0"],
          ]),
        message:
          /^jaeger-spm:sampling\.services\[0\]\.operations = .*: expected no per-operation rules with type "ratelimiting": SDKs apply per-operation rules first/,
      },
      {
        what: "a ratelimiting default with per-operation rules",
        edit: (raw) =>
          sets(raw, [
            ["sampling.default.type", "ratelimiting"],
            ["sampling.default.param", "20"],
            ["sampling.default.operations[0].operation", "GET /health"],
            ["sampling.default.operations[0].param", "0"],
          ]),
        message:
          /^jaeger-spm:sampling\.default\.operations = .*: expected no per-operation rules with type "ratelimiting"/,
      },
      {
        what: "a ratelimiting service that would inherit the default's per-operation rules",
        edit: (raw) =>
          sets(raw, [
            ["sampling.default.operations[0].operation", "GET /health"],
            ["sampling.default.operations[0].param", "0"],
            ["sampling.services[0].type", "ratelimiting"],
            ["sampling.services[0].param", "20"],
          ]),
        message:
          /^jaeger-spm:sampling\.services\[0\]\.type = "ratelimiting": expected "probabilistic" while sampling\.default has per-operation rules/,
      },
      {
        what: "a ratelimiting strategy of 0 traces/s",
        edit: (raw) => set(set(raw, "sampling.services[0].type", "ratelimiting"), "sampling.services[0].param", "0"),
        message:
          /^jaeger-spm:sampling\.services\[0\]\.param = 0: expected a whole number of traces per second, at least 1/,
      },
      {
        what: "a ratelimiting strategy of 0.5 traces/s (Jaeger would truncate it to 0)",
        edit: (raw) => set(set(raw, "sampling.default.type", "ratelimiting"), "sampling.default.param", "0.5"),
        message:
          /^jaeger-spm:sampling\.default\.param = "0\.5": expected a whole number of traces per second, at least 1 and at most 32767 \(Jaeger reads the rate as an integer: 0\.5 would become 0; SDKs take at most 32767, a 16-bit integer\)$/,
      },
      {
        what: "a fractional ratelimiting strategy above 1 (2.5 traces/s)",
        edit: (raw) => set(set(raw, "sampling.services[0].type", "ratelimiting"), "sampling.services[0].param", "2.5"),
        message: /^jaeger-spm:sampling\.services\[0\]\.param = "2\.5": expected a whole number of traces per second/,
      },
      {
        what: "the same service twice",
        edit: (raw) => set(set(raw, "sampling.services[1].service", "gateway"), "sampling.services[1].param", "0.2"),
        message:
          /^jaeger-spm:sampling\.services\[1\]\.service = "gateway": expected each service once; "gateway" is listed twice$/,
      },
      {
        what: "an unpinned image",
        edit: (raw) => set(raw, "jaeger.image", "jaegertracing/jaeger:latest"),
        message: /^jaeger-spm:jaeger\.image = "jaegertracing\/jaeger:latest": expected a pinned Jaeger v2 image/,
      },
      {
        what: "a Jaeger image on a moving tag",
        edit: (raw) => set(raw, "jaeger.image", "jaegertracing/jaeger:stable"),
        message: /^jaeger-spm:jaeger\.image = "jaegertracing\/jaeger:stable": expected a pinned Jaeger v2 image/,
      },
      {
        what: "an index cleaner schedule out of range",
        edit: (raw) => set(raw, "storage.elasticsearch.indexCleaner.schedule", "55 24 * * *"),
        message:
          /^jaeger-spm:storage\.elasticsearch\.indexCleaner\.schedule = "55 24 \* \* \*": expected a cron schedule of five fields/,
      },
      {
        what: "an index cleaner image on latest",
        edit: (raw) =>
          set(raw, "storage.elasticsearch.indexCleaner.image", "jaegertracing/jaeger-es-index-cleaner:latest"),
        message:
          /^jaeger-spm:storage\.elasticsearch\.indexCleaner\.image = "jaegertracing\/jaeger-es-index-cleaner:latest": expected an index cleaner image, pinned/,
      },
      {
        what: "an untagged image",
        edit: (raw) => set(raw, "jaeger.image", "jaegertracing/jaeger"),
        message: /^jaeger-spm:jaeger\.image = "jaegertracing\/jaeger": expected a pinned Jaeger v2 image/,
      },
      {
        what: "a Jaeger v1 image",
        edit: (raw) => set(raw, "jaeger.image", "jaegertracing/all-in-one:1.50"),
        message: /^jaeger-spm:jaeger\.image = "jaegertracing\/all-in-one:1\.50": expected a pinned Jaeger v2 image/,
      },
      {
        what: "Elasticsearch without server URLs",
        edit: (raw) => set(raw, "storage.backend", "elasticsearch"),
        message:
          /^jaeger-spm:storage\.elasticsearch\.serverUrls = \(not set\): expected at least one server URL when storage\.backend is elasticsearch/,
      },
      {
        what: "a Prometheus URL without a scheme",
        edit: (raw) => set(raw, "spm.prometheusUrl", "prometheus:9090"),
        message:
          /^jaeger-spm:spm\.prometheusUrl = "prometheus:9090": expected the Prometheus that Jaeger's Monitor tab queries: an http:\/\/ or https:\/\/ URL/,
      },
      {
        what: "a NodePort outside 30000-32767",
        edit: (raw) => set(raw, "jaeger.query.nodePort", "8080"),
        message: /^jaeger-spm:jaeger\.query\.nodePort = 8080: expected a NodePort between 30000 and 32767$/,
      },
      {
        what: "a LoadBalancer query Service",
        edit: (raw) => set(raw, "jaeger.query.serviceType", "LoadBalancer"),
        message: /^jaeger-spm:jaeger\.query\.serviceType = "LoadBalancer": expected one of "ClusterIP" or "NodePort"$/,
      },
      {
        what: "a memory request that is not a quantity",
        edit: (raw) => set(raw, "jaeger.resources.requests.memory", "lots"),
        message: /^jaeger-spm:jaeger\.resources\.requests\.memory = "lots": expected a Kubernetes byte quantity/,
      },
      {
        what: "a memory limit below the request",
        edit: (raw) => set(raw, "jaeger.resources.limits.memory", "256Mi"),
        message:
          /^jaeger-spm:jaeger\.resources\.limits\.memory = "256Mi": expected at least the memory request \(718Mi\)$/,
      },
      {
        what: "a namespace that is not a DNS label",
        edit: (raw) => configSet(raw, "namespace", "Tracing_NS"),
        message: /^jaeger-spm:namespace = "Tracing_NS": expected a DNS-1123 label/,
      },
      {
        what: "a misspelt nested key",
        edit: (raw) => set(raw, "storage.retenton", "72h"),
        message:
          /^jaeger-spm:storage\.retenton: unknown key \(value not shown\); expected only the keys listed in docs\/configuration\.md \(did you mean jaeger-spm:storage\.retention\?\)$/,
      },
      {
        what: "an unknown top-level key",
        edit: (raw) => configSet(raw, "retention", "72h"),
        message: /^jaeger-spm:retention: unknown key \(value not shown\); expected one of jaeger-spm:namespace, /,
      },
      {
        what: "a boolean given as yes",
        edit: (raw) => configSet(raw, "createNamespace", "yes"),
        message: /^jaeger-spm:createNamespace = "yes": expected true or false$/,
      },
      {
        what: "a structured key set without --path",
        edit: (raw) => configSet(raw, "sampling", "0.5"),
        message: /^jaeger-spm:sampling = 0\.5: expected an object; set its fields with `pulumi config set --path/,
      },
      {
        what: "a negative spans/s figure",
        edit: (raw) => set(raw, "jaeger.expectedSpansPerSecond", "-5"),
        message:
          /^jaeger-spm:jaeger\.expectedSpansPerSecond = -5: expected a whole number of spans per second, 0 to 1000000$/,
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what}`, () => {
        const found = problems(c.edit(dev()));
        assert.ok(
          found.some((p) => c.message.test(p)),
          `no problem matched ${c.message}; got:\n${found.join("\n")}`,
        );
      });
    }

    it("reports every problem at once", () => {
      let raw = set(dev(), "storage.backend", "cassandra");
      raw = set(raw, "storage.retention", "7 days");
      raw = set(raw, "sampling.default.param", "1.5");
      const found = problems(raw);
      assert.equal(found.length, 3, found.join("\n"));
    });

    it("fails the program before it registers any resource", async () => {
      const raw = set(dev(), "storage.retention", "7 days");
      await assert.rejects(evaluateStack("dev", raw), (error: unknown) => {
        assert.ok(error instanceof EvaluationFailed, String(error));
        assert.equal(error.cause.name, "StackConfigError");
        assert.match(error.cause.message, /jaeger-spm:storage\.retention = "7 days"/);
        assert.deepEqual(error.registered, []);
        return true;
      });
    });
  });
});

describe("stack config: properties users rely on that mutation testing found unchecked", () => {
  const dev = () => stackConfig("dev");
  const problemsOf = (raw: RawConfig, secrets: string[] = []) => {
    const result = parseStackConfig(raw, new Set(secrets));
    return result.ok ? [] : result.problems;
  };

  it("a secret set in plaintext fails `pulumi up` itself (the engine's secret flags are read)", async () => {
    const raw = { ...set(dev(), "storage.backend", "badger"), "jaeger-spm:grafanaApiToken": "glsa_plaintext" };
    await assert.rejects(evaluateStack("dev", raw, []), (error: unknown) => {
      assert.ok(error instanceof EvaluationFailed);
      assert.match(error.cause.message, /jaeger-spm:grafanaApiToken is set in plaintext: expected a secret/);
      assert.ok(!error.cause.message.includes("glsa_plaintext"));
      return true;
    });
    // the same value, marked secret by the engine, is accepted as far as secrecy goes
    const asSecret = await evaluateStack("dev", raw, ["jaeger-spm:grafanaApiToken"]).catch((e: EvaluationFailed) => e);
    if (asSecret instanceof EvaluationFailed) assert.doesNotMatch(asSecret.cause.message, /in plaintext/);
  });

  it("names the problem count in the heading, singular or plural, and how to fix it", async () => {
    const one = await evaluateStack("dev", set(dev(), "storage.retention", "7 days")).catch((e: EvaluationFailed) => e);
    assert.ok(one instanceof EvaluationFailed);
    assert.match(one.cause.message, /^Invalid stack configuration \(1 problem\):\n  - /);
    assert.match(one.cause.message, /\nFix with `pulumi config set \[--path\] <key> <value>`/);
    const two = await evaluateStack(
      "dev",
      set(set(dev(), "storage.retention", "7 days"), "sampling.default.param", "1.5"),
    ).catch((e: EvaluationFailed) => e);
    assert.ok(two instanceof EvaluationFailed);
    assert.match(two.cause.message, /^Invalid stack configuration \(2 problems\):/);
    // each problem on a line of its own
    assert.equal(two.cause.message.split("\n").filter((line) => line.startsWith("  - jaeger-spm:")).length, 2);
  });

  it("a CPU limit below its request is refused; limits equal to their requests are fine", () => {
    assert.ok(
      problemsOf(
        sets(dev(), [
          ["jaeger.resources.requests.cpu", "1"],
          ["jaeger.resources.limits.cpu", "500m"],
        ]),
      ).some((p) =>
        /^jaeger-spm:jaeger\.resources\.limits\.cpu = "500m": expected at least the CPU request \(1\)$/.test(p),
      ),
    );
    assert.deepEqual(
      problemsOf(
        sets(dev(), [
          ["jaeger.resources.requests.memory", "2Gi"],
          ["jaeger.resources.limits.memory", "2Gi"],
          // The same amount written two ways: a CPU is 1000m.
          ["jaeger.resources.requests.cpu", "1"],
          ["jaeger.resources.limits.cpu", "1000m"],
        ]),
      ),
      [],
    );
  });

  it("the undersized-volume warning fires only for an explicit size below the need", () => {
    // dev: 200 spans/s x 640 B x 168h x 1.5 -> 109Gi
    assert.deepEqual(warningsOf(dev()), [], "size left to the derivation");
    assert.deepEqual(warningsOf(set(dev(), "storage.badger.volumeSize", "109Gi")), [], "exactly the need");
    assert.equal(warningsOf(set(dev(), "storage.badger.volumeSize", "108Gi")).length, 1);
    // in-cluster Elasticsearch nodes too (prod needs 1406Gi per node)
    const es = warningsOf(set(stackConfig("prod"), "storage.elasticsearch.inCluster.volumeSize", "100Gi"));
    assert.ok(
      es.some((w) =>
        /^jaeger-spm:storage\.elasticsearch\.inCluster\.volumeSize = "100Gi" is smaller than the 1406Gi/.test(w),
      ),
    );
    // but not for an external cluster, whose nodes the stack does not size
    const external = warningsOf(
      sets(stackConfig("prod"), [
        ["storage.elasticsearch.mode", "external"],
        ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
        ["storage.elasticsearch.inCluster.volumeSize", "100Gi"],
      ]),
    );
    assert.ok(!external.some((w) => / is smaller than the /.test(w)), external.join("\n"));
  });

  it("a derived Elasticsearch volume is applied at creation only; an explicit one is kept in step", async () => {
    const ignored = async (raw: RawConfig) =>
      (await evaluateStack("prod", raw)).resources.find((r) => r.inputs.kind === "Elasticsearch")?.options
        .ignoreChanges ?? [];
    assert.deepEqual(await ignored(stackConfig("prod")), [
      "spec.nodeSets[0].volumeClaimTemplates[0].spec.resources.requests.storage",
    ]);
    assert.deepEqual(await ignored(set(stackConfig("prod"), "storage.elasticsearch.inCluster.volumeSize", "2Ti")), []);
  });

  it("provider keys in a stack file (aws:region, kubernetes:context) are not ours to judge", () => {
    const raw = { ...dev(), "aws:region": "eu-west-1", "kubernetes:context": "kind-dev" };
    assert.deepEqual(problemsOf(raw), []);
  });

  it("an API key nothing uses is reported, without its value", () => {
    const raw = { ...dev(), "jaeger-spm:elasticsearchApiKey": "c2VjcmV0LWtleQ==" };
    const found = problemsOf(raw, ["jaeger-spm:elasticsearchApiKey"]);
    assert.ok(
      found.some((p) =>
        /^jaeger-spm:elasticsearchApiKey is set but unused: expected storage\.elasticsearch\.auth "apiKey" \(it is "none"\)$/.test(
          p,
        ),
      ),
    );
    assert.ok(!found.join("\n").includes("c2VjcmV0"));
  });

  it('uiBasicAuth typed as the text "true" still requires the htpasswd secret', () => {
    const raw = { ...dev(), "jaeger-spm:security": JSON.stringify({ uiBasicAuth: "true" }) };
    assert.ok(
      problemsOf(raw).some((p) =>
        /^jaeger-spm:uiHtpasswd = \(not set\): expected htpasswd lines .*; run `pulumi config set --secret uiHtpasswd -- '<value>'`$/.test(
          p,
        ),
      ),
    );
  });

  it("query-server resources set by the user reach the query Deployment, field by field", async () => {
    const ev = await evaluateStack(
      "prod",
      sets(stackConfig("prod"), [
        ["jaeger.query.resources.limits.memory", "3Gi"],
        ["jaeger.query.resources.requests.cpu", "400m"],
      ]),
    );
    const resources = objectNamed(ev, "Deployment", "jaeger-query").spec?.template.spec?.containers[0].resources;
    assert.deepEqual(resources, { requests: { cpu: "400m", memory: "512Mi" }, limits: { cpu: "1", memory: "3Gi" } });
  });
});

describe("stack config: warnings, hints and suggestions, exactly", () => {
  const dev = () => stackConfig("dev");
  const problemsOf = (raw: RawConfig, secrets: string[] = []) => {
    const result = parseStackConfig(raw, new Set(secrets));
    return result.ok ? [] : result.problems;
  };

  it("names every ignored key, comma-separated, for Elasticsearch with Badger, TLS and OIDC while off", () => {
    assert.deepEqual(
      warningsOf(
        sets(dev(), [
          ["storage.elasticsearch.serverUrls[0]", "https://es:9200"],
          ["storage.elasticsearch.indexPrefix", "traces"],
          ["security.tls.source", "certManager"],
          ["security.tls.issuer.name", "ca"],
          ["security.tls.clientCaSecret", "clients"],
          ["security.tls.legacyReceivers", "true"],
          ["security.oidc.clientId", "jaeger"],
          ["security.oidc.enabled", "false"],
        ]),
      ),
      [
        'jaeger-spm:storage.elasticsearch (serverUrls, indexPrefix) is ignored: storage.backend is "badger"',
        "jaeger-spm:security.tls (source, issuer, clientCaSecret, legacyReceivers) is ignored: security.tls.enabled is false",
        "jaeger-spm:security.oidc (clientId) is ignored: security.oidc.enabled is false",
      ],
    );
  });

  it("warns about every retired backup key still in a stack file", () => {
    const raw = sets(dev(), [
      ["backup.transitionDays", "30"],
      ["backup.transitionStorageClass", "GLACIER_IR"],
      ["backup.expirationDays", "90"],
      ["backup.scratchSize", "20Gi"],
      ["backup.toolsImage", "alpine/k8s:1.33.4"],
    ]);
    assert.deepEqual(warningsOf(raw), [
      "jaeger-spm:backup (transitionDays, transitionStorageClass, expirationDays, scratchSize, toolsImage) is ignored: Velero now backs up the Badger volume (backup.velero.ttl says how long backups are kept); remove these keys",
    ]);
  });

  it("finds example placeholders inside lists and in plain keys, never in secrets", () => {
    const raw = {
      ...sets(dev(), [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://es.internal:9200"],
        ["storage.elasticsearch.serverUrls[1]", "https://es.example.com:9200"],
      ]),
      "jaeger-spm:kubernetesContext": "arn:aws:eks:eu-west-1:123456789012:cluster/dev",
      "jaeger-spm:grafanaApiToken": "token-for-grafana.example.com",
    };
    const result = parseStackConfig(raw, new Set(["jaeger-spm:grafanaApiToken"]));
    assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
    const examples = result.warnings.filter((w) => w.includes("example placeholder"));
    assert.deepEqual(
      examples.map((w) => w.split(" = ")[0]),
      ["jaeger-spm:kubernetesContext", "jaeger-spm:storage.elasticsearch.serverUrls[1]"],
    );
  });

  it("suggests the key meant inside a list item, and nothing when no key is close", () => {
    const close = problemsOf(set(dev(), "sampling.services[0].servce", "x"));
    assert.ok(
      close.some((p) =>
        /^jaeger-spm:sampling\.services\[0\]\.servce: unknown key \(value not shown\); .* \(did you mean jaeger-spm:sampling\.services\[0\]\.service\?\)$/.test(
          p,
        ),
      ),
      close.join("\n"),
    );
    const far = problemsOf(set(dev(), "sampling.zzzzzzzzzzzz", "x"));
    assert.ok(
      far.some((p) => /^jaeger-spm:sampling\.zzzzzzzzzzzz: unknown key/.test(p) && !p.includes("did you mean")),
    );
  });

  it("every missing secret says the exact command that sets it", () => {
    const hint = (key: string) => `run \`pulumi config set --secret ${key} -- '<value>'\``;
    const grafana = problemsOf(
      sets(dev(), [
        ["grafana.import", "api"],
        ["grafana.url", "https://grafana.internal"],
      ]),
    );
    assert.ok(
      grafana.some(
        (p) => p.startsWith("jaeger-spm:grafanaApiToken = (not set)") && p.endsWith(hint("grafanaApiToken")),
      ),
    );
    const base: [string, string][] = [
      ["storage.backend", "elasticsearch"],
      ["storage.elasticsearch.serverUrls[0]", "https://es:9200"],
    ];
    const password = problemsOf(
      sets(dev(), [...base, ["storage.elasticsearch.auth", "basic"], ["storage.elasticsearch.username", "j"]]),
    );
    assert.ok(
      password.some(
        (p) =>
          p.startsWith("jaeger-spm:elasticsearchPassword = (not set)") && p.endsWith(hint("elasticsearchPassword")),
      ),
    );
    const apiKey = problemsOf(sets(dev(), [...base, ["storage.elasticsearch.auth", "apiKey"]]));
    assert.ok(
      apiKey.some(
        (p) => p.startsWith("jaeger-spm:elasticsearchApiKey = (not set)") && p.endsWith(hint("elasticsearchApiKey")),
      ),
    );
  });

  it("counts htpasswd lines as a person would (blank lines count, one bad line is singular)", () => {
    const good = "admin:$2y$05$" + "a".repeat(53);
    const raw = (text: string) => ({
      ...sets(dev(), [
        ["security.uiBasicAuth", "true"],
        ["security.tls.enabled", "true"],
        ["security.tls.source", "secret"],
        ["security.tls.secretName", "t"],
      ]),
      "jaeger-spm:uiHtpasswd": text,
    });
    const found = problemsOf(raw(`${good}\n\nplain:secret`), ["jaeger-spm:uiHtpasswd"]);
    assert.ok(
      found.some((p) => p.startsWith("jaeger-spm:uiHtpasswd: line 3 (value not shown)")),
      found.join("\n"),
    );
    assert.deepEqual(problemsOf(raw(`${good}\n\n${good}\n`), ["jaeger-spm:uiHtpasswd"]), []);
  });
});

describe("stack config: warnings a new user needs (issue #29)", () => {
  /** What an empty stack file gives: Pulumi.yaml's declared defaults only. */
  const emptyStackFile = (): RawConfig => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { default?: unknown }>;
    };
    return Object.fromEntries(
      Object.entries(project.config)
        .filter(([, decl]) => decl.default !== undefined)
        .map(([key, decl]) => [
          `jaeger-spm:${key}`,
          typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default),
        ]),
    );
  };

  it("an empty stack file says which defaults size its volume", () => {
    // 1000 spans/s x 640 B x 604,800 s x 1.5 = 580,608,000,000 B = 540.7 GiB -> 541Gi
    const warnings = warningsOf(emptyStackFile());
    assert.ok(
      warnings.some((w) =>
        w.startsWith(
          "jaeger-spm:storage.badger.volumeSize = 541Gi (derived) rests on defaults: jaeger.expectedSpansPerSecond 1000 spans/s, storage.retention 168h, storage.bytesPerSpan 640 B;",
        ),
      ),
      warnings.join("\n"),
    );
    // Load stated: no such warning (dev states both), nor with an explicit size.
    assert.deepEqual(warningsOf(dev()), []);
    const sized = warningsOf(set(emptyStackFile(), "storage.badger.volumeSize", "600Gi"));
    assert.ok(!sized.some((w) => w.includes("rests on defaults")), sized.join("\n"));
  });

  it("a retention shorter than the span-metrics flush interval is a warning naming both", () => {
    const raw = sets(dev(), [
      ["storage.retention", "1h"],
      ["spm.metricsFlushInterval", "2h"],
    ]);
    assert.ok(
      warningsOf(raw).some((w) =>
        w.startsWith('jaeger-spm:spm.metricsFlushInterval = "2h" is longer than storage.retention = "1h":'),
      ),
    );
    assert.deepEqual(warningsOf(set(dev(), "storage.retention", "1h")), [], "the default 15s flush is fine with 1h");
  });

  it("query replicas and collector scaling on Badger are reported as ignored", () => {
    const warnings = warningsOf(
      sets(dev(), [
        ["jaeger.query.replicas", "3"],
        ["jaeger.collector.maxReplicas", "4"],
      ]),
    );
    assert.ok(
      warnings.includes(
        'jaeger-spm:jaeger (query.replicas, collector.maxReplicas) is ignored: storage.backend is "badger", where one all-in-one pod (a single Badger writer) ingests and serves queries',
      ),
      warnings.join("\n"),
    );
    const prod = parseStackConfig(set(stackConfig("prod"), "jaeger.query.replicas", "3"));
    assert.ok(prod.ok && !prod.warnings.some((w) => w.includes("query.replicas")), "Elasticsearch runs query replicas");
  });

  it("a dotted key in the stack file is refused with how to nest it or set it with --path", () => {
    const raw = { ...dev(), "jaeger-spm:storage.retention": "72h" };
    assert.ok(
      problems(raw).includes(
        "jaeger-spm:storage.retention: a dotted key is a key of its own, not retention inside jaeger-spm:storage (value not shown); in the stack file nest it under jaeger-spm:storage, or run `pulumi config rm storage.retention` then `pulumi config set --path storage.retention <value>`",
      ),
      problems(raw).join("\n"),
    );
  });

  it("a byte size written as 4GB, 512mb or 2gi suggests Kubernetes' spelling", () => {
    for (const [written, meant] of [
      ["4GB", "4Gi"],
      ["512mb", "512Mi"],
      ["2gi", "2Gi"],
      ["1.5 TB", "1.5Ti"],
    ]) {
      const found = problems(set(dev(), "storage.badger.volumeSize", written));
      assert.ok(
        found.some((p) => p.endsWith(`(did you mean "${meant}"?)`)),
        `${written}: ${found.join("\n")}`,
      );
    }
    assert.ok(!problems(set(dev(), "storage.badger.volumeSize", "lots")).some((p) => p.includes("did you mean")));
  });

  it("a stack file naming one key twice (with and without the namespace) is refused, values not shown", () => {
    const text = [
      "config:",
      "  sampling:",
      "    default: { type: probabilistic, param: 1 }",
      "  jaeger-spm:sampling:",
      "    default: { type: probabilistic, param: 0.1 }",
      "  jaeger-spm:namespace: observability",
      "",
    ].join("\n");
    assert.deepEqual(stackFileProblems(text, "jaeger-spm", "Pulumi.dev.yaml"), [
      "jaeger-spm:sampling is set 2 times in Pulumi.dev.yaml, as `sampling` and `jaeger-spm:sampling` (values not shown): a key without a namespace is jaeger-spm:sampling too, so one block silently replaces the other; keep one, under `jaeger-spm:sampling`",
    ]);
    for (const stack of ["dev", "prod"]) {
      assert.deepEqual(
        stackFileProblems(
          fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"),
          "jaeger-spm",
          `Pulumi.${stack}.yaml`,
        ),
        [],
        stack,
      );
    }
  });
});
