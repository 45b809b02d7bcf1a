import { estimateCost, type CostLine } from '../../../lib/plan/estimateCost';
import { planRun } from '../../../lib/plan/planRun';
import PRICES from '../../../lib/plan/prices.json';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';

const GB = 1024 ** 3;
const size = (items: number, bytes: number, tableBytes: number | null = null): SnapshotSize => ({ snapshotId: 's', items, bytes, tableBytes, source: 'what-if', notes: [] });
const find = (lines: CostLine[], what: RegExp) => lines.find((line) => what.test(line.what));
const all = (lines: CostLine[], service: CostLine['service']) => lines.filter((line) => line.service === service).map((line) => line.what);

describe('estimateCost', () => {
  it('the prices say their region, when they were read and where from', () => {
    expect(PRICES).toMatchObject({ region: 'us-east-1', currency: 'USD', readOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    for (const service of ['lambda', 'stepFunctions', 'dynamodb', 's3', 'ses'] as const) expect(PRICES[service].url).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it('0 items in one Lambda: auditWorker only, no Step Functions, no read units; a month is the nightly runs', () => {
    const cost = estimateCost(planRun(size(0, 0)), { runsPerMonth: 30 });
    expect(all(cost.lines, 'Lambda')).toEqual(['invocations', 'auditWorker duration, arm64 2048 MB', 'auditWorker /tmp beyond 512 MB']);
    expect(all(cost.lines, 'Step Functions')).toEqual([]);
    expect(find(cost.lines, /^Query/)!.quantity).toBe(0);
    expect(find(cost.lines, /invocations/)!.quantity).toBe(1);
    expect(cost.perRun).toBeGreaterThan(0);
    expect(cost.perMonth).toBeCloseTo(cost.perRun * 30, 12);
  });

  it('read units: the bytes the Query reads, 4 KB a unit, half for eventually consistent reads; the rest of the table is not read', () => {
    expect(find(estimateCost(planRun(size(2, 8192, 10 * GB))).lines, /^Query/)).toMatchObject({ quantity: 1, dollars: PRICES.dynamodb.perReadRequestUnit });
    expect(find(estimateCost(planRun(size(1, 1))).lines, /^Query/)!.quantity).toBe(0.5);
    const map = estimateCost(planRun(size(1_000_000, 4 * GB, 40 * GB)));
    expect(find(map.lines, /^Query of the itemId ranges/)!.quantity).toBe((4 * GB) / 4096 / 2);
  });

  it('the state machine: the plan, map, diff and reduce functions, the transitions of a STANDARD parent and the children of both maps', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const { lines } = estimateCost(plan);
    const { children } = plan.map!;
    const diff = plan.diff!;
    expect(find(lines, /invocations/)!.quantity).toBe(1 + children + diff.children + 1);
    expect(all(lines, 'Lambda')).toEqual([
      'invocations',
      'planAudit duration, arm64 1024 MB',
      'mapPartitions duration, arm64 2048 MB',
      'mapPartitions /tmp beyond 512 MB',
      'diffRanges duration, arm64 2048 MB',
      'diffRanges /tmp beyond 512 MB',
      'reduceAudit duration, arm64 2048 MB',
      'reduceAudit /tmp beyond 512 MB',
    ]);
    const reduce = plan.functions.find((fn) => fn.name === 'reduceAudit')!;
    expect(find(lines, /reduceAudit duration/)!.quantity).toBeCloseTo(2 * reduce.billedSeconds, 9);
    expect(find(lines, /diffRanges duration/)!.quantity).toBeCloseTo(2 * diff.children * diff.secondsPerChild, 9);
    // Plan, MapPartitions, DiffRanges, Reduce, Succeeded; one parent transition per child started; two in each child.
    expect(all(lines, 'Step Functions')).toEqual(['Standard state transitions (parent and children)']);
    expect(find(lines, /state transitions/)!.quantity).toBe(5 + 3 * (children + diff.children));
    // Without history the parent still passes DiffRanges, over no ranges.
    const dry = planRun(size(1_000_000, 400_000_000), { history: false });
    expect(find(estimateCost(dry).lines, /state transitions/)!.quantity).toBe(5 + 3 * children);
    expect(all(estimateCost(dry).lines, 'Lambda')).not.toContain('diffRanges duration, arm64 2048 MB');
  });

  it('S3 with history: the plan, two objects per partition, four per diff range, the reports; the diff children read the partitions, the reduce the ranges', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const { lines } = estimateCost(plan);
    const { partitions, children } = plan.map!;
    const { ranges, children: diffChildren } = plan.diff!;
    expect(find(lines, /^PUT/)!.quantity).toBe(1 + 2 * partitions + 4 * ranges + 3 + 2);
    // Map children: the plan. Diff children: the plan, each partition's result and HeadObject; each range a ranged GET of
    // every partition. Reduce: the plan, each partition's result and HeadObject, each range's result, 3 HeadObject, 3 files.
    expect(find(lines, /^GET/)!.quantity).toBe(children + diffChildren * (1 + 2 * partitions) + ranges * partitions + (1 + 2 * partitions + 7 * ranges) + 2);
    // A report of a GiB or more goes up in parts of 64 MiB: create, the parts, complete.
    const large = planRun(size(3_000_000, 1_200_000_000), { formats: ['json'] });
    const parts = Math.ceil(large.reportBytes.json! / (64 * 1024 ** 2));
    expect(find(estimateCost(large).lines, /^PUT/)!.quantity).toBe(1 + 2 * large.map!.partitions + 4 * large.diff!.ranges + (2 + parts) + 2);
    // The partitions' keyed lines and the ranges' compressed findings, kept runFilesDays.
    expect(find(lines, /partition and diff range files kept 7 days/)!.quantity).toBeCloseTo(((1_000_000 * (920 + 117 + 137)) / GB) * (7 / (365 / 12)), 9);
  });

  it('S3 without history: no ranges; the reduce reads every partition back (result, HeadObject, its file)', () => {
    const plan = planRun(size(1_000_000, 400_000_000), { history: false });
    const { lines } = estimateCost(plan);
    const { partitions, children } = plan.map!;
    expect(find(lines, /^PUT/)!.quantity).toBe(1 + 2 * partitions + 3 + 2);
    expect(find(lines, /^GET/)!.quantity).toBe(children + 1 + 3 * partitions + 2);
    expect(find(lines, /^partition files kept 7 days/)!.quantity).toBeCloseTo(((1_000_000 * (920 + 10)) / GB) * (7 / (365 / 12)), 9);
  });

  it('DynamoDB: one UpdateItem of the run record per partition, as write units', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const updates = find(estimateCost(plan).lines, /UpdateItem/)!;
    expect(updates).toMatchObject({ unit: 'write units', unitPrice: PRICES.dynamodb.perWriteRequestUnit });
    expect(updates.quantity).toBe(plan.map!.partitions * 2);
  });

  it('no export, no Express workflow: nothing the built run does not do', () => {
    const { lines } = estimateCost(planRun(size(100_000_000, 40 * GB)));
    expect(lines.map((line) => line.what).join('\n')).not.toMatch(/export|Express|point-in-time|UploadPartCopy|Scan/i);
  });

  it("reports are stored for reportRetentionDays: GB-months of the run's reports", () => {
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
