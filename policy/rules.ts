// The checks our policy pack enforces, as pure functions over a resource's type and
// inputs, so that `npm test` runs them on every resource of every stack and
// `pulumi preview --policy-pack policy` runs the same code at preview.

export interface Subject {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Helm merges a release's values over the chart's own defaults, map by map. */
function mergeValues(defaults: Obj, values: Obj): Obj {
  const merged: Obj = { ...defaults };
  for (const [key, value] of Object.entries(values)) {
    const base = defaults[key];
    merged[key] =
      value !== null && typeof value === "object" && !Array.isArray(value) && base && typeof base === "object"
        ? mergeValues(obj(base), obj(value))
        : value;
  }
  return merged;
}

/**
 * Charts whose operator pod we install through a Helm release: the chart's default values
 * (from its values.yaml at the pinned version) and where its templates put them. With these
 * the pack checks the pod a release will create, not just the Release object.
 */
const CHART_PODS: Record<string, { defaults: Obj; pod: (values: Obj, version: string) => Obj }> = {
  // github.com/elastic/cloud-on-k8s deploy/eck-operator/{values.yaml,templates/statefulset.yaml}
  "eck-operator": {
    defaults: {
      image: { repository: "docker.elastic.co/eck/eck-operator", tag: null },
      podSecurityContext: { runAsNonRoot: true },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
      },
      resources: { limits: { cpu: 1, memory: "1Gi" }, requests: { cpu: "100m", memory: "150Mi" } },
    },
    pod: (values, version) => ({
      securityContext: values.podSecurityContext,
      containers: [
        {
          name: "manager",
          image: `${String(obj(values.image).repository)}:${String(obj(values.image).tag ?? version)}`,
          securityContext: values.securityContext,
          resources: values.resources,
        },
      ],
    }),
  },
};

/** The pod spec inside a workload, whatever its kind (and a known chart's pod, for a Helm release). */
export function podSpecOf(subject: Subject): Obj | undefined {
  const spec = obj(subject.props.spec);
  switch (subject.type) {
    case "kubernetes:helm.sh/v3:Release": {
      const chart = CHART_PODS[String(subject.props.chart)];
      return chart && chart.pod(mergeValues(chart.defaults, obj(subject.props.values)), String(subject.props.version));
    }
    case "kubernetes:core/v1:Pod":
      return spec;
    case "kubernetes:apps/v1:Deployment":
    case "kubernetes:apps/v1:StatefulSet":
    case "kubernetes:apps/v1:DaemonSet":
    case "kubernetes:apps/v1:ReplicaSet":
    case "kubernetes:batch/v1:Job":
      return obj(obj(spec.template).spec);
    case "kubernetes:batch/v1:CronJob":
      return obj(obj(obj(obj(spec.jobTemplate).spec).template).spec);
    default:
      return undefined;
  }
}

const containersOf = (pod: Obj): Obj[] =>
  [...arr(pod.containers), ...arr(pod.initContainers), ...arr(pod.ephemeralContainers)].map(obj);

const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

/**
 * Sysctls the "baseline" level allows (k8s.io/pod-security-admission policy/check_sysctls.go):
 * the v1.0 set, ip_local_reserved_ports from v1.27 and the TCP keepalive/fin ones from v1.29.
 * Later additions are left out: refusing a sysctl admission would allow is the safe side.
 */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
/** SELinux types the "baseline" level allows (policy/check_seLinuxOptions.go). */
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const ALLOWED_PROFILES = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** SELinux options: no user or role, and only the container types. */
function seLinuxProblems(where: string, options: unknown): string[] {
  const o = obj(options);
  const problems: string[] = [];
  if (o.type !== undefined && !SELINUX_TYPES.has(String(o.type)))
    problems.push(`${where}: seLinuxOptions.type ${String(o.type)} is not allowed`);
  for (const field of ["user", "role"])
    if (o[field] !== undefined && o[field] !== "") problems.push(`${where}: seLinuxOptions.${field} must not be set`);
  return problems;
}

/** AppArmor: unset, RuntimeDefault or Localhost; never Unconfined. */
function appArmorProblems(where: string, profile: unknown): string[] {
  const type = obj(profile).type;
  return type === undefined || ALLOWED_PROFILES.has(String(type))
    ? []
    : [`${where}: appArmorProfile must be RuntimeDefault or Localhost`];
}

/**
 * Pod Security Standards "restricted", which includes "baseline", check by check as the
 * admission controller applies them (kubernetes.io/docs/concepts/security/pod-security-standards;
 * k8s.io/pod-security-admission policy/check_*.go): what a pod sets is judged where it is set,
 * so a container's own value overrides its pod's.
 */
export function podSecurityRestricted(subject: Subject): string[] {
  const pod = podSpecOf(subject);
  if (!pod) return [];
  const problems: string[] = [];
  const podSc = obj(pod.securityContext);
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[field] === true) problems.push(`${field} must not be true`);
  }
  for (const volume of arr(pod.volumes).map(obj)) {
    const types = Object.keys(volume).filter((k) => k !== "name");
    for (const t of types)
      if (!RESTRICTED_VOLUMES.has(t)) problems.push(`volume ${String(volume.name)}: type ${t} is not allowed`);
  }
  if (podSc.runAsUser === 0) problems.push("pod runAsUser must not be 0");
  const podSeccomp = obj(podSc.seccompProfile).type;
  if (podSeccomp !== undefined && !ALLOWED_PROFILES.has(String(podSeccomp)))
    problems.push(`pod seccompProfile must be RuntimeDefault or Localhost, not ${String(podSeccomp)}`);
  for (const sysctl of arr(podSc.sysctls).map(obj))
    if (!SAFE_SYSCTLS.has(String(sysctl.name))) problems.push(`pod sysctl ${String(sysctl.name)} is not allowed`);
  problems.push(...seLinuxProblems("pod", podSc.seLinuxOptions), ...appArmorProblems("pod", podSc.appArmorProfile));
  if (obj(podSc.windowsOptions).hostProcess === true) problems.push("pod windowsOptions.hostProcess must not be true");
  const annotations = obj(obj(obj(obj(subject.props.spec).template).metadata).annotations);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !String(value).startsWith("localhost/"))
      problems.push(`${key.slice(APPARMOR_ANNOTATION.length)}: AppArmor ${String(value)} is not allowed`);
  }
  for (const c of containersOf(pod)) {
    const name = String(c.name);
    const sc = obj(c.securityContext);
    if (sc.privileged === true) problems.push(`${name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation must be false`);
    // The container's own value wins: false under a pod's true still runs as root.
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true))
      problems.push(`${name}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) problems.push(`${name}: runAsUser must not be 0`);
    const seccomp = obj(sc.seccompProfile).type ?? podSeccomp;
    if (!ALLOWED_PROFILES.has(String(seccomp)))
      problems.push(`${name}: seccompProfile must be RuntimeDefault or Localhost`);
    const caps = obj(sc.capabilities);
    if (!arr(caps.drop).includes("ALL")) problems.push(`${name}: capabilities must drop ALL`);
    for (const add of arr(caps.add))
      if (add !== "NET_BIND_SERVICE") problems.push(`${name}: may not add capability ${String(add)}`);
    for (const port of arr(c.ports).map(obj))
      if (port.hostPort) problems.push(`${name}: hostPort ${String(port.hostPort)}`);
    if (sc.procMount !== undefined && sc.procMount !== "Default")
      problems.push(`${name}: procMount must be Default, not ${String(sc.procMount)}`);
    problems.push(...seLinuxProblems(name, sc.seLinuxOptions), ...appArmorProblems(name, sc.appArmorProfile));
    if (obj(sc.windowsOptions).hostProcess === true)
      problems.push(`${name}: windowsOptions.hostProcess must not be true`);
  }
  return problems;
}

/** Every image has a tag other than latest, or a digest. */
export function pinnedImages(subject: Subject): string[] {
  const pod = podSpecOf(subject);
  if (!pod) return [];
  return containersOf(pod).flatMap((c) => {
    const image = String(c.image ?? "");
    const digest = image.includes("@sha256:");
    const tag = /:([^/:@]+)(@|$)/.exec(image.split("/").pop() ?? "")?.[1];
    return digest || (tag && tag !== "latest")
      ? []
      : [`${String(c.name)}: image "${image}" is not pinned (tag or digest)`];
  });
}

/** CPU and memory requests and limits on every container. */
export function resourcesSet(subject: Subject): string[] {
  const pod = podSpecOf(subject);
  if (!pod) return [];
  return containersOf(pod).flatMap((c) => {
    const r = obj(c.resources);
    const missing = [
      ["requests", "cpu"],
      ["requests", "memory"],
      ["limits", "cpu"],
      ["limits", "memory"],
    ].filter(([kind, what]) => obj(r[kind])[what] === undefined);
    return missing.length ? [`${String(c.name)}: missing ${missing.map((m) => m.join(".")).join(", ")}`] : [];
  });
}

const SECRET_NAME = /(pass(word|wd)?|secret|token|bearer|api[-_]?key|credential|private[-_]?key)/i;
const SECRET_VALUE = /-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b/;

/** No secret-looking values in environment literals, arguments or ConfigMaps. */
export function noSecretLiterals(subject: Subject): string[] {
  const problems: string[] = [];
  if (subject.type === "kubernetes:core/v1:ConfigMap") {
    for (const [key, value] of Object.entries(obj(subject.props.data))) {
      if (SECRET_NAME.test(key)) problems.push(`ConfigMap key ${key} looks like a secret; use a Secret`);
      if (typeof value === "string" && SECRET_VALUE.test(value))
        problems.push(`ConfigMap key ${key} holds a private key or access key`);
    }
    return problems;
  }
  const pod = podSpecOf(subject);
  if (!pod) return [];
  for (const c of containersOf(pod)) {
    for (const e of arr(c.env).map(obj)) {
      // ..._FILE / _PATH / _DIR variables name where a mounted secret is, not the secret.
      const isPath = /_(FILE|PATH|DIR)$/i.test(String(e.name));
      if (e.value !== undefined && e.value !== "" && SECRET_NAME.test(String(e.name)) && !isPath) {
        problems.push(`${String(c.name)}: env ${String(e.name)} has a literal value; reference a Secret`);
      }
    }
    for (const a of [...arr(c.args), ...arr(c.command)].map(String)) {
      if (/--[\w.-]*(password|token|secret|api-key)[\w.-]*=(?!\/)/i.test(a) || SECRET_VALUE.test(a)) {
        problems.push(`${String(c.name)}: argument "${a.split("=")[0]}=…" passes a secret on the command line`);
      }
    }
  }
  return problems;
}

/** No NodePort or LoadBalancer Services unless the stack allows them. */
export function noPublicServices(subject: Subject, allowPublicServices: boolean): string[] {
  if (subject.type !== "kubernetes:core/v1:Service" || allowPublicServices) return [];
  const type = obj(subject.props.spec).type;
  return type === "NodePort" || type === "LoadBalancer"
    ? [`Service type ${String(type)} exposes Jaeger outside the cluster`]
    : [];
}

/** The Deny statements of a BucketPolicy's JSON document (none if it does not parse). */
function denyStatements(props: Obj): Obj[] {
  try {
    const doc = JSON.parse(String(props.policy)) as { Statement?: Obj[] };
    return (doc.Statement ?? []).filter((s) => s.Effect === "Deny");
  } catch {
    return [];
  }
}

/**
 * Every S3 bucket has the controls of AWS Security Hub S3.5/8/12/13/14/17
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html), and refuses foreign encryption.
 */
export function s3BucketControls(resources: readonly Subject[]): string[] {
  const buckets = resources.filter((r) => r.type === "aws:s3/bucket:Bucket");
  const controls: [string, string, (props: Obj) => boolean][] = [
    [
      "aws:s3/bucketVersioning:BucketVersioning",
      "versioning Enabled (S3.14)",
      (p) => obj(p.versioningConfiguration).status === "Enabled",
    ],
    [
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "SSE-KMS by default (S3.17)",
      (p) => arr(p.rules).some((r) => obj(obj(r).applyServerSideEncryptionByDefault).sseAlgorithm === "aws:kms"),
    ],
    [
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "all four public access blocks (S3.8)",
      (p) =>
        ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(
          (f) => p[f] === true,
        ),
    ],
    [
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "ACLs disabled (S3.12)",
      (p) => obj(p.rule).objectOwnership === "BucketOwnerEnforced",
    ],
    [
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "a lifecycle configuration (S3.13)",
      (p) => arr(p.rules).length > 0,
    ],
    [
      "aws:s3/bucketPolicy:BucketPolicy",
      "a policy denying uploads with another encryption than SSE-KMS",
      (p) =>
        denyStatements(p).some(
          (s) => obj(obj(s.Condition).StringNotEquals)["s3:x-amz-server-side-encryption"] === "aws:kms",
        ),
    ],
    [
      "aws:s3/bucketPolicy:BucketPolicy",
      "a policy denying non-TLS requests (S3.5)",
      (p) => denyStatements(p).some((s) => obj(obj(s.Condition).Bool)["aws:SecureTransport"] === "false"),
    ],
    [
      "aws:s3/bucketPolicy:BucketPolicy",
      "a policy denying the deletion of object versions to all but named administrators",
      (p) =>
        denyStatements(p).some(
          (s) =>
            s.Principal === "*" &&
            [s.Action].flat().includes("s3:DeleteObjectVersion") &&
            arr(obj(obj(s.Condition).ArnNotLike)["aws:PrincipalArn"]).length > 0,
        ),
    ],
  ];
  const problems: string[] = [];
  for (const bucket of buckets) {
    const id = `${bucket.name}-id`;
    for (const [type, what, ok] of controls) {
      const attached = resources.filter(
        (r) => r.type === type && (r.props.bucket === id || r.props.bucket === undefined || buckets.length === 1),
      );
      if (!attached.some((r) => ok(r.props))) problems.push(`bucket ${bucket.name} lacks ${what}`);
    }
  }
  return problems;
}
