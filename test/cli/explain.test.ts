/** `run --explain`: the plan and cost of a run in AWS, against a file and a local DynamoDB; nothing evaluated, nothing written. */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { main } from '../../cli/main';
import { tempDir } from '../helpers/files';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** The text with the tables' borders and line breaks as single spaces, so that a wrapped cell reads as one line. */
const flat = (text: string) => text.replace(/[│\s]+/g, ' ');

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
});
afterAll(async () => {
  await dynamo.close();
});

describe('run --explain', () => {
  it('a file: the plan and the cost as tables, exit 0, no report written', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await cli('run', '--explain', '--inventory', EXAMPLE, '--out', out);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/Plan for snapshot snap-2026-11-20: 45 items/);
    expect(flat(stdout)).toMatch(/one Lambda \(auditWorker, arm64 2048 MB\): 45 items < distributedThresholdItems 500,000/);
    expect(stdout).toMatch(/│ SES\s+│ digest e-mail/);
    expect(stdout).toMatch(/Per run: \$0\.\d+\. Per month, nightly \(30\.4 runs\): \$\d+\.\d\d\./);
    expect(stdout).toMatch(/us-east-1, USD, read \d{4}-\d{2}-\d{2}/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('--json: the plan and the cost as JSON', async () => {
    const { code, stdout } = await cli('run', '--explain', '--json', '--inventory', EXAMPLE);
    expect(code).toBe(0);
    const { plan, cost } = JSON.parse(stdout);
    expect(plan).toMatchObject({ execution: 'single-lambda', snapshot: { snapshotId: 'snap-2026-11-20', items: 45, source: 'file' }, options: { formats: ['json', 'csv', 'pdf'] } });
    expect(cost).toMatchObject({ region: 'us-east-1', currency: 'USD', perRun: expect.any(Number), perMonth: expect.any(Number) });
    expect(cost.lines.map((line: { service: string }) => line.service)).toEqual(expect.arrayContaining(['Lambda', 'DynamoDB', 'S3', 'SES']));
  });

  it('a local DynamoDB: sized from the snapshot manifest, without reading the items', async () => {
    const endpoint = dynamo.endpoint;
    expect((await cli('inventory', 'load', EXAMPLE, '--table', 'plan-cli', '--endpoint', endpoint, '--no-progress')).code).toBe(0);
    const { code, stdout, stderr } = await cli('run', '--explain', '--table', 'plan-cli', '--endpoint', endpoint);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/Plan for snapshot snap-2026-11-20: 45 items/);
    expect(stdout).toMatch(/sized from the snapshot's manifest in the inventory table/);
    const json = JSON.parse((await cli('run', '--explain', '--json', '--table', 'plan-cli', '--endpoint', endpoint, '--snapshot', 'snap-2026-11-20')).stdout);
    expect(json.plan.snapshot).toMatchObject({ items: 45, source: 'manifest' });
  });

  it('an unknown snapshot or a missing file is exit 2, one sentence', async () => {
    const unknown = await cli('run', '--explain', '--table', 'plan-cli', '--endpoint', dynamo.endpoint, '--snapshot', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: Snapshot nope is not in DynamoDB table plan-cli.\n');
    const missing = await cli('run', '--explain', '--inventory', join(tempDir(), 'none.ndjson'));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--assume-items at the threshold: the state machine over itemId ranges read by Query, its steps priced', async () => {
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '500000');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(/a Distributed Map of STANDARD child workflows over the partitions, a second over the diff ranges, one reduce step: 500,000 items ≥ distributedThresholdItems 500,000/);
    expect(text).toMatch(/partitions 16 × itemId ranges of the snapshot, each read by Query \(only the snapshot's own items\), ≈ 31,250 items each \(the minimum, stage param partitions 16\)/);
    expect(text).toMatch(/reduce one Lambda \(reduceAudit\)/);
    expect(text).toMatch(/planAudit 1, mapPartitions 16, diffRanges 16, reduceAudit 1 \(34 invocations\)/);
    // Five parent states; each of the 32 children (16 a map) one parent transition and two of its own.
    expect(stdout).toMatch(/│ Step Functions │ Standard state transitions \(parent and children\)\s+│\s+101 transitions/);
    expect(stdout).toMatch(/│ DynamoDB\s+│ UpdateItem of the run record, one per partition/);
    expect(stdout).not.toMatch(/export|Express|Scan/i);
  });

  it('--assume-items 1000000: a diff row (ranges, children, items and seconds each) and a reduce that merges the ranges into the reports, its /tmp the reports', async () => {
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '1000000');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(
      /diff 16 diff ranges \(as many as partitions\), ItemBatcher 1 range a child → 16 children \(diffRanges, arm64 2048 MB\) of ≈ 62,500 items, ≈ \d+ s each at ≈ 15,000 items\/s, 1 wave; each range reads its segment of every partition's findings, diffs it with the previous run's states, sorts it by itemId and uploads it compressed: ≈ [\d.]+ MiB of \/tmp \(it has 4 GiB\)/,
    );
    expect(text).toMatch(
      /reduce one Lambda \(reduceAudit\): merges the diff ranges' sorted findings \(130\.65 MiB, compressed, from S3\) at ≈ 20,000 items\/s into the reports, uploads them, history, mail: ≈ \d+ min of its 15 min, ≈ 1\.36 GiB of \/tmp \(the reports; it has 10 GiB\)/,
    );
  });

  it('--no-history plans a run that keeps none (a dry run): no diff step, the reduce merges the partitions', async () => {
    const { code, stdout } = await cli('run', '--explain', '--no-history', '--assume-items', '1000000');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(/diff none: the run keeps no history \(a dry run\), so the reduce merges the partitions straight into the reports/);
    expect(text).toMatch(/merges the partitions' sorted findings \([\d.]+ MiB, from S3\) at ≈ 20,000 items\/s into the reports, uploads them, mail:/);
    expect(text).toMatch(/planAudit 1, mapPartitions 16, reduceAudit 1 \(18 invocations\)/);
    const { plan } = JSON.parse((await cli('run', '--explain', '--json', '--no-history', '--assume-items', '1000000')).stdout);
    expect(plan).toMatchObject({ diff: null, options: { history: false } });
    expect(JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '1000000')).stdout).plan.diff).toMatchObject({ ranges: 16, children: 16 });
  });

  it('--assume-items 100000000: more partitions and diff ranges, and the reduce said plainly to be beyond one Lambda', async () => {
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '100000000');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan for snapshot \(what if\): 100,000,000 items/);
    expect(flat(stdout)).toMatch(/partitions 56 × itemId ranges .* \(raised so that a partition's lines fit half of a child's \/tmp\)/);
    expect(flat(stdout)).toMatch(/diff 56 diff ranges/);
    expect(flat(stdout)).toMatch(/Warning: The reduce is one Lambda: at 100,000,000 items it needs about \d+ min, and [\d.]+ GiB of \/tmp for the reports, beyond its limits \(15 minutes, 10 GiB of \/tmp\); this size cannot be audited in AWS as built\./);
    const { plan } = JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '100000000')).stdout);
    expect(plan.reduce.withinLimits).toBe(false);
  });

  it('--format chooses the reports planned', async () => {
    const { plan } = JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '1000000', '--format', 'json,parquet')).stdout);
    expect(Object.keys(plan.reportBytes)).toEqual(['json', 'parquet']);
    expect(plan.map).toMatchObject({ partitions: 16, children: 16 });
  });

  it('without --inventory or --table: the bundled example inventory', async () => {
    const { code, stdout } = await cli('run', '--explain');
    expect(code).toBe(0);
    expect(stdout).toMatch(/snap-2026-11-20: 45 items/);
  });

  it('--json and --assume-items only go with --explain; --assume-items with a source is refused', async () => {
    for (const argv of [['--json'], ['--assume-items', '10'], ['--explain', '--assume-items', '10', '--inventory', EXAMPLE], ['--explain', '--assume-items', '-1']]) {
      const { code, stderr } = await cli('run', ...argv);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
