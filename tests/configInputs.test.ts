// Inputs users plausibly write, by class: each is refused with the key, the value and what is
// expected, warned about, or (when valid) accepted. Values that may be credentials are never shown.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import { ROOT, RawConfig, configSet, stackConfig, stackSecretKeys } from "../scripts/evaluate";

type Edit = readonly [key: string, value: string];
const apply = (raw: RawConfig, entries: readonly Edit[]) =>
  entries.reduce((r, [k, v]) => configSet(r, k, v, { path: true }), raw);

function problemsOf(stack: string, entries: readonly Edit[]): string[] {
  const result = parseStackConfig(apply(stackConfig(stack), entries));
  assert.equal(result.ok, false, `expected ${JSON.stringify(entries)} to be refused`);
  return result.ok ? [] : result.problems;
}

const SEARCH: Edit[] = [
  ["storage.backend", "elasticsearch"],
  ["storage.retention", "72h"],
  ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
];

describe("stack config: no credential in a URL", () => {
  const credentialed = (url: string) => url.replace("://", "://jaeger:Hunter2-secret@");
  // Every key that takes a URL, with what else it needs to be read.
  const urlKeys: { key: string; url: string; with?: Edit[] }[] = [
    { key: "storage.elasticsearch.serverUrls[0]", url: "https://es.example.com:9200", with: SEARCH },
    { key: "spm.prometheusUrl", url: "http://prometheus.monitoring.svc:9090" },
    { key: "monitoring.runbookBaseUrl", url: "https://git.example.com/runbooks.md" },
    { key: "grafana.url", url: "https://grafana.example.com", with: [["grafana.import", "api"]] },
    { key: "security.oidc.issuerUrl", url: "https://login.example.com/realms/x" },
    { key: "security.oidc.redirectUrl", url: "https://jaeger.example.com/oauth2/callback" },
    {
      key: "monitoring.bundled.chartRepository",
      url: "https://charts.example.com",
      with: [["monitoring.bundled.enabled", "true"]],
    },
    { key: "storage.elasticsearch.inCluster.operatorChartRepository", url: "oci://registry.example.com/charts" },
    { key: "backup.velero.chartRepository", url: "https://charts.example.com" },
  ];
  for (const { key, url, with: context = [] } of urlKeys) {
    it(`refuses user:password@ in ${key}, and never prints the password`, () => {
      const found = problemsOf("prod", [...context, [key, credentialed(url)]]);
      const keyName = `jaeger-spm:${key}`;
      const problem = found.find((p) => p.startsWith(`${keyName} = `));
      assert.ok(problem, `a problem names ${keyName}:\n${found.join("\n")}`);
      assert.ok(!found.join("\n").includes("Hunter2"), found.join("\n"));
    });
  }

  it("says where search credentials go instead", () => {
    const [problem] = problemsOf("dev", [
      ...SEARCH,
      ["storage.elasticsearch.serverUrls[0]", "https://jaeger:Hunter2-secret@es.example.com:9200"],
    ]);
    assert.match(problem, /no user:password@ in the URL .*storage\.elasticsearch\.auth and the elasticsearchPassword/);
  });
});

function accepted(stack: string, entries: readonly Edit[], raw?: RawConfig) {
  const result = parseStackConfig(raw ?? apply(stackConfig(stack), entries));
  assert.ok(
    result.ok,
    result.ok ? "" : `expected ${JSON.stringify(entries)} to be accepted:\n${result.problems.join("\n")}`,
  );
  return result;
}

/** A structured key's JSON changed in place (for values --path cannot write, such as an empty list). */
function withJson(raw: RawConfig, key: string, change: (value: Record<string, unknown>) => void): RawConfig {
  const value = JSON.parse(raw[`jaeger-spm:${key}`] ?? "{}") as Record<string, unknown>;
  change(value);
  return { ...raw, [`jaeger-spm:${key}`]: JSON.stringify(value) };
}

/** The one problem that names `key`, asserting there is one. */
function problemFor(found: readonly string[], key: string): string {
  const problem = found.find((p) => p.startsWith(`jaeger-spm:${key} `) || p.startsWith(`jaeger-spm:${key}:`));
  assert.ok(problem, `a problem names jaeger-spm:${key}:\n${found.join("\n")}`);
  return problem;
}

describe("stack config: valid input is accepted as Kubernetes and the Pulumi CLI accept it", () => {
  it("a memory or CPU request set alone above the derived figure gets a limit twice its size", () => {
    const memory = accepted("dev", [["jaeger.resources.requests.memory", "1.5Gi"]]);
    assert.ok(memory.ok);
    assert.equal(memory.config.jaeger.resources.limits.memory, "3072Mi");
    const cpu = accepted("dev", [["jaeger.resources.requests.cpu", "1"]]);
    assert.ok(cpu.ok);
    assert.equal(cpu.config.jaeger.resources.limits.cpu, "2000m");
  });

  it("quantities with a decimal exponent (2e9 bytes, 1e0 CPU), as Kubernetes reads them", () => {
    const result = accepted("dev", [
      ["jaeger.resources.requests.memory", "2e9"],
      ["jaeger.resources.requests.cpu", "1e0"],
    ]);
    assert.ok(result.ok);
    assert.equal(result.config.jaeger.resources.limits.memory, `${Math.ceil((2e9 * 2) / 2 ** 20)}Mi`);
    assert.equal(result.config.jaeger.resources.limits.cpu, "2000m");
  });

  it("a stack file with YAML merge keys and a secure value nested in a structured key", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(
        path.join(dir, "Pulumi.merged.yaml"),
        [
          "config:",
          "  jaeger-spm:storage:",
          "    retention: 72h",
          "    badger: &sized",
          "      volumeSize: 20Gi",
          "  jaeger-spm:grafana:",
          "    folder:",
          "      secure: v1:AAAAciphertext==",
          "  jaeger-spm:spm:",
          "    <<: { metricsFlushInterval: 30s }",
          "    prometheusUrl: http://prometheus-operated.monitoring.svc:9090",
          "",
        ].join("\n"),
      );
      const raw = stackConfig("merged", dir);
      const secrets = new Set(stackSecretKeys("merged", dir));
      assert.deepEqual([...secrets], ["jaeger-spm:grafana"], "the CLI passes the whole key as a secret");
      const result = parseStackConfig(raw, secrets);
      assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
      assert.equal(result.config.spm.metricsFlushInterval, "30s", "the merge key applied");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("stack config: names the cluster or the engine would refuse", () => {
  const refused: { what: string; stack?: string; edits: Edit[]; key: string; message: RegExp }[] = [
    {
      what: "a StorageClass name with an upper-case letter and '_'",
      edits: [["storage.badger.storageClass", "Fast_SSD"]],
      key: "storage.badger.storageClass",
      message: /DNS-1123 subdomain/,
    },
    {
      what: "a StorageClass name with a trailing space",
      edits: [["storage.badger.storageClass", "fast "]],
      key: "storage.badger.storageClass",
      message: /DNS-1123 subdomain/,
    },
    {
      what: "the default namespace, created and labelled by the stack",
      edits: [["namespace", "default"]],
      key: "namespace",
      message: /a namespace of the stack's own when createNamespace is true/,
    },
    {
      what: "Jaeger's namespace as the bundled monitoring's",
      edits: [
        ["namespace", "monitoring"],
        ["monitoring.bundled.enabled", "true"],
        ["monitoring.bundled.namespace", "monitoring"],
      ],
      key: "monitoring.bundled.namespace",
      message: /another namespace than jaeger-spm:namespace/,
    },
    {
      what: "Jaeger's namespace as the bundled node exporter's",
      edits: [
        ["namespace", "metrics-node-exporter"],
        ["monitoring.bundled.enabled", "true"],
        ["monitoring.bundled.namespace", "metrics"],
      ],
      key: "monitoring.bundled.namespace",
      message: /another namespace than jaeger-spm:namespace \("metrics-node-exporter"\), also for its node exporter's/,
    },
    {
      what: "Jaeger's namespace as Velero's",
      stack: "prod",
      edits: [["backup.velero.namespace", "observability"]],
      key: "backup.velero.namespace",
      message: /another namespace than jaeger-spm:namespace/,
    },
    {
      what: "a sampled service name with a leading space",
      edits: [["sampling.services[0].service", " checkout"]],
      key: "sampling.services[0].service",
      message: /without leading or trailing spaces/,
    },
    {
      what: "an operation name with a trailing space",
      edits: [["sampling.default.operations[0].operation", "GET /health "]],
      key: "sampling.default.operations[0].operation",
      message: /without leading or trailing spaces/,
    },
    {
      what: "a rate limit above the 16 bits SDKs are sent",
      edits: [
        ["sampling.services[0].type", "ratelimiting"],
        ["sampling.services[0].param", "40000"],
      ],
      key: "sampling.services[0].param",
      message: /at most 32767/,
    },
    {
      what: "a retention beyond Go's largest duration",
      edits: [["storage.retention", "3000000h"]],
      key: "storage.retention",
      message: /at most 2562047h/,
    },
    {
      what: "an index prefix ending in '-' (Jaeger adds its own)",
      edits: [...SEARCH, ["storage.elasticsearch.indexPrefix", "tracing-"]],
      key: "storage.elasticsearch.indexPrefix",
      message: /not starting or ending with '-'/,
    },
    {
      what: "an index prefix too long for an index name",
      edits: [...SEARCH, ["storage.elasticsearch.indexPrefix", "t".repeat(230)]],
      key: "storage.elasticsearch.indexPrefix",
      message: /at most 224 characters/,
    },
    {
      what: "an AWS region that does not exist",
      stack: "prod",
      edits: [["backup.region", "eu-west-9"]],
      key: "backup.region",
      message: /an AWS region such as eu-west-1/,
    },
    {
      what: "a Jaeger image older than the config the program renders",
      edits: [["jaeger.image", "jaegertracing/jaeger:2.0.0"]],
      key: "jaeger.image",
      message: /2\.20\.0 or newer/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.what}`, () => {
      assert.match(problemFor(problemsOf(c.stack ?? "dev", c.edits), c.key), c.message);
    });
  }

  it("accepts the same kinds of names when they are right", () => {
    accepted("dev", [
      ["storage.badger.storageClass", "fast-ssd.ebs"],
      ["sampling.services[0].type", "ratelimiting"],
      ["sampling.services[0].param", "32767"],
      ["jaeger.image", "jaegertracing/jaeger:2.21.0"],
    ]);
    accepted("dev", [...SEARCH, ["storage.elasticsearch.indexPrefix", "t".repeat(224)]]);
    accepted("prod", [["backup.region", "us-gov-west-1"]]);
  });
});

describe("stack config: settings that cannot work together", () => {
  it("refuses a scrape interval longer than half the rules' rate window", () => {
    assert.match(
      problemFor(problemsOf("dev", [["monitoring.scrapeInterval", "3m"]]), "monitoring.scrapeInterval"),
      /half the rules' rate window \(5m\)/,
    );
    accepted("dev", [["monitoring.scrapeInterval", "1m"]]);
  });

  it("refuses search credentials sent to an http:// URL", () => {
    const found = problemsOf("dev", [
      ...SEARCH,
      ["storage.elasticsearch.serverUrls[0]", "http://es.example.com:9200"],
      ["storage.elasticsearch.auth", "basic"],
      ["storage.elasticsearch.username", "jaeger"],
    ]);
    assert.match(problemFor(found, "storage.elasticsearch.serverUrls"), /expected https:\/\/ URLs .*in clear/);
  });

  it("refuses an empty list of who may send spans or query", () => {
    for (const key of ["ingestFrom", "queryFrom"]) {
      const raw = withJson(stackConfig("prod"), "security", (s) => (s[key] = []));
      const result = parseStackConfig(raw);
      assert.equal(result.ok, false);
      assert.match(problemFor(result.ok ? [] : result.problems, `security.${key}`), /at least one/);
    }
  });

  it("refuses an in-cluster Prometheus in another namespace than the one the NetworkPolicies admit", () => {
    const found = problemsOf("prod", [["spm.prometheusUrl", "http://prometheus-operated.metrics.svc:9090"]]);
    assert.match(problemFor(found, "security.prometheusNamespace"), /expected "metrics"/);
    accepted("prod", [
      ["spm.prometheusUrl", "http://prometheus-operated.metrics.svc:9090"],
      ["security.prometheusNamespace", "metrics"],
    ]);
  });

  it("refuses sign-in settings oauth2-proxy cannot use", () => {
    const cases: [Edit, string, RegExp][] = [
      [["security.oidc.redirectUrl", "https://jaeger.example.com/"], "security.oidc.redirectUrl", /\/oauth2\/callback/],
      [["security.oidc.emailDomains[0]", "@example.com"], "security.oidc.emailDomains[0]", /without it/],
      [["security.oidc.allowedGroups[0]", ""], "security.oidc.allowedGroups[0]", /non-empty group name/],
    ];
    for (const [edit, key, message] of cases) assert.match(problemFor(problemsOf("prod", [edit]), key), message);
    accepted("prod", [["security.oidc.emailDomains[0]", "*.example.org"]]);
  });

  it("warns about keys the rest of the config ignores", () => {
    const search = accepted("dev", [...SEARCH, ["storage.badger.volumeSize", "50Gi"]]);
    assert.ok(search.ok);
    assert.ok(
      search.warnings.some((w) => /^jaeger-spm:storage\.badger \(volumeSize\) is ignored/.test(w)),
      search.warnings.join("\n"),
    );
    const clusterIp = accepted("prod", [["jaeger.query.nodePort", "30100"]]);
    assert.ok(clusterIp.ok);
    assert.ok(
      clusterIp.warnings.some((w) => /^jaeger-spm:jaeger\.query\.nodePort is ignored/.test(w)),
      clusterIp.warnings.join("\n"),
    );
    const plainCa = accepted("dev", [
      ...SEARCH,
      ["storage.elasticsearch.serverUrls[0]", "http://es.example.com:9200"],
      ["storage.elasticsearch.caCert", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
    ]);
    assert.ok(plainCa.ok);
    assert.ok(
      plainCa.warnings.some((w) => /^jaeger-spm:storage\.elasticsearch\.caCert is ignored/.test(w)),
      plainCa.warnings.join("\n"),
    );
  });
});

describe("stack config: sizes nobody meant are named with their formula", () => {
  it("a Badger claim larger than a general-purpose EBS volume", () => {
    const result = accepted("dev", [
      ["jaeger.expectedSpansPerSecond", "10000"],
      ["storage.retention", "8760h"],
    ]);
    assert.ok(result.ok);
    const warning = result.warnings.find((w) => w.startsWith("jaeger-spm:storage.badger.volumeSize = "));
    assert.ok(warning, result.warnings.join("\n"));
    // 10,000 spans/s x 640 B x 8760 h x 3600 s x 1.5 = 3.03e14 B = 281,953.4 GiB, rounded up.
    assert.match(
      warning,
      /= 281954Gi \(derived: 10000 spans\/s x 640 B x 8760h x 1\.5 headroom\) is larger than .*16 TiB/,
    );
  });

  it("collector pods larger than a common node", () => {
    const result = accepted("prod", [["jaeger.expectedSpansPerSecond", "200000"]]);
    assert.ok(result.ok);
    const warning = result.warnings.find((w) => w.startsWith("jaeger-spm:jaeger.resources.requests = "));
    assert.ok(warning, result.warnings.join("\n"));
    assert.match(
      warning,
      /= 20300m CPU, .* \(derived for each collector pod: 300m \+ 100m and 712Mi \+ 30Mi per 1,000 of 200000 spans\/s\)/,
    );
  });
});

describe("stack config: keys under a namespace that is almost the project's", () => {
  it("refuses jaeger_spm:storage by name, pointing at jaeger-spm:storage", () => {
    const raw = { ...stackConfig("dev"), "jaeger_spm:storage": JSON.stringify({ retention: "72h" }) };
    const result = parseStackConfig(raw);
    assert.equal(result.ok, false);
    const found = result.ok ? [] : result.problems;
    assert.ok(
      found.some(
        (p) => p.startsWith("jaeger_spm:storage: ") && p.includes("expected jaeger-spm:storage") && !p.includes("72h"),
      ),
      found.join("\n"),
    );
  });

  it("leaves other namespaces alone (providers, other projects)", () => {
    accepted("dev", [], {
      ...stackConfig("dev"),
      "kubernetes:context": "kind",
      "aws:region": "eu-west-1",
      "jaeger:x": "1",
    });
  });
});
