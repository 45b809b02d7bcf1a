/**
 * The delivery path end to end on real local peers: DynamoDB (dynalite), S3
 * (s3rver), and an SMTP server on 127.0.0.1 that captures the digest. The
 * handlers run from source here; test/integration/packaged.test.ts runs the
 * packaged bundles.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, EventBridgeEvent } from 'aws-lambda';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { main } from '../../cli/main';
import { createMailer } from '../../lib/delivery/Mailer';
import { emailNotifier } from '../../lib/delivery/notifiers/emailNotifier';
import type { ChannelId, ChannelOutcome, Notifier } from '../../lib/delivery/notifiers/Notifier';
import { ReportStore } from '../../lib/delivery/ReportStore';
import type { AuditContainer } from '../../lib/delivery/auditContainer';
import { startLocalS3, type LocalS3 } from '../../cli/local/localS3';
import { handle as scheduled } from '../../handlers/scheduledAudit';
import { handle as startAudit } from '../../handlers/startAudit';
import { handle as getAudit } from '../../handlers/getAudit';
import { handle as listAudits } from '../../handlers/listAudits';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { loadInventory } from '../../lib/inventory/loadInventory';
import { localContainer } from '../helpers/delivery';
import { ndjson, tempDir, writeTemp } from '../helpers/files';
import { makeItem } from '../helpers/items';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');
const scheduleEvent = (id: string) => ({ id, 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-23T02:00:00Z', detail: {} }) as unknown as EventBridgeEvent<'Scheduled Event', unknown>;
const httpEvent = (method: string, path: string, extra: Partial<APIGatewayProxyEventV2WithIAMAuthorizer> = {}) =>
  ({
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method, path }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/dpo-assistant' } } },
    ...extra,
  }) as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

const lambdaContext = (seconds = 900) => {
  const deadline = Date.now() + seconds * 1000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
};

let dynamo: LocalDynamo;
let s3: LocalS3;
let smtp: SmtpSink;
beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
  s3 = await startLocalS3(0, undefined, ['test']);
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp.close();
  await s3.close();
  await dynamo.close();
});
beforeEach(() => smtp.messages.splice(0));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Downloads a stored report from the local S3 and hashes it. */
async function storedSha256(deps: AuditContainer, key: string): Promise<string> {
  const path = join(tempDir(), key.split('/').pop()!);
  await deps.reports.download(key, path);
  return sha256(path);
}

describe('the nightly scheduled audit', () => {
  let deps: AuditContainer;
  beforeAll(async () => {
    deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
  });

  it('stores every report with its SHA-256, records each step, and mails one digest to the DPO with the PDF', async () => {
    const record = await scheduled(scheduleEvent('evt-1'), lambdaContext(), deps);
    expect(record).toMatchObject({ status: 'succeeded', trigger: 'schedule', requestedBy: 'schedule', snapshotId: 'snap-2026-11-20' });
    expect(record.summary).toMatchObject({ items: 45, complete: true });
    expect(record.summary!.byVerdict.violation).toBe(18);
    for (const format of ['json', 'csv', 'pdf'] as const) {
      const stored = record.reports![format]!;
      expect(stored.key).toBe(`reports/${record.createdAt.slice(0, 4)}/${record.createdAt.slice(5, 7)}/${record.runId}.${format}`);
      expect(await storedSha256(deps, stored.key)).toBe(stored.sha256);
    }
    const [mail] = await smtp.waitFor(1);
    expect(smtp.messages).toHaveLength(1);
    expect(mail!.to).toMatchObject({ value: [{ address: 'dpo@example.com' }] });
    expect(mail!.from).toMatchObject({ value: [{ address: 'auditor@example.com' }] });
    expect(mail!.subject).toBe('[Retention audit] 18 violations (4 special-category), 6 due soon — snapshot snap-2026-11-20');
    expect(mail!.text).toContain('18 violations (4 involve health or biometric data), 6 deadlines due soon.');
    expect(mail!.html).toContain('<strong style="color: #b91c1c;">18 violations</strong>');
    // Every report is attached (the PDF first) while the total stays under the limit; none is only a link.
    expect(mail!.attachments.map((a) => a.filename)).toEqual([`${record.runId}.pdf`, `${record.runId}.csv`, `${record.runId}.json`]);
    expect(mail!.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    for (const attachment of mail!.attachments) {
      const format = attachment.filename!.split('.').pop() as 'pdf' | 'csv' | 'json';
      expect(createHash('sha256').update(attachment.content).digest('hex')).toBe(record.reports![format]!.sha256);
    }
    expect(mail!.text).not.toMatch(/https?:\/\/|X-Amz-Signature/);
    expect(mail!.text).toContain(`npm start -- fetch ${record.runId} --runs-table ${deps.config.RUNS_TABLE} --bucket ${deps.config.REPORTS_BUCKET} --region eu-central-1`);
    expect(record.email!.attached).toEqual(['pdf', 'csv', 'json']);
    expect(record.email).toMatchObject({ to: ['dpo@example.com'], messageId: mail!.messageId ? expect.any(String) : undefined });
  });

  it('fetch downloads its reports with their SHA-256 checked; verify confirms them against the runs table and refuses a tampered copy', async () => {
    const [run] = (await deps.runs.listRecent(10)).filter((r) => r.trigger === 'schedule');
    const out = tempDir('fetched-');
    const cli = async (args: string[]) => {
      let stdout = '';
      const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stdout += t) });
      return { code, stdout };
    };
    const fetched = await cli(['fetch', run!.runId, '--runs-table', deps.config.RUNS_TABLE, '--bucket', deps.config.REPORTS_BUCKET, '--endpoint', dynamo.endpoint, '--region', 'eu-central-1', '--out', out]);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout.match(/^Fetched .* matches run/gm)).toHaveLength(3);
    const downloaded = join(out, `${run!.runId}.pdf`);
    expect(sha256(downloaded)).toBe(run!.reports!.pdf!.sha256);
    const verify = () => cli(['verify', downloaded, '--runs-table', deps.config.RUNS_TABLE, '--endpoint', dynamo.endpoint]);
    expect(await verify()).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Verified: /) });
    appendFileSync(downloaded, '%% appended\n');
    expect(await verify()).toMatchObject({ code: 1, stdout: expect.stringMatching(/^REFUSED: /) });
    expect((await cli(['fetch', 'audit-20990101T000000Z-000000', '--runs-table', deps.config.RUNS_TABLE, '--bucket', deps.config.REPORTS_BUCKET, '--endpoint', dynamo.endpoint, '--out', out])).code).toBe(2);
  });

  it('does not run twice for a redelivered schedule event', async () => {
    const again = await scheduled(scheduleEvent('evt-1'), lambdaContext(), deps);
    expect(again.status).toBe('succeeded');
    expect(smtp.messages).toHaveLength(0);
    expect((await deps.runs.listRecent(10)).filter((r) => r.trigger === 'schedule')).toHaveLength(1);
  });
});

describe('history in the audit-runs table', () => {
  it('the next scheduled run reports what changed, in its record and first in its mail', async () => {
    const first = writeTemp('day1.ndjson', ndjson([
      makeItem({ snapshotId: 'day-1', itemId: 'a1', tenantId: 'a', capturedAt: '2026-11-19T02:00:00Z', oldestRecordAt: '2026-11-01T00:00:00Z' }),
      makeItem({ snapshotId: 'day-1', itemId: 'b1', tenantId: 'b', capturedAt: '2026-11-19T02:00:00Z', oldestRecordAt: '2026-11-18T00:00:00Z' }),
    ]));
    const second = writeTemp('day2.ndjson', ndjson([
      makeItem({ snapshotId: 'day-2', itemId: 'b2', tenantId: 'b', capturedAt: '2026-11-20T02:00:00Z', oldestRecordAt: '2026-11-10T00:00:00Z' }),
    ]));
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: first });
    const day1 = await scheduled(scheduleEvent('evt-day-1'), lambdaContext(), deps);
    expect(day1.changes).toMatchObject({ previousRunId: null, newViolations: 1 });
    await loadInventory(new FileInventorySource(second), deps.audit.inventory, { concurrency: 2 });
    const day2 = await scheduled(scheduleEvent('evt-day-2'), lambdaContext(), deps);
    expect(day2).toMatchObject({ status: 'succeeded', snapshotId: 'day-2', stale: false });
    expect(day2.changes).toEqual({ previousRunId: day1.runId, new: 1, persisting: 0, resolved: 1, newViolations: 1 });
    expect(day2.snapshotSha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    const mails = await smtp.waitFor(2);
    expect(mails[1]!.subject).toBe('[Retention audit] 1 new violation, 1 resolved — 1 open (0 special-category), 0 due soon — snapshot day-2');
    expect(mails[1]!.text!.split('\n')[2]).toBe(`Since the last audit (run ${day1.runId}): 1 new violations, 1 resolved, 0 findings unchanged.`);
  });

  it('a stale snapshot says so in the subject', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE, auditAt: '2026-11-23T02:00:00Z' });
    const record = await scheduled(scheduleEvent('evt-stale'), lambdaContext(), deps);
    expect(record.stale).toBe(true);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toMatch(/^\[Retention audit\] STALE INVENTORY — 18 violations/);
    expect(mail!.text).toContain('STALE INVENTORY: the snapshot was captured 72 hours before this audit (limit 48 h)');
  });
});

describe('digests', () => {
  it('an all-clear run still sends a short mail saying so', async () => {
    const file = writeTemp('clean.ndjson', ndjson([makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' })]));
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: file });
    const record = await scheduled(scheduleEvent('evt-clean'), lambdaContext(), deps);
    expect(record.status).toBe('succeeded');
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe('[Retention audit] All clear: no violations in 2 items, 0 due soon — snapshot snap-test');
    expect(mail!.text).toContain('All clear: no stored data is kept longer than its privacy policy allows.');
  });

  it('reports above the attachment limit are named with their key and SHA-256, and the fetch command gets them', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE, env: { ATTACH_MAX_BYTES: '1000' } });
    const record = await scheduled(scheduleEvent('evt-big'), lambdaContext(), deps);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.attachments).toHaveLength(0);
    expect(record.email!.attached).toEqual([]);
    expect(mail!.text).toContain(`PDF report (`);
    expect(mail!.text).toContain(`${record.reports!.csv!.key}, SHA-256 ${record.reports!.csv!.sha256}`);
    expect(mail!.text).toContain(`${record.reports!.pdf!.key}, SHA-256 ${record.reports!.pdf!.sha256}`);
    expect(mail!.text).toContain(`${record.reports!.json!.key}, SHA-256 ${record.reports!.json!.sha256}`);
    expect(mail!.text).toContain(`npm start -- fetch ${record.runId}`);
  });

  it('a failed run is recorded as failed with its error, and sends a failure mail', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url });
    await expect(scheduled(scheduleEvent('evt-empty'), lambdaContext(), deps)).rejects.toThrow(/holds no inventory snapshot/);
    const [run] = await deps.runs.listRecent(1);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/holds no inventory snapshot/) });
    expect(run!.finishedAt).toBeDefined();
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe(`[Retention audit] FAILED — run ${run!.runId}`);
    expect(mail!.text).toContain('holds no inventory snapshot');
    expect(run!.email).toMatchObject({ subject: mail!.subject, messageId: expect.any(String) });
  });
});

describe('failures of S3 and SES', () => {
  afterEach(() => {
    mockClient(S3Client).restore();
    mockClient(SESv2Client).restore();
  });

  it('reports that cannot be stored fail the run, with the error recorded', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
    const s3mock = mockClient(S3Client);
    s3mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    s3mock.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
    const original = deps.audit.reports;
    deps.audit.reports = new ReportStore(new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), 'reports-bucket');
    await expect(scheduled(scheduleEvent('evt-s3'), lambdaContext(), deps)).rejects.toThrow(
      /^S3 refused PutObject on s3:\/\/reports-bucket\/reports\/.* \(AccessDenied\): the function's role needs s3:PutObject on it/,
    );
    const [run] = await deps.runs.listRecent(1);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining('AccessDenied') });
    expect(run!.reports).toBeUndefined();
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toMatch(/FAILED/);
    // A run whose reports were not stored is not history: the next run has nothing to compare with.
    s3mock.restore();
    deps.audit.reports = original;
    const next = await scheduled(scheduleEvent('evt-s3-retry'), lambdaContext(), deps);
    expect(next).toMatchObject({ status: 'succeeded', changes: { previousRunId: null } });
  });

  it('a digest that SES refuses leaves the run partial with the delivery error, never "succeeded"', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));
    const sesMailer = createMailer({ sesClient: new SESv2Client({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }) });
    deps.audit.notifiers = [emailNotifier({ mailer: sesMailer, from: 'auditor@example.com', to: ['dpo@example.com'], attachLimitBytes: 7_000_000 })];
    const record = await scheduled(scheduleEvent('evt-ses'), lambdaContext(), deps);
    expect(record.status).toBe('partial');
    expect(record.email).toMatchObject({ to: ['dpo@example.com'], error: expect.stringContaining('Email address is not verified.') });
    expect(record.error).toMatch(/^E-mail not sent: /);
    expect(record.reports?.pdf).toBeDefined();
  });
});

describe('delivery channels', () => {
  /** A chat-like channel that answers what it is told to (or throws), and counts its calls. */
  function fakeChannel(channel: ChannelId, answer: () => Promise<ChannelOutcome[]>): Notifier & { calls: string[] } {
    const calls: string[] = [];
    return {
      channel,
      calls,
      finished: async (run) => (calls.push(`finished ${run.record.runId}`), answer()),
      failed: async (record) => (calls.push(`failed ${record.runId}`), answer()),
    };
  }
  const slackDown = () => fakeChannel('slack', async () => [{ channel: 'slack', to: 'Slack webhook (secret /test/slack)', attempts: 3, error: 'Slack webhook answered HTTP 500 after 3 attempts.' }]);

  it("another channel's failure, or a notifier that throws, leaves the run succeeded, recorded per channel and warned of; the DPO still gets the digest; GET /audits/{runId} shows every outcome", async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
    const [email] = deps.audit.notifiers;
    const slack = slackDown();
    const teams = fakeChannel('teams', async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    deps.audit.notifiers = [email!, slack, teams];
    const record = await scheduled(scheduleEvent('evt-channels'), lambdaContext(), deps);
    expect(record.status).toBe('succeeded');
    expect(record.error).toBeUndefined();
    const [mail] = await smtp.waitFor(1);
    expect(record.notifications).toEqual([
      { channel: 'email', to: 'dpo@example.com', subject: mail!.subject, attached: ['pdf', 'csv', 'json'], messageId: expect.any(String), sentAt: expect.any(String) },
      { channel: 'slack', to: 'Slack webhook (secret /test/slack)', attempts: 3, error: 'Slack webhook answered HTTP 500 after 3 attempts.' },
      { channel: 'teams', to: 'unknown', error: 'The teams notifier failed: Cannot read properties of undefined' },
    ]);
    expect(record.warnings).toEqual([
      'Slack message not sent to Slack webhook (secret /test/slack): Slack webhook answered HTTP 500 after 3 attempts.',
      'Teams message not sent to unknown: The teams notifier failed: Cannot read properties of undefined',
    ]);
    // The former field still says what the DPO's mail did.
    expect(record.email).toEqual({ to: ['dpo@example.com'], subject: mail!.subject, attached: ['pdf', 'csv', 'json'], messageId: expect.any(String), sentAt: expect.any(String) });
    expect(slack.calls).toEqual([`finished ${record.runId}`]);
    expect(deps.metrics.published).toEqual([
      { NotificationSent: 1, NotificationFailed: 0 },
      { NotificationSent: 0, NotificationFailed: 1 },
      { NotificationSent: 0, NotificationFailed: 1 },
      expect.objectContaining({ RunSucceeded: 1, DigestSent: 1, DigestFailed: 0, NotificationSent: 1, NotificationFailed: 2 }),
    ]);
    const got = JSON.parse((await getAudit(httpEvent('GET', `/audits/${record.runId}`, { pathParameters: { runId: record.runId } }), deps)).body!);
    expect(got.notifications).toEqual(record.notifications);
    expect(got.warnings).toEqual(record.warnings);
  });

  it("the DPO's digest not sent makes the run partial even when every other channel delivered", async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: 'smtp://127.0.0.1:1', inventoryFile: EXAMPLE });
    const slack = fakeChannel('slack', async () => [{ channel: 'slack', to: 'Slack webhook (secret /test/slack)', attempts: 1, sentAt: '2026-11-20T06:00:05.000Z' }]);
    deps.audit.notifiers = [...deps.audit.notifiers, slack];
    const record = await scheduled(scheduleEvent('evt-channels-no-mail'), lambdaContext(), deps);
    expect(record.status).toBe('partial');
    expect(record.error).toMatch(/^E-mail not sent: Sending the e-mail through SMTP 127\.0\.0\.1:1 failed: /);
    expect(record.notifications!.map((outcome) => [outcome.channel, outcome.error === undefined])).toEqual([['email', false], ['slack', true]]);
    expect(record.warnings).toBeUndefined();
  });

  it('a failed run tells every channel once; a channel that does not announce failures records nothing', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url });
    const slack = slackDown();
    const owners = fakeChannel('owner-email', async () => []);
    deps.audit.notifiers = [...deps.audit.notifiers, slack, owners];
    await expect(scheduled(scheduleEvent('evt-channels-failed'), lambdaContext(), deps)).rejects.toThrow(/holds no inventory snapshot/);
    const [run] = await deps.runs.listRecent(1);
    expect(run!.status).toBe('failed');
    expect(slack.calls).toEqual([`failed ${run!.runId}`]);
    expect(owners.calls).toEqual([`failed ${run!.runId}`]);
    const [mail] = await smtp.waitFor(1);
    expect(run!.notifications).toEqual([
      { channel: 'email', to: 'dpo@example.com', subject: mail!.subject, messageId: expect.any(String), sentAt: expect.any(String) },
      { channel: 'slack', to: 'Slack webhook (secret /test/slack)', attempts: 3, error: 'Slack webhook answered HTTP 500 after 3 attempts.' },
    ]);
    expect(deps.metrics.published).toEqual([{ RunFailed: 1 }, { NotificationSent: 1, NotificationFailed: 0 }, { NotificationSent: 0, NotificationFailed: 1 }, { NotificationSent: 1, NotificationFailed: 1 }]);
  });
});

describe('the HTTP API on real local peers', () => {
  let deps: AuditContainer;
  beforeAll(async () => {
    deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
  });

  async function settle(runId: string) {
    for (let i = 0; i < 200; i += 1) {
      const record = await deps.runs.get(runId);
      if (record && !['queued', 'running'].includes(record.status)) return record;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('run did not finish');
  }

  it('POST /audits answers 202, the run finishes asynchronously, GET /audits/{runId} links its reports', async () => {
    const response = await startAudit(httpEvent('POST', '/audits', { body: JSON.stringify({ formats: ['json', 'pdf'], notify: true }) }), deps);
    expect(response.statusCode).toBe(202);
    const { runId, status } = JSON.parse(response.body!);
    expect(status).toBe('queued');
    const finished = await settle(runId);
    expect(finished).toMatchObject({ status: 'succeeded', trigger: 'http', requestedBy: 'arn:aws:iam::123456789012:user/dpo-assistant' });
    const got = await getAudit(httpEvent('GET', `/audits/${runId}`, { pathParameters: { runId } }), deps);
    expect(got.statusCode).toBe(200);
    const body = JSON.parse(got.body!);
    expect(Object.keys(body.reports).sort()).toEqual(['json', 'pdf']);
    expect(body.reports.json).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/reports-.*X-Amz-Signature=/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), expiresInSeconds: 900 });
    // The presigned links download the real bytes.
    for (const format of ['json', 'pdf']) {
      const download = await fetch(body.reports[format].url);
      expect(download.status).toBe(200);
      expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(body.reports[format].sha256);
    }
    expect(body.summary.byVerdict.violation).toBe(18);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toMatchObject({ value: [{ address: 'dpo@example.com' }] });
    const list = JSON.parse((await listAudits(httpEvent('GET', '/audits'), deps)).body!);
    expect(list.runs[0]).toMatchObject({ runId, status: 'succeeded' });
  });

  it('a dry run evaluates without storing reports or mailing', async () => {
    const response = await startAudit(httpEvent('POST', '/audits', { body: JSON.stringify({ dryRun: true, notify: true }) }), deps);
    const finished = await settle(JSON.parse(response.body!).runId);
    expect(finished).toMatchObject({ status: 'succeeded', reports: {} });
    expect(finished.summary!.items).toBe(45);
    expect(finished.email).toBeUndefined();
    expect(smtp.messages).toHaveLength(0);
  });

  it('an Idempotency-Key retry returns the same run and starts nothing new', async () => {
    const event = httpEvent('POST', '/audits', { body: '{"formats":["json"]}', headers: { 'idempotency-key': 'pre-audit-2026-11' } });
    const first = JSON.parse((await startAudit(event, deps)).body!);
    const second = JSON.parse((await startAudit(event, deps)).body!);
    expect(second.runId).toBe(first.runId);
    await settle(first.runId);
    const conflicting = await startAudit({ ...event, body: '{"formats":["csv"]}' }, deps);
    expect(conflicting.statusCode).toBe(422);
  });
});
