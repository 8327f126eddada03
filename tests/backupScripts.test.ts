// The backup, restore and snapshot scripts, run for real by /bin/sh with real tar and
// sha256sum; kubectl, aws and curl are stubs that record their calls (and fail on demand).
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCRIPTS_DIR } from "../components/backup/jobs";

interface Run {
  status: number;
  output: string;
  calls: string[];
}

class Sandbox {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-script-"));
  readonly bin = path.join(this.dir, "bin");
  readonly data = path.join(this.dir, "badger");
  readonly s3 = path.join(this.dir, "s3");
  readonly log = path.join(this.dir, "calls.log");

  constructor() {
    fs.mkdirSync(this.bin);
    fs.mkdirSync(path.join(this.data, "keys"), { recursive: true });
    fs.mkdirSync(path.join(this.data, "values"), { recursive: true });
    fs.writeFileSync(path.join(this.data, "keys", "MANIFEST"), "keys-v1");
    fs.writeFileSync(path.join(this.data, "values", "000001.vlog"), "values-v1");
    fs.mkdirSync(this.s3);
    // kubectl: records the call (and what `apply -f -` reads); answers the gets the scripts make.
    this.stub(
      "kubectl",
      `echo "kubectl $*" >> "$CALLS"
case "$*" in *"apply -f -"*) sed 's/^/  | /' >> "$CALLS" ;; esac
case "$*" in
  *"get deployment"*"backup-replicas"*) echo "\${STUB_GUARD_REPLICAS:-}" ;;
  *"get deployment"*"backup-since"*) echo "\${STUB_GUARD_SINCE:-}" ;;
  *"get deployment"*) echo "\${STUB_REPLICAS:-1}" ;;
  *"get pods"*) [ -z "\${STUB_RUNNING:-}" ] || echo "pod/\${STUB_RUNNING}" ;;
  *"get pvc"*"capacity"*) echo 10Gi ;;
  *"get pvc"*"storageClassName"*) echo gp3 ;;
  *"get pvc"*"backup-stamp"*) echo "\${STUB_STAMP:-}" ;;
  *"get volumesnapshot"*"creationTime"*) echo "\${STUB_CREATION_TIME-2026-11-30T02:00:01Z}" ;;
  *"get volumesnapshot"*"readyToUse"*) echo true ;;
  *"get job"*"succeeded"*) echo "\${STUB_JOB_SUCCEEDED-1}" ;;
  *"get job"*"failed"*) echo "\${STUB_JOB_FAILED:-}" ;;
esac
case "$*" in *"wait"*) [ -z "\${FAIL_WAIT:-}" ] || exit 1 ;; esac
exit 0`,
    );
    // aws: a local directory stands in for the bucket.
    this.stub(
      "aws",
      `echo "aws $*" >> "$CALLS"
[ -z "\${FAIL_AWS:-}" ] || { echo "upload failed" >&2; exit 1; }
case "$1 $2" in
  "s3 cp") src="$3"; dst="$4"
    case "$src" in
      s3://*) cp "$S3_DIR/\${src#s3://}" "$dst" ;;
      -) mkdir -p "$(dirname "$S3_DIR/\${dst#s3://}")"; cat > "$S3_DIR/\${dst#s3://}" ;;
      *) mkdir -p "$(dirname "$S3_DIR/\${dst#s3://}")"; cp "$src" "$S3_DIR/\${dst#s3://}" ;;
    esac ;;
  "s3 ls") ls "$S3_DIR/\${3#s3://}" | sed 's/^/2026-11-24 02:00:00 100 /' ;;
esac`,
    );
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
    const result = spawnSync("/bin/sh", [path.join(SCRIPTS_DIR, script)], {
      encoding: "utf8",
      env: {
        PATH: `${this.bin}:/usr/bin:/bin`,
        CALLS: this.log,
        S3_DIR: this.s3,
        NAMESPACE: "observability",
        DEPLOYMENT: "jaeger",
        POD_SELECTOR: "app.kubernetes.io/name=jaeger",
        DATA_DIR: this.data,
        BUCKET: "bucket",
        KEY_PREFIX: "jaeger/prod/badger",
        KMS_KEY_ID: "arn:aws:kms:eu-west-1:123456789012:key/k",
        WORK_DIR: path.join(this.dir, "work"),
        MODE: "copy",
        POLL_SECONDS: "0",
        ...env,
      },
    });
    const calls = fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
    return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}`, calls };
  }

  objects(): string[] {
    const dir = path.join(this.s3, "bucket/jaeger/prod/badger");
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

const index = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

describe("backup scripts", () => {
  it("pass shellcheck as POSIX sh", () => {
    const files = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"));
    assert.ok(files.length >= 3);
    const run = spawnSync("shellcheck", ["-s", "sh", ...files], { cwd: SCRIPTS_DIR, encoding: "utf8" });
    if (run.error) assert.fail(`shellcheck is required (Debian package; .ci/run installs it): ${run.error.message}`);
    assert.equal(run.status, 0, run.stdout);
  });

  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.cleanup());

  describe("badger-backup.sh without a snapshot class (copy beside Jaeger)", () => {
    it("marks and stops Jaeger, copies, starts Jaeger, then archives and uploads archive and checksum with SSE-KMS", () => {
      const run = box.run("badger-backup.sh", { STUB_REPLICAS: "1" });
      assert.equal(run.status, 0, run.output);
      const mark = index(
        run.calls,
        /annotate deployment jaeger --overwrite jaeger-spm.io\/backup-replicas=1 jaeger-spm.io\/backup-since=\d+/,
      );
      const scaleDown = index(run.calls, /scale deployment jaeger --replicas=0/);
      const wait = index(run.calls, /wait --for=delete pod -l app.kubernetes.io\/name=jaeger/);
      const scaleUp = index(run.calls, /scale deployment jaeger --replicas=1/);
      const unmark = index(
        run.calls,
        /annotate deployment jaeger jaeger-spm.io\/backup-replicas- jaeger-spm.io\/backup-since-/,
      );
      const upload = index(
        run.calls,
        /^aws s3 cp .*\.tar\.gz s3:\/\/bucket\/jaeger\/prod\/badger\/\d{8}T\d{6}Z\.tar\.gz --sse aws:kms/,
      );
      assert.ok(
        mark >= 0 && mark < scaleDown && scaleDown < wait && wait < scaleUp && scaleUp < unmark && unmark < upload,
        run.calls.join("\n"),
      );
      const [archive, checksum] = box.objects();
      assert.match(archive, /^\d{8}T\d{6}Z\.tar\.gz$/);
      assert.equal(checksum, `${archive}.sha256`);
      const listing = spawnSync("tar", ["-tzf", path.join(box.s3, "bucket/jaeger/prod/badger", archive)], {
        encoding: "utf8",
      }).stdout;
      assert.match(listing, /keys\/MANIFEST/);
      assert.match(listing, /values\/000001\.vlog/);
      const sum = fs.readFileSync(path.join(box.s3, "bucket/jaeger/prod/badger", checksum), "utf8");
      assert.match(sum, new RegExp(`^[0-9a-f]{64}  ${archive.replace(/\./g, "\\.")}\\n$`));
      assert.ok(run.calls.every((c) => c.includes("--sse aws:kms") || !c.startsWith("aws s3 cp")));
    });

    it("a failed upload leaves Jaeger running and deletes nothing", () => {
      const run = box.run("badger-backup.sh", { FAIL_AWS: "1" });
      assert.notEqual(run.status, 0);
      assert.ok(index(run.calls, /--replicas=1/) < index(run.calls, /^aws /), run.calls.join("\n"));
      assert.ok(!run.calls.some((c) => /^aws s3 (rm|rb)|^kubectl delete/.test(c)), run.calls.join("\n"));
      assert.match(run.output, /FAILED .*Jaeger is running, no backup object was deleted/);
    });

    it("missing data: fails before stopping Jaeger, uploads nothing", () => {
      const run = box.run("badger-backup.sh", { DATA_DIR: path.join(box.dir, "missing") });
      assert.notEqual(run.status, 0);
      assert.ok(!run.calls.some((c) => /scale|annotate/.test(c)), run.calls.join("\n"));
      assert.ok(!run.calls.some((c) => c.startsWith("aws")));
    });

    it("not enough scratch space: says so and never stops Jaeger", () => {
      box.stub("df", `echo "Filesystem 1024-blocks Used Available Capacity Mounted"; echo "tmp 10 10 0 100% /tmp"`);
      const run = box.run("badger-backup.sh", {});
      assert.notEqual(run.status, 0);
      assert.match(
        run.output,
        /not enough scratch space: Badger holds \d+ KiB, .* has 0 KiB free \(raise backup\.scratchSize or set backup\.volumeSnapshotClass\)/,
      );
      assert.ok(!run.calls.some((c) => /scale/.test(c)), run.calls.join("\n"));
    });

    it("if the writer does not stop in time, starts it again without archiving", () => {
      const run = box.run("badger-backup.sh", { FAIL_WAIT: "1" });
      assert.notEqual(run.status, 0);
      assert.ok(run.calls.some((c) => /--replicas=1/.test(c)));
      assert.deepEqual(box.objects(), []);
    });

    it("restores the replica count it found, once", () => {
      const run = box.run("badger-backup.sh", { STUB_REPLICAS: "1" });
      assert.equal(run.calls.filter((c) => /--replicas=1/.test(c)).length, 1, "scaled back exactly once");
    });
  });

  describe("badger-backup.sh with a VolumeSnapshotClass", () => {
    const snapshotEnv = {
      MODE: "snapshot",
      SNAPSHOT_CLASS: "ebs-csi",
      SOURCE_CLAIM: "jaeger-badger",
      CLONE_CLAIM: "jaeger-badger-backup-source",
      UPLOAD_CRONJOB: "jaeger-badger-upload",
    };

    it("keeps Jaeger down only until the snapshot is cut, then uploads from a clone in another Job", () => {
      const run = box.run("badger-backup.sh", snapshotEnv);
      assert.equal(run.status, 0, run.output);
      const c = run.calls;
      const order = [
        index(c, /scale deployment jaeger --replicas=0/),
        index(c, /wait --for=delete pod/),
        index(c, /^  \| kind: VolumeSnapshot$/),
        index(c, /get volumesnapshot\/jaeger-badger-\d{8}t\d{6}z -o jsonpath=\{\.status\.creationTime\}/),
        index(c, /scale deployment jaeger --replicas=1/),
        index(c, /get volumesnapshot\/.* jsonpath=\{\.status\.readyToUse\}/),
        index(
          c,
          /^  \|   dataSource: \{apiGroup: snapshot\.storage\.k8s\.io, kind: VolumeSnapshot, name: jaeger-badger-\d{8}t\d{6}z\}$/,
        ),
        index(c, /create job jaeger-badger-upload-\d{8}t\d{6}z --from=cronjob\/jaeger-badger-upload/),
        index(c, /delete pvc jaeger-badger-backup-source/),
        index(c, /delete volumesnapshot jaeger-badger-\d{8}t\d{6}z/),
      ];
      assert.ok(
        order.every((v, i) => v >= 0 && (i === 0 || v > order[i - 1])),
        `${order}\n${c.join("\n")}`,
      );
      // the clone has the source's size and class; this pod never touches S3 or Jaeger's data
      assert.ok(
        c.includes("  |   storageClassName: gp3") && c.includes("  |   resources: {requests: {storage: 10Gi}}"),
      );
      assert.ok(!c.some((x) => x.startsWith("aws")));
    });

    it("a failed upload Job fails the backup, with Jaeger running and the clone and snapshot deleted", () => {
      const run = box.run("badger-backup.sh", { ...snapshotEnv, STUB_JOB_SUCCEEDED: "", STUB_JOB_FAILED: "1" });
      assert.notEqual(run.status, 0);
      assert.match(run.output, /upload Job jaeger-badger-upload-\S+ failed/);
      assert.ok(index(run.calls, /--replicas=1/) > 0);
      assert.ok(index(run.calls, /delete pvc jaeger-badger-backup-source/) > 0);
      assert.ok(index(run.calls, /delete volumesnapshot/) > 0);
    });

    it("a snapshot that is never cut: Jaeger starts again after the step timeout and the snapshot is deleted", () => {
      const run = box.run("badger-backup.sh", { ...snapshotEnv, STUB_CREATION_TIME: "", STEP_TIMEOUT_SECONDS: "0" });
      assert.notEqual(run.status, 0);
      assert.match(run.output, /timed out waiting for volumesnapshot/);
      assert.ok(index(run.calls, /--replicas=1/) > index(run.calls, /creationTime/));
      assert.ok(index(run.calls, /delete volumesnapshot/) > 0);
      assert.ok(!run.calls.some((x) => /create job/.test(x)));
    });
  });

  describe("badger-upload.sh", () => {
    const uploadEnv = {
      CLONE_CLAIM: "jaeger-badger-backup-source",
      STUB_STAMP: "20261130T020000Z",
      EXPECTED_SIZE: "10737418240",
    };

    it("streams the clone to S3 as <snapshot time>.tar.gz, then writes the matching checksum", () => {
      const run = box.run("badger-upload.sh", uploadEnv);
      assert.equal(run.status, 0, run.output);
      assert.deepEqual(box.objects(), ["20261130T020000Z.tar.gz", "20261130T020000Z.tar.gz.sha256"]);
      assert.ok(
        index(
          run.calls,
          /^aws s3 cp - s3:\/\/bucket\/jaeger\/prod\/badger\/20261130T020000Z\.tar\.gz --sse aws:kms --sse-kms-key-id \S+ --expected-size 10737418240/,
        ) >= 0,
      );
      const dir = path.join(box.s3, "bucket/jaeger/prod/badger");
      const check = spawnSync("sha256sum", ["-c", "20261130T020000Z.tar.gz.sha256"], { cwd: dir, encoding: "utf8" });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const listing = spawnSync("tar", ["-tzf", path.join(dir, "20261130T020000Z.tar.gz")], {
        encoding: "utf8",
      }).stdout;
      assert.match(listing, /keys\/MANIFEST/);
    });

    it("a failed upload writes no checksum, so the partial archive is never restored", () => {
      const run = box.run("badger-upload.sh", { ...uploadEnv, FAIL_AWS: "1" });
      assert.notEqual(run.status, 0);
      assert.match(run.output, /FAILED in: .*upload/);
      assert.ok(!box.objects().some((o) => o.endsWith(".sha256")));
    });
  });

  describe("badger-guard.sh", () => {
    const now = () => Math.floor(Date.now() / 1000);

    it("does nothing when no backup holds Jaeger down", () => {
      const run = box.run("badger-guard.sh", { BACKUP_POD_SELECTOR: "jaeger-spm.io/task=backup" });
      assert.equal(run.status, 0, run.output);
      assert.ok(!run.calls.some((c) => /scale|annotate/.test(c)));
    });

    it("leaves a running backup alone", () => {
      const run = box.run("badger-guard.sh", {
        BACKUP_POD_SELECTOR: "jaeger-spm.io/task=backup",
        STUB_GUARD_REPLICAS: "1",
        STUB_GUARD_SINCE: String(now() - 60),
        STUB_RUNNING: "jaeger-badger-backup-123-abcde",
      });
      assert.equal(run.status, 0, run.output);
      assert.ok(
        run.calls.some((c) => /get pods -l jaeger-spm.io\/task=backup --field-selector=status.phase=Running/.test(c)),
      );
      assert.ok(!run.calls.some((c) => /scale/.test(c)));
    });

    it("scales Jaeger back when the backup that stopped it is gone (SIGKILL, eviction)", () => {
      const run = box.run("badger-guard.sh", {
        BACKUP_POD_SELECTOR: "jaeger-spm.io/task=backup",
        STUB_GUARD_REPLICAS: "1",
        STUB_GUARD_SINCE: String(now() - 60),
      });
      assert.equal(run.status, 0, run.output);
      assert.ok(index(run.calls, /scale deployment jaeger --replicas=1/) >= 0, run.calls.join("\n"));
      assert.ok(
        index(run.calls, /annotate deployment jaeger jaeger-spm.io\/backup-replicas- jaeger-spm.io\/backup-since-/) >=
          0,
      );
    });

    it("scales Jaeger back when a backup has held it down too long", () => {
      const run = box.run("badger-guard.sh", {
        BACKUP_POD_SELECTOR: "jaeger-spm.io/task=backup",
        STUB_GUARD_REPLICAS: "1",
        STUB_GUARD_SINCE: String(now() - 4000),
        STUB_RUNNING: "jaeger-badger-backup-123-abcde",
        MAX_DOWN_SECONDS: "1800",
      });
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, /held down for \d+s \(limit 1800s\)/);
      assert.ok(index(run.calls, /scale deployment jaeger --replicas=1/) >= 0);
    });
  });

  describe("badger-restore.sh", () => {
    function backupThenChangeData(): string {
      const run = box.run("badger-backup.sh", {});
      assert.equal(run.status, 0, run.output);
      fs.writeFileSync(path.join(box.data, "keys", "MANIFEST"), "keys-v2");
      return box.objects()[0];
    }

    it("verifies, stops Jaeger, keeps the current data aside, unpacks, starts Jaeger", () => {
      const archive = backupThenChangeData();
      const run = box.run("badger-restore.sh", { BACKUP_KEY: archive });
      assert.equal(run.status, 0, run.output);
      assert.equal(fs.readFileSync(path.join(box.data, "keys", "MANIFEST"), "utf8"), "keys-v1");
      const aside = fs.readdirSync(box.data).filter((e) => e.startsWith(".pre-restore-"));
      assert.equal(aside.length, 1);
      assert.equal(fs.readFileSync(path.join(box.data, aside[0], "keys", "MANIFEST"), "utf8"), "keys-v2");
      assert.ok(index(run.calls, /--replicas=0/) < index(run.calls, /--replicas=1/));
    });

    it("picks the newest complete backup (one with a checksum) when no key is given", () => {
      const complete = backupThenChangeData();
      // a newer, partial upload: archive without its .sha256
      fs.writeFileSync(path.join(box.s3, "bucket/jaeger/prod/badger", "29991231T000000Z.tar.gz"), "partial");
      const run = box.run("badger-restore.sh", {});
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, new RegExp(`restored ${complete.replace(/\./g, "\\.")}`));
    });

    it("picks the newest backup when no key is given", () => {
      backupThenChangeData();
      const run = box.run("badger-restore.sh", {});
      assert.equal(run.status, 0, run.output);
      assert.ok(run.calls.some((c) => c.startsWith("aws s3 ls s3://bucket/jaeger/prod/badger/")));
      assert.equal(fs.readFileSync(path.join(box.data, "keys", "MANIFEST"), "utf8"), "keys-v1");
    });

    it("refuses an archive whose checksum does not match, before stopping Jaeger", () => {
      const archive = backupThenChangeData();
      fs.appendFileSync(path.join(box.s3, "bucket/jaeger/prod/badger", archive), "corruption");
      const run = box.run("badger-restore.sh", { BACKUP_KEY: archive });
      assert.notEqual(run.status, 0);
      assert.ok(!run.calls.some((c) => c.startsWith("kubectl")), run.calls.join("\n"));
      assert.equal(fs.readFileSync(path.join(box.data, "keys", "MANIFEST"), "utf8"), "keys-v2");
    });

    it("puts the previous data back and starts Jaeger when unpacking fails", () => {
      const archive = backupThenChangeData();
      const object = path.join(box.s3, "bucket/jaeger/prod/badger", archive);
      fs.writeFileSync(object, "not a tar archive");
      const sum = spawnSync("sha256sum", [archive], { cwd: path.dirname(object), encoding: "utf8" }).stdout;
      fs.writeFileSync(`${object}.sha256`, sum);
      const run = box.run("badger-restore.sh", { BACKUP_KEY: archive });
      assert.notEqual(run.status, 0);
      assert.equal(fs.readFileSync(path.join(box.data, "keys", "MANIFEST"), "utf8"), "keys-v2");
      assert.deepEqual(
        fs.readdirSync(box.data).filter((e) => e.startsWith(".pre-restore-")),
        [],
      );
      assert.ok(run.calls.some((c) => /--replicas=1/.test(c)));
    });
  });

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
          execFileAsync("/bin/sh", [path.join(SCRIPTS_DIR, "es-snapshots.sh")], {
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
