import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PodSpec } from "kubernetes-types/core/v1";
import { parseStackConfig } from "../config/load";
import { SCRIPTS_DIR } from "../components/backup/jobs";
import { LifecycleRule, PolicyDocument, PolicyStatement, prefixAccessPolicy } from "../components/backup/policies";
import { CapturedResource, Evaluation, RawConfig, configSet, evaluateStack, stackConfig } from "../scripts/evaluate";
import { at, objectNamed, objectsOfKind, resourceFor } from "./support/objects";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

function edits(stack: string, values: [string, string][]): RawConfig {
  return values.reduce((raw, [k, v]) => configSet(raw, k, v, { path: true }), stackConfig(stack));
}

const ofType = (ev: Evaluation, type: string) => ev.resources.filter((r) => r.type === type);
function one(ev: Evaluation, type: string): CapturedResource {
  const found = ofType(ev, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}
const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Least privilege: no wildcard action or resource, no deletion unless allowed under the prefix only. */
function assertLeastPrivilege(doc: PolicyDocument, prefixArn: string, allowDelete: boolean) {
  for (const s of doc.Statement) {
    assert.equal(s.Effect, "Allow");
    for (const action of list(s.Action)) {
      assert.ok(!action.includes("*"), `wildcard action ${action}`);
      if (/Delete/.test(action)) {
        assert.ok(allowDelete, `unexpected ${action}`);
        assert.deepEqual(list(s.Resource), [prefixArn], "deletion only under the prefix");
      }
    }
    for (const resource of list(s.Resource)) {
      assert.ok(!/^\*$|:::\*|\*\/\*/.test(resource), `wildcard resource ${resource}`);
    }
  }
}

describe("backups to S3", () => {
  describe("prod (Elasticsearch in the cluster)", () => {
    let prod: Evaluation;
    before(async () => {
      prod = await evaluateStack("prod");
    });

    it("creates a versioned bucket with SSE-KMS under a dedicated rotating key", () => {
      const bucket = one(prod, "aws:s3/bucket:Bucket");
      assert.match(String(bucket.inputs.bucket), /^jaeger-backups-prod-[0-9a-f]{8}$/);
      assert.equal(bucket.inputs.forceDestroy, false);
      assert.deepEqual(one(prod, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration, {
        status: "Enabled",
      });
      const key = one(prod, "aws:kms/key:Key");
      assert.equal(key.inputs.enableKeyRotation, true);
      const sse = one(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
      assert.deepEqual(at(sse.inputs, "rules.0.applyServerSideEncryptionByDefault"), {
        sseAlgorithm: "aws:kms",
        kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/backup-key",
      });
      assert.ok(
        ofType(prod, "aws:s3/bucketVersioning:BucketVersioning").every(
          (r) => r.inputs.bucket === "jaeger-backups-prod-0a1b2c3d",
        ),
      );
    });

    it("blocks public access (all four flags), disables ACLs and refuses requests without TLS", () => {
      const block = one(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
      for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        assert.equal(block[flag], true, flag);
      }
      assert.deepEqual(one(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule, {
        objectOwnership: "BucketOwnerEnforced",
      });
      const policy = JSON.parse(String(one(prod, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as PolicyDocument;
      const deny = policy.Statement.find((s) => s.Effect === "Deny") as PolicyStatement;
      assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
      assert.deepEqual(list(deny.Resource).sort(), [
        "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d",
        "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/*",
      ]);
    });

    it("never transitions or expires the Elasticsearch snapshot repository (Elastic forbids both)", () => {
      const rules = one(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
        .rules as LifecycleRule[];
      const repository = "jaeger/prod/elasticsearch/snapshot-0"; // a key SLM writes under base_path
      const touching = rules.filter((r) => repository.startsWith(r.filter.prefix ?? ""));
      assert.ok(touching.length > 0);
      for (const rule of touching) {
        assert.equal(rule.transitions, undefined, rule.id);
        assert.equal(rule.expiration, undefined, rule.id);
      }
      // files SLM deleted stay as noncurrent versions for a while, then go; stale uploads are aborted
      assert.ok(touching.some((r) => r.noncurrentVersionExpiration?.noncurrentDays === 30));
      assert.ok(touching.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7));
    });

    it("moves Badger archives to an instant-retrieval class and expires them, under their prefix only", async () => {
      const badger = await evaluateStack(
        "prod",
        configSet(stackConfig("prod"), "storage.backend", "badger", { path: true }),
      );
      const rules = one(badger, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
        .rules as LifecycleRule[];
      const archive = rules.find((r) => r.transitions);
      assert.deepEqual(archive?.filter, { prefix: "jaeger/prod/badger/" });
      assert.deepEqual(archive?.transitions, [{ days: 30, storageClass: "GLACIER_IR" }]);
      assert.deepEqual(archive?.expiration, { days: 90 });
      assert.ok(rules.filter((r) => r.filter.prefix === undefined).every((r) => !r.transitions && !r.expiration));
    });

    it("refuses uploads that ask for SSE-S3 or another KMS key; default-encrypted uploads pass", () => {
      const policy = JSON.parse(String(one(prod, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as PolicyDocument;
      const key = "arn:aws:kms:eu-west-1:123456789012:key/backup-key";
      // Evaluate the Deny statements on PutObject the way IAM does for these condition operators.
      const denied = (headers: Record<string, string>) =>
        policy.Statement.filter((s) => s.Effect === "Deny" && list(s.Action).some((a) => a === "s3:PutObject")).some(
          (s) =>
            Object.entries(s.Condition ?? {}).every(([op, conditions]) =>
              Object.entries(conditions).every(([k, v]) =>
                op === "StringNotEquals"
                  ? k in headers && headers[k] !== v
                  : op === "Null"
                    ? (v === "true") === !(k in headers)
                    : false,
              ),
            ),
        );
      assert.equal(denied({ "s3:x-amz-server-side-encryption": "AES256" }), true, "SSE-S3");
      assert.equal(
        denied({
          "s3:x-amz-server-side-encryption": "aws:kms",
          "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-1:999999999999:key/other",
        }),
        true,
        "another key",
      );
      assert.equal(
        denied({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key }),
        false,
        "our key (the Badger backup script)",
      );
      assert.equal(denied({}), false, "no header: the bucket default, SSE-KMS with our key (Elasticsearch)");
    });

    it("protects the bucket and its key from deletion in prod", () => {
      for (const type of ["aws:s3/bucket:Bucket", "aws:kms/key:Key"]) {
        assert.equal(one(prod, type).options.protect, true, type);
        assert.equal(one(prod, type).options.retainOnDelete, true, type);
      }
    });

    it("trusts only the snapshot ServiceAccount through the cluster's OIDC provider (exact sub and aud)", () => {
      const trust = JSON.parse(String(one(prod, "aws:iam/role:Role").inputs.assumeRolePolicy)) as PolicyDocument;
      assert.equal(trust.Statement.length, 1);
      const [s] = trust.Statement;
      assert.equal(s.Action, "sts:AssumeRoleWithWebIdentity");
      assert.deepEqual(s.Principal, {
        Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`,
      });
      assert.deepEqual(s.Condition, {
        StringEquals: {
          [`${ISSUER}:sub`]: "system:serviceaccount:observability:jaeger-es-snapshots",
          [`${ISSUER}:aud`]: "sts.amazonaws.com",
        },
      });
    });

    it("lets Elasticsearch read, write and expire snapshots only under its prefix", () => {
      const policy = JSON.parse(String(one(prod, "aws:iam/rolePolicy:RolePolicy").inputs.policy)) as PolicyDocument;
      const prefixArn = "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/jaeger/prod/elasticsearch/*";
      assertLeastPrivilege(policy, prefixArn, true);
      const list_ = policy.Statement.find((s) => s.Action === "s3:ListBucket");
      assert.deepEqual(list_?.Condition, {
        StringLike: { "s3:prefix": ["jaeger/prod/elasticsearch/*", "jaeger/prod/elasticsearch"] },
      });
      const kms = policy.Statement.find((s) => list(s.Action).some((a) => a.startsWith("kms:")));
      assert.deepEqual(list(kms?.Action).sort(), ["kms:Decrypt", "kms:GenerateDataKey"]);
      assert.deepEqual(kms?.Resource, "arn:aws:kms:eu-west-1:123456789012:key/backup-key");
    });

    it("runs Elasticsearch under the annotated ServiceAccount with a web identity token for repository-s3", () => {
      const sa = objectNamed(prod, "ServiceAccount", "jaeger-es-snapshots");
      assert.equal(
        sa.metadata?.annotations?.["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/backup-elasticsearch-role",
      );
      const podSpec = at(
        resourceFor(prod, "Elasticsearch", "jaeger-es").inputs,
        "spec.nodeSets.0.podTemplate.spec",
      ) as PodSpec;
      assert.equal(podSpec.serviceAccountName, "jaeger-es-snapshots");
      const container = podSpec.containers[0];
      const tokenFile = container.env?.find((e) => e.name === "AWS_WEB_IDENTITY_TOKEN_FILE")?.value ?? "";
      const mount = container.volumeMounts?.find((m) => tokenFile.startsWith(`${m.mountPath}/`));
      assert.equal(mount?.mountPath, "/usr/share/elasticsearch/config/repository-s3");
      const volume = podSpec.volumes?.find((v) => v.name === mount?.name);
      assert.deepEqual(volume?.projected?.sources?.[0].serviceAccountToken?.audience, "sts.amazonaws.com");
    });

    it("registers the snapshot repository and lifecycle policy with a Job after the cluster exists", () => {
      const job = resourceFor(prod, "Job", "jaeger-es-snapshots");
      assert.ok(job.options.dependsOn.some((d) => d.endsWith("Elasticsearch::storage-elasticsearch")));
      const env = Object.fromEntries(
        ((at(job.inputs, "spec.template.spec.containers.0.env") ?? []) as { name: string; value: string }[]).map(
          (e) => [e.name, e.value],
        ),
      );
      assert.equal(env.BUCKET, "jaeger-backups-prod-0a1b2c3d");
      assert.equal(env.BASE_PATH, "jaeger/prod/elasticsearch");
      assert.equal(env.ES_URL, "https://jaeger-es-es-http.observability.svc:9200");
      assert.ok(env.ES_PASSWORD_FILE && env.ES_CA_FILE);
      assert.equal(prod.outputs.backupLocation, "s3://jaeger-backups-prod-0a1b2c3d/jaeger/prod/");
    });
  });

  describe("prod on Badger", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack("prod", edits("prod", [["storage.backend", "badger"]]));
    });

    it("grants the backup role put/get under its prefix, list with a prefix condition, the KMS key, and no delete", () => {
      const policy = JSON.parse(String(one(ev, "aws:iam/rolePolicy:RolePolicy").inputs.policy)) as PolicyDocument;
      assertLeastPrivilege(policy, "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/jaeger/prod/badger/*", false);
      const trust = JSON.parse(String(one(ev, "aws:iam/role:Role").inputs.assumeRolePolicy)) as PolicyDocument;
      assert.equal(
        (trust.Statement[0].Condition?.StringEquals ?? {})[`${ISSUER}:sub`],
        "system:serviceaccount:observability:jaeger-backup",
      );
    });

    it("schedules a consistent backup: Forbid, deadline, no retries, restricted pod on Jaeger's node", () => {
      const job = objectNamed(ev, "CronJob", "jaeger-badger-backup");
      assert.equal(job.spec?.schedule, "0 2 * * *");
      assert.equal(job.spec?.concurrencyPolicy, "Forbid");
      assert.ok((job.spec?.startingDeadlineSeconds ?? 0) > 0);
      assert.equal(job.spec?.jobTemplate.spec?.backoffLimit, 0);
      assert.ok((job.spec?.successfulJobsHistoryLimit ?? 99) <= 5 && (job.spec?.failedJobsHistoryLimit ?? 99) <= 5);
      const pod = job.spec?.jobTemplate.spec?.template.spec as PodSpec;
      assert.equal(pod.serviceAccountName, "jaeger-backup");
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
      const c = pod.containers[0];
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"]);
      assert.match(String(c.image), /^[^:]+:[0-9][\w.-]*$/, "pinned image");
      const affinity = pod.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
      const jaegerLabels = objectNamed(ev, "Deployment", "jaeger").spec?.template.metadata?.labels ?? {};
      assert.ok(Object.entries(affinity?.labelSelector?.matchLabels ?? {}).every(([k, v]) => jaegerLabels[k] === v));
      assert.equal(affinity?.topologyKey, "kubernetes.io/hostname");
      const data = pod.volumes?.find((v) => v.persistentVolumeClaim);
      assert.deepEqual(data?.persistentVolumeClaim, { claimName: "jaeger-badger", readOnly: true });
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env.KEY_PREFIX, "jaeger/prod/badger");
      assert.equal(env.KMS_KEY_ID, "arn:aws:kms:eu-west-1:123456789012:key/backup-key");
      assert.equal(env.DEPLOYMENT, "jaeger");
    });

    it("ships the scripts from components/backup/scripts unchanged", () => {
      const scripts = objectNamed(ev, "ConfigMap", "jaeger-backup-scripts").data ?? {};
      for (const file of ["badger-backup.sh", "badger-upload.sh", "badger-guard.sh", "badger-restore.sh"]) {
        assert.equal(scripts[file], fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"), file);
      }
    });

    it("offers a suspended restore CronJob that writes to the claim", () => {
      const job = objectNamed(ev, "CronJob", "jaeger-badger-restore");
      assert.equal(job.spec?.suspend, true);
      const pod = job.spec?.jobTemplate.spec?.template.spec as PodSpec;
      assert.match(String(pod.containers[0].command?.join(" ")), /badger-restore\.sh$/);
      assert.equal(pod.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.readOnly, false);
    });

    it("requests the scratch space it uses (ephemeral-storage = the emptyDir's limit), so pods land where it exists", () => {
      for (const name of ["jaeger-badger-backup", "jaeger-badger-restore", "jaeger-badger-backup-guard"]) {
        const pod = objectNamed(ev, "CronJob", name).spec?.jobTemplate.spec?.template.spec as PodSpec;
        const requested = pod.containers[0].resources?.requests?.["ephemeral-storage"];
        const tmp = pod.volumes?.find((v) => v.name === "tmp")?.emptyDir?.sizeLimit;
        assert.ok(requested, name);
        assert.equal(requested, tmp, name);
      }
      // without snapshots the backup copies Badger's data locally: backup.scratchSize (default 20Gi)
      const backup = objectNamed(ev, "CronJob", "jaeger-badger-backup").spec?.jobTemplate.spec?.template
        .spec as PodSpec;
      assert.equal(backup.containers[0].resources?.requests?.["ephemeral-storage"], "20Gi");
    });

    it("runs a guard every 5 minutes that can only scale Jaeger, and finds the backup pods by their labels", () => {
      const guard = objectNamed(ev, "CronJob", "jaeger-badger-backup-guard");
      assert.equal(guard.spec?.schedule, "*/5 * * * *");
      assert.notEqual(guard.spec?.suspend, true);
      const pod = guard.spec?.jobTemplate.spec?.template.spec as PodSpec;
      assert.equal(pod.serviceAccountName, "jaeger-badger-backup-guard");
      assert.equal(
        pod.volumes?.some((v) => v.persistentVolumeClaim),
        false,
        "mounts no claim: schedules anywhere",
      );
      assert.equal(pod.affinity, undefined);
      const sa = objectNamed(ev, "ServiceAccount", "jaeger-badger-backup-guard");
      assert.equal(sa.metadata?.annotations?.["eks.amazonaws.com/role-arn"], undefined, "no AWS identity");
      const role = resourceFor(ev, "Role", "jaeger-badger-backup-guard").inputs as {
        rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
      };
      assert.deepEqual(role.rules.map((r) => r.resources[0]).sort(), ["deployments", "deployments/scale", "pods"]);
      // the selector it uses must select the backup's pods
      const env = Object.fromEntries((pod.containers[0].env ?? []).map((e) => [e.name, e.value]));
      const backupLabels =
        objectNamed(ev, "CronJob", "jaeger-badger-backup").spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
      const selector = String(env.BACKUP_POD_SELECTOR)
        .split(",")
        .map((kv) => kv.split("="));
      assert.ok(selector.length > 1 && selector.every(([k, v]) => backupLabels[k] === v), env.BACKUP_POD_SELECTOR);
      const restoreLabels =
        objectNamed(ev, "CronJob", "jaeger-badger-restore").spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
      assert.ok(!selector.every(([k, v]) => restoreLabels[k] === v), "a restore is not a backup");
      // its pods may reach the Kubernetes API: a NetworkPolicy with egress selects them
      const guardLabels = guard.spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
      assert.ok(
        objectsOfKind(ev, "NetworkPolicy").some(
          (np) =>
            (np.spec?.egress ?? []).length > 0 &&
            Object.entries(np.spec?.podSelector?.matchLabels ?? {}).every(([k, v]) => guardLabels[k] === v) &&
            Object.keys(np.spec?.podSelector?.matchLabels ?? {}).length > 0,
        ),
      );
    });

    it("lets the backup ServiceAccount scale only the Jaeger Deployment", () => {
      const role = resourceFor(ev, "Role", "jaeger-backup").inputs as {
        rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
      };
      for (const rule of role.rules) {
        assert.ok(!rule.verbs.includes("*") && !rule.resources.includes("*"));
        if (rule.apiGroups.includes("apps")) assert.deepEqual(rule.resourceNames, ["jaeger"]);
        else assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
      }
      const binding = resourceFor(ev, "RoleBinding", "jaeger-backup").inputs;
      assert.deepEqual(at(binding, "subjects.0.name"), "jaeger-backup");
    });
  });

  describe("prod on Badger with a VolumeSnapshotClass", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack(
        "prod",
        edits("prod", [
          ["storage.backend", "badger"],
          ["backup.volumeSnapshotClass", "ebs-csi-snapclass"],
        ]),
      );
    });

    it("the backup never mounts Jaeger's claim (no Multi-Attach), so it needs no affinity and little scratch", () => {
      const pod = objectNamed(ev, "CronJob", "jaeger-badger-backup").spec?.jobTemplate.spec?.template.spec as PodSpec;
      assert.equal(
        pod.volumes?.some((v) => v.persistentVolumeClaim),
        false,
      );
      assert.equal(pod.affinity, undefined);
      const env = Object.fromEntries((pod.containers[0].env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env.MODE, "snapshot");
      assert.equal(env.SNAPSHOT_CLASS, "ebs-csi-snapclass");
      assert.equal(env.SOURCE_CLAIM, "jaeger-badger");
      assert.equal(env.UPLOAD_CRONJOB, "jaeger-badger-upload");
      assert.equal(pod.containers[0].resources?.requests?.["ephemeral-storage"], "256Mi");
    });

    it("uploads from the snapshot's clone in a Job of the suspended upload CronJob", () => {
      const upload = objectNamed(ev, "CronJob", "jaeger-badger-upload");
      assert.equal(upload.spec?.suspend, true);
      const pod = upload.spec?.jobTemplate.spec?.template.spec as PodSpec;
      const backupEnv = Object.fromEntries(
        (
          (objectNamed(ev, "CronJob", "jaeger-badger-backup").spec?.jobTemplate.spec?.template.spec as PodSpec)
            .containers[0].env ?? []
        ).map((e) => [e.name, e.value]),
      );
      assert.deepEqual(pod.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim, {
        claimName: backupEnv.CLONE_CLAIM,
        readOnly: true,
      });
      assert.equal(pod.affinity, undefined);
      const env = Object.fromEntries((pod.containers[0].env ?? []).map((e) => [e.name, e.value]));
      // streamed upload: multipart parts sized for the volume (2596Gi) at most
      assert.equal(env.EXPECTED_SIZE, String(2596 * 1024 ** 3));
      assert.equal(pod.serviceAccountName, "jaeger-backup");
    });

    it("may snapshot, clone and start the upload Job, and nothing beyond", () => {
      const role = resourceFor(ev, "Role", "jaeger-backup").inputs as {
        rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
      };
      const allowed = (group: string, resource: string, verb: string, name?: string) =>
        role.rules.some(
          (r) =>
            r.apiGroups.includes(group) &&
            r.resources.includes(resource) &&
            r.verbs.includes(verb) &&
            (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))),
        );
      assert.ok(allowed("snapshot.storage.k8s.io", "volumesnapshots", "create"));
      assert.ok(allowed("", "persistentvolumeclaims", "delete", "jaeger-badger-backup-source"));
      assert.ok(!allowed("", "persistentvolumeclaims", "delete", "some-other-claim"));
      assert.ok(allowed("batch", "cronjobs", "get", "jaeger-badger-upload"));
      assert.ok(!allowed("batch", "cronjobs", "get", "jaeger-badger-restore"));
      assert.ok(role.rules.every((r) => !r.verbs.includes("*") && !r.resources.includes("*")));
    });
  });

  it("dev renders none of it: no AWS resources, no backup jobs", async () => {
    const dev = await evaluateStack("dev");
    assert.deepEqual(
      dev.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").map((r) => r.type),
      [],
    );
    assert.equal(objectsOfKind(dev, "CronJob").length, 0);
    assert.equal(dev.outputs.backupBucket, null);
  });

  it("uses a configured bucket name as is", async () => {
    const ev = await evaluateStack("prod", edits("prod", [["backup.bucketName", "acme-jaeger-backups"]]));
    assert.equal(one(ev, "aws:s3/bucket:Bucket").inputs.bucket, "acme-jaeger-backups");
    assert.equal(ofType(ev, "random:index/randomId:RandomId").length, 0);
  });

  it("the policy builder never grants deletion to Badger backups", () => {
    const doc = prefixAccessPolicy({
      bucketArn: "arn:aws:s3:::b",
      prefix: "p/x",
      kmsKeyArn: "arn:k",
      allowDelete: false,
    });
    assert.ok(doc.Statement.every((s) => list(s.Action).every((a) => !a.includes("Delete"))));
  });

  describe("validation", () => {
    const cases: { what: string; values: [string, string][]; message: RegExp }[] = [
      {
        what: "a schedule that is not a cron expression",
        values: [["backup.schedule", "daily at 2"]],
        message: /^jaeger-spm:backup\.schedule = "daily at 2": expected a cron schedule of five fields/,
      },
      {
        what: "a schedule with a minute out of range",
        values: [["backup.schedule", "61 2 * * *"]],
        message:
          /^jaeger-spm:backup\.schedule = "61 2 \* \* \*": expected a cron schedule of five fields \(minute hour day-of-month month day-of-week\) within their ranges/,
      },
      {
        what: "a Quartz-style schedule where the CronJob needs five fields",
        values: [["backup.schedule", "0 0 2 * * ?"]],
        message: /^jaeger-spm:backup\.schedule = "0 0 2 \* \* \?": expected a cron schedule of five fields/,
      },
      {
        what: "an SLM schedule with no '?' (Elasticsearch refuses both day fields set)",
        values: [["backup.snapshotSchedule", "0 30 1 * * *"]],
        message:
          /^jaeger-spm:backup\.snapshotSchedule = "0 30 1 \* \* \*": expected an Elasticsearch SLM schedule: six or seven fields .* with "\?" in exactly one of day-of-month and day-of-week/,
      },
      {
        what: "an SLM schedule that would break out of the JSON it is placed in",
        values: [["backup.snapshotSchedule", '0 30 1 * * ?","retention":{}']],
        message: /^jaeger-spm:backup\.snapshotSchedule = .*: expected an Elasticsearch SLM schedule/,
      },
      {
        what: "a five-field cron as SLM schedule (SLM has seconds first)",
        values: [["backup.snapshotSchedule", "30 1 * * *"]],
        message: /^jaeger-spm:backup\.snapshotSchedule = "30 1 \* \* \*": expected an Elasticsearch SLM schedule/,
      },
      {
        what: "a job image on a moving tag",
        values: [["backup.toolsImage", "alpine/k8s:stable"]],
        message:
          /^jaeger-spm:backup\.toolsImage = "alpine\/k8s:stable": expected an image with sh, kubectl, tar and the AWS CLI, pinned: <repository>:<version tag> and\/or @sha256:<digest>/,
      },
      {
        what: "an untagged curl image",
        values: [["backup.curlImage", "curlimages/curl"]],
        message: /^jaeger-spm:backup\.curlImage = "curlimages\/curl": expected a curl image, pinned/,
      },
      {
        what: "a transition to DEEP_ARCHIVE, which the restore job cannot read without a manual restore request",
        values: [["backup.transitionStorageClass", "DEEP_ARCHIVE"]],
        message:
          /^jaeger-spm:backup\.transitionStorageClass = "DEEP_ARCHIVE": expected an S3 storage class the restore job can read directly: STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR/,
      },
      {
        what: "expiry not after the transition",
        values: [
          ["backup.transitionDays", "30"],
          ["backup.expirationDays", "30"],
        ],
        message: /^jaeger-spm:backup\.expirationDays = 30: expected more days than backup\.transitionDays \(30\)/,
      },
      {
        what: "backups enabled without OIDC inputs",
        values: [
          ["backup.enabled", "true"],
          ["backup.region", "eu-west-1"],
        ],
        message:
          /^jaeger-spm:backup\.oidcProviderArn = \(not set\): expected an IAM OIDC provider ARN.* when backup\.enabled is true \(IRSA\)$/,
      },
      {
        what: "a bucket name AWS would reject",
        values: [["backup.bucketName", "Jaeger_Backups"]],
        message: /^jaeger-spm:backup\.bucketName = "Jaeger_Backups": expected an S3 bucket name AWS accepts/,
      },
      {
        what: "a bucket name shaped like an IP address",
        values: [["backup.bucketName", "192.168.1.10"]],
        message: /^jaeger-spm:backup\.bucketName = "192\.168\.1\.10": expected an S3 bucket name AWS accepts/,
      },
      {
        what: "an issuer that does not match the provider ARN",
        values: [
          ["backup.oidcProviderArn", `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`],
          ["backup.oidcIssuer", "oidc.eks.us-east-1.amazonaws.com/id/OTHER"],
        ],
        message:
          /^jaeger-spm:backup\.oidcIssuer = "oidc\.eks\.us-east-1\.amazonaws\.com\/id\/OTHER": expected the issuer that backup\.oidcProviderArn names/,
      },
      {
        what: "an issuer given with https://",
        values: [["backup.oidcIssuer", `https://${ISSUER}`]],
        message:
          /^jaeger-spm:backup\.oidcIssuer = "https:\/\/.*": expected the cluster's OIDC issuer without https:\/\//,
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.what}`, () => {
        const result = parseStackConfig(edits("dev", c.values));
        const problems = result.ok ? [] : result.problems;
        assert.ok(
          problems.some((p) => c.message.test(p)),
          `no problem matched ${c.message}; got:\n${problems.join("\n")}`,
        );
      });
    }
  });
});
