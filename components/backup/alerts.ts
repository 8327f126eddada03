// The backups' alerts: Velero's schedule of the Badger volume, or the Elasticsearch snapshot
// repository that SLM writes to, each watched through its own metrics.
import { Alert, RuleGroup, alertingRule } from "../monitoring/prometheusRules";

/** A schedule's identity and the longest gap between two of its runs (seconds): later is overdue. */
export interface ScheduleWatch {
  readonly name: string;
  readonly maxGapSeconds: number;
}

export type BackupAlertsInput = (
  | { readonly kind: "velero"; readonly schedule: ScheduleWatch }
  | {
      readonly kind: "snapshots";
      /** The snapshot repository, with the longest gap between two runs of its SLM schedule. */
      readonly repository: ScheduleWatch;
      /** Where the snapshot exporter runs (a label on its series). */
      readonly namespace: string;
    }
) & {
  /** Absolute URL of docs/runbooks.md; each alert links to its runbook section there. */
  readonly runbookBaseUrl?: string;
};

export const BACKUP_ALERTS_GROUP = "jaeger-backup-alerts";

/** A run may take this long after its scheduled time before the backup counts as missing. */
const RUN_GRACE_SECONDS = 2 * 3600;

export function backupAlerts(input: BackupAlertsInput): RuleGroup {
  const alerts =
    input.kind === "velero" ? veleroAlerts(input.schedule) : snapshotAlerts(input.repository, input.namespace);
  return { name: BACKUP_ALERTS_GROUP, rules: alerts.map((a) => alertingRule(a, input.runbookBaseUrl)) };
}

/** Velero's server metrics (vmware-tanzu/velero v1.18.1 pkg/metrics/metrics.go), per schedule. */
function veleroAlerts(watch: ScheduleWatch): Alert[] {
  const schedule = `schedule="${watch.name}"`;
  const day = "26h";
  const overdue = watch.maxGapSeconds + RUN_GRACE_SECONDS;
  return [
    {
      name: "JaegerBackupFailed",
      severity: "critical",
      expr: `sum by (schedule) (increase(velero_backup_failure_total{${schedule}}[${day}])) > 0`,
      for: "0m",
      summary: "A Velero backup of the Badger volume (schedule {{ $labels.schedule }}) failed",
      description:
        "A scheduled Velero backup of Jaeger's Badger volume failed in the last day; the newest good backup is older than planned. See `velero backup describe` of the newest backup.",
    },
    {
      name: "JaegerBackupPartiallyFailed",
      severity: "warning",
      expr: `sum by (schedule) (increase(velero_backup_partial_failure_total{${schedule}}[${day}])) > 0`,
      for: "0m",
      summary: "A Velero backup of the Badger volume (schedule {{ $labels.schedule }}) partially failed",
      description:
        "A scheduled Velero backup finished with errors: some items (the volume's data, perhaps) are missing from it.",
    },
    {
      name: "JaegerBackupMissing",
      severity: "critical",
      // The newest successful backup is older than the schedule's longest gap, plus a run's grace.
      expr: `time() - max by (schedule) (velero_backup_last_successful_timestamp{${schedule}}) > ${overdue}`,
      for: "15m",
      summary: `No successful Velero backup of the Badger volume for over ${Math.round(overdue / 3600)}h`,
      description:
        "Velero has not completed a backup of Jaeger's Badger volume within the schedule: the newest good backup is older than planned.",
    },
    {
      name: "JaegerBackupMetricsAbsent",
      severity: "warning",
      // No success recorded since Velero started (a new install, a restart) for as long as a run may take to come.
      expr: `absent(velero_backup_last_successful_timestamp{${schedule}})`,
      for: `${Math.round(overdue / 60)}m`,
      summary: "Velero has recorded no successful backup of the Badger volume",
      description:
        "Prometheus has no successful backup of the Badger schedule from Velero for longer than the schedule's gap: Velero is not scraped, not running, or no backup has succeeded since it started.",
    },
  ];
}

/**
 * The Elasticsearch exporter's snapshots collector (prometheus-community/elasticsearch_exporter
 * v1.10.0 collector/snapshots.go; names checked on the running exporter). It reports the state of
 * the repository's newest snapshot, and the start of its newest SUCCESS or PARTIAL one (0 while
 * there is none). SLM failures that leave no snapshot behind (the repository unreachable, a
 * refused request) show as no new successful snapshot.
 */
function snapshotAlerts(watch: ScheduleWatch, namespace: string): Alert[] {
  const repository = `namespace="${namespace}", repository="${watch.name}"`;
  const overdue = watch.maxGapSeconds + RUN_GRACE_SECONDS;
  const lastSuccess = `elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{${repository}} > 0`;
  return [
    {
      name: "JaegerSnapshotFailed",
      severity: "critical",
      expr: `count by (namespace, repository, state) (elasticsearch_snapshot_stats_snapshot_start_time_timestamp{${repository}, state=~"FAILED|PARTIAL|INCOMPATIBLE"}) > 0`,
      for: "0m",
      summary: "The newest Elasticsearch snapshot in {{ $labels.repository }} is {{ $labels.state }}",
      description:
        "The newest snapshot SLM took of Jaeger's indices did not complete: some or all shards are missing from it. It stays so until a snapshot succeeds.",
    },
    {
      name: "JaegerSnapshotMissing",
      severity: "critical",
      expr: `time() - max by (namespace, repository) (${lastSuccess}) > ${overdue}`,
      for: "15m",
      summary: `No successful Elasticsearch snapshot of Jaeger's indices for over ${Math.round(overdue / 3600)}h`,
      description:
        "The newest successful snapshot in the repository is older than the SLM schedule's longest gap plus 2h: SLM has failed, is stopped, or cannot reach the repository.",
    },
    {
      name: "JaegerSnapshotMetricsAbsent",
      severity: "warning",
      // A new stack has no snapshot until SLM's first run: wait as long as a run may take to come.
      expr: `absent(${lastSuccess})`,
      for: `${Math.round(overdue / 60)}m`,
      summary: "Prometheus sees no successful Elasticsearch snapshot of Jaeger's indices",
      description:
        "The snapshot exporter reports no successful snapshot in the repository, or is not scraped, for longer than the SLM schedule's gap: no snapshot has ever succeeded, or the exporter is not running.",
    },
    {
      name: "JaegerSnapshotCheckFailing",
      severity: "warning",
      expr: `max by (namespace) (elasticsearch_scrape_success{namespace="${namespace}", collector="snapshots"}) == 0`,
      for: "30m",
      summary: "The snapshot exporter in {{ $labels.namespace }} cannot read the snapshot repositories",
      description:
        "The exporter's requests for the repository's snapshots fail (credentials, privileges, TLS, or Elasticsearch down), so the other snapshot alerts see nothing new.",
    },
  ];
}
