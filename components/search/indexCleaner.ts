// Retention for Elasticsearch/OpenSearch: Jaeger writes daily indices and
// jaegertracing/jaeger-es-index-cleaner deletes those older than N days
// (usage: jaeger-es-index-cleaner NUM_OF_DAYS http://HOST:PORT;
// https://github.com/jaegertracing/jaeger/tree/v2.20.0/cmd/es-index-cleaner).
import type * as k8s from "@pulumi/kubernetes";
import { secretFilePath } from "../jaeger/workload";
import { restrictedContainerSecurityContext, maintenancePodSettings } from "../podSecurity";
import { SearchConnection, connectionFiles } from "./connection";

type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;

/** Whole days of a retention given in seconds (the config schema rejects other values). */
export function retentionDays(retentionSeconds: number): number {
  return Math.round(retentionSeconds / 86400);
}

/** The default Jaeger release (config/schema.ts), for images whose tag names no release. */
const DEFAULT_RELEASE = "2.20.0";

/**
 * A Jaeger utility image (jaeger-es-index-cleaner, jaeger-es-rollover) of the release a Jaeger
 * image names: jaegertracing/<utility> with the same tag (the utility images are versioned with
 * Jaeger v2 since 2.14). Images pinned by digest or mirrored under another name fall back to the
 * default release; the stack's `image` settings of those jobs pin them explicitly.
 */
export function jaegerUtilityImage(utility: string, jaegerImage: string): string {
  const tag = /:(v?\d+\.\d+\.\d+)(@|$)/.exec(jaegerImage.slice(jaegerImage.lastIndexOf("/") + 1))?.[1];
  return `jaegertracing/${utility}:${tag ?? DEFAULT_RELEASE}`;
}

/** The cleaner image that matches a Jaeger image (storage.elasticsearch.indexCleaner.image pins it otherwise). */
export const indexCleanerImage = (jaegerImage: string) => jaegerUtilityImage("jaeger-es-index-cleaner", jaegerImage);

export interface IndexCleanerInput {
  readonly image: string;
  readonly schedule: string;
  readonly days: number;
  readonly connection: SearchConnection;
  readonly podLabels: Readonly<Record<string, string>>;
}

export function buildIndexCleanerSpec(input: IndexCleanerInput): CronJobSpec {
  const c = input.connection;
  const files = connectionFiles(c, "indexCleaner");
  const credentials = c.credentials.indexCleaner;
  const mounted = [files.password, files.apiKey, files.ca].filter((f) => f !== undefined);
  const url = c.serverUrls[0];
  const args = [String(input.days), url];
  if (files.apiKey) args.push(`--es.api-key-file=${secretFilePath(files.apiKey)}`);
  // TLS (with certificate verification) whenever the URL is https, against the given CA or
  // the image's system roots; without --es.tls.enabled the cleaner's client runs "insecure".
  if (url.startsWith("https://") || files.ca) args.push("--es.tls.enabled=true");
  if (files.ca) args.push(`--es.tls.ca=${secretFilePath(files.ca)}`);
  const env: k8s.types.input.core.v1.EnvVar[] = [];
  if (c.indexPrefix) env.push({ name: "INDEX_PREFIX", value: c.indexPrefix });
  if (credentials.kind === "basic") {
    env.push({ name: "ES_USERNAME", value: credentials.username });
    // The cleaner reads a password only from a flag or the environment (no file option),
    // so it comes from the Secret by reference; the value is never in the spec.
    env.push({
      name: "ES_PASSWORD",
      valueFrom: { secretKeyRef: { name: credentials.password.name, key: credentials.password.key } },
    });
  }
  return {
    schedule: input.schedule,
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...input.podLabels } },
          spec: {
            ...maintenancePodSettings(),
            containers: [
              {
                name: "index-cleaner",
                image: input.image,
                imagePullPolicy: "IfNotPresent",
                args,
                env,
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: mounted.map((f) => ({ name: f.volume, mountPath: f.mountPath, readOnly: true })),
              },
            ],
            volumes: mounted.map((f) => ({
              name: f.volume,
              secret: { secretName: f.secretName, items: [{ key: f.key, path: f.fileName }], defaultMode: 0o440 },
            })),
          },
        },
      },
    },
  };
}
