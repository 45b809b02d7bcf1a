/**
 * A run on the state machine, step by step in this process: plan → map (each
 * partition, as the Distributed Map's children would) → reduce, on real local
 * peers — DynamoDB (dynalite), S3 (s3rver) and an SMTP sink. The same
 * inventory audited by executeAudit (one Lambda) in a twin deployment gives
 * byte-identical reports; the run's files stay in the run-files bucket and
 * the reports bucket gets only reports; a failed or silent partition makes the run partial
 * and names it; the map counts each partition once; the state machine's
 * MarkFailed and the sweep fail a run once, and never one still running.
 */
import { createHash } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ENGINES, type EngineKind } from '../../../lib/audit/engineKind';
import { runFilesOf } from '../../../lib/delivery/auditContainer';
import { readDeliveryConfig } from '../../../lib/delivery/config';
import { executeAudit } from '../../../lib/delivery/executeAudit';
import type { ExecutionState } from '../../../lib/delivery/launchers';
import { assemblePartBatch } from '../../../lib/delivery/assemblePartBatch';
import { diffRangeBatch } from '../../../lib/delivery/diffRangeBatch';
import { mapPartitionBatch } from '../../../lib/delivery/mapPartitionBatch';
import { markRunFailed } from '../../../lib/delivery/markRunFailed';
import { partitionedRunKeys, readRunPlan } from '../../../lib/delivery/PartitionedRunPlan';
import { planPartitionedRun } from '../../../lib/delivery/planPartitionedRun';
import { sweepStuckRuns } from '../../../lib/delivery/recoverRuns';
import { reducePartitionedRun } from '../../../lib/delivery/reducePartitionedRun';
import { ReportStore } from '../../../lib/delivery/ReportStore';
import { describeProgress, type RunRecord } from '../../../lib/delivery/RunRecord';
import { runScheduled } from '../../../lib/delivery/runScheduled';
import type { Partition, PartitionResult } from '../../../lib/partitioned/Partition';
import { ThrottledError } from '../../../lib/errors';
import { EVERYTHING, queuedRun, TWIN_CREATED, TWIN_STATE_MACHINE, twinDeployment, useTwinPeers, type TwinDeployment } from '../../helpers/twinPeers';

const EXECUTION = (runId: string) => `arn:aws:states:eu-central-1:123456789012:execution:retention-auditor-test-audit:${runId}`;
const LIMITS = { timeoutSeconds: 900, maxEventAgeSeconds: 3600 };
const failedSubject = (runId: string) => `[Retention audit] FAILED — run ${runId}`;

const peers = useTwinPeers();

type Deps = TwinDeployment;
let deployments = 0;

/**
 * A deployment with a state machine of 4 partitions on `endpoint`'s DynamoDB, its run
 * files in a bucket of their own as in AWS (no Object Lock), apart from the reports.
 */
const deployment = (name: string, endpoint = peers.dynamo.endpoint, engine: EngineKind = 'reference'): Promise<Deps> => twinDeployment(peers, name, { endpoint, engine, runFilesBucket: true });

/** Every map child of the Distributed Map, one partition each (MaxItemsPerBatch 1), in index order. */
async function mapAll(deps: Deps, runId: string, partitions: readonly Partition[]): Promise<void> {
  for (const partition of partitions) await mapPartitionBatch({ BatchInput: { runId }, Items: [partition] }, deps.audit);
}

/** Every child of the DiffRanges map, one range each, in range order (none for a run without history). */
async function diffAll(deps: Deps, runId: string): Promise<void> {
  const plan = await readRunPlan(runId, deps.audit.runFiles);
  for (let range = 0; range < (plan?.diffRanges ?? 0); range += 1) await diffRangeBatch({ BatchInput: { runId }, Items: [range] }, deps.audit);
}

/** Every child of the AssembleParts map, one part each, in part order. */
async function assembleAll(deps: Deps, runId: string): Promise<void> {
  const plan = await readRunPlan(runId, deps.audit.runFiles);
  for (let part = 0; part < (plan?.parts ?? 0); part += 1) await assemblePartBatch({ BatchInput: { runId }, Items: [part] }, deps.audit);
}

/** The steps after the map: DiffRanges, AssembleParts, then Reduce. */
async function reduce(deps: Deps, runId: string): Promise<RunRecord> {
  await diffAll(deps, runId);
  await assembleAll(deps, runId);
  return reducePartitionedRun(runId, deps.audit);
}

/** What a stored report of a run hashes to, as its record says (S3 checked that checksum on upload). */
const sha256Of = (record: RunRecord) => Object.fromEntries(Object.entries(record.reports ?? {}).map(([format, stored]) => [format, stored!.sha256]));

describe('a partitioned run gives the one-Lambda run\'s reports', () => {
  it.each(ENGINES)('plan → map (each partition) → reduce, engine %s: the same JSON and CSV, byte for byte, the same summary and digest, one mail each', async (engine) => {
    const name = `twin-${++deployments}`;
    const [single, partitioned] = await Promise.all([deployment(name, peers.twinDynamo.endpoint, engine), deployment(name, peers.dynamo.endpoint, engine)]);
    const runId = await queuedRun(single);
    await queuedRun(partitioned, runId);

    const one = await executeAudit(runId, single.audit);
    const planned = await planPartitionedRun(runId, partitioned.audit);
    expect(planned.partitions.length).toBeGreaterThan(1);
    expect(await partitioned.runs.get(runId)).toMatchObject({
      status: 'running',
      executionArn: EXECUTION(runId),
      progress: { phase: 'map', done: 0, total: planned.partitions.length, unit: 'partitions' },
    });
    await mapAll(partitioned, runId, planned.partitions);
    const reduced = await reduce(partitioned, runId);

    expect(one.status).toBe('succeeded');
    expect(reduced.status).toBe('succeeded');
    expect(sha256Of(reduced).json).toBe(sha256Of(one).json);
    expect(sha256Of(reduced).csv).toBe(sha256Of(one).csv);
    expect(Object.keys(reduced.reports!).sort()).toEqual(['csv', 'json', 'pdf']);
    expect(reduced.summary).toEqual(one.summary);
    expect(reduced.snapshotSha256).toBe(one.snapshotSha256);
    expect(reduced.snapshotSha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([peers.smtp.messages[0]!.subject, peers.smtp.messages[0]!.subject]);
    // The same attachments, byte for byte: the partitioned run's JSON and CSV streamed from the reports bucket, where they were put together.
    const attached = (index: number) => peers.smtp.messages[index]!.attachments.map((file) => [file.filename, createHash('sha256').update(file.content).digest('hex')]);
    expect(attached(1)).toEqual(attached(0));
    expect(attached(1).map(([name]) => name)).toEqual(expect.arrayContaining([`${runId}.json`, `${runId}.csv`]));
    // The run became its scope's history, as the one-Lambda run did in its own deployment.
    expect((await partitioned.audit.history.previous(partitioned.audit.inventory.tableName))?.run.runId).toBe(runId);
  });
});

describe('history kept by diff range', () => {
  it('a second run cut into another number of partitions diffs each range with the previous run\'s parts of its buckets: the one-Lambda run\'s reports, byte for byte', async () => {
    const name = `parts-history-${++deployments}`;
    const [single, partitioned] = await Promise.all([deployment(name, peers.twinDynamo.endpoint), deployment(name, peers.dynamo.endpoint)]);
    const request = { ...EVERYTHING, notify: false };
    const cuts: number[] = [];
    for (const partitions of [4, 3]) {
      const runId = await queuedRun(single, undefined, request);
      await queuedRun(partitioned, runId, request);
      const one = await executeAudit(runId, single.audit);
      const cut = { ...partitioned.audit, stateMachine: { ...partitioned.audit.stateMachine!, partitions } };
      const planned = await planPartitionedRun(runId, cut);
      expect(planned.ranges).toHaveLength(planned.partitions.length);
      cuts.push(planned.partitions.length);
      await mapAll(partitioned, runId, planned.partitions);
      const reduced = await reduce(partitioned, runId);
      expect(reduced.status).toBe('succeeded');
      expect(sha256Of(reduced)).toEqual(sha256Of(one));
      expect(reduced.changes).toEqual(one.changes);
      // Kept by range: the next run's ranges read only the parts of their buckets.
      const previous = (await partitioned.audit.history.previous(partitioned.audit.inventory.tableName))!;
      expect(previous.run.runId).toBe(runId);
      expect(previous.statesOf).toBeDefined();
    }
    expect(cuts).toEqual([4, 3]);
  });
});

describe('diff ranges', () => {
  it('a retried diff child keeps the ranges it had finished (nothing diffed or stored again); a range outside the plan is refused', async () => {
    const deps = await deployment(`range-retry-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions, ranges } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    const first = await diffRangeBatch({ BatchInput: { runId }, Items: [0, 1] }, deps.audit);
    expect(first.ranges.map((range) => range.status)).toEqual(['done', 'done']);
    const put = deps.audit.runFiles.put.bind(deps.audit.runFiles);
    const stored: string[] = [];
    deps.audit.runFiles.put = (key, ...rest) => (stored.push(key), put(key, ...rest));
    expect(await diffRangeBatch({ BatchInput: { runId }, Items: [0, 1, 2] }, deps.audit)).toEqual({ runId, ranges: [...first.ranges, expect.objectContaining({ range: 2, status: 'done' })] });
    expect(stored.filter((key) => /\/ranges\/[01]\./.test(key))).toEqual([]);
    // Its findings and resolved findings; its new states went to the history as a part of their own.
    expect(stored.filter((key) => key.includes('/ranges/2.'))).toEqual([partitionedRunKeys.rangeFile(runId, 2, 'findings'), partitionedRunKeys.rangeFile(runId, 2, 'resolved')]);
    expect(await deps.audit.runFiles.readJson(partitionedRunKeys.range(runId, 2))).toMatchObject({ statesPart: { index: 2, chunks: expect.any(Number) } });
    // The first range counted moved the progress from the map to the diff; a range retried counts once.
    const record = (await deps.runs.get(runId))!;
    expect(record.progress).toMatchObject({ phase: 'diff', done: 3, total: ranges.length, unit: 'ranges' });
    expect(describeProgress(record.progress)).toBe(`diffing with history: 3 of ${ranges.length} ranges done`);
    await expect(diffRangeBatch({ BatchInput: { runId }, Items: [ranges.length] }, deps.audit)).rejects.toThrow(`Run ${runId} has ${ranges.length} diff ranges: there is no range ${ranges.length + 1}.`);
  });
});

describe('report parts', () => {
  it('a retried assembly child keeps the parts it had written (nothing written or stored again); progress counts each part once; a part outside the plan is refused', async () => {
    const deps = await deployment(`part-retry-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions, parts } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    await diffAll(deps, runId);
    const first = await assemblePartBatch({ BatchInput: { runId }, Items: [0, 1] }, deps.audit);
    expect(first.parts.map((part) => part.status)).toEqual(['done', 'done']);
    const put = deps.audit.runFiles.put.bind(deps.audit.runFiles);
    const stored: string[] = [];
    deps.audit.runFiles.put = (key, ...rest) => (stored.push(key), put(key, ...rest));
    expect(await assemblePartBatch({ BatchInput: { runId }, Items: [0, 1, 2] }, deps.audit)).toEqual({ runId, parts: [...first.parts, expect.objectContaining({ part: 2, status: 'done' })] });
    expect(stored.filter((key) => /\/parts\/[01]\./.test(key))).toEqual([]);
    // Its JSON and CSV part files.
    expect(stored.filter((key) => key.includes('/parts/2.'))).toEqual([partitionedRunKeys.partFile(runId, 2, 'json'), partitionedRunKeys.partFile(runId, 2, 'csv')]);
    const record = (await deps.runs.get(runId))!;
    expect(record.progress).toMatchObject({ phase: 'assemble', done: 3, total: parts.length, unit: 'parts' });
    expect(describeProgress(record.progress)).toBe(`writing the reports in parts: 3 of ${parts.length} parts done`);
    expect(record).not.toHaveProperty('partsDone');
    await expect(assemblePartBatch({ BatchInput: { runId }, Items: [parts.length] }, deps.audit)).rejects.toThrow(`Run ${runId} has ${parts.length} report parts: there is no part ${parts.length + 1}.`);
  });

  it('a part whose child failed (the Catch recorded it) makes the run partial, named in the reasons; its findings are counted but not listed, and nothing becomes history', async () => {
    const deps = await deployment(`part-failed-${++deployments}`);
    const runId = await queuedRun(deps);
    const { partitions, parts } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    await diffAll(deps, runId);
    for (const part of parts.slice(1)) await assemblePartBatch({ BatchInput: { runId }, Items: [part] }, deps.audit);
    const caught = await assemblePartBatch({ BatchInput: { runId }, Items: [0], error: { Error: 'States.Timeout' } }, deps.audit);
    expect(caught.parts).toEqual([{ part: 0, status: 'failed', findings: 0 }]);
    const record = await reducePartitionedRun(runId, deps.audit);
    expect(record.status).toBe('partial');
    expect(record.summary!.incompleteReasons).toContain(`Report part 1 of ${parts.length} failed: States.Timeout (its findings are counted in the summary but not listed in the reports).`);
    expect(peers.smtp.messages.at(-1)!.subject).toMatch(/^\[Retention audit\] INCOMPLETE/);
    expect(await deps.audit.history.previous(deps.audit.inventory.tableName)).toBeNull();
  });
});

describe('a dry run (no history)', () => {
  it('has no diff ranges: each partition sorts by itemId and the reduce merges them into the one-Lambda run\'s reports; nothing becomes history', async () => {
    const name = `dry-${++deployments}`;
    const [single, partitioned] = await Promise.all([deployment(name, peers.twinDynamo.endpoint), deployment(name, peers.dynamo.endpoint)]);
    const request = { ...EVERYTHING, notify: false, dryRun: true };
    const runId = await queuedRun(single, undefined, request);
    await queuedRun(partitioned, runId, request);
    const one = await executeAudit(runId, single.audit);
    const planned = await planPartitionedRun(runId, partitioned.audit);
    expect(planned.ranges).toEqual([]);
    await mapAll(partitioned, runId, planned.partitions);
    const result = await partitioned.audit.runFiles.readJson<PartitionResult>(partitionedRunKeys.result(runId, 0));
    expect(result).toMatchObject({ sortedBy: 'itemId', digest: null });
    const reduced = await reduce(partitioned, runId);
    expect(reduced.status).toBe('succeeded');
    expect(sha256Of(reduced)).toEqual(sha256Of(one));
    expect(reduced.summary).toEqual(one.summary);
    expect(await partitioned.audit.history.previous(partitioned.audit.inventory.tableName)).toBeNull();
  });
});

/** A client of the local S3 server, for what the product never does itself (listing, deleting). */
async function withS3<T>(work: (client: S3Client) => Promise<T>): Promise<T> {
  const client = new S3Client({ endpoint: peers.s3.endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/** Every key of a bucket of the local S3 server. */
async function keysOf(bucket: string): Promise<string[]> {
  const listed = await withS3((client) => client.send(new ListObjectsV2Command({ Bucket: bucket })));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

describe("where a run's files go", () => {
  it('the plan, each partition\'s findings and result, each diff range\'s and report part\'s files and result, the reports\' tails go to the run-files bucket; the ranges\' states to the history; the reports bucket gets the reports and nothing under runs/', async () => {
    const deps = await deployment(`buckets-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions, ranges, parts } = await planPartitionedRun(runId, deps.audit);
    expect(ranges).toEqual(partitions.map((_, index) => index));
    expect(parts).toEqual(partitions.map((_, index) => index));
    await mapAll(deps, runId, partitions);
    const record = await reduce(deps, runId);
    expect(record.status).toBe('succeeded');

    const { REPORTS_BUCKET, RUN_FILES_BUCKET } = deps.config;
    expect(RUN_FILES_BUCKET).toBeDefined();
    expect(RUN_FILES_BUCKET).not.toBe(REPORTS_BUCKET);
    expect(await keysOf(RUN_FILES_BUCKET!)).toEqual(
      [
        partitionedRunKeys.plan(runId),
        ...partitions.flatMap((p) => [partitionedRunKeys.result(runId, p.index), partitionedRunKeys.lines(runId, p.index)]),
        // A range's new states are a part of the history (the runs table), not a file.
        ...ranges.flatMap((range) => [partitionedRunKeys.range(runId, range), ...(['findings', 'resolved'] as const).map((file) => partitionedRunKeys.rangeFile(runId, range, file))]),
        // JSON and CSV are put together from parts (the PDF from what the parts collected).
        ...parts.flatMap((part) => [partitionedRunKeys.part(runId, part), partitionedRunKeys.partFile(runId, part, 'json'), partitionedRunKeys.partFile(runId, part, 'csv')]),
        partitionedRunKeys.tail(runId, 'json'),
        partitionedRunKeys.tail(runId, 'csv'),
      ].sort(),
    );
    const reports = await keysOf(REPORTS_BUCKET);
    expect(reports.filter((key) => key.startsWith('runs/'))).toEqual([]);
    expect(reports).toEqual(['waivers.yaml', ...Object.values(record.reports!).map((stored) => stored!.key)].sort());
  });

  it('without RUN_FILES_BUCKET (local runs) the run files share the reports bucket\'s store; a malformed name is refused in one sentence', () => {
    const env = { INVENTORY_TABLE: 'inventory', RUNS_TABLE: 'runs', REPORTS_BUCKET: 'reports-bucket', DPO_EMAIL: 'dpo@example.com', SENDER_EMAIL: 'auditor@example.com', AUDIT_WORKER_FUNCTION: 'worker' };
    const reports = new ReportStore(new S3Client({ region: 'eu-central-1' }), 'reports-bucket');
    expect(runFilesOf(readDeliveryConfig(env), reports)).toBe(reports);
    // serverless.yml writes an unset variable as an empty string.
    expect(runFilesOf(readDeliveryConfig({ ...env, RUN_FILES_BUCKET: '' }), reports)).toBe(reports);
    expect(runFilesOf(readDeliveryConfig({ ...env, RUN_FILES_BUCKET: 'reports-bucket' }), reports)).toBe(reports);
    expect(runFilesOf(readDeliveryConfig({ ...env, RUN_FILES_BUCKET: 'run-files-bucket' }), reports).describe()).toBe('s3://run-files-bucket');
    expect(() => readDeliveryConfig({ ...env, RUN_FILES_BUCKET: '[object Object]' })).toThrow('Configuration RUN_FILES_BUCKET is invalid: must be an S3 bucket name.');
  });
});

describe('partitions that fail', () => {
  it('a partition whose child failed (the Catch recorded it) makes the run partial, named in the reasons; the others still count', async () => {
    const deps = await deployment(`failed-${++deployments}`);
    const runId = await queuedRun(deps);
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    const [broken, ...rest] = [...partitions].reverse();
    await mapAll(deps, runId, rest.reverse());
    const cause = JSON.stringify({ errorType: 'StoreError', errorMessage: 'DynamoDB Query on table inventory failed: InternalServerError' });
    const caught = await mapPartitionBatch({ BatchInput: { runId }, Items: [broken!], error: { Error: 'StoreError', Cause: cause } }, deps.audit);
    expect(caught.partitions).toEqual([{ index: broken!.index, status: 'failed', findings: 0 }]);

    const record = await reduce(deps, runId);
    expect(record.status).toBe('partial');
    expect(record.summary!.complete).toBe(false);
    const reason = record.summary!.incompleteReasons.find((text) => text.includes(`Partition ${partitions.length} of ${partitions.length}`));
    expect(reason).toContain('StoreError: DynamoDB Query on table inventory failed: InternalServerError');
    expect(peers.smtp.messages).toHaveLength(1);
    expect(peers.smtp.messages[0]!.subject).toMatch(/^\[Retention audit\] INCOMPLETE/);
  });

  it('a partition DynamoDB would not give whole is thrown as Throttled (the state machine retries the child), and records no result', async () => {
    const deps = await deployment(`gap-${++deployments}`);
    const runId = await queuedRun(deps);
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    // The table gone after the plan: every Query of the partition fails, after the SDK's retries, as a gap.
    await deps.audit.inventory.client.send(new DeleteTableCommand({ TableName: deps.audit.inventory.tableName }));
    const mapped = mapPartitionBatch({ BatchInput: { runId }, Items: partitions.slice(0, 1) }, deps.audit);
    await expect(mapped).rejects.toMatchObject({ name: 'Throttled', message: expect.stringMatching(/^Partition 1 of \d+ \(itemIds from the first to before .*\) could not be read whole: Query of snapshot .* stopped: ResourceNotFoundException/) });
    expect(await deps.audit.runFiles.readJson(partitionedRunKeys.result(runId, 0))).toBeNull();
  });

  it('a partition that recorded no result at all is failed by the reduce: "it recorded no result"', async () => {
    const deps = await deployment(`silent-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions.slice(1));
    const record = await reduce(deps, runId);
    expect(record.status).toBe('partial');
    expect(record.summary!.incompleteReasons).toEqual([expect.stringMatching(new RegExp(`^Part of the snapshot could not be read: Partition 1 of ${partitions.length} \\(.*\\) failed: it recorded no result$`))]);
  });

  it('a partition whose lines are gone from the run-files bucket is failed by the reduce, which streams the others\' lines (nothing staged in /tmp)', async () => {
    const deps = await deployment(`lines-gone-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    await withS3((client) => client.send(new DeleteObjectCommand({ Bucket: deps.config.RUN_FILES_BUCKET!, Key: partitionedRunKeys.lines(runId, 1) })));
    const streamed: string[] = [];
    const lines = deps.audit.runFiles.lines.bind(deps.audit.runFiles);
    deps.audit.runFiles.lines = (key, ...rest) => (streamed.push(key), lines(key, ...rest));

    const record = await reduce(deps, runId);

    expect(record.status).toBe('partial');
    expect(record.summary!.incompleteReasons).toEqual([expect.stringMatching(new RegExp(`^Part of the snapshot could not be read: Partition 2 of ${partitions.length} \\(.*\\) failed: its findings are missing from the run-files bucket$`))]);
    // Each diff range read its segment of every other partition; the reduce read the ranges' files.
    const partitionsRead = [...new Set(streamed.filter((key) => key.includes('/partitions/')))];
    expect(partitionsRead.sort()).toEqual(partitions.filter((p) => p.index !== 1).map((p) => partitionedRunKeys.lines(runId, p.index)).sort());
  });

  it("the Catch keeps a partition the child had mapped before it failed", async () => {
    const deps = await deployment(`kept-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions.slice(0, 1));
    const caught = await mapPartitionBatch({ BatchInput: { runId }, Items: partitions.slice(0, 2), error: { Error: 'States.Timeout' } }, deps.audit);
    expect(caught.partitions.map((p) => p.status)).toEqual(['done', 'failed']);
    const failed = await deps.audit.runFiles.readJson<PartitionResult>(partitionedRunKeys.result(runId, 1));
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Partition 2 of \d+ .* failed: States\.Timeout$/) });
  });
});

describe('progress and retries', () => {
  it('counts each partition once ("2 of N partitions done"), even when a child is retried', async () => {
    const deps = await deployment(`progress-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions.slice(0, 2));
    await mapAll(deps, runId, partitions.slice(1, 2));
    const record = (await deps.runs.get(runId))!;
    expect(record.progress).toMatchObject({ phase: 'map', done: 2, total: partitions.length, unit: 'partitions' });
    expect(describeProgress(record.progress)).toBe(`mapping the partitions: 2 of ${partitions.length} partitions done`);
    expect(record).not.toHaveProperty('partitionsDone');
  });

  it('a retried plan returns the stored plan; another execution or an ended run gets no partitions; a reduce of an ended run does nothing', async () => {
    const deps = await deployment(`retry-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const first = await planPartitionedRun(runId, deps.audit);
    expect(await planPartitionedRun(runId, deps.audit)).toEqual(first);

    const other = { ...deps.audit, stateMachine: { ...deps.audit.stateMachine!, stateMachineArn: `${TWIN_STATE_MACHINE}-other` } };
    expect(await planPartitionedRun(runId, other)).toEqual({ runId, partitions: [], ranges: [], parts: [] });

    await deps.runs.transition(runId, ['running'], { status: 'failed', error: 'stopped' });
    expect(await planPartitionedRun(runId, deps.audit)).toEqual({ runId, partitions: [], ranges: [], parts: [] });
    expect(await mapPartitionBatch({ BatchInput: { runId }, Items: first.partitions.slice(0, 1) }, deps.audit)).toEqual({ runId, partitions: [] });
    expect(await diffRangeBatch({ BatchInput: { runId }, Items: [0] }, deps.audit)).toEqual({ runId, ranges: [] });
    expect(await reduce(deps, runId)).toMatchObject({ status: 'failed', error: 'stopped' });
    expect(await deps.audit.runFiles.readJson(partitionedRunKeys.result(runId, 0))).toBeNull();
  });

  it('a map step stops itself before its function\'s deadline, naming the partition; the run stays running for the Catch', async () => {
    const deps = await deployment(`deadline-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    const spent = { deadlineAt: new Date(Date.now() + 1_000), stopAt: new Date(Date.now() - 1) };
    await expect(mapPartitionBatch({ BatchInput: { runId }, Items: partitions.slice(0, 1) }, deps.audit, spent)).rejects.toThrow(
      new RegExp(`^Timed out: Partition 1 of ${partitions.length} \\(.+\\) stopped itself before its function's time limit`),
    );
    expect((await deps.runs.get(runId))!.status).toBe('running');
    expect(await deps.audit.runFiles.readJson(partitionedRunKeys.result(runId, 0))).toBeNull();
  });

  it('throttling while the findings are read (diff, reduce) is left to the state machine to retry (Throttled), and the retry finishes the run', async () => {
    const deps = await deployment(`throttled-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, notify: false });
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    const lines = deps.audit.runFiles.lines.bind(deps.audit.runFiles);
    let throttle = true;
    deps.audit.runFiles.lines = async function* (key, ...rest) {
      if (throttle) throw new ThrottledError(`S3 kept throttling GetObject on ${key} after retries (SlowDown).`);
      yield* lines(key, ...rest);
    };
    await expect(reduce(deps, runId)).rejects.toMatchObject({ name: 'Throttled' });
    expect((await deps.runs.get(runId))!.status).toBe('running');
    throttle = false;
    expect((await reduce(deps, runId)).status).toBe('succeeded');
  });

  it.each([
    ['the reports are being stored is not retried (a retry would store, commit and mail twice)', 'throttled-late', 'put', 'PutObject'],
    ['a report is being put together in the reports bucket is not retried either (a retry would store it twice)', 'throttled-assembly', 'assemble', 'UploadPartCopy'],
  ] as const)('throttling once %s: the run ends failed, once', async (_, name, method, call) => {
    const deps = await deployment(`${name}-${++deployments}`);
    const runId = await queuedRun(deps);
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions);
    deps.audit.reports[method] = async (key: string) => {
      throw new ThrottledError(`S3 kept throttling ${call} on ${key} after retries (SlowDown).`);
    };
    const message = new RegExp(`S3 kept throttling ${call}`);
    const reduced = reduce(deps, runId);
    await expect(reduced).rejects.toThrow(message);
    await expect(reduced).rejects.not.toMatchObject({ name: 'Throttled' });
    expect(await deps.runs.get(runId)).toMatchObject({ status: 'failed', error: expect.stringMatching(message) });
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);
  });

  it('a map step of a run that was never planned fails with one sentence', async () => {
    const deps = await deployment(`unplanned-${++deployments}`);
    const runId = await queuedRun(deps);
    await expect(mapPartitionBatch({ BatchInput: { runId }, Items: [{ index: 0, count: 1, spec: { kind: 'whole' } }] }, deps.audit)).rejects.toThrow(
      `Run ${runId} has no plan in s3://${deps.config.RUN_FILES_BUCKET}: it was not planned, so its partitions cannot be mapped.`,
    );
  });
});

describe('failure: the plan, MarkFailed and the sweep', () => {
  it('a plan that cannot be made fails the run with its error and one failure mail, and throws for the Catch', async () => {
    const deps = await deployment(`noplan-${++deployments}`);
    const runId = await queuedRun(deps, undefined, { ...EVERYTHING, snapshotId: 'snap-missing' });
    await expect(planPartitionedRun(runId, deps.audit)).rejects.toThrow(`Snapshot snap-missing is not in DynamoDB table ${deps.config.INVENTORY_TABLE}.`);
    expect(await deps.runs.get(runId)).toMatchObject({ status: 'failed', error: `Snapshot snap-missing is not in DynamoDB table ${deps.config.INVENTORY_TABLE}.` });
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);
    // The state machine's MarkFailed that follows tells no one twice.
    expect(await markRunFailed({ runId, error: { Error: 'InputError' } }, deps.audit)).toBe('already-ended');
    expect(await deps.audit.runFiles.readJson(partitionedRunKeys.plan(runId))).toBeNull();
  });

  it('MarkFailed fails a running run with the error and how far it got, mails once; a second call changes nothing', async () => {
    const deps = await deployment(`mark-${++deployments}`);
    const runId = await queuedRun(deps);
    const { partitions } = await planPartitionedRun(runId, deps.audit);
    await mapAll(deps, runId, partitions.slice(0, 1));
    const error = { Error: 'Lambda.Unknown', Cause: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: 1 Error: Runtime exited with error: signal: killed' }) };
    expect(await markRunFailed({ runId, error }, deps.audit)).toBe('marked');
    expect(await markRunFailed({ runId, error }, deps.audit)).toBe('already-ended');
    expect(await deps.runs.get(runId)).toMatchObject({
      status: 'failed',
      error: `The state machine stopped the run (Runtime.ExitError: RequestId: 1 Error: Runtime exited with error: signal: killed), mapping the partitions: 1 of ${partitions.length} partitions done.`,
    });
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);
    // A reduce that still arrives does nothing.
    expect((await reduce(deps, runId)).status).toBe('failed');
  });

  it('the sweep leaves a run alone while its execution is RUNNING, however old, and fails it once the execution ended', async () => {
    const deps = await deployment(`sweep-${++deployments}`);
    const runId = await queuedRun(deps);
    await planPartitionedRun(runId, deps.audit);
    let state: ExecutionState = 'RUNNING';
    const asked: string[] = [];
    deps.audit.stateMachine = { ...deps.audit.stateMachine!, executions: { status: async (arn) => (asked.push(arn), state) } };
    // Hours past any function's time limit.
    deps.audit.now = () => new Date(Date.parse(TWIN_CREATED) + 5 * 3600_000);
    expect(await sweepStuckRuns(deps.audit, LIMITS)).toEqual([]);
    expect(asked).toEqual([EXECUTION(runId)]);
    expect((await deps.runs.get(runId))!.status).toBe('running');

    state = 'FAILED';
    expect(await sweepStuckRuns(deps.audit, LIMITS)).toEqual([runId]);
    expect((await deps.runs.get(runId))!.error).toBe(
      `The state machine's execution ${EXECUTION(runId)} ended FAILED without finishing the run, mapping the partitions: 0 of ${(await deps.audit.runFiles.readJson<{ partitions: unknown[] }>(partitionedRunKeys.plan(runId)))!.partitions.length} partitions done.`,
    );
    expect(await sweepStuckRuns(deps.audit, LIMITS)).toEqual([]);
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);
  });
});

describe('the nightly run above the threshold', () => {
  const event = 'sched-event-1';
  it('starts an execution instead of running inline, once per event; below the threshold it runs inline', async () => {
    const deps = await deployment(`nightly-${++deployments}`);
    const launched: string[] = [];
    let large = true;
    const largeRuns = {
      threshold: { isLarge: async () => large },
      stateMachine: {
        launch: async (runId: string) => {
          launched.push(runId);
          await deps.runs.update(runId, { executionArn: EXECUTION(runId) });
        },
      },
    } as unknown as NonNullable<Deps['largeRuns']>;
    const limits = { deadlineAt: new Date(Date.now() + 900_000), stopAt: new Date(Date.now() + 840_000) };

    const queued = await runScheduled(`${event}-${deployments}`, { ...deps, largeRuns }, limits);
    expect(queued).toMatchObject({ status: 'queued', executionArn: EXECUTION(queued.runId) });
    expect(launched).toEqual([queued.runId]);
    // A redelivered event finds its run on the state machine: nothing is started twice.
    expect((await runScheduled(`${event}-${deployments}`, { ...deps, largeRuns }, limits)).runId).toBe(queued.runId);
    expect(launched).toHaveLength(1);

    large = false;
    const inline = await runScheduled(`${event}-${deployments}-small`, { ...deps, largeRuns }, limits);
    expect(inline.status).toBe('succeeded');
    expect(launched).toHaveLength(1);
  });

  it('an execution that cannot be started fails the run with its failure mail', async () => {
    const deps = await deployment(`nightly-fail-${++deployments}`);
    const largeRuns = {
      threshold: { isLarge: async () => true },
      stateMachine: { launch: async () => Promise.reject(new Error('Step Functions refused StartExecution')) },
    } as unknown as NonNullable<Deps['largeRuns']>;
    const limits = { deadlineAt: new Date(Date.now() + 900_000), stopAt: new Date(Date.now() + 840_000) };
    await expect(runScheduled(`${event}-broken-${deployments}`, { ...deps, largeRuns }, limits)).rejects.toThrow('Step Functions refused StartExecution');
    const [run] = await deps.runs.listRecent(1);
    expect(run).toMatchObject({ status: 'failed', error: 'The audit could not be started: Step Functions refused StartExecution' });
    expect(peers.smtp.messages.map((m) => m.subject)).toEqual([failedSubject(run!.runId)]);
  });
});
