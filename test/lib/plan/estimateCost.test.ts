import { estimateCost, type CostLine } from '../../../lib/plan/estimateCost';
import { planRun } from '../../../lib/plan/planRun';
import PRICES from '../../../lib/plan/prices.json';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';

const GB = 1024 ** 3;
const size = (items: number, bytes: number, tableBytes: number | null = null): SnapshotSize => ({ snapshotId: 's', items, bytes, tableBytes, source: 'what-if', notes: [] });
const find = (lines: CostLine[], what: RegExp) => lines.find((line) => what.test(line.what));

describe('estimateCost', () => {
  it('the prices say their region, when they were read and where from', () => {
    expect(PRICES).toMatchObject({ region: 'us-east-1', currency: 'USD', readOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    for (const service of ['lambda', 'stepFunctions', 'dynamodb', 's3', 'ses'] as const) expect(PRICES[service].url).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it('0 items in one Lambda: no Step Functions, no read units; a month is the nightly runs', () => {
    const cost = estimateCost(planRun(size(0, 0)), { runsPerMonth: 30 });
    expect(cost.lines.some((line) => line.service === 'Step Functions')).toBe(false);
    expect(find(cost.lines, /Query\/Scan/)!.quantity).toBe(0);
    expect(find(cost.lines, /invocations/)!.quantity).toBe(1);
    expect(cost.perRun).toBeGreaterThan(0);
    expect(cost.perMonth).toBeCloseTo(cost.perRun * 30, 12);
  });

  it('read units: 4 KB a unit, half for eventually consistent reads', () => {
    expect(find(estimateCost(planRun(size(2, 8192))).lines, /Query\/Scan/)).toMatchObject({ quantity: 1, dollars: PRICES.dynamodb.perReadRequestUnit });
    expect(find(estimateCost(planRun(size(1, 1))).lines, /Query\/Scan/)!.quantity).toBe(0.5);
  });

  it('a Distributed Map Scan reads the whole table; one transition per child; Express requests and 64 MB duration', () => {
    const plan = planRun(size(10_000_000, 4 * GB, 8 * GB));
    const { lines } = estimateCost(plan);
    expect(find(lines, /^Scan/)!.quantity).toBe((8 * GB) / 4096 / 2);
    expect(find(lines, /Standard state transitions/)!.quantity).toBe(8 + plan.map!.children);
    expect(find(lines, /Express child workflows/)!.quantity).toBe(plan.map!.children);
    const duration = find(lines, /Express duration/)!;
    expect(duration.quantity).toBeCloseTo(plan.map!.children * (Math.ceil(plan.map!.secondsPerChild * 10) / 10) * (64 / 1024), 9);
    expect(find(lines, /LIST/)).toBeDefined();
  });

  it('an export is priced per GB of the table, and its point-in-time recovery monthly', () => {
    const cost = estimateCost(planRun(size(100_000_000, 40 * GB)), { runsPerMonth: 30 });
    expect(find(cost.lines, /export to S3/)).toMatchObject({ quantity: 40, dollars: 40 * PRICES.dynamodb.exportToS3PerGb, per: 'run' });
    const pitr = find(cost.lines, /point-in-time/)!;
    expect(pitr).toMatchObject({ per: 'month', dollars: 40 * PRICES.dynamodb.pitrPerGbMonth });
    expect(cost.lines.some((line) => /Scan/.test(line.what))).toBe(false);
    expect(cost.perMonth).toBeCloseTo(cost.perRun * 30 + pitr.dollars, 9);
  });

  it('reports are stored for reportRetentionDays: GB-months of the run\'s reports', () => {
    const plan = planRun(size(10_000_000, 4 * GB), { formats: ['json'] });
    const storage = find(estimateCost(plan, { reportRetentionDays: 365 / 12 }).lines, /reports kept/)!;
    expect(storage.quantity).toBeCloseTo(9_200_000_000 / GB, 9);
    expect(find(estimateCost(plan, { reportRetentionDays: 365 / 6 }).lines, /reports kept/)!.quantity).toBeCloseTo(2 * storage.quantity, 9);
  });

  it('one digest e-mail a run, its attachments at most attachMaxBytes', () => {
    const { lines } = estimateCost(planRun(size(10_000_000, 4 * GB)), { attachMaxBytes: GB });
    expect(find(lines, /digest/)!.quantity).toBe(1);
    expect(find(lines, /attachments/)!.quantity).toBe(1);
  });
});
