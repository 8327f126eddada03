// IAM documents for backups, as pure functions of ARNs and names (tested directly):
// IRSA trust limited to one ServiceAccount, and permissions limited to one key prefix
// of the backup bucket and its KMS key (../shared/reference/security.md §3-4).

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

/** Refuse every request that does not use TLS (AWS Security Hub S3.5). */
export function denyInsecureTransportPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
