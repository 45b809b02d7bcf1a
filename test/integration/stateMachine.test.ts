/**
 * The partitioned audit's state machine, executed: the definition of
 * infra/stateMachine.js run by aws-local-stepfunctions (its Distributed Map
 * batching as AWS does), each Task invoking the real handler — planAudit,
 * mapPartitions, diffRanges, assembleParts, reduceAudit, markRunFailed — on local
 * peers: DynamoDB (dynalite), S3 (s3rver, taught UploadPartCopy and S3's 5 MiB
 * part minimum) and an SMTP sink. A run starts as the product starts it
 * (StepFunctionsLauncher → StartExecution). It completes with the reports a
 * one-Lambda run of the same inventory gives, a large report put together by S3
 * from its parts; a throttled child is retried; a partition, a diff range or a
 * report part that keeps failing makes the run partial and is named; a failed
 * reduce ends in MarkFailed and the Fail state with one failure mail; and the
 * sweep (DescribeExecution) never finds a run left running.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { handle as mapPartitions } from '../../handlers/mapPartitions';
import { handle as markRunFailed } from '../../handlers/markRunFailed';
import { handle as planAudit } from '../../handlers/planAudit';
import { handle as diffRanges } from '../../handlers/diffRanges';
import { handle as assembleParts } from '../../handlers/assembleParts';
import { handle as reduceAudit } from '../../handlers/reduceAudit';
import { buildDefinition, FUNCTION_TIMEOUTS, type Definition, type StepFunctionName } from '../../infra/stateMachine';
import { sha256File } from '../../lib/audit/sha256File';
import { StoreError, ThrottledError } from '../../lib/errors';
import { executeAudit } from '../../lib/delivery/executeAudit';
import { executionArnOf } from '../../lib/delivery/launchers';
import { partitionedRunKeys } from '../../lib/delivery/PartitionedRunPlan';
import { sweepStuckRuns } from '../../lib/delivery/recoverRuns';
import type { AuditRequest, RunRecord } from '../../lib/delivery/RunRecord';
import type { FormatId } from '../../lib/report/formats/formatIds';
import type { Partition, PartitionResult } from '../../lib/partitioned/Partition';
import { queuedRun, TWIN_PARTITIONS, TWIN_STATE_MACHINE, twinDeployment, useTwinPeers, type TwinDeployment, type TwinPeers } from '../helpers/twinPeers';
import { lambdaServiceError, type InvokeCall, type InvokeFault, type LocalFunction } from '../helpers/stepFunctions/lambdaTasks';
import { LocalStepFunctions, type LocalExecution } from '../helpers/stepFunctions/LocalStepFunctions';

type AslResult = { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => AslResult;

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const SERVICE = 'retention-auditor-test';
const PARTITIONS = TWIN_PARTITIONS;
const SWEEP_LIMITS = { timeoutSeconds: 900, maxEventAgeSeconds: 3600 };
const failedSubject = (runId: string) => `[Retention audit] FAILED — run ${runId}`;
/** A Task's FunctionName, as Fn::GetAtt gives it in the stack. */
const functionArn = (name: StepFunctionName) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${SERVICE}-${name}`;
const HANDLERS = { planAudit, mapPartitions, diffRanges, assembleParts, reduceAudit, markRunFailed };

type MultipartOperation = 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload';
/** A request of the multipart API the local S3 answered: `UploadPartCopy s3://bucket/key`, … */
type MultipartRequest = `${MultipartOperation} s3://${string}`;
/** The part of a Koa context (s3rver is a Koa app) a middleware here reads. */
type KoaContext = { method: string; path: string; query: Record<string, unknown>; headers: Record<string, unknown> };

/**
 * The peers of useTwinPeers (test/helpers/twinPeers.ts), the local S3 taught what s3rver lacks and the reduce uses
 * (test/helpers/aws/s3rverPartCopy.ts): UploadPartCopy, AbortMultipartUpload, and S3's checks at CompleteMultipartUpload
 * with S3's own 5 MiB part minimum, the one the product's assembly plans with (lib/aws/assembleObject.ts). `multipart`
 * lists the multipart requests it answered, for the test that follows them.
 */
function usePartCopyPeers(): TwinPeers & { multipart: MultipartRequest[] } {
  const multipart: MultipartRequest[] = [];
  const peers = useTwinPeers({
    // Before the emulation (Koa runs the first middleware first): it sees every request, as S3 would be asked.
    configureS3: (server) =>
      (server as unknown as { middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[] }).middleware.unshift(async (ctx, next) => {
        const operation = multipartOperation(ctx);
        // A path-style request's path is /bucket/key.
        if (operation) multipart.push(`${operation} s3://${decodeURIComponent(ctx.path.slice(1))}`);
        await next();
      }),
  });
  beforeEach(() => multipart.splice(0));
  return Object.assign(peers, { multipart });
}

/** Which multipart operation a path-style S3 request is, if it is one. */
function multipartOperation(ctx: KoaContext): MultipartOperation | undefined {
  const { method, query, headers } = ctx;
  if (method === 'POST' && 'uploads' in query) return 'CreateMultipartUpload';
  if (!('uploadId' in query)) return undefined;
  if (method === 'PUT') return 'x-amz-copy-source' in headers ? 'UploadPartCopy' : 'UploadPart';
  if (method === 'POST') return 'CompleteMultipartUpload';
  return method === 'DELETE' ? 'AbortMultipartUpload' : undefined;
}

const peers = usePartCopyPeers();
let stopServing: (() => void) | undefined;
afterEach(() => {
  stopServing?.();
  stopServing = undefined;
});

type Deps = TwinDeployment;
let deployments = 0;

/** A deployment with the state machine, on the example inventory; twins (same `name`, another DynamoDB) name the same tables. */
const deployment = (name: string, endpoint = peers.dynamo.endpoint): Promise<Deps> => twinDeployment(peers, name, { endpoint });

const definitionFor = (maxItemsPerBatch: number): Definition => buildDefinition({ functionArn, maxConcurrency: PARTITIONS, maxItemsPerBatch });

/** The runId of a step's event: the reduce's `{ runId }`, a map or diff child's `{ BatchInput: { runId } }`. */
const runIdOf = (event: unknown) => (event as { runId?: string }).runId ?? (event as { BatchInput: { runId: string } }).BatchInput.runId;

/** The run as steps found it: `afterMap` as the first step after the map (a diff child, or a part child of a dry run), `beforeReduce` as the reduce. */
interface Observed {
  afterMap: RunRecord[];
  beforeReduce: RunRecord[];
}

/** The deployment's six step functions, each its real handler with this deployment's container. */
function functionsOf(deps: Deps, observed: Observed): Record<string, LocalFunction> {
  // Children start at once: the first one claims the look, before it awaits anything.
  const looked = new Set<RunRecord[]>();
  const observe = async (list: RunRecord[], event: unknown) => {
    if (looked.has(list)) return;
    looked.add(list);
    list.push((await deps.runs.get(runIdOf(event)))!);
  };
  return Object.fromEntries(
    (Object.keys(HANDLERS) as StepFunctionName[]).map((name) => [
      functionArn(name),
      {
        handle: async (event, context) => {
          // How far the map got, and the steps after it.
          if (name === 'diffRanges' || name === 'assembleParts' || name === 'reduceAudit') await observe(observed.afterMap, event);
          if (name === 'reduceAudit') await observe(observed.beforeReduce, event);
          return HANDLERS[name](event, context, deps);
        },
        timeoutSeconds: FUNCTION_TIMEOUTS[name],
      },
    ]),
  );
}

/** The state machine of this deployment, answering its SFNClient until the test ends; retries wait 5 ms, not seconds. */
function stateMachineOf(deps: Deps, options: { maxItemsPerBatch?: number; fault?: InvokeFault } = {}): LocalStepFunctions & Observed {
  const observed: Observed = { afterMap: [], beforeReduce: [] };
  const machine = new LocalStepFunctions({ stateMachineArn: TWIN_STATE_MACHINE, definition: definitionFor(options.maxItemsPerBatch ?? 1), functions: functionsOf(deps, observed), retryIntervalMs: 5, fault: options.fault });
  stopServing = machine.serve();
  return Object.assign(machine, observed);
}

/** Makes the first `times` uploads of `key` (all, by default) fail with `error(key)`; the other uploads go through as they are. */
function failUploadOf(deps: Deps, key: string, error: (key: string) => Error, times = Infinity): void {
  const put = deps.reports.put.bind(deps.reports);
  let failed = 0;
  deps.reports.put = async (...args) => {
    if (args[0] === key && failed < times) {
      failed += 1;
      throw error(key);
    }
    return put(...args);
  };
}

/** The map's count as the step after it found it ("N of 4 partitions done"). */
const mapProgress = (done: number) => ({ phase: 'map', done, total: PARTITIONS, unit: 'partitions' });
/** The report parts' count as the reduce found it (a part holds about a partition's findings: as many parts as partitions). */
const assembleProgress = (done: number) => ({ phase: 'assemble', done, total: PARTITIONS, unit: 'parts' });

/** Starts the run as the product does (StartExecution, its ARN on the run) and waits for the execution to end. */
async function execute(deps: Deps, machine: LocalStepFunctions, runId: string): Promise<LocalExecution> {
  await deps.largeRuns!.stateMachine.launch(runId);
  expect((await deps.runs.get(runId))!.executionArn).toBe(executionArnOf(TWIN_STATE_MACHINE, runId));
  return machine.finished(runId);
}

/** The one-Lambda run of the same inventory in a twin deployment (its own reports bucket), and the one mail it sent. */
async function oneLambdaRun(name: string, runId: string): Promise<{ twin: Deps; record: RunRecord; subject: string }> {
  const twin = await deployment(name, peers.twinDynamo.endpoint);
  await queuedRun(twin, runId);
  const record = await executeAudit(runId, twin.audit);
  expect(record.status).toBe('succeeded');
  expect(peers.smtp.messages).toHaveLength(1);
  const [mail] = peers.smtp.messages.splice(0);
  return { twin, record, subject: mail!.subject! };
}

/** The SHA-256 of what S3 holds for a run's report (not what the record says). */
async function storedSha256(deps: Deps, record: RunRecord, format: FormatId): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'state-machine-report-'));
  try {
    await deps.reports.download(record.reports![format]!.key, join(dir, format));
    return await sha256File(join(dir, format));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The partitions each call of `state` was given, in partition order. */
const batchesOf = (calls: InvokeCall[], state: string) =>
  calls
    .filter((call) => call.state === state)
    .map((call) => (call.payload as { Items: Partition[] }).Items.map((partition) => partition.index))
    .sort((a, b) => a[0]! - b[0]!);
/** The indexes (diff ranges, report parts) each call of `state` was given, in index order. */
const batchesOfIndexes = (calls: InvokeCall[], state: string) =>
  calls
    .filter((call) => call.state === state)
    .map((call) => (call.payload as { Items: number[] }).Items)
    .sort((a, b) => a[0]! - b[0]!);
/** The calls of `state` (a diff or part child) whose batch held index `index`. */
const indexCallsFor = (calls: InvokeCall[], state: string, index: number) => calls.filter((call) => call.state === state && (call.payload as { Items: number[] }).Items.includes(index));
const callsFor = (calls: InvokeCall[], state: string, index: number) => calls.filter((call) => call.state === state && (call.payload as { Items: Partition[] }).Items.some((p) => p.index === index));
const exitedOutput = (execution: LocalExecution, state: string) => execution.events.find((event) => event.type === 'StateExited' && event.state?.name === state)?.state?.output;

/** No run is left running: the run ended, the sweep's DescribeExecution sees the execution ended too, and the sweep finds nothing to end. */
async function expectNothingLeftRunning(deps: Deps, runId: string, execution: LocalExecution): Promise<void> {
  expect((await deps.runs.get(runId))!.status).not.toMatch(/^(queued|running)$/);
  expect(await deps.audit.stateMachine!.executions.status(execution.executionArn)).toBe(execution.status);
  expect(await sweepStuckRuns(deps.audit, SWEEP_LIMITS)).toEqual([]);
}

describe('the definition that is executed', () => {
  it.each([1, 2])('is valid Amazon States Language (asl-validator, ARNs and paths checked) with MaxItemsPerBatch %i', (maxItemsPerBatch) => {
    const definition = definitionFor(maxItemsPerBatch);
    // asl-validator writes into what it validates.
    const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is refused by the local run where aws-local-stepfunctions cannot behave as AWS would (a tolerated failure share other than 0 or 100 %)', () => {
    const definition = buildDefinition({ functionArn, maxConcurrency: PARTITIONS, maxItemsPerBatch: 1, toleratedFailurePercentage: 50 });
    expect(() => new LocalStepFunctions({ stateMachineArn: TWIN_STATE_MACHINE, definition, functions: {} })).toThrow(
      'Map MapPartitions tolerates 50 % of failed children; the local Distributed Map emulates only 0 and 100.',
    );
  });
});

describe('a run on the state machine', () => {
  it.each([1, 2])('plans, maps %i partition(s) per child, reduces: succeeded, the one-Lambda run\'s JSON and CSV byte for byte, one digest mail', async (maxItemsPerBatch) => {
    const name = `complete-${maxItemsPerBatch}-${++deployments}`;
    const deps = await deployment(name);
    const runId = await queuedRun(deps);
    const one = await oneLambdaRun(name, runId);
    const machine = stateMachineOf(deps, { maxItemsPerBatch });

    const execution = await execute(deps, machine, runId);

    expect(execution).toMatchObject({ status: 'SUCCEEDED', input: { runId } });
    // As in AWS with ItemBatcher: each child got { BatchInput: { runId }, Items } of at most MaxItemsPerBatch partitions, every partition once.
    const batches = batchesOf(machine.calls, 'MapBatch');
    expect(batches.flat()).toEqual([0, 1, 2, 3]);
    expect(batches.every((batch) => batch.length <= maxItemsPerBatch)).toBe(true);
    expect(batches).toHaveLength(PARTITIONS / maxItemsPerBatch);
    const children = machine.calls.filter((call) => call.state === 'MapBatch');
    expect(children.map((call) => call.payload)).toEqual(children.map(() => ({ BatchInput: { runId }, Items: expect.any(Array) })));
    expect(machine.calls.map((call) => call.outcome)).toEqual(machine.calls.map(() => 'ok'));
    expect(machine.calls.filter((call) => ['RecordFailure', 'RecordRangeFailure', 'RecordPartFailure', 'MarkFailed'].includes(call.state))).toEqual([]);
    // Every report part was written, by children of the AssembleParts map, after the diff and before the reduce.
    const parts = batchesOfIndexes(machine.calls, 'AssembleBatch');
    expect(parts.flat()).toEqual([0, 1, 2, 3]);
    expect(parts.every((batch) => batch.length <= maxItemsPerBatch)).toBe(true);
    expect(machine.afterMap.map((run) => run.progress)).toEqual([expect.objectContaining(mapProgress(PARTITIONS))]);
    expect(machine.beforeReduce.map((run) => run.progress)).toEqual([expect.objectContaining(assembleProgress(PARTITIONS))]);
    // These reports are small: each went up in one PutObject (S3 refuses parts below 5 MiB but the last).
    expect(peers.multipart).toEqual([]);

    const record = (await deps.runs.get(runId))!;
    expect(record).toMatchObject({ status: 'succeeded', summary: one.record.summary, snapshotSha256: one.record.snapshotSha256 });
    expect(record.summary!.complete).toBe(true);
    expect(record.error).toBeUndefined();
    expect(exitedOutput(execution, 'Reduce')).toMatchObject({ runId, status: 'succeeded' });
    for (const format of ['json', 'csv'] as const) {
      expect([format, await storedSha256(deps, record, format)]).toEqual([format, await storedSha256(one.twin, one.record, format)]);
      expect(record.reports![format]!.sha256).toBe(one.record.reports![format]!.sha256);
    }
    expect(Object.keys(record.reports!).sort()).toEqual(['csv', 'json', 'pdf']);
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([one.subject]);
    await expectNothingLeftRunning(deps, runId, execution);
    // Started again (a redelivered request): Step Functions refuses the execution's name (ExecutionAlreadyExists), nothing runs twice.
    const invocations = machine.calls.length;
    await deps.largeRuns!.stateMachine.launch(runId);
    expect(machine.calls).toHaveLength(invocations);
    expect(peers.smtp.messages).toHaveLength(1);
  });

  it('retries a child that was throttled (Throttled from the handler, Lambda.TooManyRequestsException from Lambda): all partitions, the same reports', async () => {
    const name = `retried-${++deployments}`;
    const deps = await deployment(name);
    const runId = await queuedRun(deps);
    const one = await oneLambdaRun(name, runId);
    // Partition 1: S3 throttles the upload of its findings once; the handler reports Throttled.
    failUploadOf(deps, partitionedRunKeys.lines(runId, 1), (key) => new ThrottledError(`S3 kept throttling PutObject on ${key} after retries (SlowDown).`), 1);
    // Partition 2: Lambda refuses the child's first invocation.
    let refused = 0;
    const fault: InvokeFault = (call) =>
      call.state === 'MapBatch' && (call.payload as { Items: Partition[] }).Items[0]!.index === 2 && refused++ === 0 ? lambdaServiceError('TooManyRequestsException', 429, 'Rate Exceeded.') : undefined;
    const machine = stateMachineOf(deps, { fault });

    const execution = await execute(deps, machine, runId);

    expect(execution.status).toBe('SUCCEEDED');
    expect(callsFor(machine.calls, 'MapBatch', 1).map((call) => call.outcome)).toEqual(['Throttled', 'ok']);
    expect(callsFor(machine.calls, 'MapBatch', 2).map((call) => call.outcome)).toEqual(['Lambda.TooManyRequestsException', 'ok']);
    const retried = execution.events.filter((event) => event.type === 'StateRetried').map((event) => [event.state!.name, (event.state!.input as { Items: Partition[] }).Items[0]!.index]);
    expect(retried.sort()).toEqual([['MapBatch', 1], ['MapBatch', 2]]);
    expect(machine.calls.filter((call) => call.state === 'RecordFailure')).toEqual([]);

    const record = (await deps.runs.get(runId))!;
    expect(record).toMatchObject({ status: 'succeeded', summary: one.record.summary });
    // Each retried partition was counted once.
    expect(machine.afterMap.map((run) => run.progress)).toEqual([expect.objectContaining(mapProgress(PARTITIONS))]);
    for (const format of ['json', 'csv'] as const) expect([format, await storedSha256(deps, record, format)]).toEqual([format, await storedSha256(one.twin, one.record, format)]);
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([one.subject]);
    await expectNothingLeftRunning(deps, runId, execution);
  });

  it('a partition that fails every attempt is caught by its child (RecordFailure): the run is partial, names it, keeps its batch-mate, mails INCOMPLETE', async () => {
    const deps = await deployment(`broken-${++deployments}`);
    const runId = await queuedRun(deps);
    // Partition 4 of 4 (index 3), second of its batch [2, 3]: S3 throttles its findings' upload on every attempt.
    failUploadOf(deps, partitionedRunKeys.lines(runId, 3), (key) => new ThrottledError(`S3 kept throttling PutObject on ${key} after retries (SlowDown).`));
    const machine = stateMachineOf(deps, { maxItemsPerBatch: 2 });
    const mapBatch = definitionFor(2).States.MapPartitions!.ItemProcessor.States.MapBatch;

    const execution = await execute(deps, machine, runId);

    // The child's failure is its own: the map, the reduce and the execution go on.
    expect(execution.status).toBe('SUCCEEDED');
    expect(callsFor(machine.calls, 'MapBatch', 3).map((call) => call.outcome)).toEqual(Array(1 + mapBatch.Retry[0].MaxAttempts).fill('Throttled'));
    const [recorded, ...more] = machine.calls.filter((call) => call.state === 'RecordFailure');
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ outcome: 'ok', payload: { BatchInput: { runId }, Items: [{ index: 2 }, { index: 3 }], error: { Error: 'Throttled' } } });
    expect(execution.events.filter((event) => event.type === 'StateCaught').map((event) => event.state!.name)).toEqual(['MapBatch']);
    // Its batch-mate (index 2) was mapped on each of the six attempts, and counted once.
    expect(machine.afterMap.map((run) => run.progress)).toEqual([expect.objectContaining(mapProgress(PARTITIONS - 1))]);

    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('partial');
    expect(record.summary!.complete).toBe(false);
    expect(record.summary!.incompleteReasons).toEqual([
      expect.stringMatching(new RegExp(`^Part of the snapshot could not be read: Partition 4 of 4 \\(.*\\) failed: Throttled: S3 kept throttling PutObject on runs/${runId}/partitions/3\\.ndjson after retries \\(SlowDown\\)\\.$`)),
    ]);
    // Its batch-mate, mapped before the failure, kept its result.
    expect(await deps.reports.readJson<PartitionResult>(partitionedRunKeys.result(runId, 2))).toMatchObject({ status: 'done' });
    expect(await deps.reports.readJson<PartitionResult>(partitionedRunKeys.result(runId, 3))).toMatchObject({ status: 'failed' });
    expect(Object.keys(record.reports!).sort()).toEqual(['csv', 'json', 'pdf']);
    expect(peers.smtp.messages).toHaveLength(1);
    expect(peers.smtp.messages[0]!.subject).toMatch(/^\[Retention audit\] INCOMPLETE — /);
    await expectNothingLeftRunning(deps, runId, execution);
  });

  it('a diff range that fails every attempt is caught by its child (RecordRangeFailure): the run is partial, names the range, and mails INCOMPLETE', async () => {
    const deps = await deployment(`broken-range-${++deployments}`);
    const runId = await queuedRun(deps);
    // Range 3 of 4 (index 2): S3 throttles the upload of its findings on every attempt.
    failUploadOf(deps, partitionedRunKeys.rangeFile(runId, 2, 'findings'), (key) => new ThrottledError(`S3 kept throttling PutObject on ${key} after retries (SlowDown).`));
    const machine = stateMachineOf(deps);

    const execution = await execute(deps, machine, runId);

    expect(execution.status).toBe('SUCCEEDED');
    const [recorded, ...more] = machine.calls.filter((call) => call.state === 'RecordRangeFailure');
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ outcome: 'ok', payload: { BatchInput: { runId }, Items: [2], error: { Error: 'Throttled' } } });
    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('partial');
    expect(record.summary!.incompleteReasons).toEqual([
      `Diff range 3 of ${PARTITIONS} failed: Throttled: S3 kept throttling PutObject on runs/${runId}/ranges/2.findings after retries (SlowDown) (its findings are counted in the summary but not listed in the reports).`,
    ]);
    // The other ranges' findings are reported; the incomplete run does not become history.
    const report = JSON.parse((await deps.reports.readText(record.reports!.json!.key))!) as { findings: unknown[]; summary: { items: number } };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.length).toBeLessThan(report.summary.items);
    expect(await deps.audit.history.previous(deps.audit.inventory.tableName)).toBeNull();
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^\[Retention audit\] INCOMPLETE — /)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });

  it('a report part that fails every attempt is caught by its child (RecordPartFailure): the run is partial, names the part, commits no history, mails INCOMPLETE', async () => {
    const deps = await deployment(`broken-part-${++deployments}`);
    const runId = await queuedRun(deps);
    // Report part 3 of 4 (index 2): S3 throttles the upload of its JSON bytes on every attempt.
    failUploadOf(deps, partitionedRunKeys.partFile(runId, 2, 'json'), (key) => new ThrottledError(`S3 kept throttling PutObject on ${key} after retries (SlowDown).`));
    const machine = stateMachineOf(deps);
    const assembleBatch = definitionFor(1).States.AssembleParts!.ItemProcessor.States.AssembleBatch;

    const execution = await execute(deps, machine, runId);

    // The child's failure is its own: the map, the reduce and the execution go on.
    expect(execution.status).toBe('SUCCEEDED');
    expect(indexCallsFor(machine.calls, 'AssembleBatch', 2).map((call) => call.outcome)).toEqual(Array(1 + assembleBatch.Retry[0].MaxAttempts).fill('Throttled'));
    const [recorded, ...more] = machine.calls.filter((call) => call.state === 'RecordPartFailure');
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ outcome: 'ok', payload: { BatchInput: { runId }, Items: [2], error: { Error: 'Throttled' } } });
    expect(machine.calls.filter((call) => ['RecordFailure', 'RecordRangeFailure', 'MarkFailed'].includes(call.state))).toEqual([]);
    // The other parts were written and counted; the failed one was not.
    expect(machine.beforeReduce.map((run) => run.progress)).toEqual([expect.objectContaining(assembleProgress(PARTITIONS - 1))]);
    expect(await deps.reports.readJson(partitionedRunKeys.part(runId, 2))).toMatchObject({ part: 2, status: 'failed' });
    for (const part of [0, 1, 3]) expect(await deps.reports.readJson(partitionedRunKeys.part(runId, part))).toMatchObject({ part, status: 'done' });

    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('partial');
    expect(record.summary!.complete).toBe(false);
    expect(record.summary!.incompleteReasons).toEqual([
      `Report part 3 of ${PARTITIONS} failed: Throttled: S3 kept throttling PutObject on ${partitionedRunKeys.partFile(runId, 2, 'json')} after retries (SlowDown) (its findings are counted in the summary but not listed in the reports).`,
    ]);
    // The reports are whole documents without that part's findings; the incomplete run does not become history.
    const report = JSON.parse((await deps.reports.readText(record.reports!.json!.key))!) as { findings: unknown[]; summary: { items: number } };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.length).toBeLessThan(report.summary.items);
    expect(Object.keys(record.reports!).sort()).toEqual(['csv', 'json', 'pdf']);
    expect(await deps.audit.history.previous(deps.audit.inventory.tableName)).toBeNull();
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^\[Retention audit\] INCOMPLETE — /)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });

  it('a child whose RecordFailure fails too is tolerated by the map (ToleratedFailurePercentage 100): the reduce finds the partition without a result, the run is partial', async () => {
    const deps = await deployment(`unrecorded-${++deployments}`);
    const runId = await queuedRun(deps);
    // Partition 1 of 4: its findings cannot be uploaded (StoreError: not retried), and Lambda keeps failing the Catch's RecordFailure.
    failUploadOf(deps, partitionedRunKeys.lines(runId, 0), (key) => new StoreError(`S3 PutObject on ${key} failed: InternalError.`));
    const machine = stateMachineOf(deps, { fault: (call) => (call.state === 'RecordFailure' ? lambdaServiceError('ServiceException', 500, 'Internal server error.') : undefined) });
    const recordFailure = definitionFor(1).States.MapPartitions!.ItemProcessor.States.RecordFailure;

    const execution = await execute(deps, machine, runId);

    expect(execution.status).toBe('SUCCEEDED');
    expect(callsFor(machine.calls, 'MapBatch', 0).map((call) => call.outcome)).toEqual(['StoreError']);
    expect(callsFor(machine.calls, 'RecordFailure', 0).map((call) => call.outcome)).toEqual(Array(1 + recordFailure.Retry[0].MaxAttempts).fill('Lambda.ServiceException'));
    expect(machine.calls.filter((call) => call.state === 'MarkFailed')).toEqual([]);
    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('partial');
    expect(record.summary!.incompleteReasons).toEqual([expect.stringMatching(/^Part of the snapshot could not be read: Partition 1 of 4 \(.*\) failed: it recorded no result$/)]);
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^\[Retention audit\] INCOMPLETE — /)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });
});

/**
 * `count` items, the example inventory's cycled under fresh itemIds, each with a store resource, owner, tenant and region
 * as long as the inventory schema allows (1,024 and 256 characters): about 3 KiB of JSON a finding, a little less of CSV.
 */
async function writeLargeInventory(path: string, count: number): Promise<void> {
  const example = readFileSync(resolve(__dirname, '../../examples/inventory.ndjson'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { tenantId?: string; store: { resource: string; region: string } });
  const lines = Array.from({ length: count }, (_, i) => {
    const item = example[i % example.length]!;
    const id = String(i).padStart(6, '0');
    return JSON.stringify({
      ...item,
      itemId: `large-${id}`,
      ...(item.tenantId ? { tenantId: `${item.tenantId}-`.padEnd(256, 't') } : {}),
      store: { ...item.store, resource: `${item.store.resource}/${id}/`.padEnd(1024, 'r'), region: `${item.store.region}-`.padEnd(256, 'g') },
      owner: `owner-${id}-`.padEnd(1024, 'o'),
    });
  });
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** A deployment as twinDeployment makes them (same tables for one `name`), on another inventory file and without waivers. */
const deploymentOn = (name: string, inventoryFile: string, endpoint: string): Promise<Deps> => twinDeployment(peers, name, { endpoint, inventoryFile });

describe('a run whose reports are larger than S3\'s part minimum', () => {
  // Reports of over 40 MiB in 4 parts (as many as partitions): however the findings fall into the parts, one holds over
  // 10 MiB, which S3 copies (what fills the uploaded part before it, under 5 MiB, leaves at least 5 MiB to copy).
  const ITEMS = 14_500;
  const REPORTS: AuditRequest = { formats: ['json', 'csv'], notify: false, dryRun: false };

  it("puts the JSON and CSV reports together in S3 from their parts (UploadPartCopy), byte for byte the one-Lambda run's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'state-machine-large-'));
    try {
      const file = join(dir, 'inventory.ndjson');
      await writeLargeInventory(file, ITEMS);
      const name = `large-${++deployments}`;
      const [deps, twin] = await Promise.all([deploymentOn(name, file, peers.dynamo.endpoint), deploymentOn(name, file, peers.twinDynamo.endpoint)]);
      const runId = await queuedRun(deps, undefined, REPORTS);
      await queuedRun(twin, runId, REPORTS);
      const one = await executeAudit(runId, twin.audit);
      expect(one.status).toBe('succeeded');
      // The one-Lambda run uploads each report whole (one PutObject below 1 GiB).
      expect(peers.multipart).toEqual([]);
      const machine = stateMachineOf(deps);

      const execution = await execute(deps, machine, runId);

      expect(execution.status).toBe('SUCCEEDED');
      const record = (await deps.runs.get(runId))!;
      expect(record).toMatchObject({ status: 'succeeded', summary: one.summary });
      expect(record.summary!.items).toBe(ITEMS);
      // Mostly valid items (the long fields are within the schema's limits): findings with their fields, not bare rejections.
      expect(record.summary!.byVerdict.invalid).toBeLessThan(ITEMS / 4);
      expect(record.reports!.json!.bytes).toBeGreaterThan(40 * 2 ** 20);
      expect(record.reports!.csv!.bytes).toBeGreaterThan(40 * 2 ** 20);
      for (const format of ['json', 'csv'] as const) {
        const key = record.reports![format]!.key;
        // Put together in the reports bucket by one multipart upload: S3 copied the parts of at least 5 MiB from the run files.
        const requests = peers.multipart.filter((request) => request.endsWith(`/${key}`)).map((request) => request.split(' ')[0]);
        expect([format, requests[0], requests.at(-1)]).toEqual([format, 'CreateMultipartUpload', 'CompleteMultipartUpload']);
        expect(requests.filter((operation) => operation === 'UploadPartCopy').length).toBeGreaterThan(0);
        expect(requests).not.toContain('AbortMultipartUpload');
        // What S3 holds is the one-Lambda run's report, and the record's SHA-256 is what S3 holds.
        const stored = await storedSha256(deps, record, format);
        expect([format, stored]).toEqual([format, await storedSha256(twin, one, format)]);
        expect([format, record.reports![format]!.sha256]).toEqual([format, stored]);
      }
      await expectNothingLeftRunning(deps, runId, execution);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('a run the state machine cannot finish', () => {
  it('the reduce throws (not retried) → Catch → MarkFailed → Fail: the execution FAILED, the run failed with the error, one failure mail', async () => {
    const deps = await deployment(`reduce-throws-${++deployments}`);
    const runId = await queuedRun(deps);
    // Only the reduce reads the diff ranges' states and resolved findings (runFiles is the reports bucket in this deployment); the
    // diff children read the partitions' files, the part children the ranges' findings.
    const lines = deps.reports.lines.bind(deps.reports);
    deps.reports.lines = async function* (key, ...rest): AsyncGenerator<string> {
      if (/\/ranges\/\d+\.(states|resolved)$/.test(key)) throw new TypeError("Cannot read properties of undefined (reading 'findings')");
      yield* lines(key, ...rest);
    };
    const machine = stateMachineOf(deps);

    const execution = await execute(deps, machine, runId);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'AuditFailed', cause: 'The audit failed: the run is recorded failed and the failure mail sent.' });
    expect(machine.calls.filter((call) => call.state === 'Reduce').map((call) => call.outcome)).toEqual(['TypeError']);
    expect(machine.calls.filter((call) => ['RecordFailure', 'RecordRangeFailure', 'RecordPartFailure'].includes(call.state))).toEqual([]);
    const [marked, ...more] = machine.calls.filter((call) => call.state === 'MarkFailed');
    expect(more).toEqual([]);
    expect(marked).toMatchObject({ outcome: 'ok', payload: { runId, error: { Error: 'TypeError', Cause: expect.stringContaining('"errorMessage":"Cannot read properties of undefined (reading \'findings\')"') } } });
    // The reduce recorded its own failure and told; MarkFailed tells no one twice.
    expect(exitedOutput(execution, 'MarkFailed')).toEqual({ runId, outcome: 'already-ended' });
    expect(execution.events.filter((event) => event.type === 'StateEntered').map((event) => event.state!.name).slice(-3)).toEqual(['Reduce', 'MarkFailed', 'Failed']);

    expect(await deps.runs.get(runId)).toMatchObject({ status: 'failed', error: "Cannot read properties of undefined (reading 'findings')" });
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([failedSubject(runId)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });

  it('the reduce function dies without a word (Lambda.Unknown) → MarkFailed ends the run failed with why and how far it got, one failure mail', async () => {
    const deps = await deployment(`reduce-killed-${++deployments}`);
    const runId = await queuedRun(deps);
    const killed = { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: 7c1e Error: Runtime exited with error: signal: killed' };
    const machine = stateMachineOf(deps, { fault: (call) => (call.state === 'Reduce' ? { Error: 'Lambda.Unknown', Cause: JSON.stringify(killed) } : undefined) });

    const execution = await execute(deps, machine, runId);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'AuditFailed' });
    expect(exitedOutput(execution, 'MarkFailed')).toEqual({ runId, outcome: 'marked' });
    expect(machine.afterMap.map((run) => run.progress)).toEqual([expect.objectContaining(mapProgress(PARTITIONS))]);
    expect(await deps.runs.get(runId)).toMatchObject({
      status: 'failed',
      error: `The state machine stopped the run (Runtime.ExitError: ${killed.errorMessage}), writing the reports in parts: ${PARTITIONS} of ${PARTITIONS} parts done.`,
    });
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([failedSubject(runId)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });
});
