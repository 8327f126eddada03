// The CrossGuard policies, run the way the policy engine runs them (validateResource /
// validateStack with the engine's argument shape) against every resource of every stack,
// and against resources built to violate each one.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { policies } from "../policy/policies";
import { CapturedResource, Evaluation, ROOT, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";

type Config = { allowPublicServices?: boolean };

function notApplicable(reason?: string): never {
  throw new Error(`not applicable: ${reason}`);
}

function resourceArgs(
  r: { type: string; name: string; inputs: Record<string, unknown> },
  config: Config,
): ResourceValidationArgs {
  return {
    type: r.type,
    props: r.inputs,
    urn: `urn:pulumi:test::jaeger-spm::${r.type}::${r.name}`,
    name: r.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  } as unknown as ResourceValidationArgs;
}

async function violations(
  policyName: string,
  resources: readonly Pick<CapturedResource, "type" | "name" | "inputs">[],
  config: Config = {},
) {
  const policy = policies.find((p) => p.name === policyName);
  assert.ok(policy, policyName);
  const found: string[] = [];
  const report: ReportViolation = (message) => found.push(message);
  if ("validateStack" in policy) {
    const args: StackValidationArgs = {
      resources: resources.map((r) => resourceArgs(r, config) as unknown as PolicyResource),
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable,
    };
    await (policy as StackValidationPolicy).validateStack(args, report);
  } else {
    const validate = (policy as ResourceValidationPolicy).validateResource;
    for (const r of resources) {
      for (const v of Array.isArray(validate) ? validate : validate ? [validate] : []) {
        await v(resourceArgs(r, config), (m) => report(`${r.type} ${r.name}: ${m}`));
      }
    }
  }
  return found;
}

const deployment = (podSpec: Record<string, unknown>) => ({
  type: "kubernetes:apps/v1:Deployment",
  name: "bad",
  inputs: { kind: "Deployment", metadata: { name: "bad" }, spec: { template: { spec: podSpec } } },
});
const goodContainer = {
  name: "app",
  image: "example/app:1.2.3",
  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};
const goodPod = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [goodContainer],
};

describe("policy pack", () => {
  const stacks: Record<string, Evaluation> = {};
  before(async () => {
    stacks.dev = await evaluateStack("dev");
    stacks.prod = await evaluateStack("prod");
    stacks["prod-badger"] = await evaluateStack(
      "prod",
      configSet(
        configSet(stackConfig("prod"), "storage.backend", "badger", { path: true }),
        "backup.acceptInconsistentFileCopies",
        "true",
        { path: true },
      ),
    );
  });

  before(async () => {
    // Rollover's setup Job (an init container and es-rollover) in place of the index cleaner.
    stacks["prod-rollover"] = await evaluateStack(
      "prod",
      configSet(stackConfig("prod"), "storage.elasticsearch.rotation", "autoRollover", { path: true }),
    );
    assert.ok(stacks["prod-rollover"].resources.some((r) => r.name.endsWith("rollover-setup")));
  });

  it("has the policies the security review asks for", () => {
    assert.deepEqual(policies.map((p) => p.name).sort(), [
      "no-public-services",
      "no-secret-literals",
      "pinned-images",
      "pod-security-restricted",
      "resources-set",
      "s3-bucket-controls",
    ]);
  });

  for (const stack of ["dev", "prod", "prod-badger", "prod-rollover"]) {
    it(`${stack}: every resource passes every policy`, async () => {
      const config: Config = { allowPublicServices: stack === "dev" };
      for (const policy of policies) {
        assert.deepEqual(await violations(policy.name, stacks[stack].resources, config), [], policy.name);
      }
    });
  }

  it("prod's workloads are really checked (CronJobs, Deployments, Jobs, Helm releases)", () => {
    const kinds = new Set([...stacks.prod.resources, ...stacks["prod-badger"].resources].map((r) => r.type));
    for (const t of [
      "kubernetes:apps/v1:Deployment",
      "kubernetes:batch/v1:CronJob",
      "kubernetes:batch/v1:Job",
      "kubernetes:helm.sh/v3:Release",
    ]) {
      assert.ok(kinds.has(t), t);
    }
  });

  describe("violations", () => {
    it("pod-security-restricted: root, privilege escalation, missing seccomp, host namespaces, hostPath", async () => {
      const found = await violations("pod-security-restricted", [
        deployment({
          hostNetwork: true,
          volumes: [{ name: "host", hostPath: { path: "/" } }],
          containers: [
            { ...goodContainer, securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } } },
          ],
        }),
        { ...deployment(goodPod), name: "ok" },
      ]);
      const text = found.join("\n");
      for (const expected of [
        /hostNetwork must not be true/,
        /volume host: type hostPath is not allowed/,
        /app: privileged/,
        /allowPrivilegeEscalation must be false/,
        /runAsNonRoot must be true/,
        /seccompProfile must be RuntimeDefault or Localhost/,
        /capabilities must drop ALL/,
        /may not add capability SYS_ADMIN/,
      ]) {
        assert.match(text, expected);
      }
      assert.ok(
        found.every((f) => f.includes(" bad: ")),
        "the compliant Deployment passes",
      );
    });

    it("pod-security-restricted judges each setting where it is set, as admission does (pod vs container)", async () => {
      const pod = (name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}) => {
        const d = deployment(spec);
        return {
          ...d,
          name,
          inputs: { ...d.inputs, spec: { template: { metadata: { annotations }, spec } } },
        };
      };
      const withContainer = (securityContext: Record<string, unknown>) => ({
        ...goodPod,
        containers: [{ ...goodContainer, securityContext: { ...goodContainer.securityContext, ...securityContext } }],
      });
      const cases: [string, ReturnType<typeof pod>, RegExp][] = [
        [
          "root-container",
          pod("root-container", withContainer({ runAsNonRoot: false })),
          /app: runAsNonRoot must be true/,
        ],
        [
          "unconfined-pod",
          pod("unconfined-pod", {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } },
            containers: [
              {
                ...goodContainer,
                securityContext: { ...goodContainer.securityContext, seccompProfile: { type: "RuntimeDefault" } },
              },
            ],
          }),
          /pod seccompProfile must be RuntimeDefault or Localhost, not Unconfined/,
        ],
        [
          "unsafe-sysctl",
          pod("unsafe-sysctl", {
            ...goodPod,
            securityContext: { ...goodPod.securityContext, sysctls: [{ name: "kernel.msgmax", value: "65536" }] },
          }),
          /pod sysctl kernel\.msgmax is not allowed/,
        ],
        [
          "unmasked-proc",
          pod("unmasked-proc", withContainer({ procMount: "Unmasked" })),
          /app: procMount must be Default, not Unmasked/,
        ],
        [
          "selinux",
          pod("selinux", withContainer({ seLinuxOptions: { type: "spc_t" } })),
          /app: seLinuxOptions\.type spc_t is not allowed/,
        ],
        [
          "apparmor-field",
          pod("apparmor-field", withContainer({ appArmorProfile: { type: "Unconfined" } })),
          /app: appArmorProfile must be RuntimeDefault or Localhost/,
        ],
        [
          "apparmor-annotation",
          pod("apparmor-annotation", goodPod, { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }),
          /app: AppArmor unconfined is not allowed/,
        ],
      ];
      const found = await violations(
        "pod-security-restricted",
        cases.map(([, resource]) => resource),
      );
      for (const [name, , expected] of cases) {
        const mine = found.filter((f) => f.includes(` ${name}: `));
        assert.ok(
          mine.some((f) => expected.test(f)),
          `${name}: ${mine.join("; ") || "no violation"}`,
        );
      }
      const safe = pod(
        "safe",
        {
          ...goodPod,
          securityContext: { ...goodPod.securityContext, sysctls: [{ name: "net.ipv4.tcp_syncookies", value: "1" }] },
          containers: [
            {
              ...goodContainer,
              securityContext: {
                ...goodContainer.securityContext,
                procMount: "Default",
                seLinuxOptions: { type: "container_t" },
              },
            },
          ],
        },
        { "container.apparmor.security.beta.kubernetes.io/app": "runtime/default" },
      );
      assert.deepEqual(await violations("pod-security-restricted", [safe]), [], "allowed values pass");
    });

    it("pod-security-restricted sees the ECK operator pod of prod's Helm release (chart defaults lack seccomp)", async () => {
      const release = stacks.prod.resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "eck-operator",
      );
      assert.ok(release, "prod installs the ECK operator");
      assert.deepEqual(await violations("pod-security-restricted", [release]), []);
      // The chart's own values.yaml (v2.16.0) sets no seccompProfile: restricted refuses that pod.
      const chartDefaults = { ...release, inputs: { ...release.inputs, values: {} } };
      assert.deepEqual(await violations("pod-security-restricted", [chartDefaults]), [
        `kubernetes:helm.sh/v3:Release ${release.name}: manager: seccompProfile must be RuntimeDefault or Localhost`,
      ]);
      assert.deepEqual(await violations("pinned-images", [chartDefaults]), []);
      assert.deepEqual(await violations("resources-set", [chartDefaults]), []);
    });

    it("pod-security-restricted checks CronJob pod templates", async () => {
      const cron = {
        type: "kubernetes:batch/v1:CronJob",
        name: "cron",
        inputs: { spec: { jobTemplate: { spec: { template: { spec: { containers: [goodContainer] } } } } } },
      };
      assert.match((await violations("pod-security-restricted", [cron])).join("\n"), /runAsNonRoot must be true/);
    });

    it("pinned-images: latest and untagged images", async () => {
      const found = await violations("pinned-images", [
        deployment({
          ...goodPod,
          containers: [
            { ...goodContainer, image: "nginx:latest" },
            { ...goodContainer, name: "b", image: "registry:5000/nginx" },
          ],
        }),
        {
          ...deployment({ ...goodPod, containers: [{ ...goodContainer, image: "nginx@sha256:" + "a".repeat(64) }] }),
          name: "digest",
        },
      ]);
      assert.equal(found.length, 2, found.join("\n"));
      assert.match(found[0], /image "nginx:latest" is not pinned/);
      assert.match(found[1], /image "registry:5000\/nginx" is not pinned/);
    });

    it("resources-set: a container without limits", async () => {
      const found = await violations("resources-set", [
        deployment({
          ...goodPod,
          containers: [{ ...goodContainer, resources: { requests: { cpu: "1", memory: "1Gi" } } }],
        }),
      ]);
      assert.match(found.join("\n"), /app: missing limits\.cpu, limits\.memory/);
    });

    it("no-secret-literals: env literals, arguments and ConfigMaps", async () => {
      const found = await violations("no-secret-literals", [
        deployment({
          ...goodPod,
          containers: [
            {
              ...goodContainer,
              env: [
                { name: "ES_PASSWORD", value: "hunter2" },
                { name: "ES_PASSWORD_FILE", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
              ],
              args: ["--es.password=hunter2", "--es.api-key-file=/etc/key"],
            },
          ],
        }),
        {
          type: "kubernetes:core/v1:ConfigMap",
          name: "cm",
          inputs: { data: { "db-password": "x", "tls.key": "-----BEGIN PRIVATE KEY-----\n…" } },
        },
      ]);
      const text = found.join("\n");
      assert.match(text, /env ES_PASSWORD has a literal value/);
      assert.match(text, /argument "--es\.password=…" passes a secret/);
      assert.match(text, /ConfigMap key db-password looks like a secret/);
      assert.match(text, /ConfigMap key tls\.key holds a private key/);
      assert.ok(!/ES_PASSWORD_FILE|api-key-file/.test(text), "references and file paths are fine");
    });

    it("no-public-services: NodePort and LoadBalancer unless allowed", async () => {
      const service = (type: string) => ({
        type: "kubernetes:core/v1:Service",
        name: type,
        inputs: { spec: { type } },
      });
      const found = await violations("no-public-services", [
        service("NodePort"),
        service("LoadBalancer"),
        service("ClusterIP"),
      ]);
      assert.equal(found.length, 2);
      assert.deepEqual(
        await violations("no-public-services", [service("NodePort")], { allowPublicServices: true }),
        [],
      );
    });

    it("s3-bucket-controls: a bare bucket, and one control misconfigured", async () => {
      const bucket = { type: "aws:s3/bucket:Bucket", name: "b", inputs: { bucket: "b" } };
      const found = await violations("s3-bucket-controls", [bucket]);
      assert.equal(found.length, 8, found.join("\n"));
      // Violations name the bucket resource by its logical name.
      const bucketName = stacks.prod.resources.find((r) => r.type === "aws:s3/bucket:Bucket")?.name;
      const prod = stacks.prod.resources.map((r) =>
        r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
          ? { ...r, inputs: { ...r.inputs, restrictPublicBuckets: false } }
          : r,
      );
      assert.deepEqual(await violations("s3-bucket-controls", prod), [
        `bucket ${bucketName} lacks all four public access blocks (S3.8)`,
      ]);
      // A policy whose version-deletion deny lost its exemption list (or the deny) is refused.
      const withoutVersionDeny = stacks.prod.resources.map((r) => {
        if (r.type !== "aws:s3/bucketPolicy:BucketPolicy") return r;
        const doc = JSON.parse(String(r.inputs.policy)) as { Statement: { Sid?: string }[] };
        doc.Statement = doc.Statement.filter((st) => st.Sid !== "DenyVersionDeletion");
        return { ...r, inputs: { ...r.inputs, policy: JSON.stringify(doc) } };
      });
      assert.deepEqual(await violations("s3-bucket-controls", withoutVersionDeny), [
        `bucket ${bucketName} lacks a policy denying the deletion of object versions to all but named administrators`,
      ]);
    });
  });
});

describe("policy pack start-up", () => {
  it("starts the way `pulumi preview --policy-pack policy` runs it, serving without type-checking", async function () {
    this.timeout(60_000);
    // As the Node.js language host runs a pack: @pulumi/pulumi's run-plugin in the pack's directory.
    // A probe records every TypeScript declaration file read: ts-node's type-checking reads hundreds.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "policy-start-"));
    const probe = path.join(work, "probe.js");
    const report = path.join(work, "report.json");
    fs.writeFileSync(
      probe,
      `const fs = require("fs");
const read = fs.readFileSync;
let declarations = 0;
fs.readFileSync = function (file, ...rest) {
  if (typeof file === "string" && file.endsWith(".d.ts")) declarations++;
  return read.call(this, file, ...rest);
};
process.on("SIGTERM", () => { fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ declarations })); process.exit(0); });
`,
    );
    const policyDir = path.join(ROOT, "policy");
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [policyDir] });
    const child = spawn(process.execPath, [runPlugin, policyDir], {
      cwd: policyDir,
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      // The pack prints its gRPC port once it serves.
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no gRPC port from the policy pack within 45 s:\n${output.slice(-2000)}`)),
          45_000,
        );
        const check = () => {
          const match = /^(\d+)\s*$/m.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        };
        child.stdout.on("data", check);
        child.on("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`the policy pack exited (${code}) before serving:\n${output.slice(-2000)}`));
        });
      });
      assert.ok(port > 0);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      const { declarations } = JSON.parse(fs.readFileSync(report, "utf8")) as { declarations: number };
      assert.equal(declarations, 0, "no .d.ts read: nothing was type-checked");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
