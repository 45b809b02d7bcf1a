/** Each handler with a real-shaped event; AWS calls mocked with aws-sdk-client-mock. */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { createAuditContainer, type AuditContainer } from '../../lib/delivery/auditContainer';
import type { RunRecord } from '../../lib/delivery/RunRecord';
import { createRunsContainer, type RunsContainer } from '../../lib/delivery/runsContainer';
import { handle as startAudit } from '../../handlers/startAudit';
import { handle as getAudit } from '../../handlers/getAudit';
import { handle as listAudits } from '../../handlers/listAudits';
import { handle as auditWorker } from '../../handlers/auditWorker';
import { handle as auditFailures } from '../../handlers/auditFailures';
import { recordingMetrics, TEST_DEPLOYMENT_ENV } from '../helpers/delivery';

const ENV = {
  ...TEST_DEPLOYMENT_ENV,
  MAX_ACTIVE_AUDITS: '2',
  REPORT_RETENTION_DAYS: '400',
};
const ACCOUNT = '123456789012';
const USER = `arn:aws:iam::${ACCOUNT}:user/dpo-assistant`;
const GENERIC_500 = 'The request could not be completed; quote request id req-1 to the operators.';

const dynamo = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);
const ses = mockClient(SESv2Client);
let runsDeps: RunsContainer;
let auditDeps: AuditContainer;
let metrics: ReturnType<typeof recordingMetrics>;

beforeAll(() => {
  // Presigned links must name the real S3 endpoint, whatever the shell says.
  delete process.env.AWS_ENDPOINT_URL_S3;
  Object.assign(process.env, { AWS_REGION: ENV.AWS_REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  runsDeps = createRunsContainer(ENV);
  auditDeps = createAuditContainer(ENV);
});
beforeEach(() => {
  dynamo.reset();
  lambda.reset();
  s3.reset();
  ses.reset();
  // No CloudWatch EMF lines on stdout: the figures are kept for assertions.
  metrics = recordingMetrics();
  auditDeps.audit.metrics = metrics;
});

/** An API Gateway HTTP API (payload 2.0) event as AWS_IAM authorization delivers it. */
function event(method: string, path: string, extra: Partial<APIGatewayProxyEventV2WithIAMAuthorizer> = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: '2.0',
    routeKey: `${method} ${path.replace(/audit-[\w-]+$/, '{runId}')}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'abc123.execute-api.eu-central-1.amazonaws.com' },
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '23/Nov/2026:15:00:00 +0000',
      timeEpoch: 1795446000000,
      authorizer: { iam: { accessKey: 'AKIA…', accountId: ACCOUNT, callerId: 'AIDA…', cognitoIdentity: null, principalOrgId: null, userArn: USER, userId: 'AIDA…' } },
    },
    ...extra,
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/** A Lambda context as the runtime passes it: 15 minutes left. */
const lambdaContext = () => {
  const deadline = Date.now() + 900_000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
};

const record = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  runId: 'audit-20261123T150000Z-abc123',
  trigger: 'http',
  requestedBy: USER,
  request: { formats: ['json', 'pdf'], notify: false, dryRun: false },
  status: 'succeeded',
  createdAt: '2026-11-23T15:00:00.000Z',
  updatedAt: '2026-11-23T15:01:00.000Z',
  reports: { json: { key: 'reports/2026/11/audit-20261123T150000Z-abc123.json', sha256: 'a'.repeat(64), bytes: 1000 } },
  ...overrides,
});

/** The value an UpdateItem sets `field` to (`#fN = :vN`). */
function patched(input: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> }, field: string): unknown {
  const name = Object.entries(input.ExpressionAttributeNames ?? {}).find(([, value]) => value === field)?.[0];
  return name ? input.ExpressionAttributeValues?.[name.replace('#f', ':v')] : undefined;
}

/** A 500 says nothing about the deployment: no table, function, ARN or account id. */
function expectGeneric500(response: { statusCode?: number; headers?: Record<string, unknown>; body?: string }) {
  expect(response.statusCode).toBe(500);
  expect(response.headers?.['content-type']).toBe('application/problem+json');
  expect(JSON.parse(response.body!)).toEqual({ type: 'about:blank', title: 'Internal error', status: 500, detail: GENERIC_500 });
  for (const secret of [ENV.RUNS_TABLE, ENV.INVENTORY_TABLE, ENV.AUDIT_WORKER_FUNCTION, ENV.REPORTS_BUCKET, 'arn:aws', ACCOUNT]) {
    expect(response.body).not.toContain(secret);
  }
}

describe('POST /audits', () => {
  beforeEach(() => {
    // The active-run count (Query on byCreatedAt): none by default.
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  it('records a queued run, invokes the worker asynchronously, and answers 202 {runId, status}', async () => {
    dynamo.on(PutCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const response = await startAudit(event('POST', '/audits', { body: JSON.stringify({ snapshotId: 'snap-1', formats: ['pdf'], notify: true }) }), runsDeps);
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body!);
    expect(body).toEqual({ runId: expect.stringMatching(/^audit-\d{8}T\d{6}Z-[0-9a-f]{6}$/), status: 'queued' });
    expect(response.headers?.location).toBe(`/audits/${body.runId}`);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.RUNS_TABLE,
      Item: expect.objectContaining({
        runId: body.runId,
        status: 'queued',
        trigger: 'http',
        requestedBy: USER,
        request: { snapshotId: 'snap-1', formats: ['pdf'], notify: true, dryRun: false },
        listKey: 'run',
        expiresAt: expect.any(Number),
      }),
      ConditionExpression: 'attribute_not_exists(runId)',
    });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: ENV.AUDIT_WORKER_FUNCTION, InvocationType: 'Event' });
    const payload = JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array).toString());
    expect(payload).toEqual({ runId: body.runId });
  });

  it('takes an empty body as all defaults: every format, no mail, no dry run', async () => {
    dynamo.on(PutCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    expect((await startAudit(event('POST', '/audits'), runsDeps)).statusCode).toBe(202);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ request: { formats: ['json', 'csv', 'pdf'], notify: false, dryRun: false } }) });
  });

  it.each<[string, string, string]>([
    ['invalid JSON', '{"formats": [', '(body)'],
    ['an unknown field', '{"recipients": ["x@example.com"]}', 'recipients'],
    ['an unknown format', '{"formats": ["xml"]}', 'formats.0'],
    ['an empty format list', '{"formats": []}', 'formats'],
    ['a repeated format', '{"formats": ["pdf", "pdf"]}', 'formats'],
    ['notify that is not a boolean', '{"notify": "yes"}', 'notify'],
    ['an empty snapshot id', '{"snapshotId": ""}', 'snapshotId'],
    ['a body that is not an object', '[1,2]', '(body)'],
  ])('refuses %s with a 400 problem naming the field, touching nothing', async (_name, body, field) => {
    const response = await startAudit(event('POST', '/audits', { body }), runsDeps);
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(response.body!);
    expect(problem).toMatchObject({ status: 400, title: 'Bad request' });
    expect(problem.errors[0].field).toBe(field);
    expect(problem.detail).toContain(field);
    expect(dynamo.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('never takes recipients from the request', async () => {
    const response = await startAudit(event('POST', '/audits', { body: '{"notify": true, "to": "attacker@example.com"}' }), runsDeps);
    expect(response.statusCode).toBe(400);
  });

  it('returns the same run for a retry with the same Idempotency-Key, starting nothing new', async () => {
    const earlier = record({ status: 'running' });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const hash = createHash('sha256').update(JSON.stringify({ formats: ['json', 'pdf'], notify: false, dryRun: false })).digest('hex');
    dynamo.on(GetCommand, { Key: { runId: `idem#${USER}#key-1` } }).resolves({ Item: { targetRunId: earlier.runId, requestHash: hash } });
    dynamo.on(GetCommand, { Key: { runId: earlier.runId } }).resolves({ Item: { ...earlier, listKey: 'run' } });
    const response = await startAudit(event('POST', '/audits', { body: '{"formats":["json","pdf"]}', headers: { 'idempotency-key': 'key-1' } }), runsDeps);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual({ runId: earlier.runId, status: 'running' });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('answers 422 for an Idempotency-Key reused with a different body', async () => {
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(GetCommand, { Key: { runId: `idem#${USER}#key-1` } }).resolves({ Item: { targetRunId: record().runId, requestHash: 'b'.repeat(64) } });
    const response = await startAudit(event('POST', '/audits', { body: '{"formats":["csv"]}', headers: { 'idempotency-key': 'key-1' } }), runsDeps);
    expect(response.statusCode).toBe(422);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const response = await startAudit(event('POST', '/audits', { headers: { 'idempotency-key': 'has spaces and ✓' } }), runsDeps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors[0].field).toBe('Idempotency-Key');
  });

  it('answers 429 with retry-after while MAX_ACTIVE_AUDITS runs are queued or running, recording and starting nothing', async () => {
    const active = [
      record({ runId: 'audit-20261123T145000Z-aaaaaa', status: 'running', createdAt: new Date(Date.now() - 300_000).toISOString() }),
      record({ runId: 'audit-20261123T145500Z-bbbbbb', status: 'queued', createdAt: new Date(Date.now() - 60_000).toISOString() }),
    ];
    dynamo.on(QueryCommand).resolves({ Items: active.map((run) => ({ ...run, listKey: 'run' })) });
    const response = await startAudit(event('POST', '/audits', { body: '{"formats":["json"]}' }), runsDeps);
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('60');
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(response.body!);
    expect(problem).toMatchObject({ status: 429, title: 'Too many audits' });
    expect(problem.detail).toContain('(at most 2)');
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: ENV.RUNS_TABLE,
      IndexName: 'byCreatedAt',
      KeyConditionExpression: 'listKey = :k AND createdAt >= :since',
      ExpressionAttributeValues: expect.objectContaining({ ':queued': 'queued', ':running': 'running' }),
    });
    // Only runs younger than an invocation may wait plus the time limit count (older ones are swept).
    const since = Date.parse(dynamo.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues![':since'] as string);
    expect(Date.now() - since).toBeGreaterThanOrEqual((3600 + 900) * 1000);
    expect(Date.now() - since).toBeLessThan((3600 + 900 + 300) * 1000);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('still starts a run while fewer than MAX_ACTIVE_AUDITS are active', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ ...record({ status: 'running' }), listKey: 'run' }] });
    dynamo.on(PutCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    expect((await startAudit(event('POST', '/audits'), runsDeps)).statusCode).toBe(202);
  });

  it('a run whose worker cannot be invoked is recorded as failed; the caller gets a generic 500', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: record({ status: 'failed' }) });
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }));
    const response = await startAudit(event('POST', '/audits'), runsDeps);
    expectGeneric500(response);
    expect(response.body).not.toContain('Rate exceeded');
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ExpressionAttributeNames).toMatchObject({ '#f0': 'status', '#f1': 'error' });
    expect(update.ExpressionAttributeValues).toMatchObject({ ':v0': 'failed', ':v1': expect.stringMatching(/^The audit could not be started: Lambda kept throttling Invoke/) });
  });

  it('a DynamoDB failure answers a generic 500 problem, never 202, and never names the table', async () => {
    dynamo.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    const response = await startAudit(event('POST', '/audits'), runsDeps);
    expectGeneric500(response);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('access denied on the runs table (an ARN in the SDK message) still answers the generic 500', async () => {
    dynamo.on(QueryCommand).rejects(
      Object.assign(
        new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/retention-auditor-test-startAudit/x is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/${ENV.RUNS_TABLE}/index/byCreatedAt`),
        { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
      ),
    );
    expectGeneric500(await startAudit(event('POST', '/audits'), runsDeps));
  });
});

describe('GET /audits/{runId}', () => {
  it('returns the run with short-lived presigned links to its reports', async () => {
    // A run of yesterday: its reports are still kept.
    const recent = record({ createdAt: new Date(Date.now() - 86_400_000).toISOString() });
    dynamo.on(GetCommand).resolves({ Item: { ...recent, listKey: 'run', expiresAt: 1_900_000_000 } });
    const runId = recent.runId;
    const response = await getAudit(event('GET', `/audits/${runId}`, { pathParameters: { runId } }), runsDeps);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ runId, status: 'succeeded' });
    expect(body.listKey).toBeUndefined();
    expect(body.expiresAt).toBeUndefined();
    const url = new URL(body.reports.json.url);
    expect(url.hostname).toBe('reports-bucket.s3.eu-central-1.amazonaws.com');
    expect(url.pathname).toBe(`/${recent.reports!.json!.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(body.reports.json).toMatchObject({ sha256: 'a'.repeat(64), bytes: 1000, expiresInSeconds: 900 });
  });

  it("shows what each channel delivered (notifications), and the DPO e-mail's outcome in its former field", async () => {
    const notifications: RunRecord['notifications'] = [
      { channel: 'email', to: 'dpo@example.com', subject: '[Retention audit] 1 violation', attached: ['pdf'], messageId: '<1@example.com>', sentAt: '2026-11-23T15:01:00.000Z' },
      { channel: 'slack', to: 'Slack webhook (secret /retention-auditor/test/slack-webhook)', attempts: 3, error: 'Slack webhook answered HTTP 500 after 3 attempts.' },
    ];
    const email = { to: ['dpo@example.com'], subject: '[Retention audit] 1 violation', attached: ['pdf' as const], messageId: '<1@example.com>', sentAt: '2026-11-23T15:01:00.000Z' };
    const delivered = record({ createdAt: new Date(Date.now() - 86_400_000).toISOString(), notifications, email, warnings: ['Slack message not sent to …'] });
    dynamo.on(GetCommand).resolves({ Item: { ...delivered, listKey: 'run' } });
    const response = await getAudit(event('GET', `/audits/${delivered.runId}`, { pathParameters: { runId: delivered.runId } }), runsDeps);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body.notifications).toEqual(notifications);
    expect(body.email).toEqual(email);
    expect(body.warnings).toEqual(['Slack message not sent to …']);
  });

  it('shows the reports of a run older than REPORT_RETENTION_DAYS as expired, without a link', async () => {
    const old = record({ createdAt: new Date(Date.now() - 401 * 86_400_000).toISOString() });
    dynamo.on(GetCommand).resolves({ Item: { ...old, listKey: 'run' } });
    const response = await getAudit(event('GET', `/audits/${old.runId}`, { pathParameters: { runId: old.runId } }), runsDeps);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body.reports).toEqual({ json: { key: old.reports!.json!.key, sha256: 'a'.repeat(64), bytes: 1000, expired: true } });
    expect(body.reports.json.url).toBeUndefined();
    expect(response.body).not.toContain('X-Amz-Signature');
  });

  it('answers 404 for a run that does not exist, 400 for something that is not a run id', async () => {
    dynamo.on(GetCommand).resolves({});
    expect((await getAudit(event('GET', '/audits/audit-nope', { pathParameters: { runId: 'audit-nope' } }), runsDeps)).statusCode).toBe(404);
    expect((await getAudit(event('GET', '/audits/idem#x', { pathParameters: { runId: 'idem#x' } }), runsDeps)).statusCode).toBe(400);
  });

  it('a DynamoDB failure answers the generic 500', async () => {
    dynamo.on(GetCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    const runId = record().runId;
    expectGeneric500(await getAudit(event('GET', `/audits/${runId}`, { pathParameters: { runId } }), runsDeps));
  });
});

describe('GET /audits', () => {
  it('lists recent runs newest first from the byCreatedAt index', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ ...record(), listKey: 'run' }] });
    const response = await listAudits(event('GET', '/audits', { queryStringParameters: { limit: '5' } }), runsDeps);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!).runs).toEqual([expect.objectContaining({ runId: record().runId, status: 'succeeded' })]);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byCreatedAt', ScanIndexForward: false, Limit: 5 });
  });

  it('refuses a bad limit', async () => {
    const response = await listAudits(event('GET', '/audits', { queryStringParameters: { limit: '1000' } }), runsDeps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors[0].field).toBe('limit');
  });

  it('a DynamoDB failure answers the generic 500', async () => {
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    expectGeneric500(await listAudits(event('GET', '/audits'), runsDeps));
  });
});

describe('the audit worker', () => {
  it('refuses an event without a runId', async () => {
    await expect(auditWorker({}, lambdaContext(), auditDeps)).rejects.toThrow('The worker needs { runId } in its event.');
  });

  it('claims its run with a conditional UpdateItem (queued → running); a second delivery does nothing', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(GetCommand).resolves({ Item: { ...record({ status: 'running' }), listKey: 'run' } });
    const result = await auditWorker({ runId: record().runId }, lambdaContext(), auditDeps);
    expect(result.status).toBe('running');
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.RUNS_TABLE,
      Key: { runId: record().runId },
      ConditionExpression: 'attribute_exists(runId) AND #status IN (:from0)',
      ExpressionAttributeNames: expect.objectContaining({ '#status': 'status', '#f0': 'status' }),
      ExpressionAttributeValues: expect.objectContaining({ ':from0': 'queued', ':v0': 'running' }),
    });
    // Nothing was read, evaluated, stored or mailed.
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    expect(s3.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
    expect(metrics.published).toEqual([]);
  });

  it('a run whose inventory cannot be read ends failed with the error recorded, and the invocation fails', async () => {
    const runId = record().runId;
    const claimed = record({ status: 'running', request: { formats: ['json'], notify: false, dryRun: false }, reports: undefined });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...claimed, listKey: 'run' } });
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    // No waivers object in the bucket.
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    const started = Date.now();
    await expect(auditWorker({ runId }, lambdaContext(), auditDeps)).rejects.toThrow(`DynamoDB table ${ENV.INVENTORY_TABLE} does not exist.`);
    const updates = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(2);
    // The claim records when Lambda will stop the function (≈ 15 minutes from now).
    expect(updates[0]).toMatchObject({ ConditionExpression: 'attribute_exists(runId) AND #status IN (:from0)', ExpressionAttributeValues: expect.objectContaining({ ':from0': 'queued', ':v0': 'running' }) });
    const deadlineAt = Date.parse(patched(updates[0]!, 'deadlineAt') as string);
    expect(deadlineAt - started).toBeGreaterThan(899_000);
    expect(deadlineAt - started).toBeLessThan(901_000);
    // Failing is conditional too (running → failed): a sweep that came first keeps its word.
    expect(updates[1]).toMatchObject({
      ConditionExpression: 'attribute_exists(runId) AND #status IN (:from0)',
      ExpressionAttributeValues: expect.objectContaining({ ':from0': 'running', ':v0': 'failed', ':v1': `DynamoDB table ${ENV.INVENTORY_TABLE} does not exist.` }),
    });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(metrics.published).toEqual([{ RunFailed: 1 }]);
  });
});

describe('the on-failure consumer (auditFailures)', () => {
  const sqsRecord = (messageId: string, body: string): SQSRecord => ({
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1795446900000', SenderId: 'AROAEXAMPLE', ApproximateFirstReceiveTimestamp: '1795446900001' },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:eu-central-1:${ACCOUNT}:retention-auditor-test-audit-failures`,
    awsRegion: 'eu-central-1',
  });
  /** What Lambda sends to the on-failure destination when the worker timed out. */
  const destination = (runId: string) =>
    JSON.stringify({
      version: '1.0',
      timestamp: '2026-11-23T15:16:00.000Z',
      requestContext: {
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
        functionArn: `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:${ENV.AUDIT_WORKER_FUNCTION}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: { runId },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: c6af9ac6-7b61-11e6-9a41-93e812345678 Error: Task timed out after 900.00 seconds' },
    });

  it('marks the timed-out run failed, and returns batchItemFailures naming only the messages it could not handle', async () => {
    const good = record({ runId: 'audit-20261123T150000Z-aaaaaa', status: 'running', reports: undefined });
    const throttled = record({ runId: 'audit-20261123T150000Z-bbbbbb', status: 'running', reports: undefined });
    dynamo.on(GetCommand, { Key: { runId: good.runId } }).resolves({ Item: { ...good, listKey: 'run' } });
    dynamo.on(GetCommand, { Key: { runId: throttled.runId } }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...good, status: 'failed', error: 'Timed out', listKey: 'run' } });
    const sqs: SQSEvent = {
      Records: [sqsRecord('msg-good', destination(good.runId)), sqsRecord('msg-throttled', destination(throttled.runId)), sqsRecord('msg-garbled', '{"requestPayload": ')],
    };
    const result = await auditFailures(sqs, auditDeps);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-throttled' }, { itemIdentifier: 'msg-garbled' }] });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { runId: good.runId },
      ConditionExpression: 'attribute_exists(runId) AND #status IN (:from0, :from1)',
      ExpressionAttributeValues: expect.objectContaining({
        ':from0': 'queued',
        ':from1': 'running',
        ':v0': 'failed',
        ':v1': 'Timed out: Lambda stopped the function at its 900 s time limit, before reading the snapshot.',
      }),
    });
    expect(metrics.published).toEqual([{ RunFailed: 1 }]);
  });

  it('a message about a run that already ended is handled (not a failure) and changes nothing', async () => {
    const ended = record({ status: 'failed', error: 'Timed out: the run stopped itself' });
    dynamo.on(GetCommand).resolves({ Item: { ...ended, listKey: 'run' } });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const result = await auditFailures({ Records: [sqsRecord('msg-1', destination(ended.runId))] }, auditDeps);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.published).toEqual([]);
  });

  it('on its schedule, sweeps runs still running a minute past their deadline', async () => {
    const stuck = record({ runId: 'audit-20261123T150000Z-cccccc', status: 'running', deadlineAt: new Date(Date.now() - 120_000).toISOString(), createdAt: new Date(Date.now() - 1_100_000).toISOString(), reports: undefined });
    const busy = record({ runId: 'audit-20261123T150000Z-dddddd', status: 'running', deadlineAt: new Date(Date.now() + 600_000).toISOString(), createdAt: new Date(Date.now() - 300_000).toISOString(), reports: undefined });
    dynamo.on(QueryCommand).resolves({ Items: [stuck, busy].map((run) => ({ ...run, listKey: 'run' })) });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...stuck, status: 'failed', listKey: 'run' } });
    const sweep = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: '2026-11-23T15:20:00Z',
      region: 'eu-central-1',
      resources: [`arn:aws:events:eu-central-1:${ACCOUNT}:rule/retention-auditor-test-sweep`],
      detail: {},
    } as EventBridgeEvent<'Scheduled Event', unknown>;
    expect(await auditFailures(sweep, auditDeps)).toEqual({ swept: [stuck.runId] });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { runId: stuck.runId } });
  });
});
