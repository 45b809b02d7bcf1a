/** Each handler with a real-shaped event; AWS calls mocked with aws-sdk-client-mock. */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { createContainer, type Container } from '../../lib/delivery/container';
import type { RunRecord } from '../../lib/delivery/RunRecord';
import { handle as startAudit } from '../../handlers/startAudit';
import { handle as getAudit } from '../../handlers/getAudit';
import { handle as listAudits } from '../../handlers/listAudits';
import { handle as auditWorker } from '../../handlers/auditWorker';

const ENV = {
  INVENTORY_TABLE: 'retention-auditor-test-inventory',
  RUNS_TABLE: 'retention-auditor-test-runs',
  REPORTS_BUCKET: 'reports-bucket',
  DPO_EMAIL: 'dpo@example.com',
  SENDER_EMAIL: 'auditor@example.com',
  AUDIT_WORKER_FUNCTION: 'retention-auditor-test-auditWorker',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
const USER = 'arn:aws:iam::123456789012:user/dpo-assistant';

const dynamo = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
let deps: Container;

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: ENV.AWS_REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  deps = createContainer(ENV);
});
beforeEach(() => {
  dynamo.reset();
  lambda.reset();
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
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '23/Nov/2026:15:00:00 +0000',
      timeEpoch: 1795446000000,
      authorizer: { iam: { accessKey: 'AKIA…', accountId: '123456789012', callerId: 'AIDA…', cognitoIdentity: null, principalOrgId: null, userArn: USER, userId: 'AIDA…' } },
    },
    ...extra,
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

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

describe('POST /audits', () => {
  it('records a queued run, invokes the worker asynchronously, and answers 202 {runId, status}', async () => {
    dynamo.on(PutCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const response = await startAudit(event('POST', '/audits', { body: JSON.stringify({ snapshotId: 'snap-1', formats: ['pdf'], notify: true }) }), deps);
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
    expect((await startAudit(event('POST', '/audits'), deps)).statusCode).toBe(202);
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
    const response = await startAudit(event('POST', '/audits', { body }), deps);
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
    const response = await startAudit(event('POST', '/audits', { body: '{"notify": true, "to": "attacker@example.com"}' }), deps);
    expect(response.statusCode).toBe(400);
  });

  it('returns the same run for a retry with the same Idempotency-Key, starting nothing new', async () => {
    const earlier = record({ status: 'running' });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const hash = createHash('sha256').update(JSON.stringify({ formats: ['json', 'pdf'], notify: false, dryRun: false })).digest('hex');
    dynamo.on(GetCommand, { Key: { runId: `idem#${USER}#key-1` } }).resolves({ Item: { targetRunId: earlier.runId, requestHash: hash } });
    dynamo.on(GetCommand, { Key: { runId: earlier.runId } }).resolves({ Item: { ...earlier, listKey: 'run' } });
    const response = await startAudit(event('POST', '/audits', { body: '{"formats":["json","pdf"]}', headers: { 'idempotency-key': 'key-1' } }), deps);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual({ runId: earlier.runId, status: 'running' });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const response = await startAudit(event('POST', '/audits', { headers: { 'idempotency-key': 'has spaces and ✓' } }), deps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors[0].field).toBe('Idempotency-Key');
  });

  it('a run whose worker cannot be invoked is recorded as failed, and the caller is told', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: record({ status: 'failed' }) });
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const response = await startAudit(event('POST', '/audits'), deps);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!).detail).toBe('The audit could not be started: Rate exceeded');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':v0': 'failed' }) });
  });

  it('a DynamoDB failure answers 500 with a problem, never 202', async () => {
    dynamo.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    const response = await startAudit(event('POST', '/audits'), deps);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!).detail).toMatch(/audit-runs table .* failed: ProvisionedThroughputExceededException/);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });
});

describe('GET /audits/{runId}', () => {
  it('returns the run with short-lived presigned links to its reports', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...record(), listKey: 'run' } });
    const runId = record().runId;
    const response = await getAudit(event('GET', `/audits/${runId}`, { pathParameters: { runId } }), deps);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ runId, status: 'succeeded' });
    expect(body.listKey).toBeUndefined();
    const url = new URL(body.reports.json.url);
    expect(url.hostname).toBe('reports-bucket.s3.eu-central-1.amazonaws.com');
    expect(url.pathname).toBe(`/${record().reports!.json!.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(body.reports.json).toMatchObject({ sha256: 'a'.repeat(64), expiresInSeconds: 900 });
  });

  it('answers 404 for a run that does not exist, 400 for something that is not a run id', async () => {
    dynamo.on(GetCommand).resolves({});
    expect((await getAudit(event('GET', '/audits/audit-nope', { pathParameters: { runId: 'audit-nope' } }), deps)).statusCode).toBe(404);
    expect((await getAudit(event('GET', '/audits/idem#x', { pathParameters: { runId: 'idem#x' } }), deps)).statusCode).toBe(400);
  });
});

describe('GET /audits', () => {
  it('lists recent runs newest first from the byCreatedAt index', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ ...record(), listKey: 'run' }] });
    const response = await listAudits(event('GET', '/audits', { queryStringParameters: { limit: '5' } }), deps);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!).runs).toEqual([expect.objectContaining({ runId: record().runId, status: 'succeeded' })]);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byCreatedAt', ScanIndexForward: false, Limit: 5 });
  });

  it('refuses a bad limit', async () => {
    const response = await listAudits(event('GET', '/audits', { queryStringParameters: { limit: '1000' } }), deps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors[0].field).toBe('limit');
  });
});

describe('the audit worker', () => {
  it('refuses an event without a runId', async () => {
    await expect(auditWorker({}, deps)).rejects.toThrow('The worker needs { runId } in its event.');
  });

  it('does not run a run twice', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...record({ status: 'succeeded' }), listKey: 'run' } });
    const result = await auditWorker({ runId: record().runId }, deps);
    expect(result.status).toBe('succeeded');
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('a run whose inventory cannot be read ends failed with the error recorded, and the invocation fails', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...record({ status: 'queued', request: { formats: ['json'], notify: false, dryRun: false } }), listKey: 'run' } });
    dynamo.on(UpdateCommand).resolves({ Attributes: record() });
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    await expect(auditWorker({ runId: record().runId }, deps)).rejects.toThrow(`DynamoDB table ${ENV.INVENTORY_TABLE} does not exist.`);
    const updates = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(updates[0]).toMatchObject({ ':v0': 'running' });
    expect(updates.at(-1)).toMatchObject({ ':v0': 'failed', ':v1': `DynamoDB table ${ENV.INVENTORY_TABLE} does not exist.` });
  });
});
