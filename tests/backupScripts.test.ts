// The Elasticsearch snapshot script, run for real by /bin/sh; curl is a stub that records its
// calls (and fails on demand), and once the real curl against a local server.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { JOB_SCRIPTS_DIR } from "../components/backup/jobs";

interface Run {
  status: number;
  output: string;
  calls: string[];
}

class Sandbox {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-script-"));
  readonly bin = path.join(this.dir, "bin");
  readonly log = path.join(this.dir, "calls.log");

  constructor() {
    fs.mkdirSync(this.bin);
    // curl: records the call and, with -K -, the config it reads on standard input.
    this.stub(
      "curl",
      `echo "curl $*" >> "$CALLS"
case " $* " in *" -K - "*) sed 's/^/  | /' >> "$CALLS" ;; esac
[ -z "\${FAIL_CURL:-}" ] || exit 22
echo '{"acknowledged":true}'`,
    );
  }

  stub(name: string, body: string) {
    fs.writeFileSync(path.join(this.bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }

  run(script: string, env: Record<string, string>): Run {
    fs.writeFileSync(this.log, "");
    const result = spawnSync("/bin/sh", [path.join(JOB_SCRIPTS_DIR, script)], {
      encoding: "utf8",
      env: { PATH: `${this.bin}:/usr/bin:/bin`, CALLS: this.log, ...env },
    });
    const calls = fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
    return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}`, calls };
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

describe("backup scripts", () => {
  it("pass shellcheck as POSIX sh", () => {
    const files = fs.readdirSync(JOB_SCRIPTS_DIR).filter((f) => f.endsWith(".sh"));
    assert.ok(files.length >= 1);
    const run = spawnSync("shellcheck", ["-s", "sh", ...files], { cwd: JOB_SCRIPTS_DIR, encoding: "utf8" });
    if (run.error) assert.fail(`shellcheck is required (Debian package; npm run setup installs it): ${run.error.message}`);
    assert.equal(run.status, 0, run.stdout);
  });

  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.cleanup());

  describe("es-snapshots.sh", () => {
    const env = {
      ES_URL: "https://jaeger-es-es-http.observability.svc:9200",
      BUCKET: "bucket",
      BASE_PATH: "jaeger/prod/elasticsearch",
      REPOSITORY: "jaeger-s3",
      POLICY: "jaeger-daily",
      SCHEDULE: "0 30 1 * * ?",
      RETENTION_DAYS: "30",
    };

    it("registers the S3 repository, then the SLM policy, with the mounted credentials and CA", () => {
      const passwordFile = path.join(box.dir, "password");
      fs.writeFileSync(passwordFile, "pw");
      const run = box.run("es-snapshots.sh", {
        ...env,
        ES_USERNAME: "elastic",
        ES_PASSWORD_FILE: passwordFile,
        ES_CA_FILE: "/ca.crt",
      });
      assert.equal(run.status, 0, run.output);
      const curls = run.calls.filter((c) => c.startsWith("curl "));
      assert.equal(curls.length, 2);
      assert.match(
        curls[0],
        /-K - --cacert \/ca.crt -X PUT .*:9200\/_snapshot\/jaeger-s3 --data \{"type":"s3","settings":\{"bucket":"bucket","base_path":"jaeger\/prod\/elasticsearch"\}\}/,
      );
      // The password reaches curl on stdin, never on its command line (readable in /proc by any process).
      assert.ok(
        curls.every((c) => !c.includes("pw") && !c.includes("--user")),
        curls.join("\n"),
      );
      assert.ok(run.calls.includes('  | user = "elastic:pw"'), run.calls.join("\n"));
      // no server_side_encryption (SSE-S3): snapshot files get the bucket's SSE-KMS default
      assert.ok(!curls[0].includes("server_side_encryption"), curls[0]);
      assert.match(
        curls[1],
        /-X PUT .*\/_slm\/policy\/jaeger-daily --data .*"repository":"jaeger-s3".*"expire_after":"30d"/,
      );
    });

    it("real curl: sends the password (quotes, backslashes and all) as basic auth, and the API key as a header", async () => {
      const password = 'p"w\\ x$(id)';
      const passwordFile = path.join(box.dir, "password-real");
      fs.writeFileSync(passwordFile, password);
      const apiKeyFile = path.join(box.dir, "api-key");
      fs.writeFileSync(apiKeyFile, "a2V5OnNlY3JldA==");
      const seen: { method?: string; url?: string; authorization?: string[] }[] = [];
      const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          const authorization = req.headers.authorization;
          seen.push({ method: req.method, url: req.url, authorization: authorization?.split(/,\s*/) });
          res.setHeader("Content-Type", "application/json");
          res.end('{"acknowledged":true}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const run = (extra: Record<string, string>) =>
          execFileAsync("/bin/sh", [path.join(JOB_SCRIPTS_DIR, "es-snapshots.sh")], {
            env: { PATH: "/usr/bin:/bin", ...env, ES_URL: `http://127.0.0.1:${port}`, ...extra },
            timeout: 20_000,
          });
        await run({ ES_USERNAME: "jaeger-snapshots", ES_PASSWORD_FILE: passwordFile });
        const basic = `Basic ${Buffer.from(`jaeger-snapshots:${password}`).toString("base64")}`;
        assert.deepEqual(
          seen.map((r) => [r.method, r.url, r.authorization]),
          [
            ["PUT", "/_snapshot/jaeger-s3", [basic]],
            ["PUT", "/_slm/policy/jaeger-daily", [basic]],
          ],
        );
        seen.length = 0;
        await run({ ES_API_KEY_FILE: apiKeyFile });
        assert.deepEqual(
          seen.map((r) => r.authorization),
          [["ApiKey a2V5OnNlY3JldA=="], ["ApiKey a2V5OnNlY3JldA=="]],
        );
      } finally {
        server.close();
      }
    });

    it("fails when Elasticsearch refuses", () => {
      const run = box.run("es-snapshots.sh", { ...env, FAIL_CURL: "1" });
      assert.notEqual(run.status, 0);
      assert.equal(run.calls.length, 1, "stops at the first failure");
    });
  });
});
