/**
 * The partitioned audit's state machine, executed: the definition of
 * infra/stateMachine.js run by aws-local-stepfunctions (its Distributed Map
 * batching as AWS does), each Task invoking the real handler — planAudit,
 * mapPartitions, diffRanges, reduceAudit, markRunFailed — on local peers: DynamoDB
 * (dynalite), S3 (s3rver) and an SMTP sink. A run starts as the product starts
 * it (StepFunctionsLauncher → StartExecution). It completes with the reports a
 * one-Lambda run of the same inventory gives; a throttled child is retried; a
 * partition or a diff range that keeps failing makes the run partial and is named; a failed
 * reduce ends in MarkFailed and the Fail state with one failure mail; and the
 * sweep (DescribeExecution) never finds a run left running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handle as mapPartitions } from '../../handlers/mapPartitions';
import { handle as markRunFailed } from '../../handlers/markRunFailed';
import { handle as planAudit } from '../../handlers/planAudit';
import { handle as diffRanges } from '../../handlers/diffRanges';
import { handle as reduceAudit } from '../../handlers/reduceAudit';
import { buildDefinition, FUNCTION_TIMEOUTS, type Definition, type StepFunctionName } from '../../infra/stateMachine';
import { sha256File } from '../../lib/audit/sha256File';
import { StoreError, ThrottledError } from '../../lib/errors';
import { executeAudit } from '../../lib/delivery/executeAudit';
import { executionArnOf } from '../../lib/delivery/launchers';
import { partitionedRunKeys } from '../../lib/delivery/PartitionedRunPlan';
import { sweepStuckRuns } from '../../lib/delivery/recoverRuns';
import type { RunRecord } from '../../lib/delivery/RunRecord';
import type { FormatId } from '../../lib/report/formats/formatIds';
import type { Partition, PartitionResult } from '../../lib/partitioned/Partition';
import { queuedRun, TWIN_PARTITIONS, TWIN_STATE_MACHINE, twinDeployment, useTwinPeers, type TwinDeployment } from '../helpers/twinPeers';
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
const HANDLERS = { planAudit, mapPartitions, diffRanges, reduceAudit, markRunFailed };

const peers = useTwinPeers();
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

/** The deployment's five step functions, each its real handler with this deployment's container. */
function functionsOf(deps: Deps, afterMap: RunRecord[]): Record<string, LocalFunction> {
  let seen = false;
  return Object.fromEntries(
    (Object.keys(HANDLERS) as StepFunctionName[]).map((name) => [
      functionArn(name),
      {
        handle: async (event, context) => {
          // The run as the first step after the map found it (a diff child, or the reduce of a dry run): how far the map got.
          if ((name === 'diffRanges' || name === 'reduceAudit') && !seen) {
            seen = true;
            afterMap.push((await deps.runs.get(runIdOf(event)))!);
          }
          return HANDLERS[name](event, context, deps);
        },
        timeoutSeconds: FUNCTION_TIMEOUTS[name],
      },
    ]),
  );
}

/** The state machine of this deployment, answering its SFNClient until the test ends; retries wait 5 ms, not seconds. */
function stateMachineOf(deps: Deps, options: { maxItemsPerBatch?: number; fault?: InvokeFault } = {}): LocalStepFunctions & { afterMap: RunRecord[] } {
  const afterMap: RunRecord[] = [];
  const machine = new LocalStepFunctions({ stateMachineArn: TWIN_STATE_MACHINE, definition: definitionFor(options.maxItemsPerBatch ?? 1), functions: functionsOf(deps, afterMap), retryIntervalMs: 5, fault: options.fault });
  stopServing = machine.serve();
  return Object.assign(machine, { afterMap });
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

/** Starts the run as the product does (StartExecution, its ARN on the run) and waits for the execution to end. */
async function execute(deps: Deps, machine: LocalStepFunctions, runId: string): Promise<LocalExecution> {
  await deps.largeRuns!.stateMachine.launch(runId);
  expect((await deps.runs.get(runId))!.executionArn).toBe(executionArnOf(TWIN_STATE_MACHINE, runId));
  return machine.finished(runId);
}

/** The one-Lambda run of the same inventory in a twin deployment, and the one mail it sent. */
async function oneLambdaRun(name: string, runId: string): Promise<{ record: RunRecord; subject: string }> {
  const twin = await deployment(name, peers.twinDynamo.endpoint);
  await queuedRun(twin, runId);
  const record = await executeAudit(runId, twin.audit);
  expect(record.status).toBe('succeeded');
  expect(peers.smtp.messages).toHaveLength(1);
  const [mail] = peers.smtp.messages.splice(0);
  return { record, subject: mail!.subject! };
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
    expect(machine.calls.filter((call) => ['RecordFailure', 'MarkFailed'].includes(call.state))).toEqual([]);
    expect(machine.afterMap.map((run) => run.progress)).toEqual([expect.objectContaining(mapProgress(PARTITIONS))]);

    const record = (await deps.runs.get(runId))!;
    expect(record).toMatchObject({ status: 'succeeded', summary: one.record.summary, snapshotSha256: one.record.snapshotSha256 });
    expect(record.summary!.complete).toBe(true);
    expect(record.error).toBeUndefined();
    expect(exitedOutput(execution, 'Reduce')).toMatchObject({ runId, status: 'succeeded' });
    for (const format of ['json', 'csv'] as const) {
      expect([format, await storedSha256(deps, record, format)]).toEqual([format, await storedSha256(deps, one.record, format)]);
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
    for (const format of ['json', 'csv'] as const) expect([format, await storedSha256(deps, record, format)]).toEqual([format, await storedSha256(deps, one.record, format)]);
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

describe('a run the state machine cannot finish', () => {
  it('the reduce throws (not retried) → Catch → MarkFailed → Fail: the execution FAILED, the run failed with the error, one failure mail', async () => {
    const deps = await deployment(`reduce-throws-${++deployments}`);
    const runId = await queuedRun(deps);
    // The reduce reads the diff ranges' files (runFiles is the reports bucket in this deployment); the diff children read the partitions'.
    const lines = deps.reports.lines.bind(deps.reports);
    deps.reports.lines = async function* (key, ...rest): AsyncGenerator<string> {
      if (key.includes('/ranges/')) throw new TypeError("Cannot read properties of undefined (reading 'findings')");
      yield* lines(key, ...rest);
    };
    const machine = stateMachineOf(deps);

    const execution = await execute(deps, machine, runId);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'AuditFailed', cause: 'The audit failed: the run is recorded failed and the failure mail sent.' });
    expect(machine.calls.filter((call) => call.state === 'Reduce').map((call) => call.outcome)).toEqual(['TypeError']);
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
      error: `The state machine stopped the run (Runtime.ExitError: ${killed.errorMessage}), diffing with history: ${PARTITIONS} of ${PARTITIONS} ranges done.`,
    });
    expect(peers.smtp.messages.map((mail) => mail.subject)).toEqual([failedSubject(runId)]);
    await expectNothingLeftRunning(deps, runId, execution);
  });
});
