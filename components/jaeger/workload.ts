// Pure builders for the Kubernetes objects of the single-writer (Badger) Jaeger:
// labels, the pod template, and the Service port lists. The component wires them.
import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import type { Resources } from "../../config/sizing";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../podSecurity";
import { parseBytesQuantity } from "../../config/units";
import { GO_MEMORY_LIMIT_RATIO, Role, rolePorts } from "./jaegerConfig";
import { HEALTH_PATH, JaegerPort, PORTS } from "./ports";
import { MANAGED_LABELS } from "../labels";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type ServicePort = k8s.types.input.core.v1.ServicePort;

export const MOUNTS = {
  config: "/etc/jaeger/config",
  sampling: "/etc/jaeger/sampling",
  badger: "/badger",
  tmp: "/tmp",
  storageSecrets: "/etc/jaeger/storage",
  secrets: "/etc/jaeger/secrets",
} as const;

export const CONFIG_FILE = "config.yaml";
export const UI_CONFIG_FILE = "ui-config.json";
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/jaeger-config";
export const HTPASSWD_CHECKSUM_ANNOTATION = "checksum/ui-htpasswd";

export function selectorLabels(instance: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "jaeger",
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": component,
  };
}

/** Tag of a pinned image reference ("2.20.0"), or the digest when it has no tag. */
export function imageVersion(image: string): string {
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon >= 0) return lastSegment.slice(colon + 1);
  return image.split("@sha256:")[1]?.slice(0, 12) ?? "unknown";
}

export function commonLabels(instance: string, component: string, image: string): Record<string, string> {
  return {
    ...selectorLabels(instance, component),
    ...MANAGED_LABELS,
    "app.kubernetes.io/version": imageVersion(image),
  };
}

/**
 * Maintenance workloads beside Jaeger (index cleaner, backups, snapshot exporter, TLS setup): their
 * own app name, so that selectors of Jaeger's pods (Services, NetworkPolicies) never match them;
 * one task a set, so that each task's NetworkPolicy allows only what that task calls.
 * Without app.kubernetes.io/version: an upgrade changes it, and selectors must not.
 */
export function maintenanceSelector(instance: string, task: string): Record<string, string> {
  return { ...selectorLabels(instance, task), "app.kubernetes.io/name": `jaeger-${task}` };
}

/** A maintenance workload's labels: its selector and the common labels. */
export function maintenanceLabels(instance: string, task: string, image: string): Record<string, string> {
  return { ...commonLabels(instance, task, image), ...maintenanceSelector(instance, task) };
}

/** sha256 over the rendered config files, in a fixed order. */
export function configChecksum(files: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) {
    hash.update(name).update("\0").update(files[name]).update("\0");
  }
  return hash.digest("hex");
}

export function containerPorts(ports: readonly JaegerPort[]) {
  return ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
}

export function servicePorts(
  ports: readonly JaegerPort[],
  nodePorts: Readonly<Record<string, number>> = {},
): ServicePort[] {
  return ports.map((p) => {
    const sp: ServicePort = {
      name: p.name,
      port: p.port,
      targetPort: p.name,
      protocol: "TCP",
      appProtocol: p.appProtocol,
    };
    if (nodePorts[p.name] !== undefined) sp.nodePort = nodePorts[p.name];
    return sp;
  });
}

/** A file a pod reads from a Secret (credentials, CA certificates), mounted read-only. */
export interface SecretFile {
  readonly volume: string;
  readonly secretName: string;
  readonly key: string;
  /** Directory it is mounted in; the file is `<mountPath>/<fileName>`. */
  readonly mountPath: string;
  readonly fileName: string;
}

export const secretFilePath = (f: SecretFile) => `${f.mountPath}/${f.fileName}`;

export interface JaegerPodInput {
  readonly role: Role;
  readonly image: string;
  readonly resources: Resources;
  readonly configMapName: string;
  /** Mounted for roles that serve remote sampling. */
  readonly samplingConfigMapName?: string;
  /** Badger's claim, for the all-in-one role. */
  readonly claimName?: string;
  readonly secretFiles: readonly SecretFile[];
  readonly serviceAccountName: string;
  readonly terminationGracePeriodSeconds: number;
  /** Whether the Jaeger native and Zipkin receivers run (their ports are declared). */
  readonly legacyReceivers: boolean;
  /** Labels of this role's pods: spread replicas across nodes and zones. */
  readonly spreadSelector?: Readonly<Record<string, string>>;
}

/** GOMEMLIMIT for a container memory limit ("1464Mi" -> "1171MiB"), in whole MiB. */
export function goMemoryLimit(memoryLimit: string): string | undefined {
  const bytes = parseBytesQuantity(memoryLimit);
  return bytes ? `${Math.floor((bytes * GO_MEMORY_LIMIT_RATIO) / 1024 ** 2)}MiB` : undefined;
}

export function buildJaegerPodSpec(input: JaegerPodInput): PodSpec {
  const goMemLimit = goMemoryLimit(input.resources.limits.memory);
  const health = { httpGet: { path: HEALTH_PATH, port: PORTS.health.name } };
  const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "config", mountPath: MOUNTS.config, readOnly: true },
  ];
  const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "config", configMap: { name: input.configMapName } }];
  if (input.samplingConfigMapName) {
    // A directory mount (no subPath) so the kubelet refreshes the file in place.
    volumeMounts.push({ name: "sampling", mountPath: MOUNTS.sampling, readOnly: true });
    volumes.push({ name: "sampling", configMap: { name: input.samplingConfigMapName } });
  }
  if (input.claimName) {
    volumeMounts.push({ name: "badger", mountPath: MOUNTS.badger });
    volumes.push({ name: "badger", persistentVolumeClaim: { claimName: input.claimName } });
  }
  for (const file of input.secretFiles) {
    volumeMounts.push({ name: file.volume, mountPath: file.mountPath, readOnly: true });
    volumes.push({
      name: file.volume,
      secret: { secretName: file.secretName, items: [{ key: file.key, path: file.fileName }], defaultMode: 0o440 },
    });
  }
  volumeMounts.push({ name: "tmp", mountPath: MOUNTS.tmp });
  volumes.push({ name: "tmp", emptyDir: { sizeLimit: "256Mi" } });

  const spread = input.spreadSelector
    ? ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { ...input.spreadSelector } },
      }))
    : undefined;

  return {
    serviceAccountName: input.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    // Badger flushes memtables and releases its directory lock on SIGTERM; collectors drain their batches.
    terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
    securityContext: restrictedPodSecurityContext(),
    topologySpreadConstraints: spread,
    containers: [
      {
        name: "jaeger",
        image: input.image,
        imagePullPolicy: "IfNotPresent",
        args: ["--config", `${MOUNTS.config}/${CONFIG_FILE}`],
        env: [
          ...(goMemLimit ? [{ name: "GOMEMLIMIT", value: goMemLimit }] : []),
          // Jaeger makes its tracer the global one (internal/jtracer/jtracer.go), exporting to
          // localhost:4317: its own receiver. Badger traces every compaction through the global
          // tracer (badger/v4 levels.go, "Badger.Compaction"), so under load Jaeger stored and
          // counted spans of its own as service "jaeger". Jaeger does not trace itself here
          // (jaeger_query.enable_tracing is false), so its tracer samples nothing.
          { name: "OTEL_TRACES_SAMPLER", value: "always_off" },
        ],
        ports: containerPorts(rolePorts(input.role, input.legacyReceivers)),
        // Badger replays its value log after an unclean stop; give it minutes before liveness counts.
        startupProbe: { ...health, periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 5 },
        livenessProbe: { ...health, periodSeconds: 15, failureThreshold: 5, timeoutSeconds: 5 },
        readinessProbe: { ...health, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
        resources: {
          requests: { cpu: input.resources.requests.cpu, memory: input.resources.requests.memory },
          limits: { cpu: input.resources.limits.cpu, memory: input.resources.limits.memory },
        },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts,
      },
    ],
    volumes,
  };
}
