// The policy pack's policies (constructed without the pack, so tests can run them).
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  Subject,
  noPublicServices,
  noSecretLiterals,
  pinnedImages,
  podSecurityRestricted,
  resourcesSet,
  s3BucketControls,
} from "./rules";

function resourcePolicy(
  name: string,
  description: string,
  check: (subject: Subject, config: { allowPublicServices: boolean }) => string[],
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowPublicServices: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
      const config = args.getConfig<{ allowPublicServices?: boolean }>();
      for (const problem of check(args, { allowPublicServices: config.allowPublicServices ?? false })) {
        reportViolation(problem);
      }
    },
  };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  resourcePolicy(
    "pod-security-restricted",
    'Every pod template meets Pod Security Standards "restricted".',
    podSecurityRestricted,
  ),
  resourcePolicy(
    "pinned-images",
    "Every container image is pinned by a tag other than latest or a digest.",
    pinnedImages,
  ),
  resourcePolicy("resources-set", "Every container sets CPU and memory requests and limits.", resourcesSet),
  resourcePolicy(
    "no-secret-literals",
    "No secrets in environment literals, arguments or ConfigMaps.",
    noSecretLiterals,
  ),
  resourcePolicy(
    "no-public-services",
    "No NodePort or LoadBalancer Services unless allowPublicServices is set in the policy config.",
    (subject, config) => noPublicServices(subject, config.allowPublicServices),
  ),
  {
    name: "s3-bucket-controls",
    description:
      "Backup buckets have versioning, SSE-KMS, public access blocks, no ACLs, a lifecycle and a TLS-only policy.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      for (const problem of s3BucketControls(args.resources)) reportViolation(problem);
    },
  },
];
