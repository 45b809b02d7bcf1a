import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The figures a run reports to CloudWatch; alarms watch RunFailed and DigestFailed. */
export const RUN_METRICS = {
  RunSucceeded: MetricUnit.Count,
  RunPartial: MetricUnit.Count,
  RunFailed: MetricUnit.Count,
  DigestFailed: MetricUnit.Count,
  Items: MetricUnit.Count,
  Violations: MetricUnit.Count,
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
