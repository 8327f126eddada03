// Runs a rendered pod's container as a local process: the files its volumes mount (ConfigMaps and
// Secrets of the same render, or Secrets the cluster would hold, given by the caller), its
// arguments and environment, exactly as the pod would see them. The one rewrite, done by
// `localizeConfig` alone: in-pod paths become paths under a temp directory, listen addresses
// (0.0.0.0:<port>) become free loopback ports, and in-cluster Service URLs the addresses of the
// engines the test started in their place.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Container, Volume } from "kubernetes-types/core/v1";
import { parseDocument, visit } from "yaml";
import type { Evaluation } from "../../scripts/evaluate";
import { freePort } from "./engines";
import { objectNamed } from "./objects";

/** Where the pod's world is on this machine. */
export interface PodAddresses {
  /** In-pod mount path to local directory (longest prefix wins). */
  readonly mounts: ReadonlyMap<string, string>;
  /** Container port to the loopback port that stands for it. */
  readonly ports: ReadonlyMap<number, number>;
  /** An in-cluster Service's host:port (e.g. prometheus-operated.monitoring.svc:9090) to a local host:port. */
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
  return url ? `${url[1]}${local ?? hostPort}${url[3]}` : (local ?? hostPort);
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

export interface LocalPodOptions {
  readonly container?: string;
  /** Directories that persist across starts, by volume name (a claim's data directory). */
  readonly volumeDirs?: Readonly<Record<string, string>>;
  readonly secrets?: ClusterSecrets;
  readonly services?: ReadonlyMap<string, string>;
  /** Container ports to free loopback ports; picked here when not given. */
  readonly ports?: ReadonlyMap<number, number>;
}

export interface LocalPod {
  readonly dir: string;
  readonly container: Container;
  readonly addresses: PodAddresses;
  /** The container's args, paths inside mounts rewritten. */
  readonly args: string[];
  readonly env: Record<string, string>;
  /** The loopback port that stands for a container port. */
  port(containerPort: number): number;
  /** The local file for an in-pod path. */
  file(inPodPath: string): string;
  /** Updates a mounted ConfigMap volume's files the way the kubelet does (writeProjection). */
  updateVolume(volumeName: string, files: Readonly<Record<string, string | Buffer>>): void;
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

function volumeFiles(
  evaluation: Evaluation,
  volume: Volume,
  secrets: ClusterSecrets,
): Record<string, string | Buffer> | undefined {
  const pick = (data: Record<string, string | Buffer>, items: readonly { key: string; path: string }[] | undefined) =>
    items === undefined
      ? data
      : Object.fromEntries(
          items.map((item) => {
            if (data[item.key] === undefined) throw new Error(`volume ${volume.name}: no key ${item.key}`);
            return [item.path, data[item.key]];
          }),
        );
  if (volume.configMap) return pick(configMapData(evaluation, volume.configMap.name ?? ""), volume.configMap.items);
  if (volume.secret) return pick(secretData(evaluation, volume.secret.secretName ?? "", secrets), volume.secret.items);
  if (volume.persistentVolumeClaim || volume.emptyDir) return undefined;
  throw new Error(
    `volume ${volume.name}: only configMap, secret, persistentVolumeClaim and emptyDir volumes run locally`,
  );
}

/**
 * Lays out a Deployment's container as it runs in its pod: every mounted ConfigMap and Secret
 * written as files, claims and emptyDirs as directories, and the Jaeger config (the file after
 * `--config`) localized. Remove the directory with remove().
 */
export async function localPod(
  evaluation: Evaluation,
  deployment: string,
  options: LocalPodOptions = {},
): Promise<LocalPod> {
  const spec = objectNamed(evaluation, "Deployment", deployment).spec?.template.spec;
  if (!spec) throw new Error(`Deployment ${deployment} has no pod template`);
  const container = options.container ? spec.containers.find((c) => c.name === options.container) : spec.containers[0];
  if (!container) throw new Error(`Deployment ${deployment} has no container ${options.container}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pod-${deployment}-`));
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) throw new Error(`mount ${mount.mountPath}: no volume ${mount.name}`);
    const local = options.volumeDirs?.[volume.name] ?? path.join(dir, "volumes", volume.name);
    fs.mkdirSync(local, { recursive: true });
    const files = volumeFiles(evaluation, volume, options.secrets ?? {});
    if (files) writeProjection(local, files);
    mounts.set(mount.mountPath, mount.subPath ? path.join(local, mount.subPath) : local);
  }
  const ports = new Map(options.ports ?? []);
  for (const p of container.ports ?? []) if (!ports.has(p.containerPort)) ports.set(p.containerPort, await freePort());
  const addresses: PodAddresses = { mounts, ports, services: options.services ?? new Map() };
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
    fs.writeFileSync(target, localized);
    args[configAt + 1] = target;
  }
  const env = Object.fromEntries(
    (container.env ?? [])
      .filter((e) => e.value !== undefined)
      .map((e) => [e.name, localizeArgs([e.value ?? ""], addresses)[0]]),
  );
  return {
    dir,
    container,
    addresses,
    args,
    env,
    port(containerPort) {
      const local = ports.get(containerPort);
      if (local === undefined) throw new Error(`container ${container.name} declares no port ${containerPort}`);
      return local;
    },
    file,
    updateVolume(volumeName, files) {
      const mount = (container.volumeMounts ?? []).find((m) => m.name === volumeName);
      if (!mount || mount.subPath)
        throw new Error(`volume ${volumeName} is not mounted as a directory, so the kubelet would not update it`);
      writeProjection(mounts.get(mount.mountPath) ?? "", files);
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
