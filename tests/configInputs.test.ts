// Inputs users plausibly write, by class: each is refused with the key, the value and what is
// expected, warned about, or (when valid) accepted. Values that may be credentials are never shown.
import * as assert from "node:assert/strict";
import { parseStackConfig } from "../config/load";
import { RawConfig, configSet, stackConfig } from "../scripts/evaluate";

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
