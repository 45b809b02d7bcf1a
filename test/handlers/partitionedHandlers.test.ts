/**
 * The partitioned run's handlers, and the size switch of the handlers that
 * start runs, with real-shaped events; AWS calls mocked with aws-sdk-client-mock.
 * (The steps themselves run on local peers in test/lib/delivery/partitionedRun.test.ts.)
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, EventBridgeEvent } from 'aws-lambda';
import { createAuditContainer, type AuditContainer } from '../../lib/delivery/auditContainer';
import type { RunRecord } from '../../lib/delivery/RunRecord';
import { createRunsContainer, type RunsContainer } from '../../lib/delivery/runsContainer';
import { UsageError } from '../../lib/errors';
import { failedPartition, type Partition } from '../../lib/partitioned/Partition';
import { handle as startAudit } from '../../handlers/startAudit';
import { handle as scheduledAudit } from '../../handlers/scheduledAudit';
import { handle as planAudit } from '../../handlers/planAudit';
import { handle as mapPartitions } from '../../handlers/mapPartitions';
import { handle as reduceAudit } from '../../handlers/reduceAudit';
import { handle as markRunFailed } from '../../handlers/markRunFailed';
import { recordingMetrics, TEST_DEPLOYMENT_ENV } from '../helpers/delivery';

const ACCOUNT = '123456789012';
const STATE_MACHINE = `arn:aws:states:eu-central-1:${ACCOUNT}:stateMachine:retention-auditor-test-audit`;
const ENV = {
  ...TEST_DEPLOYMENT_ENV,
  STATE_MACHINE_ARN: STATE_MACHINE,
  PARTITION_THRESHOLD_ITEMS: '1000000',
  PARTITIONS: '8',
};
const USER = `arn:aws:iam::${ACCOUNT}:user/dpo-assistant`;
const RUN = 'audit-20261128T020000Z-1a2b3c';
const EXECUTION = `arn:aws:states:eu-central-1:${ACCOUNT}:execution:retention-auditor-test-audit:${RUN}`;
const context = () => {
  const deadline = Date.now() + 900_000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
};

const dynamo = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
let runsDeps: RunsContainer;
let auditDeps: AuditContainer;
beforeAll(() => {
  runsDeps = createRunsContainer(ENV);
  auditDeps = createAuditContainer(ENV);
});
beforeEach(() => {
  for (const client of [dynamo, lambda, s3, sfn]) client.reset();
  auditDeps.audit.metrics = recordingMetrics();
});

/** The latest snapshot's manifest in the inventory table says it holds `items` items. */
function latestSnapshotOf(items: number) {
  dynamo.on(QueryCommand, { TableName: ENV.INVENTORY_TABLE }).resolves({
    Items: [{ snapshotId: '#snapshots', itemId: `2026-11-28T01:00:00.000Z#snap-1`, manifest: { snapshotId: 'snap-1', capturedAt: '2026-11-28T01:00:00.000Z', itemCount: items, rejected: 0, loadedAt: '2026-11-28T01:30:00.000Z' } }],
  });
}

const runRecord = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  runId: RUN,
  trigger: 'http',
  requestedBy: USER,
  request: { formats: ['json'], notify: false, dryRun: false },
  status: 'running',
  createdAt: '2026-11-28T02:00:00.000Z',
  updatedAt: '2026-11-28T02:00:00.000Z',
  ...overrides,
});

const postAudits = () =>
  ({
    version: '2.0',
    routeKey: 'POST /audits',
    rawPath: '/audits',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: { accountId: ACCOUNT, requestId: 'req-1', http: { method: 'POST', path: '/audits' }, authorizer: { iam: { userArn: USER } } },
  }) as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

describe('POST /audits chooses by the snapshot\'s size', () => {
  beforeEach(() => {
    dynamo.on(QueryCommand, { TableName: ENV.RUNS_TABLE }).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...runRecord({ status: 'queued' }), listKey: 'run' } });
  });

  it('from PARTITION_THRESHOLD_ITEMS on: one execution named after the run, its ARN on the run, no worker', async () => {
    latestSnapshotOf(1_000_000);
    sfn.on(StartExecutionCommand).callsFake((input) => ({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
    const response = await startAudit(postAudits(), runsDeps);
    expect(response.statusCode).toBe(202);
    const { runId } = JSON.parse(response.body!);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE, name: runId, input: JSON.stringify({ runId }) });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { runId }, ExpressionAttributeValues: expect.objectContaining({ ':v0': `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${runId}` }) });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('below it: the worker Lambda, no execution', async () => {
    latestSnapshotOf(999_999);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    expect((await startAudit(postAudits(), runsDeps)).statusCode).toBe(202);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('the nightly schedule above the threshold', () => {
  it('records the run and starts an execution instead of auditing inline', async () => {
    latestSnapshotOf(5_000_000);
    dynamo.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...runRecord({ status: 'queued', executionArn: EXECUTION }), listKey: 'run' } });
    dynamo.on(GetCommand).callsFake((input) => ({ Item: { ...runRecord({ runId: input.Key.runId, status: 'queued', trigger: 'schedule', executionArn: EXECUTION }), listKey: 'run' } }));
    const event = { version: '0', id: 'evt-1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT, time: '2026-11-28T02:00:00Z', region: 'eu-central-1', resources: [], detail: {} } as EventBridgeEvent<'Scheduled Event', unknown>;
    const record = await scheduledAudit(event, context(), auditDeps);
    expect(record).toMatchObject({ status: 'queued', executionArn: EXECUTION });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    // Nothing was evaluated or stored here.
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':from0': 'queued' }) });
  });
});

describe('the state machine\'s tasks', () => {
  const partition = (index: number): Partition => ({ index, count: 8, spec: { kind: 'itemid-range', from: index === 0 ? null : `k${index}`, to: `k${index + 1}` } });

  it.each([
    ['planAudit', () => planAudit({ runID: RUN }, context(), auditDeps), 'The planAudit event is invalid at runId'],
    ['reduceAudit', () => reduceAudit({ runId: 'not-a-run' }, context(), auditDeps), 'The reduceAudit event is invalid at runId: must be a run id.'],
    ['mapPartitions', () => mapPartitions({ BatchInput: { runId: RUN }, Items: [] }, context(), auditDeps), 'The mapPartitions event is invalid at Items'],
    ['markRunFailed', () => markRunFailed({ error: {} }, context(), auditDeps), 'The markRunFailed event is invalid at runId'],
  ])('%s refuses a misshapen event with one sentence, touching nothing', async (_name, call, message) => {
    const handling = call();
    await expect(handling).rejects.toThrow(UsageError);
    await expect(handling).rejects.toThrow(message);
    expect(dynamo.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it("mapPartitions, called by a child's Catch, records each partition of the batch without a result as failed", async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    s3.on(PutObjectCommand).resolves({});
    const error = { Error: 'Lambda.Unknown', Cause: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: 'signal: killed' }) };
    const answer = await mapPartitions({ BatchInput: { runId: RUN }, Items: [partition(2), partition(3)], error }, context(), auditDeps);
    expect(answer).toEqual({ runId: RUN, partitions: [{ index: 2, status: 'failed', findings: 0 }, { index: 3, status: 'failed', findings: 0 }] });
    const written = s3.commandCalls(PutObjectCommand).map((call) => [call.args[0].input.Key, JSON.parse(String(call.args[0].input.Body))]);
    expect(written).toEqual([
      [`runs/${RUN}/partitions/2.json`, failedPartition(partition(2), 'Runtime.ExitError: signal: killed')],
      [`runs/${RUN}/partitions/3.json`, failedPartition(partition(3), 'Runtime.ExitError: signal: killed')],
    ]);
    expect(written[0]![1].error).toMatch(/^Partition 3 of 8 \(.+\) failed: Runtime\.ExitError: signal: killed$/);
  });

  it('markRunFailed fails a running run with the caught error and how far it got, with a conditional write', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...runRecord({ progress: { phase: 'map', done: 3, total: 8, unit: 'partitions', at: '2026-11-28T02:05:00.000Z' } }), listKey: 'run' } });
    dynamo.on(UpdateCommand).callsFake((input) => ({ Attributes: { ...runRecord({ status: 'failed' }), error: input.ExpressionAttributeValues[':v1'], listKey: 'run' } }));
    const answer = await markRunFailed({ runId: RUN, error: { Error: 'States.Timeout', Cause: '' } }, context(), auditDeps);
    expect(answer).toEqual({ runId: RUN, outcome: 'marked' });
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('attribute_exists(runId) AND #status IN (:from0, :from1)');
    expect(Object.values(update.ExpressionAttributeValues!)).toEqual(
      expect.arrayContaining(['failed', 'queued', 'running', 'The state machine stopped the run (States.Timeout), mapping the partitions: 3 of 8 partitions done.']),
    );
  });

  it('markRunFailed throws DynamoDB throttling as Throttled, which the state machine retries (MarkFailed has no Catch)', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...runRecord(), listKey: 'run' } });
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $metadata: {} }));
    await expect(markRunFailed({ runId: RUN, error: { Error: 'States.Timeout', Cause: '' } }, context(), auditDeps)).rejects.toMatchObject({ name: 'Throttled' });
  });

  it('reduceAudit of a run that is no longer running answers its record and reads nothing from the bucket', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...runRecord({ status: 'failed', error: 'Stopped' }), listKey: 'run' } });
    expect(await reduceAudit({ runId: RUN }, context(), auditDeps)).toMatchObject({ runId: RUN, status: 'failed' });
    expect(s3.calls()).toHaveLength(0);
  });
});
