/**
 * Owner digests end to end: the real audit (both engines) writes its JSON report, the
 * owner-email notifier mails through nodemailer's SMTP transport (as lib/delivery/Mailer.ts
 * builds it) to a real SMTP server on 127.0.0.1, and each owner's parsed mail and CSV hold
 * exactly their own violations and deadlines due soon.
 */
import { sourceOf } from '../../../../lib/report/ReportSource';
import { parse } from 'csv-parse/sync';
import type { ParsedMail } from 'mailparser';
import { runAudit } from '../../../../lib/audit/runAudit';
import type { EngineKind } from '../../../../lib/audit/engineKind';
import { createMailer } from '../../../../lib/delivery/Mailer';
import type { FinishedRun } from '../../../../lib/delivery/notifiers/Notifier';
import { createOwnerNotifier } from '../../../../lib/delivery/notifiers/ownerNotifier';
import { parseOwnerAllowlist } from '../../../../lib/delivery/ownerFindings';
import type { RunRecord } from '../../../../lib/delivery/RunRecord';
import { DEFAULT_ENGINE_OPTIONS } from '../../../../lib/engine/evaluate';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import type { InventoryItem } from '../../../../lib/model';
import { ndjson, tempDir, writeTemp } from '../../../helpers/files';
import { before, CAPTURED_MS, catalog, DAY, makeItem } from '../../../helpers/items';
import { startSmtpSink, type SmtpSink } from '../../../helpers/smtpSink';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';

const item = (itemId: string, owner: string | undefined, oldestDaysAgo: number, extra: Partial<InventoryItem> = {}) =>
  makeItem({ itemId, owner, oldestRecordAt: before(oldestDaysAgo * DAY), ...extra });

/** Who owns what: 30 days old is a violation of the 7-day clause, 6 days is due soon, 1 day compliant. */
const INVENTORY = [
  item('a-1', 'alice@example.com', 30),
  item('a-2', 'Alice@Example.COM', 6), // the local part's case counts (RFC 5321): another owner than alice@
  // Trimmed, the domain lower-cased: alice@example.com.
  item('a-3', ' alice@EXAMPLE.com', 200, { module: 'facial-recognition', dataCategory: 'face-features', events: { accountDeletedAt: before(100 * DAY) } }),
  item('a-4', 'alice@example.com', 1),
  item('b-1', 'bob@ops.example.com', 40),
  item('c-1', 'carol@elsewhere.test', 30),
  item('n-1', undefined, 30),
  item('x-1', 'not an address', 30),
  item('x-2', 'alice@example.com,mallory@evil.test', 30),
];

const record = { runId: 'audit-e2e', trigger: 'cli', requestedBy: 'test', status: 'running', createdAt: '', updatedAt: '', request: { formats: ['json'], notify: true, dryRun: false } } as RunRecord;

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink.close());

const csvOf = (mail: ParsedMail) => parse(mail.attachments[0]!.content.toString('utf8'), { columns: true }) as Record<string, string>[];

describe.each<EngineKind>(['reference', 'sql'])('owner digests after a real audit (%s engine) through a real SMTP server', (engineKind) => {
  it('each admitted owner gets one mail with only their own findings; the others are accounted for', async () => {
    const result = await runAudit({
      source: new FileInventorySource(writeTemp('owners.ndjson', ndjson(INVENTORY))),
      catalog: catalog(),
      engine: DEFAULT_ENGINE_OPTIONS,
      formats: ['json'],
      outDir: tempDir(`owners-${engineKind}-`),
      trigger: 'cli',
      runId: `audit-e2e-${engineKind}`,
      now: () => new Date(CAPTURED_MS + DAY / 4),
      engineKind,
      duck: { threads: 2, memoryLimit: '256MB' },
    });
    const run: FinishedRun = { record, result, stored: {}, fetchCommand: `reports/audit-e2e-${engineKind}.json`, report: (format) => (result.reports[format] ? sourceOf(result.reports[format]) : null), formats: reportFormats };
    const notifier = createOwnerNotifier({
      mailer: createMailer({ smtpUrl: sink.url }),
      from: 'auditor@example.com',
      dpo: ['dpo@example.com'],
      // The domain admits alice; bob is admitted by his address (his subdomain is not example.com).
      allowlist: parseOwnerAllowlist(['@example.com', 'bob@ops.example.com']),
    });
    const already = sink.messages.length;
    const outcomes = await notifier.finished(run);
    const mails = (await sink.waitFor(already + 3)).slice(already);

    const byOwner = new Map(mails.map((mail) => [mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address : '', mail]));
    expect([...byOwner.keys()].sort()).toEqual(['Alice@example.com', 'alice@example.com', 'bob@ops.example.com']);
    expect(csvOf(byOwner.get('alice@example.com')!).map((r) => [r.itemId, r.verdict])).toEqual([
      ['a-3', 'violation'],
      ['a-1', 'violation'],
    ]);
    expect(csvOf(byOwner.get('Alice@example.com')!).map((r) => [r.itemId, r.verdict])).toEqual([['a-2', 'due-soon']]);
    expect(csvOf(byOwner.get('bob@ops.example.com')!).map((r) => r.itemId)).toEqual(['b-1']);

    const alice = byOwner.get('alice@example.com')!;
    expect(alice.from!.text).toBe('auditor@example.com');
    expect(alice.subject).toBe(`[Retention audit] Your data: 2 violations (1 special-category), 0 due soon — snapshot snap-test`);
    expect(alice.text).toContain('1. CRITICAL violation, biometric data: tenant tenant-a, facial-recognition / face-features');
    expect(alice.text).not.toMatch(/b-1|c-1|x-1|carol|bob/);
    expect(alice.html).toContain('the data protection officer (dpo@example.com) receives the full report of the run');
    expect(alice.attachments[0]).toMatchObject({ filename: `audit-e2e-${engineKind}-owner.csv`, contentType: 'text/csv' });

    const sent = outcomes.filter((o) => o.messageId);
    expect(sent.map((o) => [o.to, o.findings]).sort()).toEqual([
      ['Alice@example.com', 1],
      ['alice@example.com', 2],
      ['bob@ops.example.com', 1],
    ]);
    expect(outcomes.filter((o) => o.note).map((o) => [o.to, o.findings])).toEqual([
      ['findings without an owner', 1],
      ['owners that are not addresses', 2],
      ['owners not on the allowlist', 1],
    ]);
    expect(sink.messages).toHaveLength(already + 3);
  });
});
