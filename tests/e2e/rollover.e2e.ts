// Rollover by size and age (storage.elasticsearch.rotation autoRollover) on the real OpenSearch
// 2.19.3 this machine runs. Its integration-test distribution has no index-management (ISM) plugin,
// and the registries here serve none (org.opensearch.plugin:opensearch-index-management, every 2.x
// and 3.x version tried), so the policy cannot run here. What a node without ISM does is checked
// instead, because users meet it too (OpenSearch's minimal distribution): the setup Job's first
// step, run as its pod runs it, stops with a message that names the plugin and creates nothing.
// Jaeger's workloads wait for that Job; such a node would also refuse the index template Jaeger
// writes for auto_rollover ("unknown setting index.plugins.index_state_management.rollover_alias").
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { ROLLOVER_SETUP } from "../../components/search/lifecycle";
import { edits } from "../support/stackEdits";
import { localPod } from "../support/localPod";
import { Certificates, makeCertificates } from "./support/certs";
import {
  OPENSEARCH_VERSION,
  RunningOpenSearch,
  SEARCH_HOST,
  SEARCH_SERVICE,
  SECURED_SEARCH_SECRETS,
  securedFor,
  securedSearchEdits,
  startOpenSearch,
} from "./support/opensearch";

describe(`e2e: index rollover's setup on OpenSearch ${OPENSEARCH_VERSION} without the ISM plugin`, function () {
  let evaluation: Evaluation;
  let opensearch: RunningOpenSearch;
  let certs: Certificates;
  let dir: string;
  const password = `${randomBytes(12).toString("hex")}-Jg1`;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-rollover-"));
    certs = makeCertificates(dir, [SEARCH_HOST], { serverAlsoClient: true });
    const ca = fs.readFileSync(certs.serverCa, "utf8");
    evaluation = await evaluateStack(
      "prod",
      edits("prod", [...securedSearchEdits(ca, password), ["storage.elasticsearch.rotation", "autoRollover"]]),
      SECURED_SEARCH_SECRETS,
    );
    opensearch = await startOpenSearch(securedFor(certs, password));
  });

  after(async function () {
    await opensearch?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(opensearch?.engine.logTail(30));
  });

  it("the setup Job's policy step stops with a message naming OpenSearch's index-management plugin, and creates no index or alias", async function () {
    const pod = await localPod(evaluation, ROLLOVER_SETUP.job, {
      kind: "Job",
      container: "lifecycle-policies",
      services: new Map([[SEARCH_SERVICE, opensearch.url.replace("https://", "")]]),
    });
    try {
      // The container's command: /bin/sh and the mounted script.
      const [shell, script] = pod.container.command ?? [];
      assert.equal(shell, "/bin/sh");
      const run = await pod.run(shell, { args: [pod.file(script)], timeoutMs: 120_000 });
      const output = run.stdout + run.stderr;
      assert.equal(run.code, 1, output);
      assert.match(output, /needs OpenSearch's index-management plugin/);
      assert.doesNotMatch(output, /installing the rollover policy/);
      const indices = await opensearch.request("GET", "/_cat/indices/*jaeger*?format=json&expand_wildcards=all");
      assert.deepEqual(indices.body, [], "no index");
      const aliases = await opensearch.request("GET", "/_cat/aliases/*jaeger*?format=json");
      assert.deepEqual(aliases.body, [], "no alias");
    } finally {
      pod.remove();
    }
  });
});
