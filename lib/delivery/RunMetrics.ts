import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ChannelId } from './notifiers/Notifier';

/**
 * The figures a run reports to CloudWatch. Every run that evaluates publishes the
 * run's outcome (RunSucceeded or RunPartial), Items, Violations,
 * SpecialCategoryViolations, DueSoon, Incomplete (1 when part of the snapshot could
 * not be read or evaluated, else 0) and DurationSeconds; a run that mails its digest
 * adds the e-mail channel's DigestSent and DigestFailed (1 and 0, or 0 and 1). A
 * failed run publishes RunFailed (and DigestFailed 1 when its failure mail could not
 * be sent).
 *
 * A run that notifies also publishes, per channel, one line with the dimension
 * `Channel` holding NotificationSent and NotificationFailed (messages sent and not
 * sent through it), and adds their sums over its channels to its own line
 * (dimension `service` only): that sum is what an alarm can watch without knowing
 * the channels. Alarms (infra/monitoring.yml) watch Incomplete, DigestFailed and
 * NotificationFailed.
 */
export const RUN_METRICS = {
  RunSucceeded: MetricUnit.Count,
  RunPartial: MetricUnit.Count,
  RunFailed: MetricUnit.Count,
  DigestSent: MetricUnit.Count,
  DigestFailed: MetricUnit.Count,
  NotificationSent: MetricUnit.Count,
  NotificationFailed: MetricUnit.Count,
  Items: MetricUnit.Count,
  Violations: MetricUnit.Count,
  SpecialCategoryViolations: MetricUnit.Count,
  DueSoon: MetricUnit.Count,
  Incomplete: MetricUnit.Count,
  DurationSeconds: MetricUnit.Seconds,
} as const;
export type RunMetricName = keyof typeof RUN_METRICS;

/** The dimension a channel's own figures carry, besides `service`. */
export interface MetricDimensions {
  Channel: ChannelId;
}

/** Where a run's figures go: each publish is one record, with the dimensions given (and `service`). */
export interface RunMetrics {
  publish(values: Partial<Record<RunMetricName, number>>, dimensions?: MetricDimensions): void;
}

export const METRICS_NAMESPACE = 'RetentionAuditor';

/**
 * CloudWatch metrics in the embedded metric format (Powertools Metrics): one
 * structured log line per publish, which CloudWatch turns into metrics. A
 * dimension added for one publish is gone at the next (publishStoredMetrics
 * clears it).
 *
 * @example
 * cloudWatchMetrics().publish({ RunFailed: 1 });
 * cloudWatchMetrics().publish({ NotificationSent: 0, NotificationFailed: 1 }, { Channel: 'slack' });
 */
export function cloudWatchMetrics(serviceName = 'retention-auditor'): RunMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    publish(values, dimensions) {
      if (dimensions) metrics.addDimension('Channel', dimensions.Channel);
      for (const [name, value] of Object.entries(values) as [RunMetricName, number][]) metrics.addMetric(name, RUN_METRICS[name], value);
      metrics.publishStoredMetrics();
    },
  };
}
