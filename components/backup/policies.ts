// IAM and lifecycle documents for backups, as pure functions of ARNs and names (tested
// directly): IRSA trust limited to one ServiceAccount, permissions limited to one key prefix
// of the backup bucket and its KMS key, a bucket policy that refuses plaintext transport and
// foreign encryption, and lifecycle rules scoped per prefix.

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
    ],
  };
}

/**
 * Refuse every request that does not use TLS (AWS Security Hub S3.5), and uploads that ask
 * for another encryption than SSE-KMS with the bucket's key. Uploads that name no encryption
 * get the bucket default (SSE-KMS with that key), so they stay allowed.
 */
export function bucketPolicy(bucketArn: string, kmsKeyArn: string): PolicyDocument {
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
