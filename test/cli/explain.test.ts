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

  it("plans with run's --engine: auto's engine for the items, or the one named", async () => {
    const auto = await cli('run', '--explain', '--assume-items', '100000');
    expect(flat(auto.stdout)).toMatch(/items\/s \(sql engine, by auto\)/);
    const small = await cli('run', '--explain', '--inventory', EXAMPLE);
    expect(flat(small.stdout)).toMatch(/items\/s \(reference engine, by auto\)/);
    const distributed = await cli('run', '--explain', '--assume-items', '1000000');
    expect(flat(distributed.stdout)).toMatch(/items\/s \(reference engine, by auto\)/);
    const named = await cli('run', '--explain', '--assume-items', '100000', '--engine', 'reference');
    expect(flat(named.stdout)).toMatch(/items\/s \(reference engine\)/);
    expect(JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '100000', '--engine', 'reference')).stdout).plan.engine).toBe('reference');
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
    expect(text).toMatch(/a Distributed Map of STANDARD child workflows over the partitions, a second over the diff ranges, a third over the report parts, one reduce step: 500,000 items ≥ distributedThresholdItems 500,000/);
    expect(text).toMatch(/partitions 16 × itemId ranges of the snapshot, each read by Query \(only the snapshot's own items\), ≈ 31,250 items each \(the minimum, stage param partitions 16\)/);
    expect(text).toMatch(/reduce one Lambda \(reduceAudit\)/);
    expect(text).toMatch(/planAudit 1, mapPartitions 16, diffRanges 16, assembleParts 16, reduceAudit 1 \(50 invocations\)/);
    // Six parent states; each of the 48 children (16 a map) one parent transition and two of its own.
    expect(stdout).toMatch(/│ Step Functions │ Standard state transitions \(parent and children\)\s+│\s+150 transitions/);
    expect(stdout).toMatch(/│ DynamoDB\s+│ UpdateItem of the run record, one per partition, diff range and report part/);
    expect(stdout).not.toMatch(/export|Express|Scan/i);
  });

  it('--assume-items 1000000: a diff row, an assemble row (parts, children, items and seconds each, its /tmp) and a reduce that puts the reports together in S3', async () => {
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '1000000');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(
      /diff 16 diff ranges \(as many as partitions\), ItemBatcher 1 range a child → 16 children \(diffRanges, arm64 2048 MB\) of ≈ 62,500 items, ≈ \d+ s each at ≈ 15,000 items\/s, 1 wave; each range reads its segment of every partition's findings, diffs it with the previous run's history parts of its buckets, writes its new states to the history as a part, sorts its findings by itemId and uploads them compressed: ≈ [\d.]+ MiB of \/tmp \(it has 4 GiB\)/,
    );
    expect(text).toMatch(
      /assemble 16 report parts \(itemId ranges, as many as partitions\), ItemBatcher 1 part a child → 16 children \(assembleParts, arm64 2048 MB\) of ≈ 62,500 items, ≈ \d+ s each at ≈ 20,000 items\/s, 1 wave; each part merges its findings from the diff ranges' compressed findings \(130\.65 MiB in all, from S3\), writes its JSON and CSV \(87\.02 MiB of \/tmp; it has 4 GiB\), uploads them and removes them before the next/,
    );
    expect(text).toMatch(
      /reduce one Lambda \(reduceAudit\): merges the partitions', diff ranges' and parts' results, commits the history \(the ranges wrote its parts\); puts the JSON 877\.38 MiB \(16 parts, ≈ \d+ s\) and the CSV 514\.98 MiB \(16 parts, ≈ \d+ s\) together in S3 from the parts \(UploadPartCopy, 8 at once, while it reads them back for their SHA-256\); writes the PDF into its \/tmp and uploads it, mail: ≈ \d+ s of its 15 min, ≈ 1\.91 MiB of \/tmp \(it has 10 GiB\)/,
    );
    expect(text).toMatch(/planAudit 1, mapPartitions 16, diffRanges 16, assembleParts 16, reduceAudit 1 \(50 invocations\)/);
    expect(stdout).not.toMatch(/beyond its limits/);
  });

  it('--no-history plans a run that keeps none (a dry run): no diff step, the assembly merges the partitions, the reduce stores no report', async () => {
    const { code, stdout } = await cli('run', '--explain', '--no-history', '--assume-items', '1000000');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(/diff none: the run keeps no history \(a dry run\), so the assembly reads the partitions' sorted findings/);
    expect(text).toMatch(/each part merges its findings from the partitions' sorted findings \(886\.92 MiB in all, from S3\)/);
    expect(text).toMatch(/reduce one Lambda \(reduceAudit\): merges the partitions' and the parts' results into the run's summary; a dry run stores no report and sends no mail, so it puts nothing together: ≈ 60 s of its 15 min/);
    expect(text).toMatch(/planAudit 1, mapPartitions 16, assembleParts 16, reduceAudit 1 \(34 invocations\)/);
    expect(text).toMatch(/A run without history is a dry run: it stores no report and sends no mail/);
    expect(stdout).not.toMatch(/│ SES|reports kept/);
    const { plan } = JSON.parse((await cli('run', '--explain', '--json', '--no-history', '--assume-items', '1000000')).stdout);
    expect(plan).toMatchObject({ diff: null, assembly: { parts: 16, children: 16 }, reduce: { storesReports: false }, options: { history: false } });
    expect(JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '1000000')).stdout).plan.diff).toMatchObject({ ranges: 16, children: 16 });
  });

  it('--assume-items 10000000: every step within its limits; with --format html at 13 M the reduce writes the HTML itself and is told to leave it out', async () => {
    const nightly = await cli('run', '--explain', '--assume-items', '10000000');
    expect(nightly.code).toBe(0);
    expect(nightly.stdout).not.toMatch(/beyond its limits/);
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '13000000', '--format', 'json,csv,pdf,html');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(/writes the PDF, HTML \(the HTML from the JSON parts read back, at ≈ 20,000 items\/s: ≈ 1\d min\) into its \/tmp and uploads them, mail: ≈ 1\d min of its 15 min, ≈ 2\.\d+ GiB of \/tmp \(it has 10 GiB\): beyond its limits \(see the warning\)/);
    expect(text).toMatch(/Warning: The reduce is one Lambda: at 13,000,000 items it needs about 1\d min \(.*1\d min to write the HTML from the JSON parts\) and 3\.0 GiB of \/tmp for the PDF and HTML, beyond its limits \(15 minutes\): leave out html for runs this large/);
  });

  it('--assume-items 100000000: more partitions, diff ranges and report parts, every step within its limits (the history kept by range); beyond about 214 M the reduce is said plainly to be beyond one Lambda', async () => {
    const { code, stdout } = await cli('run', '--explain', '--assume-items', '100000000');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan for snapshot \(what if\): 100,000,000 items/);
    const text = flat(stdout);
    expect(text).toMatch(/partitions 56 × itemId ranges .* \(raised so that a partition's lines fit half of a child's \/tmp\)/);
    expect(text).toMatch(/diff 56 diff ranges/);
    expect(text).toMatch(/assemble 56 report parts/);
    expect(text).not.toMatch(/beyond its limits/);
    const { plan } = JSON.parse((await cli('run', '--explain', '--json', '--assume-items', '100000000')).stdout);
    expect([plan.diff.withinLimits, plan.assembly.withinLimits, plan.reduce.withinLimits]).toEqual([true, true, true]);
    const beyond = flat((await cli('run', '--explain', '--assume-items', '250000000')).stdout);
    expect(beyond).toMatch(/Warning: The reduce is one Lambda: at 250,000,000 items it needs about 1\d min \(1\d min to put the JSON and CSV together in S3 and hash them\), beyond its limits \(15 minutes\): this size cannot be audited in AWS as built\./);
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
