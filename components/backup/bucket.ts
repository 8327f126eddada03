// The backup bucket and who may write to it: an S3 bucket with the controls AWS
// Security Hub audits (versioning, SSE-KMS with a dedicated rotating key and an explicit key
// policy, all four public-access blocks, ACLs disabled, TLS-only policy, lifecycle), no erasing
// of object versions or of that protection but by administrators, and one IRSA role per writer,
// trusted only by that writer's ServiceAccount and limited to its prefix.
// Deep imports: the @pulumi/aws root module costs ~130 ms more to load than these.
import { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as s3 from "@pulumi/aws/s3";
import type { Region } from "@pulumi/aws/types/enums";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  BackupContent,
  LifecycleSettings,
  PrefixAccessInput,
  bucketPolicy,
  irsaTrustPolicy,
  keyPolicy,
  lifecycleRules,
  prefixAccessPolicy,
} from "./policies";
import { TYPES_UNTIL_0_1, withTypeAlias } from "../aliases";

export interface BackupWriter {
  /** Logical name (resource names, outputs). */
  readonly name: string;
  /** The IRSA subject: the namespace and ServiceAccount the role trusts. */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Create the annotated ServiceAccount (false: a chart creates it with the role's ARN). */
  readonly createServiceAccount: boolean;
  /** Key prefix (no leading/trailing slash) the writer may use. */
  readonly prefix: string;
  /**
   * Whether it may delete objects under its prefix (Velero and SLM remove expired backups);
   * versioning keeps them until the lifecycle rule expires them.
   */
  readonly allowDelete: boolean;
  /** What the writer stores under its prefix (decides the lifecycle rule). */
  readonly content: BackupContent;
  /** Other locations it may only read (a restore from another stack's backups). */
  readonly readOnly?: PrefixAccessInput["readOnly"];
}

export interface BackupBucketArgs {
  /** The stack's name: in the bucket's generated name, the key's alias and description. */
  stack: string;
  /** Where the writers' ServiceAccounts go (Jaeger's namespace; an output, so they wait for it). */
  namespace: pulumi.Input<string>;
  /** The bucket's name (default: `jaeger-backups-<stack>-<random hex>`, which AWS keeps unique). */
  bucketName?: string;
  /** How long noncurrent versions and incomplete uploads are kept, per kind of content. */
  lifecycle: LifecycleSettings;
  /** The cluster's IAM OIDC provider (EKS IRSA): its ARN and issuer host/path, which the roles trust. */
  oidc: { providerArn: string; issuer: string };
  /** One IRSA role each, limited to its prefix (none: a bucket kept with no writer). */
  writers: readonly BackupWriter[];
  /**
   * Who may delete object versions and change the bucket's or the key's protection, besides the
   * identity running `pulumi up` (always included: it must be able to update them).
   */
  administratorArns: readonly string[];
  /** protect + retainOnDelete on the bucket and its key (prod). */
  protectData: boolean;
  /** AWS tags on the bucket, the key and the roles. */
  tags: Record<string, string>;
  /** Kubernetes labels on the ServiceAccounts it creates. */
  labels: Record<string, string>;
  /** AWS region of the bucket (an explicit provider, so no ambient aws:region is needed). */
  region: string;
}

/**
 * The hardened S3 bucket backups go to: versioned, encrypted with its own rotating KMS key,
 * public access blocked, TLS only, and one IRSA role per writer limited to its prefix.
 */
export class BackupBucket extends pulumi.ComponentResource {
  /** The bucket's name (generated unless `bucketName` is given). */
  public readonly bucketName: pulumi.Output<string>;
  /** The bucket's ARN (for policies elsewhere that grant access to it). */
  public readonly bucketArn: pulumi.Output<string>;
  /** The key every object is encrypted with (writers must name it, e.g. Velero's location). */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** Each writer's IRSA role, by writer name. */
  public readonly roleArns: Record<string, pulumi.Output<string>>;
  /** Who may delete object versions and change the bucket's or key's protection. */
  public readonly administratorArns: pulumi.Output<string[]>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:BackupBucket", name, {}, withTypeAlias(opts, TYPES_UNTIL_0_1.backupBucket));
    const provider = new AwsProvider(`${name}-aws`, { region: args.region as Region }, { parent: this });
    const awsOpts = { parent: this, provider };
    const keep = { protect: args.protectData, retainOnDelete: args.protectData };

    // The deployer, as aws:PrincipalArn names it: an assumed role's session resolves to the role.
    const identity = getCallerIdentity({}, awsOpts).then(async (caller) => ({
      deployer: (await iam.getSessionContext({ arn: caller.arn }, awsOpts)).issuerArn,
      accountRootArn: `arn:${caller.arn.split(":")[1]}:iam::${caller.accountId}:root`,
    }));
    const admins = pulumi
      .output(identity)
      .apply(({ deployer }) => ({ arns: [...new Set([deployer, ...args.administratorArns])] }));
    const accountRootArn = pulumi.output(identity).apply((i) => i.accountRootArn);

    const key = new kms.Key(
      `${name}-key`,
      {
        description: `Encrypts Jaeger backups of stack ${args.stack}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .all([accountRootArn, admins])
          .apply(([root, a]) => JSON.stringify(keyPolicy({ accountRootArn: root, admins: a, region: args.region }))),
        tags: args.tags,
      },
      { ...awsOpts, ...keep },
    );
    new kms.Alias(`${name}-key-alias`, { name: `alias/jaeger-backups-${args.stack}`, targetKeyId: key.keyId }, awsOpts);

    const bucketName =
      args.bucketName ??
      new random.RandomId(`${name}-suffix`, { byteLength: 4 }, { parent: this }).hex.apply(
        (hex) => `jaeger-backups-${args.stack}-${hex}`,
      );
    const bucket = new s3.Bucket(
      `${name}-bucket`,
      { bucket: bucketName, forceDestroy: false, tags: args.tags },
      { ...awsOpts, ...keep },
    );
    const bucketRef = { bucket: bucket.id };
    new s3.BucketVersioning(
      `${name}-versioning`,
      { ...bucketRef, versioningConfiguration: { status: "Enabled" } },
      awsOpts,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        ...bucketRef,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
            bucketKeyEnabled: true,
          },
        ],
      },
      awsOpts,
    );
    const publicAccess = new s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        ...bucketRef,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      awsOpts,
    );
    new s3.BucketOwnershipControls(
      `${name}-ownership`,
      { ...bucketRef, rule: { objectOwnership: "BucketOwnerEnforced" } },
      awsOpts,
    );
    new s3.BucketPolicy(
      `${name}-tls-only`,
      {
        ...bucketRef,
        policy: pulumi
          .all([bucket.arn, key.arn, admins])
          .apply(([bucketArn, keyArn, a]) => JSON.stringify(bucketPolicy(bucketArn, keyArn, a))),
      },
      { ...awsOpts, dependsOn: [publicAccess] },
    );
    new s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        ...bucketRef,
        rules: lifecycleRules(args.writers, args.lifecycle),
      },
      awsOpts,
    );

    this.roleArns = {};
    for (const writer of args.writers) {
      const role = new iam.Role(
        `${name}-${writer.name}-role`,
        {
          description: `IRSA role of ${writer.namespace}/${writer.serviceAccount} (Jaeger ${writer.name} backups)`,
          assumeRolePolicy: JSON.stringify(
            irsaTrustPolicy({
              oidcProviderArn: args.oidc.providerArn,
              oidcIssuer: args.oidc.issuer,
              namespace: writer.namespace,
              serviceAccount: writer.serviceAccount,
            }),
          ),
          maxSessionDuration: 3600,
          tags: args.tags,
        },
        awsOpts,
      );
      new iam.RolePolicy(
        `${name}-${writer.name}-policy`,
        {
          role: role.id,
          policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, kmsKeyArn]) =>
            JSON.stringify(
              prefixAccessPolicy({
                bucketArn,
                prefix: writer.prefix,
                kmsKeyArn,
                allowDelete: writer.allowDelete,
                region: args.region,
                readOnly: writer.readOnly,
              }),
            ),
          ),
        },
        awsOpts,
      );
      if (writer.createServiceAccount)
        new k8s.core.v1.ServiceAccount(
          `${name}-${writer.name}-sa`,
          {
            metadata: {
              name: writer.serviceAccount,
              namespace: args.namespace,
              labels: args.labels,
              annotations: {
                "eks.amazonaws.com/role-arn": role.arn,
                "eks.amazonaws.com/sts-regional-endpoints": "true",
              },
            },
            automountServiceAccountToken: false,
          },
          { parent: this },
        );
      this.roleArns[writer.name] = role.arn;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.kmsKeyArn = key.arn;
    this.administratorArns = admins.apply((a) => a.arns);
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      kmsKeyArn: this.kmsKeyArn,
      administratorArns: this.administratorArns,
    });
  }
}
