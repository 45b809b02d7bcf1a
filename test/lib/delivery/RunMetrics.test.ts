/**
 * The run's metrics as CloudWatch receives them: Powertools Metrics writes one line of
 * the embedded metric format (EMF) to stdout per publish, which CloudWatch Logs turns
 * into metrics of the namespace RetentionAuditor with the dimension `service` — the
 * namespace, metric names and dimension the alarms of infra/monitoring.yml watch.
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

  it('knows every metric the alarms watch', () => {
    expect(Object.keys(RUN_METRICS)).toEqual(expect.arrayContaining(['Incomplete', 'DigestFailed', 'DigestSent', 'SpecialCategoryViolations', 'DueSoon']));
  });
});
