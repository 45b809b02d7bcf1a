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

  it('the state machine: the plan, map, diff, assembly and reduce functions, the transitions of a STANDARD parent and the children of its three maps', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const { lines } = estimateCost(plan);
    const { children } = plan.map!;
    const diff = plan.diff!;
    const assembly = plan.assembly!;
    expect(find(lines, /invocations/)!.quantity).toBe(1 + children + diff.children + assembly.children + 1);
    expect(all(lines, 'Lambda')).toEqual([
      'invocations',
      'planAudit duration, arm64 1024 MB',
      'mapPartitions duration, arm64 2048 MB',
      'mapPartitions /tmp beyond 512 MB',
      'diffRanges duration, arm64 2048 MB',
      'diffRanges /tmp beyond 512 MB',
      'assembleParts duration, arm64 2048 MB',
      'assembleParts /tmp beyond 512 MB',
      'reduceAudit duration, arm64 2048 MB',
      'reduceAudit /tmp beyond 512 MB',
    ]);
    const reduce = plan.functions.find((fn) => fn.name === 'reduceAudit')!;
    expect(find(lines, /reduceAudit duration/)!.quantity).toBeCloseTo(2 * reduce.billedSeconds, 9);
    expect(find(lines, /diffRanges duration/)!.quantity).toBeCloseTo(2 * diff.children * diff.secondsPerChild, 9);
    expect(find(lines, /assembleParts duration/)!).toMatchObject({ quantity: expect.closeTo(2 * assembly.children * assembly.secondsPerChild, 9), unitPrice: PRICES.lambda.arm64PerGbSecond });
    expect(find(lines, /assembleParts \/tmp/)!.quantity).toBeCloseTo(((4096 - 512) / 1024) * assembly.children * assembly.secondsPerChild, 9);
    // Plan, MapPartitions, DiffRanges, AssembleParts, Reduce, Succeeded; one parent transition per child started; two in each child.
    expect(all(lines, 'Step Functions')).toEqual(['Standard state transitions (parent and children)']);
    expect(find(lines, /state transitions/)!.quantity).toBe(6 + 3 * (children + diff.children + assembly.children));
    expect(find(lines, /state transitions/)!.dollars).toBeCloseTo((6 + 3 * 48) * PRICES.stepFunctions.standardPerStateTransition, 12);
    // Without history the parent still passes DiffRanges, over no ranges, and AssembleParts over as many parts.
    const dry = planRun(size(1_000_000, 400_000_000), { history: false });
    expect(find(estimateCost(dry).lines, /state transitions/)!.quantity).toBe(6 + 3 * (children + dry.assembly!.children));
    expect(all(estimateCost(dry).lines, 'Lambda')).not.toContain('diffRanges duration, arm64 2048 MB');
    expect(all(estimateCost(dry).lines, 'Lambda')).toContain('assembleParts duration, arm64 2048 MB');
  });

  it('S3 with history: the map, diff and assembly files, the reports put together from the parts (UploadPartCopy) and read back for their hash', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const { lines } = estimateCost(plan);
    const { partitions, children } = plan.map!;
    const { ranges, children: diffChildren } = plan.diff!;
    const { parts, children: assemblyChildren } = plan.assembly!;
    // JSON and CSV: the tail (to the run files), create, 16 copied parts, 2 uploaded (the head with the first part's opening bytes, the tail), complete.
    const assembledPuts = 2 * (1 + 1 + 16 + 2 + 1);
    // The plan; each partition's file and result; each range's findings, states, resolved findings and result; each part's JSON, CSV and result; the PDF; the run's own 2.
    expect(find(lines, /^PUT/)!.quantity).toBe(1 + 2 * partitions + 4 * ranges + 3 * parts + assembledPuts + 1 + 2);
    expect(find(lines, /^PUT/)!.quantity).toBe(190);
    // Map children: the plan. Diff children: the plan, each partition's result and HeadObject; each range a ranged GET of every partition.
    const mapAndDiff = children + diffChildren * (1 + 2 * partitions) + ranges * partitions;
    // Assembly children: the plan, each range's result and 3 HeadObjects; each part its own result and its blocks of every range (111 blocks of 8 Mi characters, and one more a range at each part's edge).
    const assembly = assemblyChildren * (1 + 4 * ranges) + parts + (Math.ceil((1_000_000 * 930) / (8 * 2 ** 20)) + parts * ranges);
    // Reduce: the plan, each partition's result and HeadObject; each range's result, 3 HeadObjects, its states and resolved findings;
    // each part's result and the HeadObjects of its JSON and CSV; the hash's 8 MiB GETs (and the tail), two for the uploaded parts.
    const hashGets = (partBytes: number) => parts * Math.ceil(partBytes / (8 * 2 ** 20)) + 1 + 2;
    const reduce = 1 + 2 * partitions + 6 * ranges + 3 * parts + hashGets(62_500 * 920) + hashGets(62_500 * 540);
    expect(find(lines, /^GET/)!.quantity).toBe(mapAndDiff + assembly + reduce + 2);
    // A file of a GiB or more goes up in parts of 64 MiB: create, the parts, complete (a partition's lines and a report part here).
    const large = planRun(size(30_000_000, 12_000_000_000), { formats: ['json'] });
    const { partitions: many, linesBytes } = large.map!;
    const multipart = (bytes: number) => (bytes < GB ? 1 : 2 + Math.ceil(bytes / (64 * 1024 ** 2)));
    expect(linesBytes / many).toBeGreaterThan(GB);
    expect(large.assembly!.bytesPerPart.json!).toBeGreaterThan(GB);
    const copies = large.reduce!.assembled[0]!.copyParts;
    expect(copies).toBe(many);
    expect(find(estimateCost(large).lines, /^PUT/)!.quantity).toBe(
      1 + many * (multipart(linesBytes / many) + 1) + 4 * large.diff!.ranges + large.assembly!.parts * (multipart(large.assembly!.bytesPerPart.json!) + 1) + (1 + 2 + copies + 2) + 2,
    );
    // The partitions' keyed lines, the ranges' compressed findings and the report parts, kept runFilesDays.
    expect(find(lines, /partition, diff range and report part files kept 7 days/)!.quantity).toBeCloseTo(((1_000_000 * (920 + 117 + 137 + 920 + 540)) / GB) * (7 / (365 / 12)), 9);
  });

  it('HTML, OCSF or Parquet: the reduce reads every JSON part back and uploads what it writes', () => {
    const nightly = estimateCost(planRun(size(1_000_000, 400_000_000)));
    const plan = planRun(size(1_000_000, 400_000_000), { formats: ['json', 'csv', 'pdf', 'html'] });
    const html = estimateCost(plan);
    expect(find(html.lines, /^GET/)!.quantity - find(nightly.lines, /^GET/)!.quantity).toBe(plan.assembly!.parts);
    expect(find(html.lines, /^PUT/)!.quantity - find(nightly.lines, /^PUT/)!.quantity).toBe(1);
  });

  it('S3 without history: a dry run keeps no report and sends no mail, but its parts are written and kept with the run files', () => {
    const plan = planRun(size(1_000_000, 400_000_000), { history: false });
    const { lines, notes } = estimateCost(plan);
    const { partitions, children } = plan.map!;
    const { parts, children: assemblyChildren } = plan.assembly!;
    expect(find(lines, /^PUT/)!.quantity).toBe(1 + 2 * partitions + 3 * parts + 2);
    // The assembly children read every partition's result and HeadObject, and its blocks; the reduce the parts' results and HeadObjects.
    const blocks = Math.ceil((1_000_000 * 930) / (8 * 2 ** 20)) + parts * partitions;
    expect(find(lines, /^GET/)!.quantity).toBe(children + 1 + 2 * partitions + assemblyChildren * (1 + 2 * partitions) + parts + blocks + 3 * parts + 2);
    expect(find(lines, /^partition and report part files kept 7 days/)!.quantity).toBeCloseTo(((1_000_000 * (920 + 10 + 920 + 540)) / GB) * (7 / (365 / 12)), 9);
    expect(find(lines, /reports kept/)).toBeUndefined();
    expect(all(lines, 'SES')).toEqual([]);
    expect(notes).toContain('A run without history is a dry run: it stores no report and sends no mail (its report parts are written, and expire with the run files).');
    // In one Lambda too.
    expect(all(estimateCost(planRun(size(1_000, 400_000), { history: false })).lines, 'SES')).toEqual([]);
  });

  it('DynamoDB: one UpdateItem of the run record per partition, diff range and report part, as write units', () => {
    const plan = planRun(size(1_000_000, 400_000_000));
    const updates = find(estimateCost(plan).lines, /UpdateItem/)!;
    expect(updates).toMatchObject({ what: 'UpdateItem of the run record, one per partition, diff range and report part', unit: 'write units', unitPrice: PRICES.dynamodb.perWriteRequestUnit });
    expect(updates.quantity).toBe((plan.map!.partitions + plan.diff!.ranges + plan.assembly!.parts) * 2);
    expect(find(estimateCost(planRun(size(1_000_000, 400_000_000), { history: false })).lines, /UpdateItem/)).toMatchObject({ quantity: 32 * 2, what: 'UpdateItem of the run record, one per partition and report part' });
  });

  it('no export, no Express workflow: nothing the built run does not do', () => {
    const { lines } = estimateCost(planRun(size(100_000_000, 40 * GB)));
    expect(lines.map((line) => line.what).join('\n')).not.toMatch(/export|Express|point-in-time|Scan/i);
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
