// IAM and lifecycle documents for backups, as pure functions of ARNs and names (tested
// directly): IRSA trust limited to one ServiceAccount, permissions limited to one key prefix
// of the backup bucket and its KMS key, a bucket policy that refuses plaintext transport and
// foreign encryption, and lifecycle rules scoped per prefix.

import type { TRANSITION_STORAGE_CLASSES } from "../../config/schema";

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
  /** Object deletion under the prefix (Elasticsearch snapshot retention needs it; Badger backups do not). */
  readonly allowDelete: boolean;
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
  readonly transitionDays: number;
  /** One of the instant-retrieval classes the config allows (TRANSITION_STORAGE_CLASSES). */
  readonly transitionStorageClass: (typeof TRANSITION_STORAGE_CLASSES)[number];
  readonly expirationDays: number;
  readonly noncurrentVersionExpirationDays: number;
}

/** What lives under a writer's prefix, which decides what lifecycle may do to it. */
export type BackupContent = "archives" | "snapshotRepository";

export interface LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  transitions?: { days: number; storageClass: string }[];
  expiration?: { days: number };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/**
 * Lifecycle per prefix. Badger archives are self-contained files: they move to a colder
 * (instant-retrieval) class and expire. An Elasticsearch snapshot repository must not be
 * transitioned or expired by S3 (Elastic: snapshots share files; SLM retention deletes them),
 * so its prefix only loses versions that SLM already deleted. Stale multipart uploads are
 * aborted everywhere.
 */
export function lifecycleRules(
  writers: readonly { readonly name: string; readonly prefix: string; readonly content: BackupContent }[],
  settings: LifecycleSettings,
): LifecycleRule[] {
  const rules: LifecycleRule[] = [
    {
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
  for (const writer of writers) {
    const noncurrent = { noncurrentDays: settings.noncurrentVersionExpirationDays };
    rules.push(
      writer.content === "archives"
        ? {
            id: `${writer.name}-archives`,
            status: "Enabled",
            filter: { prefix: `${writer.prefix}/` },
            transitions: [{ days: settings.transitionDays, storageClass: settings.transitionStorageClass }],
            expiration: { days: settings.expirationDays },
            noncurrentVersionExpiration: noncurrent,
          }
        : {
            id: `${writer.name}-deleted-snapshot-files`,
            status: "Enabled",
            filter: { prefix: `${writer.prefix}/` },
            noncurrentVersionExpiration: noncurrent,
          },
    );
  }
  return rules;
}
