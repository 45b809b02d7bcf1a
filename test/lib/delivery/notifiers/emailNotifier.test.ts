/**
 * The DPO's e-mail channel with a fake mailer: what it sends (from, to, subject,
 * attachments, where the other reports are), what it answers, and that it
 * answers a failure instead of throwing.
 */
import { sourceOf } from '../../../../lib/report/ReportSource';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mailer, MailMessage } from '../../../../lib/delivery/Mailer';
import { emailDelivery, emailNotifier, emailOutcomeOf, LOCAL_SENDER } from '../../../../lib/delivery/notifiers/emailNotifier';
import type { FinishedRun } from '../../../../lib/delivery/notifiers/Notifier';
import type { RunRecord } from '../../../../lib/delivery/RunRecord';
import { emptySummary, type ReportHead } from '../../../../lib/report/ReportModel';
import { tempDir } from '../../../helpers/files';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';

/** A mailer that keeps what it is given and answers ids, or refuses with `refusal`. */
function fakeMailer(refusal?: string): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    describe: () => 'fake',
    send: async (message) => {
      if (refusal) throw new Error(refusal);
      sent.push(message);
      return `<${sent.length}@fake>`;
    },
  };
}

const RUN_ID = 'audit-20261120T060000Z-abc123';
const head = (): ReportHead => {
  const summary = emptySummary();
  summary.items = 45;
  summary.byVerdict.violation = 18;
  summary.byVerdict['due-soon'] = 6;
  summary.specialCategoryViolations = 4;
  return {
    schemaVersion: '1.1',
    run: { id: RUN_ID, trigger: 'schedule', startedAt: '2026-11-20T06:00:00Z', finishedAt: '2026-11-20T06:00:09Z', snapshotId: 'snap-1', snapshotCapturedAt: null, catalogVersion: 'sha256:0', source: 't', graceDays: 30 },
    summary,
  };
};
const record: RunRecord = {
  runId: RUN_ID,
  trigger: 'schedule',
  requestedBy: 'schedule',
  request: { formats: ['json', 'pdf'], notify: true, dryRun: false },
  status: 'running',
  createdAt: '2026-11-20T06:00:00.000Z',
  updatedAt: '2026-11-20T06:00:00.000Z',
  startedAt: '2026-11-20T06:00:00.000Z',
};

/** A run whose two reports (a 3-byte JSON, a 6-byte PDF) are written to a fresh folder; stored in S3 unless `local`. */
function finishedRun(local = false): FinishedRun {
  const dir = tempDir('email-');
  const json = join(dir, `${RUN_ID}.json`);
  const pdf = join(dir, `${RUN_ID}.pdf`);
  writeFileSync(json, '{}\n');
  writeFileSync(pdf, '%PDF-\n');
  const sha256 = { json: 'a'.repeat(64), pdf: 'b'.repeat(64) };
  return {
    record,
    result: { head: head(), mostSerious: [], reports: { json, pdf }, sha256 },
    stored: local
      ? {}
      : {
          json: { key: `reports/2026/11/${RUN_ID}.json`, sha256: sha256.json, bytes: 3 },
          pdf: { key: `reports/2026/11/${RUN_ID}.pdf`, sha256: sha256.pdf, bytes: 6 },
        },
    fetchCommand: local ? '' : `npm start -- fetch ${RUN_ID} --runs-table runs --bucket reports --region eu-central-1`,
    report: (format) => (format === 'json' ? sourceOf(json) : format === 'pdf' ? sourceOf(pdf) : null),
    formats: reportFormats,
  };
}

const options = { from: 'auditor@example.com', to: ['dpo@example.com', 'privacy@example.com'], attachLimitBytes: 1_000 };

describe('emailNotifier', () => {
  it("mails the DPO one digest of a stored run, the PDF attached first, and answers what it sent", async () => {
    const mailer = fakeMailer();
    const run = finishedRun();
    const [outcome, ...more] = await emailNotifier({ ...options, mailer }).finished(run);
    expect(more).toEqual([]);
    const [message] = mailer.sent;
    expect(message).toMatchObject({ from: 'auditor@example.com', to: ['dpo@example.com', 'privacy@example.com'], subject: '[Retention audit] 18 violations (4 special-category), 6 due soon — snapshot snap-1' });
    expect(message!.attachments).toEqual([
      { filename: `${RUN_ID}.pdf`, path: run.result.reports.pdf, contentType: 'application/pdf' },
      { filename: `${RUN_ID}.json`, path: run.result.reports.json, contentType: 'application/json' },
    ]);
    // Never a link that expires: the command that fetches them with the reader's own credentials.
    expect(message!.text).toContain(run.fetchCommand);
    expect(outcome).toEqual({
      channel: 'email',
      to: 'dpo@example.com, privacy@example.com',
      subject: message!.subject,
      attached: ['pdf', 'json'],
      messageId: '<1@fake>',
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('names the reports above the attachment limit with their key and SHA-256 instead of attaching them', async () => {
    const mailer = fakeMailer();
    const [outcome] = await emailNotifier({ ...options, mailer, attachLimitBytes: 5 }).finished(finishedRun());
    expect(outcome!.attached).toEqual(['json']);
    expect(mailer.sent[0]!.attachments!.map((a) => a.filename)).toEqual([`${RUN_ID}.json`]);
    expect(mailer.sent[0]!.text).toContain(`reports/2026/11/${RUN_ID}.pdf, SHA-256 ${'b'.repeat(64)}`);
  });

  it("points the command line's digest at the folder holding its reports", async () => {
    const mailer = fakeMailer();
    const run = finishedRun(true);
    const [outcome] = await emailNotifier({ ...options, mailer }).finished(run);
    expect(outcome).toMatchObject({ attached: ['pdf', 'json'], messageId: '<1@fake>' });
    expect(mailer.sent[0]!.text).toContain(`Every report of this run is in ${join(run.result.reports.pdf!, '..')} on the machine that ran the audit.`);
    expect(mailer.sent[0]!.text).not.toContain('npm start -- fetch');
  });

  it('answers a refused mail as a failed outcome, and does not throw', async () => {
    const mailer = fakeMailer('Sending the e-mail through Amazon SES failed: Email address is not verified.');
    const [outcome] = await emailNotifier({ ...options, mailer }).finished(finishedRun());
    expect(outcome).toEqual({
      channel: 'email',
      to: 'dpo@example.com, privacy@example.com',
      subject: expect.stringMatching(/^\[Retention audit\] /),
      attached: ['pdf', 'json'],
      error: 'Sending the e-mail through Amazon SES failed: Email address is not verified.',
    });
  });

  it('answers a digest that cannot be composed (a report gone from disk) as a failed outcome', async () => {
    const run = finishedRun(true);
    run.result.reports.csv = join(tempDir('gone-'), `${RUN_ID}.csv`);
    const mailer = fakeMailer();
    const [outcome] = await emailNotifier({ ...options, mailer }).finished(run);
    expect(outcome).toEqual({ channel: 'email', to: 'dpo@example.com, privacy@example.com', error: expect.stringMatching(/^The digest could not be composed: ENOENT/) });
    expect(mailer.sent).toEqual([]);
  });

  it('mails the failure of a run, without attachments', async () => {
    const mailer = fakeMailer();
    const outcomes = await emailNotifier({ ...options, mailer }).failed(record, 'DynamoDB table inventory does not exist.');
    expect(outcomes).toEqual([{ channel: 'email', to: 'dpo@example.com, privacy@example.com', subject: `[Retention audit] FAILED — run ${RUN_ID}`, messageId: '<1@fake>', sentAt: expect.any(String) }]);
    expect(mailer.sent[0]!.text).toContain('DynamoDB table inventory does not exist.');
    expect(mailer.sent[0]).not.toHaveProperty('attachments');
  });
});

describe('emailDelivery (the registry entry)', () => {
  const context = (env: Record<string, string | undefined>, mailer = fakeMailer()) => ({ env, origin: '--email', mailer: () => mailer, log: () => undefined });

  it('reads DPO_EMAIL, SENDER_EMAIL and ATTACH_MAX_BYTES from the environment', async () => {
    const mailer = fakeMailer();
    const notifier = emailDelivery.create(context({ DPO_EMAIL: 'dpo@example.com, cpo@example.com', SENDER_EMAIL: 'auditor@example.com', ATTACH_MAX_BYTES: '5' }, mailer));
    expect(notifier.channel).toBe('email');
    const [outcome] = await notifier.finished(finishedRun());
    expect(outcome).toMatchObject({ to: 'dpo@example.com, cpo@example.com', attached: ['json'] });
    expect(mailer.sent[0]).toMatchObject({ from: 'auditor@example.com', to: ['dpo@example.com', 'cpo@example.com'] });
  });

  it('sends from a local address when SENDER_EMAIL is unset or empty (the command line to a local SMTP sink)', async () => {
    const mailer = fakeMailer();
    await emailDelivery.create(context({ DPO_EMAIL: 'dpo@example.com', SENDER_EMAIL: '' }, mailer)).failed(record, 'x');
    expect(mailer.sent[0]!.from).toBe(LOCAL_SENDER);
  });

  it.each([
    [{}, '--email needs the DPO address in the environment variable DPO_EMAIL.'],
    [{ DPO_EMAIL: '' }, '--email needs the DPO address in the environment variable DPO_EMAIL.'],
    [{ DPO_EMAIL: 'dpo at example' }, /^--email: the environment variable DPO_EMAIL is invalid: /],
    [{ DPO_EMAIL: 'dpo@example.com', SENDER_EMAIL: 'me' }, /^--email: the environment variable SENDER_EMAIL is invalid: /],
    [{ DPO_EMAIL: 'dpo@example.com', ATTACH_MAX_BYTES: 'lots' }, /^--email: the environment variable ATTACH_MAX_BYTES is invalid: /],
  ])('refuses %j with one sentence naming the variable', (env, message) => {
    expect(() => emailDelivery.create(context(env))).toThrow(message);
  });

  it('builds the mailer only when it is built itself, never for a bad setting', () => {
    const mailer = jest.fn(() => fakeMailer());
    expect(() => emailDelivery.create({ env: {}, origin: '--email', mailer, log: () => undefined })).toThrow();
    expect(mailer).not.toHaveBeenCalled();
  });
});

describe('emailOutcomeOf', () => {
  it('gives the outcome in the shape of the run record\'s former `email`', () => {
    expect(emailOutcomeOf({ channel: 'email', to: 'a@example.com, b@example.com', subject: 'S', attached: ['pdf'], messageId: '<1@x>', sentAt: '2026-11-20T06:00:10.000Z' })).toEqual({
      to: ['a@example.com', 'b@example.com'],
      subject: 'S',
      attached: ['pdf'],
      messageId: '<1@x>',
      sentAt: '2026-11-20T06:00:10.000Z',
    });
    expect(emailOutcomeOf({ channel: 'email', to: 'a@example.com', error: 'refused' })).toEqual({ to: ['a@example.com'], subject: '', error: 'refused' });
  });
});
