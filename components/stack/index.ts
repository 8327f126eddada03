// The whole Jaeger SPM stack as one component: every component of the stack is created under it,
// from planStack's decisions (./plan.ts); what is left here is handing one component's outputs
// to the next. index.ts creates it for the project's own stacks; other programs create it with
// their own config, namespace and Prometheus (examples/).
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config/load";
import type { SecretKey } from "../../config/shapes";
import { quantityBytes } from "../../config/units";
import { TYPES_UNTIL_0_1 } from "../aliases";
import { type BackupBucket, ElasticsearchSnapshots, VeleroBackups, backupAlerts, buildVeleroValues } from "../backup";
import { GrafanaDashboards, loadDashboard } from "../grafana";
import { Jaeger, type JaegerStorageArgs, NAMES, PORTS, type Role, jaegerAlerts } from "../jaeger";
import { BundledMonitoring, JaegerMonitoring, buildRuleFile, scrapeAnnotations, usesAnnotations } from "../monitoring";
import { tracingNamespace } from "../namespace";
import { SearchBackend, jaegerSearchStorage } from "../search";
import { AccessControl, NetworkPolicies, OidcSignIn } from "../security";
import { BackupBucketPlan, INSTANCE, SearchPlan, StackPlan, planStack } from "./plan";

export { planStack } from "./plan";
export type { StackPlan } from "./plan";

/** The validated stack config, and the name of the stack (it goes into backup paths and tags). */
export interface JaegerSpmStackArgs {
  /** The validated config: `loadStackConfig()` for the stack's own config, or `stackConfigFrom(...)`. */
  readonly config: StackConfig;
  /** The stack's name in backup prefixes and tags (default: the Pulumi stack's name). */
  readonly stack?: string;
  /**
   * Secrets as Pulumi inputs (e.g. `config.requireSecret(...)`), used instead of the config's own
   * values; the config then needs only a placeholder for each, so that its checks see it set.
   */
  readonly secrets?: Partial<Record<SecretKey, pulumi.Input<string>>>;
}

/**
 * What the stack exports: where to send spans, where the UI is, where rules, dashboards and backups
 * are. Every field is a pulumi.Output, whether its value is known at plan time or only after `up`,
 * so that a program combines them one way (apply, interpolate) and a field may become computed
 * later without a breaking change. An absent value is null (Pulumi warns about undefined outputs).
 */
export interface JaegerSpmOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly storageBackend: pulumi.Output<"badger" | "elasticsearch">;
  readonly jaegerRoles: pulumi.Output<Role[]>;
  readonly uiUrl: pulumi.Output<string>;
  readonly uiPortForward: pulumi.Output<string>;
  readonly otlpGrpcEndpoint: pulumi.Output<string>;
  readonly otlpHttpEndpoint: pulumi.Output<string>;
  /** null when TLS is on without the legacy receivers. */
  readonly jaegerGrpcEndpoint: pulumi.Output<string | null>;
  readonly jaegerThriftHttpEndpoint: pulumi.Output<string | null>;
  readonly zipkinEndpoint: pulumi.Output<string | null>;
  readonly samplingEndpoint: pulumi.Output<string>;
  readonly searchServerUrls: pulumi.Output<string[]>;
  readonly prometheusUrl: pulumi.Output<string>;
  /** Where the rules are and the groups with their rule counts (the file: `npm run render`). */
  readonly prometheusRules: pulumi.Output<{ objects: string[]; groups: { name: string; rules: number }[] }>;
  /** A secret; null when monitoring is not bundled. */
  readonly grafanaAdminPassword: pulumi.Output<string | null>;
  readonly grafanaPortForward: pulumi.Output<string | null>;
  readonly grafanaDashboardUids: pulumi.Output<string[]>;
  readonly backupBucket: pulumi.Output<string | null>;
  readonly backupLocation: pulumi.Output<string | null>;
}

// Loaded only when needed: @pulumi/aws and its provider modules add several hundred
// milliseconds to every preview of a stack that has no backups.
const loadBackupBucket = () => (require("../backup/bucket") as typeof import("../backup/bucket")).BackupBucket;

/** The bucket component's args in the plan (the stack prefix is what the outputs point at). */
const bucketArgs = ({ stackPrefix: _, ...args }: BackupBucketPlan) => args;

/**
 * A whole Jaeger SPM stack from its validated config: Jaeger, its trace storage, monitoring,
 * dashboards, access control and backups, each a component under this one.
 */
export class JaegerSpmStack extends pulumi.ComponentResource {
  /** Every decision the stack was built from. */
  public readonly plan: StackPlan;
  /** The Jaeger component (its Services, ports and pod labels, for the caller's own resources). */
  public readonly jaeger: Jaeger;
  /** What the project's stacks export (index.ts). */
  public readonly outputs: JaegerSpmOutputs;

  constructor(name: string, args: JaegerSpmStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:index:JaegerSpmStack", name, {}, opts);
    const config = args.config;
    const secret = (key: SecretKey) => pulumi.secret(args.secrets?.[key] ?? config[key]);
    const plan = planStack(config, args.stack ?? pulumi.getStack());
    this.plan = plan;
    // Until 0.1 the components hung off the stack itself, and two had other names or types: these
    // aliases keep every resource of a stack deployed then (tests/upgrade.test.ts), and do nothing
    // for a new stack.
    const childOptions = (former: Pick<pulumi.Alias, "name" | "type"> = {}): pulumi.ComponentResourceOptions => ({
      parent: this,
      aliases: [{ parent: pulumi.rootStackResource, ...former }],
    });
    const child = childOptions();
    const monitoring = plan.monitoring;

    const bundled = plan.bundledMonitoring && new BundledMonitoring("monitoring", plan.bundledMonitoring, child);
    const namespace = tracingNamespace(plan.namespace, child);

    // Backups to S3 (AWS): the bucket and one IRSA identity per writer, created before the
    // storage so the in-cluster Elasticsearch can run under its snapshot identity.
    const backupPlan = plan.backup;
    const backup: BackupBucket | undefined =
      backupPlan.kind === "none"
        ? undefined
        : new (loadBackupBucket())(
            "backup",
            { ...bucketArgs(backupPlan.bucket), namespace, protectData: plan.protectData },
            childOptions({ type: TYPES_UNTIL_0_1.backupBucket }),
          );

    // The trace storage with the component that serves it, so that the two cannot disagree.
    const searchBackend = ({ jaegerOptions: _, ...searchPlan }: SearchPlan) =>
      new SearchBackend(
        "search",
        {
          ...searchPlan,
          namespace,
          namespaceName: plan.namespace.name,
          connection:
            searchPlan.connection.mode === "external"
              ? {
                  ...searchPlan.connection,
                  password: secret("elasticsearchPassword"),
                  apiKey: secret("elasticsearchApiKey"),
                }
              : searchPlan.connection,
          protectData: plan.protectData,
          deleteDataOnDestroy: plan.deleteDataOnDestroy,
          s3Identity:
            backup && backupPlan.kind === "snapshots"
              ? {
                  serviceAccountName: backupPlan.serviceAccountName,
                  roleArn: backup.roleArns.elasticsearch,
                  region: backupPlan.bucket.region,
                }
              : undefined,
        },
        // Named "storage" until 0.1 ("storage" now means trace storage in general).
        childOptions({ name: "storage", type: TYPES_UNTIL_0_1.searchBackend }),
      );
    const traceStorage =
      plan.storage.kind === "badger"
        ? plan.storage
        : {
            kind: "search" as const,
            backend: searchBackend(plan.storage.search),
            jaegerOptions: plan.storage.search.jaegerOptions,
          };
    const search = traceStorage.kind === "search" ? traceStorage.backend : undefined;

    // Badger volume backups by Velero, before Jaeger: a restore (backup.restore) creates the claim
    // that Jaeger then opens.
    const restore = backupPlan.kind === "velero" ? backupPlan.restore : undefined;
    const velero =
      backup && backupPlan.kind === "velero"
        ? new VeleroBackups(
            "badger-backups",
            {
              install: backupPlan.install,
              namespace: backupPlan.namespace,
              chartVersion: backupPlan.chartVersion,
              chartRepository: backupPlan.chartRepository,
              values: backup.roleArns.velero.apply((roleArn) =>
                buildVeleroValues({
                  image: backupPlan.image,
                  awsPluginImage: backupPlan.awsPluginImage,
                  roleArn,
                  mode: backupPlan.mode,
                  serviceMonitorLabels: backupPlan.serviceMonitorLabels,
                }),
              ),
              location: pulumi.all([backup.bucketName, backup.kmsKeyArn]).apply(([bucket, kmsKeyArn]) => ({
                bucket,
                kmsKeyArn,
                region: backupPlan.bucket.region,
                prefix: backupPlan.prefix,
              })),
              schedule: { ...backupPlan.schedule, jaegerNamespace: plan.namespace.name, mode: backupPlan.mode },
              restore: restore && {
                // Through the namespace's name, so the restore waits for the namespace it fills.
                spec: pulumi.output(namespace).apply((targetNamespace) => ({
                  backupName: restore.backupName,
                  sourceNamespace: restore.sourceNamespace ?? targetNamespace,
                  targetNamespace,
                  selector: backupPlan.schedule.selector,
                })),
                source: restore.source,
                timeoutSeconds: restore.timeoutSeconds,
              },
              labels: backupPlan.labels,
            },
            { ...child, dependsOn: [backup] },
          )
        : undefined;

    const storage: JaegerStorageArgs =
      traceStorage.kind === "search"
        ? {
            kind: "search",
            roles: {
              collector: jaegerSearchStorage(traceStorage.backend.connection, "collector", traceStorage.jaegerOptions),
              query: jaegerSearchStorage(traceStorage.backend.connection, "query", traceStorage.jaegerOptions),
            },
          }
        : { ...traceStorage, restoredBy: velero?.restore };

    const access = new AccessControl(
      "access",
      {
        namespace,
        namespaceName: plan.namespace.name,
        collectorService: NAMES.collectorService,
        queryService: NAMES.queryService,
        tls: plan.tls,
        uiHtpasswd: config.security.uiBasicAuth ? secret("uiHtpasswd") : undefined,
        labels: plan.maintenanceLabels.security,
      },
      child,
    );

    const jaeger = new Jaeger(
      "jaeger",
      {
        namespace,
        instance: INSTANCE,
        image: config.jaeger.image,
        resources: config.jaeger.resources,
        terminationGracePeriodSeconds: config.jaeger.terminationGracePeriodSeconds,
        storage,
        sampling: config.sampling,
        spm: config.spm,
        query: config.jaeger.query,
        collector: config.jaeger.collector,
        exporterQueue: config.jaeger.exporterQueue.enabled ? config.jaeger.exporterQueue : undefined,
        serviceAnnotations: usesAnnotations(monitoring.scrape)
          ? { metrics: scrapeAnnotations(PORTS.metrics), spanMetrics: scrapeAnnotations(PORTS.spanMetrics) }
          : undefined,
        tls: access.tlsSecretName
          ? {
              secretName: access.tlsSecretName,
              clientCaSecret: config.security.tls.mtls ? config.security.tls.clientCaSecret : undefined,
              legacyReceivers: config.security.tls.legacyReceivers,
            }
          : undefined,
        uiAuth: access.uiAuth,
        bearerTokenPropagation: config.security.bearerTokenPropagation,
        protectData: plan.protectData,
        deleteDataOnDestroy: plan.deleteDataOnDestroy,
        dependsOn: [...(search?.ready ?? []), ...access.ready],
      },
      child,
    );
    this.jaeger = jaeger;

    // OIDC sign-in: oauth2-proxy in front of the query Service, which then answers only to it.
    const signInPlan = plan.signIn;
    if (signInPlan) {
      new OidcSignIn(
        "sign-in",
        {
          image: signInPlan.image,
          oidc: signInPlan.oidc,
          clientSecretName: signInPlan.clientSecretName,
          passAuthorization: signInPlan.passAuthorization,
          replicas: signInPlan.replicas,
          labels: signInPlan.labels,
          selector: signInPlan.selector,
          namespace,
          upstream: `${access.tlsSecretName ? "https" : "http"}://${NAMES.queryService}.${plan.namespace.name}.svc:${PORTS.queryHttp.port}`,
          upstreamCaSecret: access.tlsSecretName,
        },
        { ...child, dependsOn: [jaeger] },
      );
    }

    if (backup && search && backupPlan.kind === "snapshots") {
      new ElasticsearchSnapshots(
        "es-snapshots",
        {
          image: backupPlan.image,
          basePath: backupPlan.basePath,
          schedule: backupPlan.schedule,
          retentionDays: backupPlan.retentionDays,
          labels: backupPlan.labels,
          namespace,
          connection: search.connection,
          bucket: backup.bucketName,
          exporter: {
            image: backupPlan.exporter.image,
            labels: backupPlan.exporter.labels,
            scrape: monitoring.scrape,
            selectorLabels: monitoring.selectorLabels,
            scrapeInterval: monitoring.scrapeInterval,
          },
          dependsOn: search.ready,
        },
        { ...child, dependsOn: [backup] },
      );
    }

    const policies = plan.networkPolicies;
    if (policies) {
      new NetworkPolicies(
        "network-policies",
        {
          ...policies,
          namespace,
          ingestPods: jaeger.ingestPods,
          queryPods: jaeger.queryPods,
          allJaegerPods: jaeger.serviceSelector,
          ingestPorts: jaeger.ingestPorts,
          queryPorts: jaeger.queryPorts,
          metricsPorts: jaeger.metricsPorts,
        },
        child,
      );
    }

    // Each owner's alerts, next to the SPM recording rules. Badger's disk alert is relative to the
    // claim as it exists: a derived size that later goes down is ignored on the claim, so the
    // threshold follows the applied size, not today's derivation.
    const ruleFile = (badgerVolumeBytes: number) =>
      buildRuleFile([
        jaegerAlerts({
          namespace: plan.namespace.name,
          telemetry: jaeger.telemetryServices.map((t) => ({
            service: t.service,
            memoryLimitBytes: quantityBytes(t.memoryLimit),
          })),
          spanMetricsService: NAMES.spanMetricsService,
          storage:
            plan.storage.kind === "badger" ? { kind: "badger", volumeBytes: badgerVolumeBytes } : { kind: "search" },
          exporterQueue: config.jaeger.exporterQueue.enabled,
          thresholds: monitoring.thresholds,
          runbookBaseUrl: monitoring.runbookBaseUrl,
        }),
        ...(monitoring.backupAlerts ? [backupAlerts(monitoring.backupAlerts)] : []),
      ]);
    const plannedBytes = plan.storage.kind === "badger" ? plan.storage.volumeBytes : 0;
    const rules = jaeger.badgerVolumeSize
      ? jaeger.badgerVolumeSize.apply((size) => ruleFile(quantityBytes(size)))
      : pulumi.output(ruleFile(plannedBytes));

    const jaegerMonitoring = new JaegerMonitoring(
      "jaeger-monitoring",
      {
        namespace,
        namespaceName: plan.namespace.name,
        scrape: monitoring.scrape,
        selectorLabels: monitoring.selectorLabels,
        serviceSelector: jaeger.serviceSelector,
        metricsPorts: [PORTS.metrics, PORTS.spanMetrics],
        scrapeInterval: monitoring.scrapeInterval,
        rules,
        dependsOn: bundled ? [bundled.release] : undefined,
      },
      child,
    );

    const dashboardsPlan = plan.dashboards;
    const dashboards =
      dashboardsPlan.mode === "none"
        ? undefined
        : new GrafanaDashboards(
            "grafana-dashboards",
            {
              dashboards: dashboardsPlan.files.map(loadDashboard),
              folder: dashboardsPlan.folder,
              import:
                dashboardsPlan.mode === "sidecar"
                  ? { mode: "sidecar", namespace: dashboardsPlan.namespace ?? namespace }
                  : { mode: "api", url: dashboardsPlan.url, token: secret("grafanaApiToken") },
            },
            child,
          );

    const endpoints = jaeger.endpoints;
    const { output } = pulumi;
    this.outputs = {
      namespace: jaeger.namespace,
      storageBackend: output(config.storage.backend),
      jaegerRoles: output([...jaeger.roles]),
      uiUrl: output(signInPlan ? signInPlan.uiUrl : endpoints.uiUrl),
      uiPortForward: output(signInPlan ? signInPlan.portForward : endpoints.uiPortForward),
      otlpGrpcEndpoint: endpoints.otlpGrpc,
      otlpHttpEndpoint: endpoints.otlpHttp,
      jaegerGrpcEndpoint: endpoints.jaegerGrpc,
      jaegerThriftHttpEndpoint: endpoints.jaegerThriftHttp,
      zipkinEndpoint: endpoints.zipkin,
      samplingEndpoint: endpoints.samplingHttp,
      searchServerUrls: output([...(search?.connection.serverUrls ?? [])]),
      prometheusUrl: output(config.spm.prometheusUrl),
      prometheusRules: output({
        objects: [...jaegerMonitoring.ruleObjects],
        // Group names and rule counts do not depend on sizes: read from the planned file.
        groups: ruleFile(plannedBytes).groups.map((g) => ({ name: g.name, rules: g.rules.length })),
      }),
      grafanaAdminPassword: bundled?.grafanaAdminPassword ?? output(null),
      grafanaPortForward: output(bundled?.grafanaPortForward ?? null),
      grafanaDashboardUids: output([...(dashboards?.uids ?? [])]),
      backupBucket: backup?.bucketName ?? output(null),
      backupLocation: backup
        ? pulumi.interpolate`s3://${backup.bucketName}/${backupPlan.kind === "none" ? "" : backupPlan.bucket.stackPrefix}`
        : output(null),
    };
    this.registerOutputs({ ...this.outputs });
  }
}
