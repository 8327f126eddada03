// Elasticsearch snapshots to the backup bucket: a Job registers the S3 repository and
// a snapshot lifecycle policy (schedule, retention) through the cluster's REST API.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SearchConnection } from "../elasticsearch/connection";
import { SnapshotJobInput, buildSnapshotSetupJob, loadScripts } from "./jobs";

export interface ElasticsearchSnapshotsArgs {
  namespace: pulumi.Input<string>;
  image: string;
  connection: SearchConnection;
  bucket: pulumi.Input<string>;
  basePath: string;
  schedule: string;
  retentionDays: number;
  labels: Record<string, string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class ElasticsearchSnapshots extends pulumi.ComponentResource {
  constructor(name: string, args: ElasticsearchSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:backup:ElasticsearchSnapshots", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: { ...args.labels } });
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: meta("jaeger-es-snapshot-scripts"), data: { "es-snapshots.sh": loadScripts()["es-snapshots.sh"] } },
      { parent: this },
    );
    const c = args.connection;
    const credentials = c.credentials.snapshots;
    const secretFiles: SnapshotJobInput["secretFiles"] = [
      ...(credentials.kind === "basic"
        ? [
            {
              envVar: "ES_PASSWORD_FILE" as const,
              secretName: credentials.password.name,
              key: credentials.password.key,
            },
          ]
        : []),
      ...(credentials.kind === "apiKey"
        ? [{ envVar: "ES_API_KEY_FILE" as const, secretName: credentials.apiKey.name, key: credentials.apiKey.key }]
        : []),
      ...(c.ca ? [{ envVar: "ES_CA_FILE" as const, secretName: c.ca.name, key: c.ca.key }] : []),
    ];
    new k8s.batch.v1.Job(
      `${name}-setup`,
      {
        metadata: meta("jaeger-es-snapshots"),
        spec: pulumi.output(args.bucket).apply((bucket) =>
          buildSnapshotSetupJob({
            image: args.image,
            scriptsConfigMap: "jaeger-es-snapshot-scripts",
            esUrl: c.serverUrls[0],
            username: credentials.kind === "basic" ? credentials.username : undefined,
            secretFiles,
            bucket,
            basePath: args.basePath,
            schedule: args.schedule,
            retentionDays: args.retentionDays,
            labels: args.labels,
          }),
        ),
      },
      { parent: this, dependsOn: [scripts, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({});
  }
}
