// Evaluates the real program (index.ts) for a stack without the Pulumi CLI or a
// cluster: Pulumi's own mocks stand in for the engine, and the config comes from
// the real Pulumi.yaml defaults plus Pulumi.<stack>.yaml, as the CLI would pass it.
// Used by the tests and by `npm run render`.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { PROJECT } from "../config/schema";
import { StackConfigError } from "../config/load";
import { stackFileProblems } from "../config/stackFile";
import { RULES_CONFIG_MAP } from "../components/monitoring";

export const ROOT = path.resolve(__dirname, "..");
export const PROGRAM = path.join(ROOT, "index.ts");

export type RawConfig = Record<string, string>;

/** An alias as the SDK sends it to the engine: an old URN, or a spec the engine completes. */
export type AliasRequest =
  | { readonly urn: string }
  | {
      readonly spec: {
        readonly name?: string;
        readonly type?: string;
        readonly stack?: string;
        readonly project?: string;
        /** The alias's parent: a URN, "none" (no parent), or absent (the resource's own parent). */
        readonly parent?: string | "none";
      };
    };

/** What the engine receives for one registration: the URN it makes, the parent, the aliases. */
export interface Registration {
  readonly urn: string;
  readonly parentUrn?: string;
  readonly aliases: readonly AliasRequest[];
}

export interface CapturedResource extends Registration {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** Input paths the engine would treat as secret (e.g. "stringData"). */
  readonly secretPaths: readonly string[];
  /** `<provider urn>::<id>` of the provider the engine would use, if any. */
  readonly provider?: string;
  readonly options: {
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly ignoreChanges?: readonly string[];
    /** `<type>::<name>` of each explicit dependency. */
    readonly dependsOn: readonly string[];
  };
}

export interface Evaluation {
  readonly stack: string;
  readonly config: RawConfig;
  readonly resources: readonly CapturedResource[];
  /** Stack outputs as plain values. */
  readonly outputs: Record<string, unknown>;
  /** The program's exports as it made them (Outputs keep their secretness). */
  readonly exports: Record<string, unknown>;
  /** What the program reported with pulumi.log.warn (preview shows these as warnings). */
  readonly warnings: readonly string[];
  /** Changes the deployed state keeps (the resource's ignoreChanges): the value stays as deployed. */
  readonly ignoredChanges: readonly IgnoredChange[];
}

/** A deployed resource's inputs, by `<type>::<name>`: what `pulumi up` starts from. */
export type DeployedInputs = ReadonlyMap<string, Record<string, unknown>>;

export interface IgnoredChange {
  readonly type: string;
  readonly name: string;
  readonly path: string;
  /** What stays (the deployed value). */
  readonly deployed: unknown;
  /** What the program asks for, which ignoreChanges sets aside. */
  readonly wanted: unknown;
}

const pathValue_ = (root: unknown, keys: readonly (string | number)[]): unknown =>
  keys.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    root,
  );

/**
 * The keys of an ignoreChanges path as the engine reads it (pulumi sdk/go/common/resource/properties_path.go at v3.248.0, ParsePropertyPath):
 * names joined by dots, list items as [n], and names with dots in them as ["a.b"]
 * (`spec.nodeSets[0].volumeClaimTemplates[0].spec`, `metadata.annotations["pulumi.com/skipAwait"]`).
 */
export function ignorePathKeys(ignored: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const match of ignored.matchAll(pattern)) {
    if (match[1] !== undefined) keys.push(match[1]);
    else if (match[2] !== undefined) keys.push(Number(match[2]));
    else keys.push(match[3].replace(/\\(.)/g, "$1"));
  }
  return keys;
}

/**
 * The inputs the engine sends for a resource with ignoreChanges: at each ignored path, the deployed
 * value replaces the program's (Pulumi's documented behaviour), and the difference is reported.
 */
export function keepIgnored(
  inputs: Record<string, unknown>,
  deployed: Record<string, unknown> | undefined,
  ignoreChanges: readonly string[] | undefined,
): { inputs: Record<string, unknown>; kept: { path: string; deployed: unknown; wanted: unknown }[] } {
  if (!deployed || !ignoreChanges?.length) return { inputs, kept: [] };
  const result = structuredClone(inputs);
  const kept: { path: string; deployed: unknown; wanted: unknown }[] = [];
  for (const ignored of ignoreChanges) {
    const keys = ignorePathKeys(ignored);
    const old = pathValue_(deployed, keys);
    const wanted = pathValue_(inputs, keys);
    if (old === undefined || JSON.stringify(old) === JSON.stringify(wanted)) continue;
    let node = result as Record<string | number, unknown>;
    keys.slice(0, -1).forEach((key, i) => {
      if (node[key] === null || typeof node[key] !== "object") node[key] = typeof keys[i + 1] === "number" ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
    node[keys[keys.length - 1]] = structuredClone(old);
    kept.push({ path: ignored, deployed: old, wanted });
  }
  return { inputs: result, kept };
}

type Yaml = Record<string, unknown>;

/** A YAML file as the Pulumi CLI (Go's yaml.v3) reads it: merge keys (`<<: *base`) apply. */
function readYaml(file: string): Yaml {
  return (parse(fs.readFileSync(file, "utf8"), { merge: true }) ?? {}) as Yaml;
}

/** `{secure: <ciphertext>}`: a value the CLI decrypts, at the top of a key or anywhere inside it. */
const isSecure = (value: unknown): boolean =>
  value !== null &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  typeof (value as { secure?: unknown }).secure === "string";

/** Whether a config value holds a secure value anywhere (the CLI then passes the whole key as a secret). */
function holdsSecure(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecure);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecure);
  return false;
}

/** Every secure value replaced by the placeholder, as the program would see it decrypted. */
function withPlaceholders(value: unknown): unknown {
  if (isSecure(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(withPlaceholders);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v)]));
  return value;
}

/** What render and the tests put where the stack file has a secure value. */
const SECRET_PLACEHOLDER = "test-secret-value";

/** How the CLI hands a config value to the program: strings as-is, everything else as JSON. */
function asEngineValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The config the CLI would pass for `pulumi up -s <stack>`: project defaults from
 * Pulumi.yaml overlaid by the stack file. Secure values become a placeholder.
 */
export function stackConfig(stack: string, root: string = ROOT): RawConfig {
  const project = readYaml(path.join(root, "Pulumi.yaml"));
  const raw: RawConfig = {};
  const declared = (project.config ?? {}) as Record<string, { default?: unknown }>;
  for (const [key, decl] of Object.entries(declared)) {
    if (decl.default !== undefined) raw[`${PROJECT}:${key}`] = asEngineValue(decl.default);
  }
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.relative(root, stackFile)}`);
  const fileProblems = stackFileProblems(fs.readFileSync(stackFile, "utf8"), PROJECT, path.basename(stackFile));
  if (fileProblems.length > 0) throw new StackConfigError(fileProblems);
  const values = (readYaml(stackFile).config ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    raw[key.includes(":") ? key : `${PROJECT}:${key}`] = asEngineValue(withPlaceholders(value));
  }
  return raw;
}

/** Config keys the stack file holds as `secure:` values (the CLI passes them as secrets). */
export function stackSecretKeys(stack: string, root: string = ROOT): string[] {
  const values = (readYaml(path.join(root, `Pulumi.${stack}.yaml`)).config ?? {}) as Record<string, unknown>;
  return Object.entries(values)
    .filter(([, value]) => holdsSecure(value))
    .map(([key]) => (key.includes(":") ? key : `${PROJECT}:${key}`));
}

/** Text the CLI stores for `pulumi config set --path`: only true/false and integers are typed. */
function pathValue(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

function pathSegments(keyPath: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of keyPath.split(".")) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`unsupported config path ${keyPath}`);
    segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/**
 * Applies `pulumi config set [--path] <key> <value>` to a raw config, returning a copy.
 * Without --path the value is stored as text, exactly as the CLI does.
 */
export function configSet(raw: RawConfig, key: string, value: string, options: { path?: boolean } = {}): RawConfig {
  const next = { ...raw };
  if (!options.path) {
    next[`${PROJECT}:${key}`] = value;
    return next;
  }
  const [top, ...rest] = pathSegments(key);
  const fullKey = `${PROJECT}:${String(top)}`;
  if (rest.length === 0) {
    next[fullKey] = asEngineValue(pathValue(value));
    return next;
  }
  const root: unknown = next[fullKey] !== undefined ? JSON.parse(next[fullKey]) : {};
  let node = root as Record<string | number, unknown>;
  rest.forEach((segment, i) => {
    if (i === rest.length - 1) {
      node[segment] = pathValue(value);
      return;
    }
    if (node[segment] === undefined || node[segment] === null)
      node[segment] = typeof rest[i + 1] === "number" ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
  next[fullKey] = JSON.stringify(root);
  return next;
}

/** The program threw; `registered` lists what it had registered by then. */
export class EvaluationFailed extends Error {
  constructor(
    readonly cause: Error,
    readonly registered: readonly string[],
  ) {
    super(cause.message);
    this.name = "EvaluationFailed";
  }
}

// Pulumi's wire marker for a secret value: { [SIG]: SECRET_SIG, value }.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secret markers by their values, collecting where they were. */
function unwrapSecrets(value: unknown, at: string, found: string[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${at}[${i}]`, found));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SIG] === SECRET_SIG) {
    found.push(at);
    return unwrapSecrets(record.value, at, found);
  }
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, found)]),
  );
}

function dependencies(input: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Resource[] {
  if (input === undefined) return [];
  // Outputs of resources are not used for dependsOn in this program; plain resources are.
  const list = Array.isArray(input) ? input : [input];
  return list.filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d));
}

const ACCOUNT = "123456789012";

/** Outputs a real provider computes that the program reads back (ARNs, generated values). */
export function computedOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: `mock-${name}` };
    case "random:index/randomId:RandomId":
      return { hex: "0a1b2c3d" };
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${String(inputs.bucket)}` };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${name}`, keyId: `${name}-id` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${name}` };
    default:
      return {};
  }
}

interface TransformationArgs {
  type: string;
  name: string;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

/** The AWS identity evaluations run as: an assumed role's session, as CI deploys with. */
export const MOCK_AWS_IDENTITY = {
  caller: {
    accountId: "123456789012",
    arn: "arn:aws:sts::123456789012:assumed-role/platform-deployer/pulumi-up",
    userId: "AROAEXAMPLE:pulumi-up",
  },
  deployerRoleArn: "arn:aws:iam::123456789012:role/platform-deployer",
} as const;

/**
 * Runs index.ts (or another program, such as an example) for a stack under Pulumi's mocks and
 * returns every registered resource with its inputs and the resource options that guard data.
 */
export async function evaluateStack(
  stack: string,
  config: RawConfig = stackConfig(stack),
  secretKeys: readonly string[] = stackSecretKeys(stack),
  program: string = PROGRAM,
  deployed?: DeployedInputs,
): Promise<Evaluation> {
  const registered: Omit<CapturedResource, "options" | keyof Registration>[] = [];
  const ignoredChanges: IgnoredChange[] = [];
  const registrations: Registration[] = [];
  const options = new Map<string, Omit<CapturedResource["options"], "dependsOn"> & { dependsOn: pulumi.Resource[] }>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretPaths: string[] = [];
        const key = `${args.type}::${args.name}`;
        const { inputs, kept } = keepIgnored(
          args.inputs as Record<string, unknown>,
          deployed?.get(key),
          options.get(key)?.ignoreChanges,
        );
        ignoredChanges.push(...kept.map((k) => ({ type: args.type, name: args.name, ...k })));
        registered.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: unwrapSecrets(inputs, "", secretPaths) as Record<string, unknown>,
          secretPaths,
          provider: args.provider,
        });
        const computed = computedOutputs(args.type, args.name, inputs);
        // An S3 bucket's id is its name, as with the real provider.
        const id = args.type === "aws:s3/bucket:Bucket" ? String(inputs.bucket) : `${args.name}-id`;
        return { id, state: { ...inputs, ...computed } };
      },
      call(args) {
        // Who runs `pulumi up`, as AWS would answer (the backup bucket's administrators include it).
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return MOCK_AWS_IDENTITY.caller;
        if (args.token === "aws:iam/getSessionContext:getSessionContext") {
          return { arn: args.inputs.arn, issuerArn: MOCK_AWS_IDENTITY.deployerRoleArn };
        }
        throw new Error(`unexpected provider function call ${args.token}`);
      },
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  recordRegistrations(registrations);

  let outputs: Record<string, unknown> | undefined;
  // Not named `exports`: the module transform rewrites this module's own exports to `exports.<name>`.
  let programExports: Record<string, unknown> = {};
  // Warnings are collected, not printed: tests assert on them, and render prints them.
  const warnings: string[] = [];
  const warn = pulumi.log.warn;
  pulumi.log.warn = (message: string) => {
    warnings.push(message);
    return Promise.resolve();
  };
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args: TransformationArgs) => {
        options.set(`${args.type}::${args.name}`, {
          protect: args.opts.protect,
          retainOnDelete: args.opts.retainOnDelete,
          ignoreChanges: args.opts.ignoreChanges,
          dependsOn: dependencies(args.opts.dependsOn),
        });
        return undefined;
      });
      delete require.cache[require.resolve(program)];
      programExports = { ...(require(program) as Record<string, unknown>) };
      return programExports;
    });
  } catch (error) {
    pulumi.log.warn = warn;
    await pulumi.runtime.disconnect();
    const program = registered.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => `${r.type}::${r.name}`);
    throw new EvaluationFailed(error as Error, program);
  }
  pulumi.log.warn = warn;
  await pulumi.runtime.disconnect();

  const urnName = async (resource: pulumi.Resource) => {
    const urn = await new Promise<string>((resolve) => resource.urn.apply(resolve));
    const [, , typePath, name] = urn.split("::");
    return `${typePath.split("$").pop()}::${name}`;
  };
  const resources: CapturedResource[] = [];
  // The mock monitor answers registrations in the order it receives them, as `registered` is filled.
  if (registrations.length !== registered.length) throw new Error("registrations and mock calls differ in number");
  const complete = registered.map((r, i) => ({ ...r, ...registrations[i] }));
  for (const r of complete.filter((r) => r.type !== "pulumi:pulumi:Stack")) {
    const opts = options.get(`${r.type}::${r.name}`);
    const dependsOn = await Promise.all((opts?.dependsOn ?? []).map(urnName));
    resources.push({ ...r, options: { ...opts, dependsOn } });
  }
  return { stack, config, resources, outputs: outputs ?? {}, exports: programExports, warnings, ignoredChanges };
}

interface AliasSpecMessage {
  getName(): string;
  getType(): string;
  getStack(): string;
  getProject(): string;
  getParenturn(): string;
  getNoparent(): boolean;
}
interface AliasMessage {
  getUrn(): string;
  getSpec(): AliasSpecMessage | undefined;
}
interface RegisterRequest {
  getParent(): string;
  getAliasesList(): AliasMessage[];
}
type Callback = (error: Error | null, response?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(request: RegisterRequest, callback: Callback): void;
}

function aliasRequest(alias: AliasMessage): AliasRequest {
  const spec = alias.getSpec();
  if (!spec) return { urn: alias.getUrn() };
  const text = (value: string) => (value === "" ? undefined : value);
  const parent = spec.getNoparent() ? "none" : text(spec.getParenturn());
  return {
    spec: {
      name: text(spec.getName()),
      type: text(spec.getType()),
      stack: text(spec.getStack()),
      project: text(spec.getProject()),
      ...(parent === undefined ? {} : { parent }),
    },
  };
}

/**
 * Records what each registration sends the engine beyond its inputs (parent, aliases) and the
 * URN it gets back, by wrapping the mock monitor that setMocks installed.
 */
function recordRegistrations(into: Registration[]): void {
  const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): Monitor | undefined };
  const monitor = settings.getMonitor();
  if (!monitor) throw new Error("no mock monitor");
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const entry: { urn: string; parentUrn?: string; aliases: AliasRequest[] } = {
      urn: "",
      parentUrn: request.getParent() || undefined,
      aliases: request.getAliasesList().map(aliasRequest),
    };
    into.push(entry);
    register(request, (error, response) => {
      if (response) entry.urn = response.getUrn();
      callback(error, response);
    });
  };
}

/**
 * The Prometheus rule file the stack deploys: the PrometheusRule's groups, or the rule-file
 * ConfigMap's content when only annotation scraping is on.
 */
export function deployedRuleFile(evaluation: Evaluation): { groups: unknown[] } | undefined {
  const objects = evaluation.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
  const named = (kind: string, name: string) =>
    objects.find((r) => r.inputs.kind === kind && (r.inputs.metadata as { name?: string } | undefined)?.name === name);
  const rule = named("PrometheusRule", "jaeger");
  if (rule) return { groups: (rule.inputs.spec as { groups: unknown[] }).groups };
  const configMap = named("ConfigMap", RULES_CONFIG_MAP.name);
  const text = (configMap?.inputs.data as Record<string, string> | undefined)?.[RULES_CONFIG_MAP.key];
  return text === undefined ? undefined : (parse(text) as { groups: unknown[] });
}
