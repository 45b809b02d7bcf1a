/**
 * The run's metrics as CloudWatch receives them: Powertools Metrics writes one line of
 * the embedded metric format (EMF) to stdout per publish, which CloudWatch Logs turns
 * into metrics of the namespace RetentionAuditor with the dimension `service` (and
 * `Channel` for a channel's own line) — the namespace, metric names and dimension
 * the alarms of infra/monitoring.yml watch.
 */
import { cloudWatchMetrics, METRICS_NAMESPACE, RUN_METRICS } from '../../../lib/delivery/RunMetrics';

/** The JSON lines written to stdout while `work` runs. */
function stdoutOf(work: () => void): Record<string, any>[] {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('cloudWatchMetrics', () => {
  it('publishes one EMF record per run: the counts, Incomplete, duration and the digest sent/failed, with their units', () => {
    const metrics = cloudWatchMetrics();
    const figures = {
      RunPartial: 1,
      Items: 45,
      Violations: 18,
      SpecialCategoryViolations: 4,
      DueSoon: 6,
      Incomplete: 1,
      DurationSeconds: 12.5,
      DigestSent: 0,
      DigestFailed: 1,
    };
    const [record, ...more] = stdoutOf(() => metrics.publish(figures));
    expect(more).toEqual([]);
    expect(record).toMatchObject({ service: 'retention-auditor', ...figures });
    const [directive] = record!._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'Items', Unit: 'Count' },
        { Name: 'SpecialCategoryViolations', Unit: 'Count' },
        { Name: 'DueSoon', Unit: 'Count' },
        { Name: 'Incomplete', Unit: 'Count' },
        { Name: 'DigestSent', Unit: 'Count' },
        { Name: 'DigestFailed', Unit: 'Count' },
        { Name: 'DurationSeconds', Unit: 'Seconds' },
      ]),
    );
    expect(directive.Metrics).toHaveLength(Object.keys(figures).length);
    expect(typeof record!._aws.Timestamp).toBe('number');
  });

  it('each publish stands alone: a later one does not repeat the figures of an earlier one', () => {
    const metrics = cloudWatchMetrics();
    const records = stdoutOf(() => {
      metrics.publish({ Items: 3, Incomplete: 0 });
      metrics.publish({ RunFailed: 1 });
    });
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ RunFailed: 1 });
    expect(records[1]).not.toHaveProperty('Items');
    expect(records[1]!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'RunFailed', Unit: 'Count' }]);
  });

  it("publishes a channel's sent and failed with the dimension Channel; the run's sums over its channels with service only", () => {
    const metrics = cloudWatchMetrics();
    const [slack, email, run] = stdoutOf(() => {
      metrics.publish({ NotificationSent: 0, NotificationFailed: 1 }, { Channel: 'slack' });
      metrics.publish({ NotificationSent: 1, NotificationFailed: 0 }, { Channel: 'email' });
      metrics.publish({ RunSucceeded: 1, DigestSent: 1, DigestFailed: 0, NotificationSent: 1, NotificationFailed: 1 });
    });
    expect(slack).toMatchObject({ service: 'retention-auditor', Channel: 'slack', NotificationSent: 0, NotificationFailed: 1 });
    expect(slack!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'Channel']],
        Metrics: [
          { Name: 'NotificationSent', Unit: 'Count' },
          { Name: 'NotificationFailed', Unit: 'Count' },
        ],
      },
    ]);
    expect(email).toMatchObject({ Channel: 'email', NotificationSent: 1, NotificationFailed: 0 });
    // The dimension does not outlive its publish: the run's line is the sum CloudWatch alarms on.
    expect(run).not.toHaveProperty('Channel');
    expect(run).toMatchObject({ NotificationSent: 1, NotificationFailed: 1, DigestSent: 1 });
    expect(run!._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });

  it('knows every metric the alarms watch', () => {
    expect(Object.keys(RUN_METRICS)).toEqual(expect.arrayContaining(['Incomplete', 'DigestFailed', 'DigestSent', 'SpecialCategoryViolations', 'DueSoon', 'NotificationFailed', 'NotificationSent']));
  });
});
