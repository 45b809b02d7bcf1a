import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The figures a run reports to CloudWatch. Every run that evaluates publishes the
 * run's outcome (RunSucceeded or RunPartial), Items, Violations,
 * SpecialCategoryViolations, DueSoon, Incomplete (1 when part of the snapshot could
 * not be read or evaluated, else 0) and DurationSeconds; a run that mails its digest
 * adds the e-mail channel's DigestSent and DigestFailed (1 and 0, or 0 and 1). A
 * failed run publishes RunFailed (and DigestFailed 1 when its failure mail could not
 * be sent). Alarms (infra/monitoring.yml) watch Incomplete and DigestFailed.
 */
export const RUN_METRICS = {
  RunSucceeded: MetricUnit.Count,
  RunPartial: MetricUnit.Count,
  RunFailed: MetricUnit.Count,
  DigestSent: MetricUnit.Count,
  DigestFailed: MetricUnit.Count,
  Items: MetricUnit.Count,
  Violations: MetricUnit.Count,
  SpecialCategoryViolations: MetricUnit.Count,
  DueSoon: MetricUnit.Count,
  Incomplete: MetricUnit.Count,
  DurationSeconds: MetricUnit.Seconds,
} as const;
export type RunMetricName = keyof typeof RUN_METRICS;

/** Where a run's figures go. */
export interface RunMetrics {
  publish(values: Partial<Record<RunMetricName, number>>): void;
}

export const METRICS_NAMESPACE = 'RetentionAuditor';

/**
 * CloudWatch metrics in the embedded metric format (Powertools Metrics): one
 * structured log line per publish, which CloudWatch turns into metrics.
 *
 * @example
 * cloudWatchMetrics().publish({ RunFailed: 1 });
 */
export function cloudWatchMetrics(serviceName = 'retention-auditor'): RunMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    publish(values) {
      for (const [name, value] of Object.entries(values) as [RunMetricName, number][]) metrics.addMetric(name, RUN_METRICS[name], value);
      metrics.publishStoredMetrics();
    },
  };
}
