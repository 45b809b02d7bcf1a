/**
 * The owner-email channel (lib/delivery/notifiers/ownerNotifier.ts) with a mailer that
 * keeps what it is given: one mail per admitted owner with only their findings, the
 * caps, the outcomes (one per mail, one per group not mailed), failures kept to the
 * owner they hit, and hostile inventory text kept out of the HTML.
 */
import { sourceOf } from '../../../../lib/report/ReportSource';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Mailer, MailMessage } from '../../../../lib/delivery/Mailer';
import type { FinishedRun } from '../../../../lib/delivery/notifiers/Notifier';
import { createOwnerNotifier, ownerEmailDelivery, type OwnerNotifierOptions } from '../../../../lib/delivery/notifiers/ownerNotifier';
import { parseOwnerAllowlist } from '../../../../lib/delivery/ownerFindings';
import type { RunRecord } from '../../../../lib/delivery/RunRecord';
import { StoreError } from '../../../../lib/errors';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { jsonFormat } from '../../../../lib/report/formats/jsonFormat';
import type { ReportContext } from '../../../../lib/report/formats/ReportFormat';
import { emptySummary, type ReportHead } from '../../../../lib/report/ReportModel';
import { tempDir } from '../../../helpers/files';
import { before, DAY, judge, makeItem } from '../../../helpers/items';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';

const FETCH = 'npm start -- fetch audit-owners --runs-table runs --bucket reports --region eu-central-1';

function head(complete = true): ReportHead {
  return {
    schemaVersion: '1.1',
    run: { id: 'audit-owners', trigger: 'schedule', startedAt: '', finishedAt: '2026-11-20T06:00:00Z', snapshotId: 'snap-test', snapshotCapturedAt: '2026-11-20T02:00:00.000Z', catalogVersion: 'sha256:0', source: 't', graceDays: 30 },
    summary: { ...emptySummary(), complete },
  };
}

/** A finished run of these findings; `stored`: its reports are in the bucket (a Lambda run), else on this machine (the CLI). */
async function finishedRun(findings: readonly Finding[], { complete = true, stored = false } = {}): Promise<FinishedRun> {
  const path = join(tempDir('owner-notifier-'), 'audit-owners.json');
  const writer = jsonFormat.create(path, null, {} as ReportContext);
  for (const finding of findings) await writer.write({ line: toJsonLine(finding), finding: () => finding });
  await writer.finish(head(complete), { jsonSha256: null, async *resolved() {} });
  const record = { runId: 'audit-owners', trigger: 'schedule', requestedBy: 'schedule', status: 'running', createdAt: '', updatedAt: '', request: { formats: ['json'], notify: true, dryRun: false } } as RunRecord;
  const inBucket = stored ? { json: { key: 'reports/2026/11/audit-owners.json', sha256: '0'.repeat(64), bytes: 1 } } : {};
  return { record, result: { head: head(complete), mostSerious: [], reports: { json: path }, sha256: {} }, stored: inBucket, fetchCommand: stored ? FETCH : '', report: (format: string) => (format === 'json' ? sourceOf(path) : null), formats: reportFormats };
}

interface Sent extends MailMessage {
  csv: Record<string, string>[];
  csvText: string;
}

/** A mailer that keeps each message, its CSV read at once (the notifier removes it after sending). */
function keepingMailer(fail: (message: MailMessage, attempt: number) => Error | undefined = () => undefined): Mailer & { sent: Sent[]; tries: string[] } {
  const sent: Sent[] = [];
  const tries: string[] = [];
  return {
    sent,
    tries,
    describe: () => 'memory',
    async send(message) {
      tries.push(message.to[0]!);
      const error = fail(message, tries.filter((to) => to === message.to[0]).length);
      if (error) throw error;
      const attachment = message.attachments![0]!;
      const csvText = readFileSync('path' in attachment ? attachment.path : '', 'utf8');
      sent.push({ ...message, csvText, csv: parse(csvText, { columns: true }) });
      return `<${sent.length}@memory>`;
    },
  };
}

let counter = 0;
const id = () => `item-${String((counter += 1)).padStart(6, '0')}`;
const violation = (owner: string | undefined, overdue = 3, extra = {}) => judge(makeItem({ itemId: id(), owner, oldestRecordAt: before((7 + overdue) * DAY), ...extra }));
const dueSoon = (owner: string | undefined) => judge(makeItem({ itemId: id(), owner, oldestRecordAt: before(6 * DAY) }));
/** `n` copies of a finding under new itemIds (judging 20,000 items would only slow the test). */
const copies = (n: number, finding: Finding): Finding[] => Array.from({ length: n }, () => ({ ...finding, itemId: id() }));

const notifier = (mailer: Mailer, overrides: Partial<OwnerNotifierOptions> = {}) =>
  createOwnerNotifier({ mailer, from: 'auditor@example.com', dpo: ['dpo@example.com'], allowlist: parseOwnerAllowlist('@example.com'), tmpRoot: tempDir('owner-tmp-'), sleep: async () => {}, ...overrides });

describe('owner-email', () => {
  it('mails each admitted owner only their own findings, and accounts for every other one', async () => {
    const mailer = keepingMailer();
    const run = await finishedRun([violation('alice@example.com', 100), dueSoon('alice@example.com'), violation('bob@Example.com', 40), violation(undefined), violation('eve@evil.test'), violation('two@example.com, eve@evil.test')]);
    const outcomes = await notifier(mailer).finished(run);

    // Mails go out concurrently; the outcomes keep the owners' order.
    expect(mailer.sent.map((m) => m.to).sort()).toEqual([['alice@example.com'], ['bob@example.com']]);
    const alice = mailer.sent.find((m) => m.to[0] === 'alice@example.com');
    const bob = mailer.sent.find((m) => m.to[0] === 'bob@example.com');
    expect(alice!.from).toBe('auditor@example.com');
    expect(alice!.subject).toBe('[Retention audit] Your data: 1 violation (0 special-category), 1 due soon — snapshot snap-test');
    expect(alice!.csv.map((r) => [r.owner, r.verdict])).toEqual([
      ['alice@example.com', 'violation'],
      ['alice@example.com', 'due-soon'],
    ]);
    expect(bob!.csv.map((r) => r.owner)).toEqual(['bob@Example.com']);
    expect(alice!.attachments![0]).toMatchObject({ filename: 'audit-owners-owner.csv', contentType: 'text/csv; charset=utf-8' });
    expect(alice!.text).toContain('the data protection officer (dpo@example.com) receives the full report of the run');
    expect(alice!.text).toContain('1 violation (0 involve health or biometric data), 1 deadline due soon.');
    expect(alice!.text).toMatch(/1\. CRITICAL violation: tenant tenant-a, instant-messaging \/ log-data \(im\/test\), 100 days overdue\.\n {5}The oldest record, created on .* is 100 days past its 7-day retention period.*\n {5}Clause \(003_1f8b3763d6817eed\.txt\): "Stored for 7 days\."/);
    expect(alice!.text).toContain('Attached: audit-owners-owner.csv, all 2 of your violations and deadlines due soon');
    expect(alice!.text).not.toContain('more in the attached CSV');
    expect(alice!.html).toContain('<strong>alice@example.com</strong>');

    expect(outcomes).toEqual([
      { channel: 'owner-email', to: 'alice@example.com', findings: 2, subject: alice!.subject, attached: ['csv'], messageId: expect.stringMatching(/@memory>$/), sentAt: expect.any(String), attempts: 1 },
      { channel: 'owner-email', to: 'bob@example.com', findings: 1, subject: bob!.subject, attached: ['csv'], messageId: expect.stringMatching(/@memory>$/), sentAt: expect.any(String), attempts: 1 },
      { channel: 'owner-email', to: 'findings without an owner', findings: 1, note: "1 finding calling for action names no owner; only the DPO's digest has it." },
      { channel: 'owner-email', to: 'owners that are not addresses', findings: 1, note: '1 owner value is not a plain e-mail address, not mailed (1 finding): "two@example.com, eve@evil.test".' },
      { channel: 'owner-email', to: 'owners not on the allowlist', findings: 1, note: '1 owner not on the allowlist, not mailed (1 finding): eve@evil.test.' },
    ]);
  });

  it('an owner with 20,000 findings: 50 listed, a CSV of the 10,000 most severe, and the mail says where the rest are', async () => {
    const mailer = keepingMailer();
    const run = await finishedRun([...copies(15_000, violation('big@example.com', 3)), ...copies(5_000, violation('big@example.com', 100))], { stored: true });
    const [outcome] = await notifier(mailer).finished(run);
    const [mail] = mailer.sent;
    expect(outcome).toMatchObject({ to: 'big@example.com', findings: 20_000 });
    expect(mail!.subject).toBe('[Retention audit] Your data: 20,000 violations (0 special-category), 0 due soon — snapshot snap-test');
    expect(mail!.text.match(/^ {2}\d+\. /gm)).toHaveLength(50);
    expect(mail!.text).toContain('…and 19,950 more in the attached CSV.');
    expect(mail!.text).toContain('Attached: audit-owners-owner.csv, the 10,000 most severe of your 20,000 violations and deadlines due soon (violations first)');
    expect(mail!.text).toContain(
      `The other 10,000 are left out of it (an attachment holds at most 10,000 rows). The run's full reports list them all; the data protection officer has them, and they are in the reports bucket, to be fetched with your own AWS credentials:\n  ${FETCH}\n`,
    );
    expect(mail!.html).toContain('<strong>The other 10,000 are left out of it</strong>');
    expect(mail!.csv).toHaveLength(10_000);
    expect(mail!.csv.filter((r) => r.severity === 'critical')).toHaveLength(5_000);
  });

  it('caps the owners a run mails, and says who was left out', async () => {
    const mailer = keepingMailer();
    const run = await finishedRun(['a', 'b', 'c', 'd'].map((name) => violation(`${name}@example.com`)));
    const outcomes = await notifier(mailer, { maxOwners: 2, maxListed: 1 }).finished(run);
    expect(mailer.sent.map((m) => m.to[0]).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(outcomes.at(-1)).toEqual({ channel: 'owner-email', to: 'owners over the cap', findings: 2, note: '2 owners beyond the cap of 2 owner digests a run sends, not mailed (2 findings): c@example.com, d@example.com.' });
  });

  it("keeps a failed mail to its owner's outcome, after retrying what is transient", async () => {
    const refused = new StoreError('Sending the e-mail through SMTP 127.0.0.1:25 failed: 550 mailbox unavailable', { cause: Object.assign(new Error('550'), { responseCode: 550 }) });
    const busy = new StoreError('Sending the e-mail through SMTP 127.0.0.1:25 failed: 451 try again later', { cause: Object.assign(new Error('451'), { responseCode: 451 }) });
    const mailer = keepingMailer((message, attempt) => (message.to[0] === 'gone@example.com' ? refused : message.to[0] === 'busy@example.com' && attempt < 3 ? busy : undefined));
    const run = await finishedRun([violation('gone@example.com'), violation('busy@example.com'), violation('ok@example.com')]);
    const outcomes = await notifier(mailer).finished(run);
    expect(outcomes).toEqual([
      { channel: 'owner-email', to: 'gone@example.com', findings: 1, subject: expect.any(String), error: refused.message, attempts: 1 },
      expect.objectContaining({ to: 'busy@example.com', messageId: expect.any(String), attempts: 3 }),
      expect.objectContaining({ to: 'ok@example.com', messageId: expect.any(String), attempts: 1 }),
    ]);
    expect(mailer.sent.map((m) => m.to[0]).sort()).toEqual(['busy@example.com', 'ok@example.com']);
  });

  it('gives up on a transient failure after its attempts', async () => {
    const busy = new StoreError('Sending failed: connection closed', { cause: Object.assign(new Error('closed'), { code: 'ECONNECTION' }) });
    const mailer = keepingMailer(() => busy);
    const [outcome] = await notifier(mailer, { attempts: 2 }).finished(await finishedRun([violation('a@example.com')]));
    expect(outcome).toMatchObject({ to: 'a@example.com', error: busy.message, attempts: 2 });
  });

  it('keeps hostile inventory text out of the HTML and the headers', async () => {
    const hostile = { tenantId: '<script>alert(1)</script>\u001b[2J', store: { type: 'mysql', resource: '"><img src=x onerror=alert(1)>' } };
    const finding = { ...violation("o'brien@example.com", 3, hostile), reason: '<b>bold</b> & \u202eevil' };
    const mailer = keepingMailer();
    await notifier(mailer).finished(await finishedRun([finding]));
    const [mail] = mailer.sent;
    expect(mail!.html).not.toMatch(/<script|<img|<b>/);
    expect(mail!.html).toContain('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;\\x1b[2J');
    expect(mail!.html).toContain('&lt;b&gt;bold&lt;&#x2F;b&gt; &amp; \\u202eevil');
    expect(mail!.html).toContain('o&#39;brien@example.com');
    expect(mail!.text).toContain('<b>bold</b> & \\u202eevil');
    expect(mail!.text).not.toMatch(/[\u001b\u202e]/);
    expect(mail!.csv[0]!.tenantId).toBe('<script>alert(1)</script>\\x1b[2J');
  });

  it('says INCOMPLETE in the subject and the mail when the run could not read everything', async () => {
    const mailer = keepingMailer();
    await notifier(mailer).finished(await finishedRun([dueSoon('a@example.com')], { complete: false }));
    expect(mailer.sent[0]!.subject).toBe('[Retention audit] INCOMPLETE — Your data: 1 deadline due soon — snapshot snap-test');
    expect(mailer.sent[0]!.text).toContain('so this list may miss some of your data');
  });

  it('mails nobody when the allowlist is empty', async () => {
    const mailer = keepingMailer();
    const outcomes = await notifier(mailer, { allowlist: parseOwnerAllowlist('') }).finished(await finishedRun([violation('a@example.com')]));
    expect(mailer.tries).toEqual([]);
    expect(outcomes).toEqual([expect.objectContaining({ to: 'owners not on the allowlist', findings: 1 })]);
  });

  it('answers one failed outcome when the run wrote no JSON report, or one that cannot be read', async () => {
    const mailer = keepingMailer();
    const run = await finishedRun([violation('a@example.com')]);
    const withoutJson = { ...run, result: { ...run.result, reports: { pdf: '/tmp/x.pdf', csv: '/tmp/x.csv' } }, report: () => null };
    expect(await notifier(mailer).finished(withoutJson)).toEqual([
      { channel: 'owner-email', to: 'data owners', error: 'Owner digests need the json report format, and this run wrote none (formats: pdf, csv).' },
    ]);
    const missing = { ...run, result: { ...run.result, reports: { json: '/nonexistent/audit.json' } }, report: () => sourceOf('/nonexistent/audit.json') };
    expect(await notifier(mailer).finished(missing)).toEqual([{ channel: 'owner-email', to: 'data owners', error: expect.stringMatching(/^Owner digests were not sent: .*ENOENT/) }]);
    expect(mailer.tries).toEqual([]);
  });

  it('tells owners nothing of failed runs, and refuses caps below 1', async () => {
    const mailer = keepingMailer();
    expect(await notifier(mailer).failed({} as RunRecord, 'boom')).toEqual([]);
    expect(() => notifier(mailer, { maxCsvRows: 0 })).toThrow('Owner digest option maxCsvRows must be a whole number of at least 1, not 0.');
  });

  it("points a command-line run's owners at the reports' folder", async () => {
    const mailer = keepingMailer();
    const run = await finishedRun([violation('a@example.com'), violation('a@example.com')]);
    await notifier(mailer, { maxCsvRows: 1 }).finished(run);
    expect(mailer.sent[0]!.text).toContain(`the data protection officer has them, and they are in ${dirname(run.result.reports.json!)} on the machine that ran the audit.\n`);
    expect(mailer.sent[0]!.csv).toHaveLength(1);
  });

  it('sends at most `concurrency` mails at once', async () => {
    let inFlight = 0;
    let most = 0;
    const mailer: Mailer = {
      describe: () => 'slow',
      async send() {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return '<x>';
      },
    };
    const outcomes = await notifier(mailer, { concurrency: 3 }).finished(await finishedRun(Array.from({ length: 10 }, (_, i) => violation(`o${i}@example.com`))));
    expect(outcomes.filter((o) => o.messageId)).toHaveLength(10);
    expect(most).toBe(3);
  });
});

describe('the owner-email registry entry', () => {
  const context = (env: Record<string, string>) => ({ env, origin: '--notify owner-email', mailer: () => keepingMailer(), log: () => undefined });

  it('reads its allowlist and caps from the environment', async () => {
    const notifier = ownerEmailDelivery.create(context({ OWNER_ALLOWLIST: '@example.com', OWNER_MAIL_CAP: '1', DPO_EMAIL: 'dpo@example.com', SENDER_EMAIL: 'auditor@example.com' }));
    const outcomes = await notifier.finished(await finishedRun([violation('a@example.com'), violation('b@example.com'), violation('c@other.test')]));
    // The owner mailed is a delivery; the findings left out are notes (no failure, no alarm).
    expect(outcomes.map((o) => [o.to, o.error === undefined, o.note !== undefined])).toEqual([
      ['a@example.com', true, false],
      ['owners not on the allowlist', true, true],
      ['owners over the cap', true, true],
    ]);
  });

  it('refuses to start without an allowlist, or with a bad entry or cap, naming the variable', () => {
    expect(() => ownerEmailDelivery.create(context({}))).toThrow(/^--notify owner-email needs the owners who may be mailed, .* in the environment variable OWNER_ALLOWLIST\.$/);
    expect(() => ownerEmailDelivery.create(context({ OWNER_ALLOWLIST: '@example.com, *' }))).toThrow(
      '--notify owner-email: the environment variable OWNER_ALLOWLIST is invalid: Owner allowlist entry "*" is neither an address (alice@example.com) nor a domain (@example.com).',
    );
    expect(() => ownerEmailDelivery.create(context({ OWNER_ALLOWLIST: '@example.com', OWNER_CSV_CAP: '0' }))).toThrow(/^--notify owner-email: the environment variable OWNER_CSV_CAP is invalid: /);
  });
});
