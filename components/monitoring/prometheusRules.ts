// Prometheus rules: the SPM recording rules (the exact metric names and labels Jaeger's Monitor tab
// and the SPM dashboard query), the rule and alert types, and the rule file the groups go into. The
// alerts are defined beside what they watch, as mixins do: Jaeger's in components/jaeger/alerts.ts,
// the backups' in components/backup/alerts.ts. Rendered as a PrometheusRule for prometheus-operator
// and as a plain rules file.

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity };
  annotations: { summary: string; description: string; runbook_url?: string };
}

export type Severity = "warning" | "critical";

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

/** An alert as its owner writes it; `alertingRule` turns it into Prometheus' shape. */
export interface Alert {
  /** The alert's name, also its runbook heading in docs/runbooks.md (`## <name>`). */
  readonly name: string;
  readonly severity: Severity;
  readonly expr: string;
  /** How long the condition holds before the alert fires (a Prometheus duration). */
  readonly for: string;
  readonly summary: string;
  readonly description: string;
}

/** GitHub-style anchor of the runbook heading `## <alert>`. */
export const runbookAnchor = (alert: string) => alert.toLowerCase();

/** The alert as a Prometheus rule, linked to its runbook section when docs/runbooks.md's URL is known. */
export function alertingRule(alert: Alert, runbookBaseUrl?: string): AlertingRule {
  return {
    alert: alert.name,
    expr: alert.expr,
    for: alert.for,
    labels: { severity: alert.severity },
    annotations: {
      summary: alert.summary,
      description: alert.description,
      ...(runbookBaseUrl && { runbook_url: `${runbookBaseUrl}#${runbookAnchor(alert.name)}` }),
    },
  };
}

/** A ratio as a percentage for alert descriptions (at most two decimals). */
export const percent = (ratio: number) => `${+(ratio * 100).toFixed(2)}%`;

/** The rate window of every rule and alert. */
export const WINDOW = "5m";

export const CALLS = "traces_span_metrics_calls_total";
export const DURATION_BUCKET = "traces_span_metrics_duration_milliseconds_bucket";
export const SERVER = 'span_kind="SPAN_KIND_SERVER"';
export const ERROR = 'status_code="STATUS_CODE_ERROR"';
export const QUANTILES = [0.5, 0.95, 0.99] as const;
/** Recording-rule names, by aggregation level. */
export function recordName(level: "service" | "operation", measure: string): string {
  const by = level === "service" ? "service_name" : "service_name_span_name";
  return `${by}:traces_span_metrics_${measure}`;
}

/** Per operation and bucket: the duration histogram's rate, which every quantile rule reads. */
export const OPERATION_BUCKET_RATE = `service_name_span_name_le:traces_span_metrics_duration_milliseconds_bucket:rate${WINDOW}`;

/**
 * Calls, error ratio and latency quantiles per operation and per service. Each raw span-metric
 * family is read once, per operation: a rule group's rules run in order within one evaluation and
 * see the earlier rules' results, so the quantiles and the service level aggregate the recorded
 * per-operation rates. Read from the raw series by each rule instead, 1,000 services x 20
 * operations took Prometheus 15.7 s per evaluation (npm run bench:spm).
 */
export function spmRecordingRules(): RecordingRule[] {
  const opCalls = recordName("operation", `calls:rate${WINDOW}`);
  const opErrors = recordName("operation", `errors:rate${WINDOW}`);
  const serviceCalls = recordName("service", `calls:rate${WINDOW}`);
  const perOperation = "service_name, span_name";
  const rules: RecordingRule[] = [
    { record: opCalls, expr: `sum by (${perOperation}) (rate(${CALLS}{${SERVER}}[${WINDOW}]))` },
    { record: opErrors, expr: `sum by (${perOperation}) (rate(${CALLS}{${SERVER}, ${ERROR}}[${WINDOW}]))` },
    {
      record: OPERATION_BUCKET_RATE,
      expr: `sum by (${perOperation}, le) (rate(${DURATION_BUCKET}{${SERVER}}[${WINDOW}]))`,
    },
    // "or calls * 0": an operation or service without any error series reports 0, as Jaeger's Monitor tab does.
    {
      record: recordName("operation", `errors:ratio_rate${WINDOW}`),
      expr: `(${opErrors} or ${opCalls} * 0) / ${opCalls}`,
    },
    ...QUANTILES.map((q) => ({
      record: recordName("operation", `duration_milliseconds:p${Math.round(q * 100)}_rate${WINDOW}`),
      expr: `histogram_quantile(${q}, ${OPERATION_BUCKET_RATE})`,
    })),
    { record: serviceCalls, expr: `sum by (service_name) (${opCalls})` },
    {
      record: recordName("service", `errors:ratio_rate${WINDOW}`),
      expr: `(sum by (service_name) (${opErrors}) or ${serviceCalls} * 0) / ${serviceCalls}`,
    },
    ...QUANTILES.map((q) => ({
      record: recordName("service", `duration_milliseconds:p${Math.round(q * 100)}_rate${WINDOW}`),
      expr: `histogram_quantile(${q}, sum by (service_name, le) (${OPERATION_BUCKET_RATE}))`,
    })),
  ];
  return rules;
}

/** The SPM recording rules, then each owner's groups, in one rule file. */
export function buildRuleFile(groups: readonly RuleGroup[]): RuleFile {
  return { groups: [{ name: "jaeger-spm-recording", rules: spmRecordingRules() }, ...groups] };
}
