// Runs a rendered pod's container as a local process, as the kubelet and the container runtime run
// it: the files its volumes mount (ConfigMaps and Secrets of the same render, or Secrets the
// cluster would hold, given by the caller) with the owners and modes the kubelet gives them, its
// arguments, its environment (valueFrom resolved from the rendered Secrets and ConfigMaps), its
// user and groups, a read-only root filesystem when the container asks for one, and its readiness
// probe. The one rewrite, done by `localizeConfig` and `localizeArgs`: in-pod paths become paths
// under a temp directory, listen addresses (0.0.0.0:<port>) become free loopback ports, and an
// in-cluster Service keeps its name (which the pod's hosts file points at 127.0.0.1) on the port
// of the engine the test started in its place, so a client verifies the certificate for the
// cluster's name, as it does there.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Container, EnvVar, PodSpec, Probe, Volume } from "kubernetes-types/core/v1";
import { parseDocument, visit } from "yaml";
import type { Evaluation } from "../../scripts/evaluate";
import { Engine, Finished, freePort, runToEnd, startEngine, waitFor } from "./engines";
import { parseBytesQuantity, parseCpuMillis } from "../../config/units";
import { objectNamed } from "./objects";

/** Where the pod's world is on this machine. */
export interface PodAddresses {
  /** In-pod mount path to local directory (longest prefix wins). */
  readonly mounts: ReadonlyMap<string, string>;
  /** Container port to the loopback port that stands for it. */
  readonly ports: ReadonlyMap<number, number>;
  /**
   * An in-cluster Service's host:port (e.g. prometheus-operated.monitoring.svc:9090) to the
   * 127.0.0.1:port of what stands in for it. The pod reaches it as <Service host>:<that port>.
   */
  readonly services: ReadonlyMap<string, string>;
}

const LISTEN = /^(?:0\.0\.0\.0|\[::\])?:(\d+)$/;
const CLUSTER_HOST = /^([a-z0-9.-]+\.svc(?:\.cluster\.local)?:\d+)$/;

/**
 * Rewrites one value (see PodAddresses), noting in `problems` what has no local stand-in. With
 * `filesOnly`, every absolute path is a file the process opens: one in no mount is a problem (in
 * the pod it would be on the read-only root filesystem, or not there at all). Arguments also carry
 * URL paths (`--web.telemetry-path=/metrics`), so there an unmapped path stays as it is.
 */
function localizeValue(value: string, addresses: PodAddresses, problems: string[], filesOnly = false): string {
  const listen = LISTEN.exec(value);
  if (listen) {
    const local = addresses.ports.get(Number(listen[1]));
    if (local === undefined) problems.push(`no local port for container port ${listen[1]}`);
    return `127.0.0.1:${local ?? listen[1]}`;
  }
  if (value.startsWith("/")) {
    const mount = [...addresses.mounts.keys()]
      .sort((a, b) => b.length - a.length)
      .find((m) => value === m || value.startsWith(m.endsWith("/") ? m : `${m}/`));
    if (mount === undefined && filesOnly) problems.push(`the path ${value} is in no mounted volume`);
    return mount === undefined ? value : addresses.mounts.get(mount) + value.slice(mount.length);
  }
  const url = /^(https?:\/\/)([^/]+)(.*)$/.exec(value);
  const hostPort = url ? url[2] : value;
  if (!CLUSTER_HOST.test(hostPort)) return value;
  const local = addresses.services.get(hostPort);
  if (local === undefined) problems.push(`no local address for the in-cluster Service ${hostPort}`);
  const named = local === undefined ? hostPort : `${hostPort.split(":")[0]}:${local.split(":")[1]}`;
  return url ? `${url[1]}${named}${url[3]}` : named;
}

function refuseLeftovers(problems: readonly string[], what: string): void {
  if (problems.length > 0)
    throw new Error(`cannot run this ${what} locally:\n- ${[...new Set(problems)].join("\n- ")}`);
}

/**
 * The config text with in-pod paths, listen addresses and in-cluster Service addresses replaced
 * (see PodAddresses). Fails when something would still point into the pod or the cluster: an
 * unmapped port, path or Service, so a test can never run with half of the pod's world.
 */
export function localizeConfig(text: string, addresses: PodAddresses): string {
  const doc = parseDocument(text);
  const problems: string[] = [];
  visit(doc, {
    // The telemetry reader's { host: 0.0.0.0, port: N } form.
    Map(_, map) {
      const portValue = map.get("port");
      if (map.get("host") === "0.0.0.0" && typeof portValue === "number") {
        const local = localizeValue(`0.0.0.0:${portValue}`, addresses, problems);
        map.set("host", "127.0.0.1");
        map.set("port", Number(local.split(":")[1]));
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === "string") scalar.value = localizeValue(scalar.value, addresses, problems, true);
    },
  });
  const out = doc.toString({ lineWidth: 0 });
  if (/\b0\.0\.0\.0\b/.test(out)) problems.push("a listen address 0.0.0.0 is left");
  refuseLeftovers(problems, "config");
  return out;
}

/**
 * A container's command-line arguments with the same rewrites as localizeConfig, both for a whole
 * argument and for the value of `--flag=value`. Fails on what has no local stand-in, as it does.
 */
export function localizeArgs(args: readonly string[], addresses: PodAddresses): string[] {
  const problems: string[] = [];
  const out = args.map((arg) => {
    const flag = /^(--?[A-Za-z0-9._-]+=)(.*)$/s.exec(arg);
    return flag ? flag[1] + localizeValue(flag[2], addresses, problems) : localizeValue(arg, addresses, problems);
  });
  if (out.some((arg) => /\b0\.0\.0\.0\b/.test(arg))) problems.push("a listen address 0.0.0.0 is left");
  refuseLeftovers(problems, "command line");
  return out;
}

/**
 * Writes a ConfigMap's or Secret's files as the kubelet lays out such a volume: the files in a
 * timestamped directory, `..data` pointing at it, and one symlink per file through `..data`. An
 * update writes a new directory and swaps `..data` in one rename, so a reader sees the old files or
 * the new ones, never a mix (kubernetes pkg/volume/util/atomic_writer.go).
 */
export function writeProjection(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  const version = `..${Date.now()}_${process.hrtime.bigint()}`;
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, version, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, version, file), content);
  }
  const previous = fs.existsSync(path.join(dir, "..data")) ? fs.readlinkSync(path.join(dir, "..data")) : undefined;
  fs.symlinkSync(version, path.join(dir, "..data_tmp"));
  fs.renameSync(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
  for (const file of Object.keys(files)) {
    const top = file.split("/")[0];
    if (!fs.existsSync(path.join(dir, top))) fs.symlinkSync(path.join("..data", top), path.join(dir, top));
  }
  if (previous) fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
}

/** Secrets the cluster holds that the render does not create (cert-manager's, an OIDC client's). */
export type ClusterSecrets = Readonly<Record<string, Readonly<Record<string, string | Buffer>>>>;

/** The kinds whose pod template runs here. */
export type Workload = "Deployment" | "CronJob" | "Job";

export interface LocalPodOptions {
  /** The workload's kind (Deployment unless given). */
  readonly kind?: Workload;
  /** The container (or init container) by name; the first container when not given. */
  readonly container?: string;
  /** Directories that persist across starts, by volume name (a claim's data directory). */
  readonly volumeDirs?: Readonly<Record<string, string>>;
  readonly secrets?: ClusterSecrets;
  readonly services?: ReadonlyMap<string, string>;
  /** Container ports to free loopback ports; picked here when not given. */
  readonly ports?: ReadonlyMap<number, number>;
}

/** Who the container runs as: its securityContext over the pod's, as the kubelet resolves them. */
export interface PodIdentity {
  readonly uid: number;
  readonly gid: number;
  /** fsGroup and supplementalGroups. */
  readonly groups: readonly number[];
  readonly fsGroup: number | undefined;
  readonly readOnlyRootFilesystem: boolean;
}

export interface LocalPod {
  readonly dir: string;
  readonly container: Container;
  readonly identity: PodIdentity;
  readonly addresses: PodAddresses;
  /** The container's args, paths inside mounts rewritten. */
  readonly args: string[];
  /** The container's environment, valueFrom resolved. */
  readonly env: Record<string, string>;
  /** The loopback port that stands for a container port. */
  port(containerPort: number): number;
  /** The local file for an in-pod path. */
  file(inPodPath: string): string;
  /** Updates a mounted ConfigMap volume's files the way the kubelet does (writeProjection). */
  updateVolume(volumeName: string, files: Readonly<Record<string, string | Buffer>>): void;
  /**
   * Starts `command` (the image's entrypoint) with the pod's args and env, as the pod's user, in a
   * mount namespace where only the pod's writable volumes can be written (see sandbox). `env` adds
   * what the image itself would carry; `wrap` starts it through another command (a cgroup).
   */
  start(
    name: string,
    command: string,
    options?: {
      env?: Readonly<Record<string, string>>;
      wrap?: (command: string, args: readonly string[]) => { command: string; args: string[] };
    },
  ): Engine;
  /**
   * Runs `command` as start() does, to its end (a Job's pod): its exit code and output. `args`
   * replaces the container's (a shell in the pod's place, to look around in it).
   */
  run(
    command: string,
    options: { env?: Readonly<Record<string, string>>; args?: readonly string[]; timeoutMs: number },
  ): Promise<Finished>;
  /** Runs the container's readiness probe once, as the kubelet does: whether it passed. */
  ready(): Promise<boolean>;
  /** Waits (up to `timeoutMs`) until the readiness probe passes; fails if `engine` exits first. */
  waitReady(engine: Engine, timeoutMs: number): Promise<void>;
  remove(): void;
}

function configMapData(evaluation: Evaluation, name: string): Record<string, string> {
  return objectNamed(evaluation, "ConfigMap", name).data ?? {};
}

function secretData(evaluation: Evaluation, name: string, secrets: ClusterSecrets): Record<string, string | Buffer> {
  if (secrets[name]) return { ...secrets[name] };
  const secret = objectNamed(evaluation, "Secret", name);
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));
  return { ...data, ...(secret.stringData ?? {}) };
}

interface Projection {
  readonly files: Record<string, string | Buffer>;
  /** File mode by path (defaultMode, or an item's own mode). */
  readonly modes: Record<string, number>;
}

/** ConfigMap and Secret volumes default to 0644 (the API's defaultMode). */
const DEFAULT_MODE = 0o644;

function volumeFiles(evaluation: Evaluation, volume: Volume, secrets: ClusterSecrets): Projection | undefined {
  const pick = (
    data: Record<string, string | Buffer>,
    source: { items?: readonly { key: string; path: string; mode?: number }[]; defaultMode?: number },
  ): Projection => {
    const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
    const files: Record<string, string | Buffer> = {};
    const modes: Record<string, number> = {};
    for (const item of items) {
      if (data[item.key] === undefined) throw new Error(`volume ${volume.name}: no key ${item.key}`);
      files[item.path] = data[item.key];
      modes[item.path] = item.mode ?? source.defaultMode ?? DEFAULT_MODE;
    }
    return { files, modes };
  };
  if (volume.configMap) return pick(configMapData(evaluation, volume.configMap.name ?? ""), volume.configMap);
  if (volume.secret) return pick(secretData(evaluation, volume.secret.secretName ?? "", secrets), volume.secret);
  if (volume.persistentVolumeClaim || volume.emptyDir) return undefined;
  throw new Error(
    `volume ${volume.name}: only configMap, secret, persistentVolumeClaim and emptyDir volumes run locally`,
  );
}

/**
 * Owners and modes as the kubelet leaves a volume for a pod with `fsGroup` (kubernetes
 * pkg/volume/volume_linux.go, SetVolumeOwnership): every file's group becomes fsGroup, with group
 * read (read-only volumes: ConfigMaps, Secrets) or read and write added, and directories get group
 * search and the setgid bit. Without fsGroup nothing changes, so a 0440 Secret file stays
 * unreadable to a non-root user, as it is in the cluster.
 */
function applyFsGroup(dir: string, fsGroup: number | undefined, readOnly: boolean): void {
  if (fsGroup === undefined) return;
  const walk = (file: string) => {
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) return;
    fs.chownSync(file, stat.uid, fsGroup);
    const mask = (readOnly ? 0o440 : 0o660) | (stat.isDirectory() ? 0o2110 : 0);
    fs.chmodSync(file, (stat.mode & 0o7777) | mask);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) walk(path.join(file, entry));
  };
  walk(dir);
}

/** A ConfigMap or Secret volume's files, laid out and owned as the kubelet leaves them. */
function project(dir: string, projection: Projection, fsGroup: number | undefined): void {
  writeProjection(dir, projection.files);
  const data = fs.realpathSync(path.join(dir, "..data"));
  for (const [file, mode] of Object.entries(projection.modes)) fs.chmodSync(path.join(data, file), mode);
  applyFsGroup(dir, fsGroup, true);
}

function podSpecOf(evaluation: Evaluation, kind: Workload, name: string): PodSpec {
  const spec =
    kind === "CronJob"
      ? objectNamed(evaluation, kind, name).spec?.jobTemplate.spec?.template.spec
      : objectNamed(evaluation, kind, name).spec?.template.spec;
  if (!spec) throw new Error(`${kind} ${name} has no pod template`);
  return spec;
}

function identityOf(spec: PodSpec, container: Container): PodIdentity {
  const pod = spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  const uid = own.runAsUser ?? pod.runAsUser;
  const gid = own.runAsGroup ?? pod.runAsGroup;
  // The image's user is not known here; the stack sets both for every container it renders.
  if (uid === undefined || gid === undefined)
    throw new Error(
      `container ${container.name} sets no runAsUser/runAsGroup, so the user it runs as is the image's, unknown here`,
    );
  return {
    uid,
    gid,
    groups: [...new Set([...(pod.fsGroup === undefined ? [] : [pod.fsGroup]), ...(pod.supplementalGroups ?? [])])],
    fsGroup: pod.fsGroup,
    readOnlyRootFilesystem: own.readOnlyRootFilesystem === true,
  };
}

/** A quantity in units of `divisor`, rounded up, as the kubelet resolves a resourceFieldRef. */
function resourceValue(container: Container, resource: string, divisor: string | undefined): string {
  const [section, name] = resource.split(".") as ["limits" | "requests", string];
  const raw = container.resources?.[section]?.[name];
  if (raw === undefined) throw new Error(`env resourceFieldRef ${resource}: the container sets no ${resource}`);
  // CPU in millicores, anything else (memory, ephemeral-storage) in bytes: the stack's own parsers.
  const parse = name === "cpu" ? parseCpuMillis : parseBytesQuantity;
  const value = parse(String(raw));
  const unit = parse(divisor ?? "1");
  if (value === undefined || unit === undefined || unit === 0)
    throw new Error(`env resourceFieldRef ${resource}: cannot read ${String(raw)} in units of ${divisor ?? "1"}`);
  return String(Math.ceil(value / unit));
}

/**
 * One env var's value as the kubelet gives it: `value`, or `valueFrom` read from the rendered (or
 * the cluster's) Secret or ConfigMap, the pod's fields, or the container's resources.
 */
function envValue(
  variable: EnvVar,
  context: {
    evaluation: Evaluation;
    secrets: ClusterSecrets;
    container: Container;
    podName: string;
    namespace: string;
  },
): string | undefined {
  if (variable.value !== undefined) return variable.value;
  const from = variable.valueFrom;
  if (!from) return "";
  if (from.secretKeyRef) {
    const value = secretData(context.evaluation, from.secretKeyRef.name ?? "", context.secrets)[from.secretKeyRef.key];
    if (value === undefined && !from.secretKeyRef.optional)
      throw new Error(`env ${variable.name}: Secret ${from.secretKeyRef.name} has no key ${from.secretKeyRef.key}`);
    return value === undefined ? undefined : value.toString();
  }
  if (from.configMapKeyRef) {
    const value = configMapData(context.evaluation, from.configMapKeyRef.name ?? "")[from.configMapKeyRef.key];
    if (value === undefined && !from.configMapKeyRef.optional)
      throw new Error(
        `env ${variable.name}: ConfigMap ${from.configMapKeyRef.name} has no key ${from.configMapKeyRef.key}`,
      );
    return value;
  }
  if (from.fieldRef) {
    const fields: Record<string, string> = {
      "metadata.name": context.podName,
      "metadata.namespace": context.namespace,
      "status.podIP": "127.0.0.1",
      "status.hostIP": "127.0.0.1",
      "spec.nodeName": os.hostname(),
    };
    const value = fields[from.fieldRef.fieldPath];
    if (value === undefined)
      throw new Error(`env ${variable.name}: fieldRef ${from.fieldRef.fieldPath} has no local value`);
    return value;
  }
  if (from.resourceFieldRef)
    return resourceValue(context.container, from.resourceFieldRef.resource, from.resourceFieldRef.divisor?.toString());
  throw new Error(`env ${variable.name}: a valueFrom this harness cannot resolve`);
}

/**
 * Run in a new mount namespace (unshare --mount), as root, before the pod's process: points the
 * Services' names at 127.0.0.1 (the pod's /etc/hosts), makes every mount read-only but the
 * kernel's (/proc, /sys, /dev, as the runtime leaves them) when the container has
 * readOnlyRootFilesystem, then makes the writable volumes writable again, and starts the process
 * as the pod's user and groups with no capabilities and no privilege escalation, as restricted
 * Pod Security runs it. Arguments: uid gid groups hosts-file read-only(0|1) n dir... command args...
 */
const SANDBOX = `set -eu
uid=$1 gid=$2 groups=$3 hosts=$4 readonly=$5 n=$6; shift 6
mount --make-rprivate /
mount --bind "$hosts" /etc/hosts
if [ "$readonly" = 1 ]; then
  findmnt -rn -o TARGET | while IFS= read -r target; do
    case $target in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
    mount -o remount,bind,ro "$target"
  done
fi
while [ "$n" -gt 0 ]; do
  mount --bind "$1" "$1"
  mount -o remount,bind,rw "$1"
  shift; n=$((n-1))
done
if [ -n "$groups" ]; then set -- --groups="$groups" "$@"; else set -- --clear-groups "$@"; fi
exec setpriv --reuid="$uid" --regid="$gid" --no-new-privs --inh-caps=-all --bounding-set=-all "$@"
`;

/**
 * Lets the pod's user reach `dir` (temp directories are 0700): search permission on it and each
 * parent up to the temp root. Also for a file that stands for one of the image's (its CA bundle).
 */
export function traversable(dir: string): void {
  const root = fs.realpathSync(os.tmpdir());
  for (let d = fs.realpathSync(dir); d.startsWith(`${root}/`); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
  }
}

/**
 * Lays out a workload's container as it runs in its pod: every mounted ConfigMap and Secret
 * written as files, claims and emptyDirs as directories, owned as the kubelet leaves them, and the
 * Jaeger config (the file after `--config`) localized. Remove the directory with remove().
 */
export async function localPod(
  evaluation: Evaluation,
  workload: string,
  options: LocalPodOptions = {},
): Promise<LocalPod> {
  const kind = options.kind ?? "Deployment";
  const spec = podSpecOf(evaluation, kind, workload);
  // An init container runs the same way, by its name (run() it to its end, as the kubelet does first).
  const container = options.container
    ? [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === options.container)
    : spec.containers[0];
  if (!container) throw new Error(`${kind} ${workload} has no container ${options.container}`);
  const identity = identityOf(spec, container);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pod-${workload}-`));
  traversable(dir);
  const mounts = new Map<string, string>();
  const writable: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) throw new Error(`mount ${mount.mountPath}: no volume ${mount.name}`);
    const local = options.volumeDirs?.[volume.name] ?? path.join(dir, "volumes", volume.name);
    fs.mkdirSync(local, { recursive: true });
    traversable(local);
    const projection = volumeFiles(evaluation, volume, options.secrets ?? {});
    if (projection) project(local, projection, identity.fsGroup);
    else {
      // An emptyDir starts world-writable (0777); a new claim's root is root's, 0755, until fsGroup.
      if (!options.volumeDirs?.[volume.name]) fs.chmodSync(local, volume.emptyDir ? 0o777 : 0o755);
      applyFsGroup(local, identity.fsGroup, false);
      if (!mount.readOnly) writable.push(local);
    }
    mounts.set(mount.mountPath, mount.subPath ? path.join(local, mount.subPath) : local);
  }
  const ports = new Map(options.ports ?? []);
  for (const p of container.ports ?? []) if (!ports.has(p.containerPort)) ports.set(p.containerPort, await freePort());
  const services = options.services ?? new Map<string, string>();
  const addresses: PodAddresses = { mounts, ports, services };
  const file = (inPodPath: string) => {
    const mount = [...mounts.keys()].sort((a, b) => b.length - a.length).find((m) => inPodPath.startsWith(`${m}/`));
    if (!mount) throw new Error(`${inPodPath} is in no mounted volume`);
    return mounts.get(mount) + inPodPath.slice(mount.length);
  };
  // Arguments and environment values see the same rewrites (oauth2-proxy's --upstream=<Service URL>,
  // --client-secret-file=<in-pod path>, SSL_CERT_DIR=<in-pod path>).
  const args = localizeArgs(container.args ?? [], addresses);
  const configAt = args.indexOf("--config");
  if (configAt >= 0) {
    const configFile = file(container.args?.[configAt + 1] ?? "");
    const localized = localizeConfig(fs.readFileSync(configFile, "utf8"), addresses);
    // The mounted file stays as rendered; the process reads the localized copy beside the pod's files.
    const target = path.join(dir, "config.local.yaml");
    fs.writeFileSync(target, localized, { mode: 0o644 });
    args[configAt + 1] = target;
  }
  const podName = `${workload}-0`;
  const namespace = objectNamed(evaluation, kind, workload).metadata?.namespace ?? "default";
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const value = envValue(variable, { evaluation, secrets: options.secrets ?? {}, container, podName, namespace });
    if (value !== undefined) env[variable.name] = localizeArgs([value], addresses)[0];
  }
  // The pod's /etc/hosts: this machine's, and each Service's name on 127.0.0.1.
  const hosts = path.join(dir, "hosts");
  const names = [...services].map(([service, local]) => {
    if (!local.startsWith("127.0.0.1:")) throw new Error(`Service ${service} must stand on 127.0.0.1, not ${local}`);
    return service.split(":")[0];
  });
  fs.writeFileSync(
    hosts,
    `${fs.readFileSync("/etc/hosts", "utf8").trimEnd()}\n${[...new Set(names)].map((n) => `127.0.0.1\t${n}`).join("\n")}\n`,
    { mode: 0o644 },
  );
  const port = (containerPort: number) => {
    const local = ports.get(containerPort);
    if (local === undefined) throw new Error(`container ${container.name} declares no port ${containerPort}`);
    return local;
  };
  const ready = () => probeOnce(container, container.readinessProbe, port);
  /** The command line and environment that start `command` as the container (see SANDBOX). */
  const sandboxed = (
    command: string,
    imageEnv: Readonly<Record<string, string>>,
    wrap?: (command: string, args: readonly string[]) => { command: string; args: string[] },
    commandArgs: readonly string[] = args,
  ) => {
    if (process.getuid?.() !== 0)
      throw new Error(
        "the real-engine suite runs each pod as its user with a read-only root (unshare, mount, setpriv), which needs root; CI runs as root",
      );
    const unshare = [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      SANDBOX,
      "sandbox",
      String(identity.uid),
      String(identity.gid),
      identity.groups.join(","),
      hosts,
      identity.readOnlyRootFilesystem ? "1" : "0",
      String(writable.length),
      ...writable,
      "--",
      command,
      ...commandArgs,
    ];
    const started = wrap ? wrap("unshare", unshare) : { command: "unshare", args: unshare };
    // The runtime's environment: the image's PATH, HOME=/ for a user the image does not name, the
    // pod's hostname; then the image's own variables, then the container's.
    return {
      ...started,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/", HOSTNAME: podName, ...imageEnv, ...env },
    };
  };
  return {
    dir,
    container,
    identity,
    addresses,
    args,
    env,
    port,
    file,
    updateVolume(volumeName, files) {
      const mount = (container.volumeMounts ?? []).find((m) => m.name === volumeName);
      if (!mount || mount.subPath)
        throw new Error(`volume ${volumeName} is not mounted as a directory, so the kubelet would not update it`);
      const volume = (spec.volumes ?? []).find((v) => v.name === volumeName);
      const defaultMode = volume?.configMap?.defaultMode ?? volume?.secret?.defaultMode ?? DEFAULT_MODE;
      project(
        mounts.get(mount.mountPath) ?? "",
        { files: { ...files }, modes: Object.fromEntries(Object.keys(files).map((f) => [f, defaultMode])) },
        identity.fsGroup,
      );
    },
    start(name, command, startOptions = {}) {
      const started = sandboxed(command, startOptions.env ?? {}, startOptions.wrap);
      return startEngine(name, started.command, started.args, { env: started.env, cwd: dir });
    },
    run(command, runOptions) {
      const started = sandboxed(command, runOptions.env ?? {}, undefined, runOptions.args);
      return runToEnd(started.command, started.args, { env: started.env, cwd: dir, timeoutMs: runOptions.timeoutMs });
    },
    ready,
    async waitReady(engine, timeoutMs) {
      const probe = container.readinessProbe;
      const what = probe?.httpGet
        ? `${container.name}'s readiness probe (GET ${probe.httpGet.path ?? "/"} on port ${probe.httpGet.port}) to pass`
        : `${container.name}'s readiness probe to pass`;
      await waitFor(what, async () => ((await ready()) ? true : undefined), {
        timeoutMs,
        engines: [engine],
        running: [engine],
      });
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The probe once, as the kubelet runs it (pkg/probe/http, pkg/probe/tcp): httpGet passes on a
 * status from 200 to 399 (HTTPS without verifying the certificate), tcpSocket when it connects.
 * A container without the probe is ready once started.
 */
async function probeOnce(
  container: Container,
  probe: Probe | undefined,
  port: (containerPort: number) => number,
): Promise<boolean> {
  if (!probe) return true;
  const portOf = (value: number | string | undefined): number => {
    const declared = typeof value === "string" ? container.ports?.find((p) => p.name === value)?.containerPort : value;
    if (declared === undefined) throw new Error(`probe port ${value}: the container declares no such port`);
    return port(declared);
  };
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const get = probe.httpGet;
    const client = get.scheme === "HTTPS" ? https : http;
    return new Promise((resolve) => {
      const request = client.get(
        {
          host: "127.0.0.1",
          port: portOf(get.port),
          path: get.path ?? "/",
          headers: Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value])),
          rejectUnauthorized: false,
          timeout: timeoutMs,
        },
        (response) => {
          response.resume();
          resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 400);
        },
      );
      request.on("timeout", () => request.destroy());
      request.on("error", () => resolve(false));
    });
  }
  if (probe.tcpSocket) {
    const target = portOf(probe.tcpSocket.port);
    return new Promise((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port: target, timeout: timeoutMs }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
      socket.on("timeout", () => {
        socket.destroy();
        resolve(false);
      });
    });
  }
  throw new Error(`container ${container.name}: only httpGet and tcpSocket probes run here`);
}
