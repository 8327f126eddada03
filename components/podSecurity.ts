// Security contexts that meet Pod Security Standards "restricted"
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted),
// shared by every pod the stack creates. All run as the Jaeger image's non-root UID.
import type * as k8s from "@pulumi/kubernetes";

/** The UID/GID the jaegertracing/jaeger image runs as (its Dockerfile's USER); the jobs use it too. */
export const JAEGER_UID = 10001;

/** Pod level: non-root, RuntimeDefault seccomp, group-owned volumes. */
export function restrictedPodSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: JAEGER_UID,
    runAsGroup: JAEGER_UID,
    // Makes volumes readable/writable for the UID without a root init container.
    fsGroup: JAEGER_UID,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * The pod of a run-to-completion maintenance Job or CronJob: retried in place, restricted, with no
 * API token and no service-link variables.
 */
export function maintenancePodSettings() {
  return {
    restartPolicy: "OnFailure",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(),
  } satisfies Partial<k8s.types.input.core.v1.PodSpec>;
}

/** Container level: no privilege escalation, no capabilities, read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: JAEGER_UID,
    runAsGroup: JAEGER_UID,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Namespace labels for a Pod Security level below "restricted": that level enforced, and
 * "restricted" warned and audited, so that whatever falls short of it stays visible.
 */
export function podSecurityLevel(enforce: "baseline" | "privileged"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}
