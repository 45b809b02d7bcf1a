/**
 * The life of a run on real local peers — DynamoDB (dynalite), S3 (s3rver) and
 * an SMTP sink on 127.0.0.1: claimed once, stopped before its deadline, failed
 * by the on-failure queue or the sweep (mailed once either way), history head
 * compare-and-set, waivers from the bucket, and the metrics the alarms watch.
 * Each test names the fix it pins: without that fix, it fails.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { startLocalS3, type LocalS3 } from '../../cli/local/localS3';
import { handle as scheduled } from '../../handlers/scheduledAudit';
import { executeAudit } from '../../lib/delivery/executeAudit';
import { recordInvocationFailure, sweepStuckRuns, type InvocationFailure } from '../../lib/delivery/recoverRuns';
import type { AuditRequest } from '../../lib/delivery/RunRecord';
import type { MetricDimensions, RunMetricName } from '../../lib/delivery/RunMetrics';
import { startRun } from '../../lib/delivery/startRun';
import { TimedOutError } from '../../lib/errors';
import type { HistoryStore } from '../../lib/history/HistoryStore';
import type { InventoryTable } from '../../lib/inventory/InventoryTable';
import { localContainer } from '../helpers/delivery';
import { collect, ndjson, writeTemp } from '../helpers/files';
import { CAPTURED, makeItem } from '../helpers/items';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');
const WAIVERS = readFileSync(resolve(__dirname, '../../examples/waivers.yaml'), 'utf8');
const USER = 'arn:aws:iam::123456789012:user/dpo-assistant';
const LIMITS = { timeoutSeconds: 900, maxEventAgeSeconds: 3600 };
const EVERYTHING: AuditRequest = { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false };
/** What Lambda passes the scheduled function: 15 minutes left. */
const CONTEXT = { getRemainingTimeInMillis: () => 900_000 };
const scheduleEvent = (id: string) =>
  ({
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-20T06:00:00Z',
    region: 'eu-central-1',
    resources: ['arn:aws:events:eu-central-1:123456789012:rule/retention-auditor-test-nightly'],
    detail: {},
  }) as EventBridgeEvent<'Scheduled Event', unknown>;
const failedSubject = (runId: string) => `[Retention audit] FAILED — run ${runId}`;

let dynamo: LocalDynamo;
let s3: LocalS3;
let smtp: SmtpSink;
/** A small snapshot: three items, one of them a violation. */
let small: string;
beforeAll(async () => {
  [dynamo, s3, smtp] = await Promise.all([startLocalDynamo(0), startLocalS3(0, undefined, ['test']), startSmtpSink()]);
  small = writeTemp('small.ndjson', ndjson([
    makeItem({ itemId: 'a' }),
    makeItem({ itemId: 'b', tenantId: 'tenant-b' }),
    makeItem({ itemId: 'c', oldestRecordAt: '2026-01-01T00:00:00Z' }),
  ]));
});
afterAll(async () => {
  await smtp.close();
  await s3.close();
  await dynamo.close();
});
beforeEach(() => smtp.messages.splice(0));

type Deps = Awaited<ReturnType<typeof localContainer>>;

/** Records a run as queued without starting it (as POST /audits does before the worker runs). */
async function queuedRun(deps: Deps, request: AuditRequest = EVERYTHING, createdAt?: Date): Promise<string> {
  const { record } = await startRun({ trigger: 'http', requestedBy: USER, request }, deps.runs, { launch: async () => undefined }, createdAt ? () => createdAt : undefined);
  return record.runId;
}

/** The object keys in the container's bucket under `reports/`. */
async function storedReports(deps: Deps): Promise<string[]> {
  const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: deps.config.REPORTS_BUCKET, Prefix: 'reports/' }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  } finally {
    client.destroy();
  }
}

type Published = { values: Partial<Record<RunMetricName, number>>; dimensions?: MetricDimensions };
/** Keeps the container's metrics with their dimensions (test/helpers/delivery.ts keeps the values only). */
function recordMetrics(deps: Deps): Published[] {
  const published: Published[] = [];
  deps.audit.metrics = { publish: (values, dimensions) => void published.push(dimensions ? { values, dimensions } : { values }) };
  return published;
}
/** What a run that told the DPO publishes for its one sent (or failed) mail: the e-mail channel's line, and the sum in the run's. */
const emailLine = (sent: 0 | 1): Published => ({ values: { NotificationSent: sent, NotificationFailed: 1 - sent }, dimensions: { Channel: 'email' } });

/** Counts the log lines of the container with this message. */
function countLogs(deps: Deps, message: string): () => number {
  let count = 0;
  const log = deps.audit.log;
  deps.audit.log = (level, text, data) => {
    if (text === message) count += 1;
    log(level, text, data);
  };
  return () => count;
}

describe('one run, once', () => {
  // Pins: executeAudit claims the run with a conditional write (queued → running), so a second delivery runs nothing.
  it('two concurrent executions of one queued run: one runs, one digest, one set of reports; the other returns', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: small });
    const started = countLogs(deps, 'audit started');
    const runId = await queuedRun(deps);
    const results = await Promise.all([executeAudit(runId, deps.audit), executeAudit(runId, deps.audit)]);
    expect(started()).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual(['running', 'succeeded']);
    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('succeeded');
    expect(Object.keys(record.reports!).sort()).toEqual(['csv', 'json', 'pdf']);
    expect(await storedReports(deps)).toEqual(['csv', 'json', 'pdf'].map((format) => `reports/${record.createdAt.slice(0, 4)}/${record.createdAt.slice(5, 7)}/${runId}.${format}`));
    // The mail of the run was sent before it returned; nothing else arrives later.
    await sleep(100);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toMatch(/^\[Retention audit\] 1 violation /);
    expect(record.email).toMatchObject({ messageId: expect.any(String) });
    expect(deps.metrics.published.filter((m) => m.RunSucceeded === 1)).toHaveLength(1);
  });
});

describe('time limits', () => {
  // Pins: a run stops itself at stopAt (the abort signal), ends `failed` with a TimedOutError and how far it got,
  // mails once, and stores no reports (nor becomes history).
  it('a run that reaches its stop time rejects with TimedOutError, is recorded failed with its progress, mails once, stores nothing', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => makeItem({ itemId: `item-${String(i).padStart(5, '0')}`, tenantId: `tenant-${i % 7}` }));
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: writeTemp('big.ndjson', ndjson(items)) });
    const published = recordMetrics(deps);
    const runId = await queuedRun(deps);
    // A slow table: the snapshot (read once beforehand from the real table) comes 500 items a page, and every
    // page after the first only after the stop time, as for a snapshot too big for the time limit. The first
    // page is read in time, so the record can say how far the run got.
    const table = deps.audit.inventory as InventoryTable;
    const stored = (await collect(table.readSnapshot('snap-test', { mode: 'query', segments: 1 }))).flatMap((page) => (page.kind === 'items' ? page.items : []));
    expect(stored).toHaveLength(3000);
    const stopAt = new Date(Date.now() + 750);
    const limits = { stopAt, deadlineAt: new Date(stopAt.getTime() + 60_000) };
    table.readSnapshot = (snapshotId) =>
      (async function* () {
        expect(snapshotId).toBe('snap-test');
        for (let from = 0; from < stored.length; from += 500) {
          if (from > 0) while (Date.now() <= stopAt.getTime() + 20) await sleep(10);
          yield { kind: 'items' as const, items: stored.slice(from, from + 500) };
        }
      })();

    const outcome = await executeAudit(runId, deps.audit, limits).then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(TimedOutError);
    const message = (outcome as Error).message;
    expect(message).toMatch(/^Timed out: the run stopped itself 60 s before its function's 6\d s time limit, evaluating: 500 items read\.$/);
    const record = (await deps.runs.get(runId))!;
    expect(record).toMatchObject({ status: 'failed', error: message, finishedAt: expect.any(String) });
    expect(record.progress).toMatchObject({ phase: 'evaluate', done: 500, total: null, unit: 'items' });
    expect(record.reports).toBeUndefined();
    expect(await storedReports(deps)).toEqual([]);
    expect(await deps.audit.history.previous(deps.audit.inventory.tableName)).toBeNull();
    await sleep(100);
    expect(smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);
    expect(smtp.messages[0]!.text).toContain(message);
    // RunFailed first (a channel that hangs cannot take it along), then the failure mail's channel line and sum.
    expect(published).toEqual([{ values: { RunFailed: 1 } }, emailLine(1), { values: { NotificationSent: 1, NotificationFailed: 0 } }]);
  });
});

describe('the on-failure queue', () => {
  /** What Lambda sends to the on-failure destination for an invocation it killed at its time limit. */
  const destinationRecord = (requestPayload: unknown, responsePayload: InvocationFailure['responsePayload']): InvocationFailure => ({
    version: '1.0',
    timestamp: '2026-11-20T06:15:02.000Z',
    requestContext: {
      requestId: 'e2c0f3c4-2b8e-4a5f-9d6b-0f1a2b3c4d5e',
      functionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:retention-auditor-test-auditWorker:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 1,
    },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload,
  }) as InvocationFailure;
  const killed = { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: e2c0f3c4-2b8e-4a5f-9d6b-0f1a2b3c4d5e Error: Task timed out after 900.00 seconds' };

  // Pins: recordInvocationFailure fails a run the kill left `running` (conditionally: queued|running → failed),
  // says it timed out and how far it got, and mails once; a redelivered message finds it ended and mails nothing.
  it('a run left running by a hard kill ends failed with one mail; the same message again changes nothing', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url });
    const published = recordMetrics(deps);
    const runId = await queuedRun(deps);
    const claimed = await deps.runs.transition(runId, ['queued'], { status: 'running', startedAt: '2026-11-20T06:00:00.000Z', deadlineAt: '2026-11-20T06:15:00.000Z' });
    expect(claimed).not.toBeNull();
    await deps.runs.update(runId, { progress: { phase: 'evaluate', done: 120_000, total: null, unit: 'items', at: '2026-11-20T06:14:40.000Z' } });

    const message = destinationRecord({ runId }, killed);
    expect(await recordInvocationFailure(message, deps.audit, LIMITS)).toBe('marked');
    const record = (await deps.runs.get(runId))!;
    expect(record.status).toBe('failed');
    expect(record.error).toBe('Timed out: Lambda stopped the function at its 900 s time limit, evaluating: 120,000 items read.');
    expect(record.email).toMatchObject({ subject: failedSubject(runId), messageId: expect.any(String) });
    expect(smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId)]);

    expect(await recordInvocationFailure(structuredClone(message), deps.audit, LIMITS)).toBe('already-ended');
    await sleep(100);
    expect(smtp.messages).toHaveLength(1);
    expect((await deps.runs.get(runId))!.error).toBe(record.error);
    expect(record.notifications).toEqual([{ channel: 'email', to: 'dpo@example.com', subject: failedSubject(runId), messageId: expect.any(String), sentAt: expect.any(String) }]);
    expect(published).toEqual([{ values: { RunFailed: 1 } }, emailLine(1), { values: { NotificationSent: 1, NotificationFailed: 0 } }]);
  });

  // Pins: a scheduled invocation that died before recording its run gets a failed schedule run (found again by its
  // event id), so the nightly failure is mailed once instead of being silent.
  it('a scheduled invocation that died before recording its run becomes a failed schedule run, mailed once', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url });
    const message = destinationRecord(scheduleEvent('evt-lost-1'), { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: e2c0f3c4 Error: Runtime exited with error: signal: killed' });
    expect(await recordInvocationFailure(message, deps.audit, LIMITS)).toBe('marked');
    const runId = await deps.runs.findByIdempotencyKey('schedule#evt-lost-1');
    expect(runId).toMatch(/^audit-20261120T061502Z-/);
    const record = (await deps.runs.get(runId!))!;
    expect(record).toMatchObject({ status: 'failed', trigger: 'schedule', requestedBy: 'schedule', createdAt: '2026-11-20T06:15:02.000Z' });
    expect(record.error).toBe('The function failed (Runtime.ExitError: RequestId: e2c0f3c4 Error: Runtime exited with error: signal: killed), before reading the snapshot.');
    expect(smtp.messages.map((m) => m.subject)).toEqual([failedSubject(runId!)]);

    expect(await recordInvocationFailure(message, deps.audit, LIMITS)).toBe('already-ended');
    await sleep(100);
    expect(smtp.messages).toHaveLength(1);
    expect(await deps.runs.listRecent(10)).toHaveLength(1);
  });
});

describe('the sweep', () => {
  // Pins: sweepStuckRuns fails a run still `running` a minute past its deadline (and not before), and a run
  // `queued` longer than an invocation may wait plus the time limit plus a minute; each is mailed once.
  it('fails stuck running and never-started queued runs, once each, and leaves the others alone', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url });
    const deadline = Date.parse('2026-11-20T06:15:00.000Z');
    const at = (ms: number) => new Date(deadline + ms);
    const neverStartedAfterMs = (LIMITS.maxEventAgeSeconds + LIMITS.timeoutSeconds + 60) * 1000;

    const stuck = await queuedRun(deps, EVERYTHING, at(-900_000));
    await deps.runs.transition(stuck, ['queued'], { status: 'running', startedAt: at(-900_000).toISOString(), deadlineAt: at(0).toISOString() });
    await deps.runs.update(stuck, { progress: { phase: 'write', done: 4096, total: 9000, unit: 'items', at: at(-5_000).toISOString() } });
    const busy = await queuedRun(deps, EVERYTHING, at(-60_000));
    await deps.runs.transition(busy, ['queued'], { status: 'running', startedAt: at(-60_000).toISOString(), deadlineAt: at(840_000).toISOString() });
    // Old enough at the second sweep (61 s past the deadline), not at the first (30 s past it).
    const neverStarted = await queuedRun(deps, EVERYTHING, at(61_000 - neverStartedAfterMs - 1_000));
    const waiting = await queuedRun(deps, EVERYTHING, at(-120_000));

    deps.audit.now = () => at(30_000);
    expect(await sweepStuckRuns(deps.audit, LIMITS)).toEqual([]);
    expect(smtp.messages).toHaveLength(0);

    deps.audit.now = () => at(61_000);
    expect((await sweepStuckRuns(deps.audit, LIMITS)).sort()).toEqual([stuck, neverStarted].sort());
    expect(await deps.runs.get(stuck)).toMatchObject({
      status: 'failed',
      error: `Stopped without a word: the function's time limit passed at ${at(0).toISOString()} and the run never finished, writing the reports: 4,096 of 9,000 items done.`,
      finishedAt: at(61_000).toISOString(),
    });
    expect((await deps.runs.get(neverStarted))!.error).toMatch(/^The audit never started: it was still queued 76 minutes after it was requested\.$/);
    expect((await deps.runs.get(busy))!.status).toBe('running');
    expect((await deps.runs.get(waiting))!.status).toBe('queued');
    expect(smtp.messages.map((m) => m.subject).sort()).toEqual([failedSubject(stuck), failedSubject(neverStarted)].sort());

    // The next sweep finds nothing new to fail and mails nobody again.
    deps.audit.now = () => at(120_000);
    expect(await sweepStuckRuns(deps.audit, LIMITS)).toEqual([]);
    await sleep(100);
    expect(smtp.messages).toHaveLength(2);
  });
});

describe('history of one scope', () => {
  // Pins: the history head is written compare-and-set (DynamoHistoryStore.commit), so of two runs compared with
  // the same head only the first to finish becomes the head; the other says so in its warnings.
  it('two concurrent scheduled runs both succeed; one becomes the head, the other warns; the next compares with the head', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: small });
    const scope = deps.audit.inventory.tableName;
    const store = deps.audit.history;
    // Both runs read the head before either commits (they did start together): a barrier makes that certain.
    let reads = 0;
    let release = () => {};
    const bothRead = new Promise<void>((done) => (release = done));
    const gated: HistoryStore = {
      describe: () => store.describe(),
      findRun: (runId) => store.findRun(runId),
      recentRuns: (...args) => store.recentRuns(...args),
      begin: (...args) => store.begin(...args),
      previous: async (name) => {
        const previous = await store.previous(name);
        if (++reads >= 2) release();
        await Promise.race([bothRead, sleep(5_000)]);
        return previous;
      },
    };
    deps.audit.history = gated;

    const [a, b] = await Promise.all([scheduled(scheduleEvent('evt-race-a'), CONTEXT, deps), scheduled(scheduleEvent('evt-race-b'), CONTEXT, deps)]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(a.changes?.previousRunId).toBeNull();
    expect(b.changes?.previousRunId).toBeNull();
    const head = (await store.previous(scope))!.run.runId;
    expect([a.runId, b.runId]).toContain(head);
    const [winner, loser] = head === a.runId ? [a, b] : [b, a];
    expect(winner.warnings).toBeUndefined();
    expect(loser.warnings).toEqual([expect.stringContaining('finished first')]);
    expect(loser.warnings![0]).toContain(`run ${winner.runId} of the same scope finished first`);
    // Both runs stored their reports and mailed their digest.
    expect(Object.keys(loser.reports!)).toHaveLength(3);
    expect(smtp.messages).toHaveLength(2);

    const third = await scheduled(scheduleEvent('evt-race-c'), CONTEXT, deps);
    expect(third.status).toBe('succeeded');
    expect(third.changes?.previousRunId).toBe(winner.runId);
    expect((await store.previous(scope))!.run.runId).toBe(third.runId);
  });
});

describe('waivers from the reports bucket', () => {
  // Pins: the audit container reads the waivers from the bucket object WAIVERS_KEY, and a missing object means none.
  it('with examples/waivers.yaml in the bucket, a scheduled run has waived findings; without the object, none and still succeeded', async () => {
    // One at a time: localContainer reads its table counter after an await, so concurrent calls share tables.
    const withWaivers = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE, waivers: WAIVERS });
    const without = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: EXAMPLE });
    const waived = await scheduled(scheduleEvent('evt-waivers'), CONTEXT, withWaivers);
    expect(waived.status).toBe('succeeded');
    expect(waived.summary!.byVerdict.waived).toBeGreaterThan(0);
    const plain = await scheduled(scheduleEvent('evt-no-waivers'), CONTEXT, without);
    expect(plain.status).toBe('succeeded');
    expect(plain.summary!.byVerdict.waived).toBe(0);
    // What the waiver hides is a violation without it.
    expect(plain.summary!.byVerdict.violation).toBe(waived.summary!.byVerdict.violation + waived.summary!.byVerdict.waived);
  });
});

describe('metrics', () => {
  // Pins: executeAudit publishes the figures the alarms watch: DigestFailed 1, DigestSent 0 (and RunPartial) when the
  // digest cannot be sent, RunSucceeded 1, DigestSent 1 and DigestFailed 0 when it is; the run's counts with both;
  // the e-mail channel's line (dimension Channel) first, and the sum over the channels in the run's line.
  it('a digest that cannot be sent ends the run partial and publishes DigestFailed 1; a good run RunSucceeded 1, DigestSent 1', async () => {
    const broken = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: 'smtp://127.0.0.1:1', inventoryFile: small });
    const good = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: small });
    const [brokenMetrics, goodMetrics] = [recordMetrics(broken), recordMetrics(good)];
    const partial = await scheduled(scheduleEvent('evt-no-smtp'), CONTEXT, broken);
    expect(partial.status).toBe('partial');
    expect(partial.error).toMatch(/^E-mail not sent: Sending the e-mail through SMTP 127\.0\.0\.1:1 failed: /);
    expect(partial.email).toMatchObject({ to: ['dpo@example.com'], error: expect.any(String) });
    expect(partial.notifications).toEqual([{ channel: 'email', to: 'dpo@example.com', subject: expect.any(String), attached: ['pdf', 'csv', 'json'], error: partial.email!.error }]);
    const counts = { Items: 3, Violations: 1, SpecialCategoryViolations: 0, DueSoon: 0, Incomplete: 0 };
    expect(brokenMetrics).toEqual([
      emailLine(0),
      { values: expect.objectContaining({ DigestFailed: 1, DigestSent: 0, NotificationSent: 0, NotificationFailed: 1, RunPartial: 1, ...counts }) },
    ]);
    expect(brokenMetrics[1]!.values.RunSucceeded).toBeUndefined();

    const succeeded = await scheduled(scheduleEvent('evt-smtp'), CONTEXT, good);
    expect(succeeded.status).toBe('succeeded');
    expect(goodMetrics).toEqual([
      emailLine(1),
      { values: expect.objectContaining({ RunSucceeded: 1, DigestSent: 1, DigestFailed: 0, NotificationSent: 1, NotificationFailed: 0, ...counts, DurationSeconds: expect.any(Number) }) },
    ]);
    expect(smtp.messages).toHaveLength(1);
    // The digest names the violation, with its clause's words.
    expect(smtp.messages[0]!.text).toContain('1. CRITICAL violation: tenant tenant-a, instant-messaging / log-data (im/test), 316.1 days overdue.');
    expect(smtp.messages[0]!.text).toContain('Clause (003_1f8b3763d6817eed.txt): "Stored for 7 days."');
  });

  it('a run that cannot read the whole snapshot publishes Incomplete 1 (and RunPartial), the alarm\'s figure', async () => {
    const deps = await localContainer({ endpoint: dynamo.endpoint, s3, smtpUrl: smtp.url, inventoryFile: small });
    // The manifest promises more items than the table holds.
    await deps.audit.inventory.putManifest({ snapshotId: 'snap-test', capturedAt: CAPTURED, itemCount: 5, rejected: 0, loadedAt: '2026-11-20T03:00:00Z' });
    const record = await scheduled(scheduleEvent('evt-incomplete'), CONTEXT, deps);
    expect(record.status).toBe('partial');
    expect(record.summary!.complete).toBe(false);
    expect(deps.metrics.published).toEqual([{ NotificationSent: 1, NotificationFailed: 0 }, expect.objectContaining({ Incomplete: 1, RunPartial: 1, Items: 3, DigestSent: 1, DigestFailed: 0 })]);
  });
});
