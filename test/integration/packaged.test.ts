/**
 * The packaged stack, run: `osls package --stage prod` builds the zips, and
 * each function runs from its zip in processes of its own (test/helpers/lambda)
 * with the environment the template gives it, against local peers of every
 * AWS service it calls — DynamoDB (dynalite), S3 (s3rver), SES v2 (a local
 * endpoint relaying to an SMTP sink) and Lambda (the same local runtime) —
 * each behind a proxy that records every call. Each function signs with an
 * access key of its own, so every recorded call is attributed to its role,
 * and at the end every call is evaluated against the packaged template's role
 * policies with a real IAM policy evaluator: all allowed, every grant used.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { startLocalS3, type LocalS3 } from '../../cli/local/localS3';
import { startLocalSes, type LocalSes } from '../../cli/local/localSes';
import { DynamoRunStore } from '../../lib/delivery/DynamoRunStore';
import type { RunRecord } from '../../lib/delivery/RunRecord';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, InventoryTable, MANIFEST_PARTITION } from '../../lib/inventory/InventoryTable';
import { loadInventory } from '../../lib/inventory/loadInventory';
import { checkCalls, formatCheckResult } from '../helpers/aws/iamCheck';
import { startRecordingProxy, type AwsCall, type RecordingProxy } from '../helpers/aws/recordingProxy';
import { LocalLambda, readPackagedFunctions, type PackagedFunction } from '../helpers/lambda/localLambda';
import { packageStage, REAL_ADDRESSES } from '../infra/packageService';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';
import { pdfText, readPdf } from '../helpers/pdf';

const ROOT = resolve(__dirname, '../..');
const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const STAGE = 'prod';
const BUCKET = 'retention-auditor-prod-reportsbucket-local';
const RUN_FILES_BUCKET = 'retention-auditor-prod-runfilesbucket-local';
const INVENTORY_TABLE = `retention-auditor-${STAGE}-inventory`;
const RUNS_TABLE = `retention-auditor-${STAGE}-runs`;
const USER = `arn:aws:iam::${ACCOUNT}:user/dpo-assistant`;

let dynamo: LocalDynamo;
let s3: LocalS3;
let smtp: SmtpSink;
let ses: LocalSes;
let lambda: LocalLambda;
let template: any;
let functions: PackagedFunction[];
const proxies: Record<'dynamodb' | 's3' | 'sesv2' | 'lambda', RecordingProxy> = {} as never;
/** Calls the Lambda service makes with a function's role, which no proxy sees (destinations, event sources, SSE-KMS). */
const managedCalls: AwsCall[] = [];
let runs: DynamoRunStore;

const keyOf = (fn: PackagedFunction) => `AKIALOCAL${fn.key.toUpperCase()}`;
const arnOf = (logicalId: string) =>
  ({
    InventoryTable: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${INVENTORY_TABLE}`,
    RunsTable: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${RUNS_TABLE}`,
    ReportsBucket: `arn:aws:s3:::${BUCKET}`,
    RunFilesBucket: `arn:aws:s3:::${RUN_FILES_BUCKET}`,
    AuditFailuresQueue: `arn:aws:sqs:${REGION}:${ACCOUNT}:retention-auditor-prod-failures`,
    AuditFailuresDeadLetterQueue: `arn:aws:sqs:${REGION}:${ACCOUNT}:retention-auditor-prod-failures-dlq`,
    AuditKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
  })[logicalId];

/** Resolves the few intrinsics a function's environment uses. */
function environmentOf(fn: PackagedFunction): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string' || typeof value === 'number') env[name] = String(value);
    else if ((value as { Ref?: string }).Ref === 'ReportsBucket') env[name] = BUCKET;
    else if ((value as { Ref?: string }).Ref === 'RunFilesBucket') env[name] = RUN_FILES_BUCKET;
    else if (name === 'STATE_MACHINE_ARN') env[name] = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:retention-auditor-prod-audit`;
    else if ((value as { Ref?: string }).Ref === 'AWS::AccountId') env[name] = ACCOUNT;
    else throw new Error(`Cannot resolve ${name} of ${fn.key}: ${JSON.stringify(value)}`);
  }
  return {
    ...env,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: keyOf(fn),
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    FUNCTION_ARN: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.name}`,
    AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.url,
    AWS_ENDPOINT_URL_S3: proxies.s3.url,
    AWS_ENDPOINT_URL_SESV2: proxies.sesv2.url,
    AWS_ENDPOINT_URL_LAMBDA: proxies.lambda.url,
  };
}

function apiEvent(method: string, path: string, extra: Record<string, unknown> = {}) {
  return {
    version: '2.0',
    routeKey: `${method} ${path.replace(/audit-[\w-]+$/, '{runId}')}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      authorizer: { iam: { accessKey: 'AKIAUSER', accountId: ACCOUNT, callerId: 'AIDAUSER', userArn: USER, userId: 'AIDAUSER' } },
    },
    ...extra,
  };
}

const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: new Date().toISOString(),
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`],
  detail: {},
});

async function http(fn: string, event: unknown): Promise<{ statusCode: number; headers: Record<string, string>; body: any }> {
  const result = await lambda.invoke(fn, event);
  if (!result.ok) throw new Error(`${fn} failed: ${JSON.stringify(result.error)}`);
  const response = result.result as { statusCode: number; headers: Record<string, string>; body: string };
  return { ...response, body: JSON.parse(response.body) };
}

async function settle(runId: string): Promise<RunRecord> {
  for (let i = 0; i < 600; i += 1) {
    const response = await http('getAudit', apiEvent('GET', `/audits/${runId}`, { pathParameters: { runId } }));
    if (!['queued', 'running'].includes(response.body.status)) return response.body as RunRecord;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`Run ${runId} did not finish.`);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const subjectOf = (mail: ParsedMail) => mail.subject ?? '';

beforeAll(async () => {
  // x86_64, so the zips' DuckDB binding loads on this machine (AWS runs the arm64 build).
  const packaged = await packageStage(STAGE, { ...REAL_ADDRESSES, architecture: 'x86_64', engine: 'sql' });
  template = packaged.template;
  functions = readPackagedFunctions(packaged.dir, template);
  dynamo = await startLocalDynamo(0);
  s3 = await startLocalS3(0, undefined, ['test', ...functions.map(keyOf)]);
  smtp = await startSmtpSink();
  ses = await startLocalSes(smtp.url);
  lambda = new LocalLambda({ functions, environment: environmentOf, timeoutSeconds: (fn) => Math.min(fn.timeoutSeconds, 120) });
  await lambda.listen();
  const target = { dynamodb: dynamo.endpoint, s3: s3.endpoint, sesv2: ses.endpoint, lambda: lambda.url } as const;
  for (const service of ['dynamodb', 's3', 'sesv2', 'lambda'] as const) {
    proxies[service] = await startRecordingProxy({ target: target[service], service, accountId: ACCOUNT, region: REGION });
  }
  // What the stack would have created: the tables, the bucket, the example inventory.
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const inventory = new InventoryTable({ client, tableName: INVENTORY_TABLE });
  await inventory.ensureTable();
  runs = new DynamoRunStore(client, RUNS_TABLE);
  await runs.ensureTable();
  await loadInventory(new FileInventorySource(resolve(ROOT, 'examples/inventory.ndjson')), inventory, { concurrency: 4 });
  await s3.createBucket(BUCKET);
}, 600_000);

afterAll(async () => {
  await lambda?.close();
  for (const proxy of Object.values(proxies)) await proxy?.close();
  await ses?.close();
  await smtp?.close();
  await s3?.close();
  await dynamo?.close();
});

beforeEach(() => smtp.messages.splice(0));

/**
 * The calls Lambda itself makes with a function's role when an asynchronous
 * invocation fails and its consumer reads the queue; and the permission S3
 * checks when an object is missing (s3:ListBucket decides 404 over 403).
 */
function recordManagedCalls(): void {
  const failing = new Set(lambda.failures.map((failure) => failure.function));
  for (const fn of functions.filter((f) => failing.has(f.key) && f.onFailureQueue)) {
    managedCalls.push(managed(fn, 'sqs:SendMessage', arnOf(fn.onFailureQueue!)!));
  }
  const consumer = functions.find((f) => f.consumesQueue);
  if (consumer && failing.size > 0) {
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) managedCalls.push(managed(consumer, action, arnOf(consumer.consumesQueue!)!));
  }
  for (const call of proxies.s3.calls.filter((c) => c.operation === 'GetObject' && c.status === 404)) {
    const key = call.resources[0]!.slice(`arn:aws:s3:::${BUCKET}/`.length);
    managedCalls.push({ ...call, operation: 'ListBucket (missing object)', action: 's3:ListBucket', resources: [arnOf('ReportsBucket')!], context: { 's3:prefix': key } });
  }
}

function managed(fn: PackagedFunction, action: string, resource: string, context: Record<string, string> = {}): AwsCall {
  return { accessKeyId: keyOf(fn), presigned: false, service: 'lambda', operation: action, action, resources: [resource], context, status: 200, region: REGION, method: 'POST', url: 'lambda-managed' } as AwsCall;
}

describe('the packaged functions on local peers', () => {
  it('the nightly run with no waivers object: succeeds, stores every report, mails the DPO through SES with the reports attached', async () => {
    lambda.invokeAsync('scheduledAudit', scheduledEvent());
    await lambda.idle();
    expect(lambda.failures).toEqual([]);
    const [run] = (await runs.listRecent(1)).filter((r) => r.trigger === 'schedule');
    expect(run).toMatchObject({ status: 'succeeded', summary: { items: 45, complete: true, byVerdict: { violation: 18, waived: 0 } } });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.from).toMatchObject({ value: [{ address: REAL_ADDRESSES.senderEmail }] });
    expect(mail!.to).toMatchObject({ value: [{ address: REAL_ADDRESSES.dpoEmail }] });
    expect(mail!.attachments.map((a) => a.filename)).toEqual([`${run!.runId}.pdf`, `${run!.runId}.csv`, `${run!.runId}.json`]);
    expect(mail!.text).toContain(`npm start -- fetch ${run!.runId} --runs-table ${RUNS_TABLE} --bucket ${BUCKET} --region ${REGION}`);
  });

  it('POST /audits (no waivers object yet) → the worker runs asynchronously → GET shows it succeeded with links that download the real bytes; retries and bad bodies', async () => {
    const bad = await http('startAudit', apiEvent('POST', '/audits', { body: '{"formats":["xml"]}' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, errors: [{ field: 'formats.0' }] });
    const request = apiEvent('POST', '/audits', { body: '{"notify":true}', headers: { 'content-type': 'application/json', 'idempotency-key': 'pre-audit-1' } });
    const started = await http('startAudit', request);
    expect(started.statusCode).toBe(202);
    const { runId } = started.body;
    const retried = await http('startAudit', request);
    expect(retried.body.runId).toBe(runId);
    await lambda.idle();
    const run = await settle(runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'http', requestedBy: USER });
    const links = (run as unknown as { reports: Record<string, { url: string; sha256: string }> }).reports;
    expect(Object.keys(links).sort()).toEqual(['csv', 'json', 'pdf']);
    for (const link of Object.values(links)) {
      const download = await fetch(link.url);
      expect(download.status).toBe(200);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(link.sha256);
    }
    const mails = await smtp.waitFor(1);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.attachments.find((a) => a.filename === `${runId}.pdf`)).toBeDefined();
    const list = await http('listAudits', apiEvent('GET', '/audits', { queryStringParameters: { limit: '5' } }));
    expect(list.body.runs[0]).toMatchObject({ runId, status: 'succeeded' });
  });

  it('the nightly run with a waivers object in the bucket: its waivers apply', async () => {
    const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
    const admin = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'waivers.yaml', Body: readFileSync(resolve(ROOT, 'examples/waivers.yaml')) }));
    lambda.invokeAsync('scheduledAudit', scheduledEvent());
    await lambda.idle();
    const [run] = (await runs.listRecent(1)).filter((r) => r.trigger === 'schedule');
    expect(run!.status).toBe('succeeded');
    expect(run!.summary!.byVerdict.waived).toBeGreaterThan(0);
    expect(subjectOf((await smtp.waitFor(1))[0]!)).toMatch(/^\[Retention audit\]/);
  });

  it('two deliveries of the same run: one audit, one mail', async () => {
    const started = await http('startAudit', apiEvent('POST', '/audits', { body: '{"notify":true,"formats":["json"]}' }));
    const { runId } = started.body;
    // The SDK retried an Invoke whose reply was lost: Lambda delivers the same event again.
    lambda.invokeAsync('auditWorker', { runId });
    await lambda.idle();
    expect((await settle(runId)).status).toBe('succeeded');
    expect(smtp.messages).toHaveLength(1);
    const uploads = proxies.s3.calls.filter((call) => call.operation === 'PutObject' && call.resources[0]!.includes(runId));
    expect(uploads).toHaveLength(1);
  });

  it('a worker killed at its time limit: the failure queue ends the run failed with one failure mail', async () => {
    const worker = lambda.fn('auditWorker');
    const original = worker.timeoutSeconds;
    worker.timeoutSeconds = 0.2;
    try {
      const started = await http('startAudit', apiEvent('POST', '/audits', { body: '{"notify":true}' }));
      await lambda.idle();
      const run = await runs.get(started.body.runId);
      expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Timed out: /) });
      expect(lambda.failures.at(-1)).toMatchObject({ function: 'auditWorker', delivered: true });
      const mails = await smtp.waitFor(1);
      expect(mails.map(subjectOf)).toEqual([`[Retention audit] FAILED — run ${run!.runId}`]);
    } finally {
      worker.timeoutSeconds = original;
    }
  });

  it('a worker that cannot be started: POST /audits answers a generic 500 and the run is recorded failed', async () => {
    // More refusals than the SDK's attempts.
    lambda.refuseInvokes = 5;
    const response = await http('startAudit', apiEvent('POST', '/audits', { body: '{}' }));
    lambda.refuseInvokes = 0;
    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/arn:aws|retention-auditor-prod|123456789012/);
    const [run] = await runs.listRecent(1);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/^The audit could not be started: /) });
  });

  it('a nightly function killed before it recorded its run: the failure queue records a failed run and mails once', async () => {
    const scheduled = lambda.fn('scheduledAudit');
    const original = scheduled.timeoutSeconds;
    scheduled.timeoutSeconds = 0.05;
    // A cold environment: killed while it still loads its code, before it could record anything.
    lambda.kill('scheduledAudit');
    try {
      const before = (await runs.listRecent(100)).length;
      lambda.invokeAsync('scheduledAudit', scheduledEvent());
      await lambda.idle();
      const all = await runs.listRecent(100);
      expect(all).toHaveLength(before + 1);
      expect(all[0]).toMatchObject({ trigger: 'schedule', status: 'failed', error: expect.stringMatching(/^Timed out: .*before reading the snapshot/) });
      // The run was recorded by the failure queue's consumer, not by the function that died.
      expect(proxies.dynamodb.calls.some((call) => call.operation === 'PutItem' && call.accessKeyId === keyOf(lambda.fn('auditFailures')))).toBe(true);
      expect((await smtp.waitFor(1)).map(subjectOf)).toEqual([`[Retention audit] FAILED — run ${all[0]!.runId}`]);
    } finally {
      scheduled.timeoutSeconds = original;
    }
  });

  it('a hostile snapshot in a warm nightly function: the bad items are invalid or unmapped, the run succeeds, and the next run in the same environment is clean', async () => {
    const now = Date.now();
    const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    const example = readFileSync(resolve(ROOT, 'examples/inventory.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const base = { ...example.find((item) => item.itemId === 'im-001'), snapshotId: 'snap-hostile', capturedAt: minutesAgo(60) };
    const hostile = [
      { ...base, itemId: 'h1', module: '__proto__' },
      { ...base, itemId: 'h2', module: 'constructor', dataCategory: '__proto__' },
      { ...base, itemId: 'h3', capturedAt: '2026-12-31T23:59:60Z' },
      { ...base, itemId: 'h4', customerRetentionDays: 100_000_000 },
      { ...base, itemId: 'h5', capturedAt: '9999-12-31T00:00:00Z' },
      { ...base, itemId: 'h6', events: { accountDeletedAt: '2026-02-30T00:00:00Z' } },
      { ...base, itemId: 'h7', tenantId: '株式会社テスト 🚀', store: { type: 'cls', resource: 'im/\u001b]8;;http://evil\u0007log\u001b[2J' } },
    ];
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    const inventory = new InventoryTable({ client, tableName: INVENTORY_TABLE });
    const load = async (items: unknown[], name: string) => {
      const file = resolve(tmpdir(), `${randomUUID()}-${name}.ndjson`);
      writeFileSync(file, items.map((item) => JSON.stringify(item)).join('\n'));
      return loadInventory(new FileInventorySource(file), inventory, { concurrency: 2 });
    };
    const failuresBefore = lambda.failures.length;
    const loaded = await load(hostile, 'hostile');
    // The capture time in the year 9999 did not make snap-hostile "latest" forever.
    expect(loaded.snapshots[0]!.capturedAt).toBe(base.capturedAt);
    lambda.invokeAsync('scheduledAudit', scheduledEvent());
    await lambda.idle();
    const [first] = (await runs.listRecent(1)).filter((r) => r.trigger === 'schedule');
    expect(first).toMatchObject({ status: 'succeeded', summary: { items: 7, complete: true, byVerdict: { unmapped: 2, invalid: 4, violation: 1 } } });
    // The packaged function's PDF draws the CJK tenant with its fallback font, and no escape sequence.
    const [mail] = await smtp.waitFor(1);
    const pdfPath = resolve(tmpdir(), `${randomUUID()}.pdf`);
    writeFileSync(pdfPath, mail!.attachments.find((a) => a.filename?.endsWith('.pdf'))!.content);
    const text = pdfText(readPdf(pdfPath));
    expect(text).toContain('株式会社テスト');
    expect(text).toContain('\\x1b]8;;http://evil');
    expect(text).not.toContain('\u001b');

    await load(example.map((item) => ({ ...item, snapshotId: 'snap-clean', capturedAt: minutesAgo(30) })), 'clean');
    lambda.invokeAsync('scheduledAudit', scheduledEvent());
    await lambda.idle();
    expect(lambda.failures.slice(failuresBefore)).toEqual([]);
    const [second] = (await runs.listRecent(1)).filter((r) => r.trigger === 'schedule');
    expect(second).toMatchObject({ status: 'succeeded', summary: { items: 45, complete: true } });
    client.destroy();
  });

  it('a table without snapshot manifests: POST /audits and the nightly run size the snapshot with DescribeTable, and run it in one Lambda', async () => {
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    // A collector that writes its items itself leaves no manifest (the items of MANIFEST_PARTITION that loadInventory writes).
    const manifests = (await client.send(new QueryCommand({ TableName: INVENTORY_TABLE, KeyConditionExpression: 'snapshotId = :p', ExpressionAttributeValues: { ':p': MANIFEST_PARTITION } }))).Items ?? [];
    expect(manifests.length).toBeGreaterThan(0);
    for (const item of manifests) await client.send(new DeleteCommand({ TableName: INVENTORY_TABLE, Key: { snapshotId: item.snapshotId, itemId: item.itemId } }));
    const keyOfFunction = (name: string) => keyOf(functions.find((fn) => fn.key === name)!);
    try {
      const started = await http('startAudit', apiEvent('POST', '/audits', { body: '{"formats":["json"]}' }));
      expect(started.statusCode).toBe(202);
      await lambda.idle();
      expect((await settle(started.body.runId)).status).toBe('succeeded');
      lambda.invokeAsync('scheduledAudit', scheduledEvent());
      await lambda.idle();
      const [nightly] = (await runs.listRecent(5)).filter((r) => r.trigger === 'schedule');
      expect(nightly!.status).toBe('succeeded');
      expect(nightly!.executionArn).toBeUndefined();
      const described = proxies.dynamodb.calls.filter((call) => call.action === 'dynamodb:DescribeTable').map((call) => call.accessKeyId);
      expect([...new Set(described)].sort()).toEqual([keyOfFunction('scheduledAudit'), keyOfFunction('startAudit')].sort());
    } finally {
      for (const item of manifests) await client.send(new PutCommand({ TableName: INVENTORY_TABLE, Item: item }));
      client.destroy();
    }
  });

  it('the sweep finds nothing stuck after all this', async () => {
    const result = await lambda.invoke('auditFailures', scheduledEvent());
    expect(result).toMatchObject({ ok: true, result: { swept: [] } });
  });

  it('every AWS call the functions made is allowed by their roles in the packaged template, and every grant is used', async () => {
    recordManagedCalls();
    const calls = [...Object.values(proxies).flatMap((proxy) => proxy.calls), ...managedCalls];
    expect(calls.filter((call) => call.action.startsWith('unknown:'))).toEqual([]);
    const result = await checkCalls({
      template,
      calls,
      roleOfAccessKey: Object.fromEntries(functions.map((fn) => [keyOf(fn), fn.roleLogicalId])),
      names: {
        accountId: ACCOUNT,
        region: REGION,
        resources: {
          InventoryTable: { Ref: INVENTORY_TABLE, Arn: arnOf('InventoryTable') },
          RunsTable: { Ref: RUNS_TABLE, Arn: arnOf('RunsTable') },
          ReportsBucket: { Ref: BUCKET, Arn: arnOf('ReportsBucket') },
          RunFilesBucket: { Ref: RUN_FILES_BUCKET, Arn: arnOf('RunFilesBucket') },
          AuditFailuresQueue: { Ref: 'https://sqs/failures', Arn: arnOf('AuditFailuresQueue'), QueueName: 'retention-auditor-prod-failures' },
          AuditFailuresDeadLetterQueue: { Arn: arnOf('AuditFailuresDeadLetterQueue') },
          AuditKey: { Ref: '11111111-2222-3333-4444-555555555555', Arn: arnOf('AuditKey') },
        },
      },
      // The default stage: no chat webhook, no Security Hub (their grants: test/infra/serverlessPackage.test.ts).
      conditions: { UseObjectLock: true, SlackWebhook: false, TeamsWebhook: false, AnyChatWebhook: false, UseSecurityHub: false },
      // Log permissions are the runtime's; KMS is used by S3 and SQS on the caller's behalf, and needs
      // the key policy, which this evaluator does not take: both are reviewed in the template tests. No
      // run here is large enough for the state machine, whose grants stateMachine.test.ts evaluates.
      ignoreActions: /^(logs|kms|states):/,
      // The functions run here; the state machine's steps and role (and the states: grants) are evaluated in test/infra/stateMachine.test.ts.
      roles: ['StartAuditRole', 'GetAuditRole', 'ListAuditsRole', 'AuditWorkerRole', 'ScheduledAuditRole', 'AuditFailuresRole'],
    });
    expect(formatCheckResult(result)).toBe(formatCheckResult({ denied: [], unused: [], allowed: result.allowed }));
    expect(result.allowed).toBeGreaterThan(50);
  });
});
