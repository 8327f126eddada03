// IAM, KMS and lifecycle documents for backups, as pure functions of ARNs and names (tested
// directly): IRSA trust limited to one ServiceAccount, permissions limited to one key prefix
// of the backup bucket and its KMS key, a bucket policy that refuses plaintext transport,
// foreign encryption, and the deletion of object versions or of the bucket's protection by
// anyone but its administrators, a key policy to match, and lifecycle rules scoped per prefix.

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { Federated?: string; AWS?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export interface TrustInput {
  readonly oidcProviderArn: string;
  /** Issuer host and path, without https:// */
  readonly oidcIssuer: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Only the given ServiceAccount, through the cluster's OIDC provider, for STS's audience. */
export function irsaTrustPolicy(input: TrustInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: input.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${input.oidcIssuer}:sub`]: `system:serviceaccount:${input.namespace}:${input.serviceAccount}`,
            [`${input.oidcIssuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

export interface PrefixAccessInput {
  readonly bucketArn: string;
  /** Key prefix without leading or trailing slash. */
  readonly prefix: string;
  readonly kmsKeyArn: string;
  /** Object deletion under the prefix (Velero's and Elasticsearch's own retention need it). */
  readonly allowDelete: boolean;
  /** The bucket's region: the key may be used only by S3 there, on the writer's behalf. */
  readonly region: string;
  /** Other locations the writer may only read (a restore from another stack's backups). */
  readonly readOnly?: readonly { readonly bucketArn: string; readonly prefix: string; readonly kmsKeyArn: string }[];
}

/** Read and write objects under one prefix, list only that prefix, use the bucket's KMS key. */
export function prefixAccessPolicy(input: PrefixAccessInput): PolicyDocument {
  const objectActions = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
  if (input.allowDelete) objectActions.push("s3:DeleteObject");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ObjectsUnderPrefix",
        Effect: "Allow",
        Action: objectActions,
        Resource: `${input.bucketArn}/${input.prefix}/*`,
      },
      {
        Sid: "ListPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: input.bucketArn,
        Condition: { StringLike: { "s3:prefix": [`${input.prefix}/*`, input.prefix] } },
      },
      {
        Sid: "BucketKey",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: input.kmsKeyArn,
        // Only through S3 (to read and write the backups), never directly.
        Condition: { StringEquals: { "kms:ViaService": `s3.${input.region}.amazonaws.com` } },
      },
      ...(input.readOnly ?? []).flatMap((source, i): PolicyStatement[] => [
        {
          Sid: `ReadObjects${i}`,
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `${source.bucketArn}/${source.prefix}/*`,
        },
        {
          Sid: `ListReadPrefix${i}`,
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: source.bucketArn,
          Condition: { StringLike: { "s3:prefix": [`${source.prefix}/*`, source.prefix] } },
        },
        {
          Sid: `DecryptReadObjects${i}`,
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: source.kmsKeyArn,
          Condition: { StringEquals: { "kms:ViaService": `s3.${source.kmsKeyArn.split(":")[3]}.amazonaws.com` } },
        },
      ]),
    ],
  };
}

/**
 * Who may undo what protects the backups: delete object versions (the only way to erase data
 * from a versioned bucket; a plain delete leaves the data as a noncurrent version), or change
 * the bucket's versioning, lifecycle, policy, encryption, public-access block, ownership, or the
 * key. The identity that runs `pulumi up` must be one of them, or the next update could not
 * change the policy or the lifecycle.
 */
export interface Administrators {
  /** IAM role and user ARNs (for a role, the role's ARN, as aws:PrincipalArn gives it). */
  readonly arns: readonly string[];
}

const notAdministrator = (admins: Administrators) => ({
  ArnNotLike: { "aws:PrincipalArn": [...admins.arns] },
});

/** S3 actions that would weaken the bucket's protection (their IAM action names). */
export const BUCKET_PROTECTION_ACTIONS = [
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:DeleteBucket",
] as const;

/**
 * Refuse every request that does not use TLS (AWS Security Hub S3.5), and uploads that ask
 * for another encryption than SSE-KMS with the bucket's key. Uploads that name no encryption
 * get the bucket default (SSE-KMS with that key), so they stay allowed.
 */
export function bucketPolicy(bucketArn: string, kmsKeyArn: string, admins: Administrators): PolicyDocument {
  const objects = `${bucketArn}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, objects],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
          Null: { "s3:x-amz-server-side-encryption": "false" },
        },
      },
      {
        Sid: "DenyOtherKmsKeys",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      },
      // Object Lock would be stronger, but Velero's kopia repository maintenance does not support
      // it yet (velero-io/velero#8726): versioning plus these denies instead. S3 lets the account's
      // root user replace a bucket policy whatever it says (the way back from a wrong list).
      {
        Sid: "DenyVersionDeletion",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:DeleteObjectVersion",
        Resource: objects,
        Condition: notAdministrator(admins),
      },
      {
        Sid: "DenyProtectionChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...BUCKET_PROTECTION_ACTIONS],
        Resource: bucketArn,
        Condition: notAdministrator(admins),
      },
    ],
  };
}

export interface KeyPolicyInput {
  /** arn:<partition>:iam::<account>:root */
  readonly accountRootArn: string;
  readonly admins: Administrators;
  /** The bucket's region: outside administrators, the key works only through S3 there. */
  readonly region: string;
}

/** KMS actions that would disable, delete or re-scope the key. */
export const KEY_PROTECTION_ACTIONS = [
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:PutKeyPolicy",
  "kms:CreateGrant",
  "kms:DeleteImportedKeyMaterial",
] as const;

/**
 * The key's policy, explicit instead of AWS's default: the account's IAM policies decide who
 * uses the key (the writers' roles, through S3 only), but only administrators may disable it,
 * schedule its deletion, change its policy or grant it away, and nobody else may use it other
 * than through S3 in the bucket's region.
 */
export function keyPolicy(input: KeyPolicyInput): PolicyDocument {
  const admins: Administrators = { arns: [...input.admins.arns, input.accountRootArn] };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountIamPolicies",
        Effect: "Allow",
        Principal: { AWS: input.accountRootArn },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "DenyKeyProtectionChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...KEY_PROTECTION_ACTIONS],
        Resource: "*",
        Condition: notAdministrator(admins),
      },
      {
        Sid: "DenyUseOutsideS3",
        Effect: "Deny",
        Principal: "*",
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Resource: "*",
        Condition: {
          StringNotEquals: { "kms:ViaService": `s3.${input.region}.amazonaws.com` },
          ...notAdministrator(admins),
        },
      },
    ],
  };
}

export interface LifecycleSettings {
  /** Days a replaced or deleted object version stays recoverable. */
  readonly noncurrentVersionExpirationDays: number;
}

/**
 * What lives under a writer's prefix, which decides what lifecycle may do to it. Both writers
 * keep a repository their own software manages (Velero's backups and kopia repository, an
 * Elasticsearch snapshot repository): objects are shared between backups and deleted by that
 * software's retention, so S3 must never transition or expire them.
 */
export type BackupContent = "veleroRepository" | "snapshotRepository";

export interface LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/**
 * Lifecycle per prefix: only versions the owning software already deleted expire, after the
 * recovery window. Stale multipart uploads are aborted everywhere.
 */
export function lifecycleRules(
  writers: readonly { readonly name: string; readonly prefix: string; readonly content: BackupContent }[],
  settings: LifecycleSettings,
): LifecycleRule[] {
  return [
    {
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
    ...writers.map((writer): LifecycleRule => ({
      id: `${writer.name}-deleted-objects`,
      status: "Enabled",
      filter: { prefix: `${writer.prefix}/` },
      noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionExpirationDays },
    })),
  ];
}
