/** The Security Hub channel against a mocked client: batches of 100, retries, the outcome, and text from outside. */
import { sourceOf } from '../../../../lib/report/ReportSource';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchImportFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { runAudit } from '../../../../lib/audit/runAudit';
import type { FinishedRun } from '../../../../lib/delivery/notifiers/Notifier';
import { defaultProductArn, securityHubDelivery, securityHubNotifier, type SecurityHubNotifierOptions } from '../../../../lib/delivery/notifiers/securityHubNotifier';
import type { RunRecord } from '../../../../lib/delivery/RunRecord';
import { UsageError } from '../../../../lib/errors';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import type { FormatId } from '../../../../lib/report/formats/formatIds';
import { complianceFindingOf, envelopePrefix, ocsfEnvelope, ocsfLine } from '../../../../lib/report/ocsf/complianceFindingOf';
import { emptySummary, type ReportHead } from '../../../../lib/report/ReportModel';
import { ndjson, tempDir, writeTemp } from '../../../helpers/files';
import { before, catalog, DAY, judge, makeItem } from '../../../helpers/items';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';

const hub = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'eu-central-1' });
const ACCOUNT = '123456789012';
const PRODUCT = `arn:aws:securityhub:eu-central-1:${ACCOUNT}:product/${ACCOUNT}/default`;

const head: ReportHead = {
  schemaVersion: '1.1',
  run: {
    id: 'audit-hub',
    trigger: 'schedule',
    startedAt: '2026-11-21T08:59:00.000Z',
    finishedAt: '2026-11-21T09:00:00.000Z',
    snapshotId: 'snap-test',
    snapshotCapturedAt: null,
    catalogVersion: 'v',
    source: 'test',
    graceDays: 30,
  },
  summary: emptySummary(),
};

/** A finished run whose ocsf report holds `count` violations, items i-00000, i-00001, … */
function runWith(count: number): FinishedRun {
  const prefix = envelopePrefix(ocsfEnvelope(head.run));
  const lines = Array.from({ length: count }, (_, index) => {
    const finding = judge(makeItem({ itemId: `i-${String(index).padStart(5, '0')}`, oldestRecordAt: before(30 * DAY) }));
    return `${ocsfLine(prefix, JSON.stringify(complianceFindingOf(finding)))}\n`;
  });
  const path = join(tempDir('hub-'), 'run.ocsf');
  writeFileSync(path, lines.join(''));
  return finishedRun({ ocsf: path });
}

function finishedRun(reports: Partial<Record<FormatId, string>>, runHead: ReportHead = head): FinishedRun {
  return {
    record: { runId: runHead.run.id } as RunRecord,
    result: { head: runHead, reports, sha256: {}, mostSerious: [] },
    stored: {},
    fetchCommand: '',
    report: (format) => (reports[format] ? sourceOf(reports[format]) : null),
    formats: reportFormats,
  };
}

const sleeps: number[] = [];
function notifier(options: Partial<SecurityHubNotifierOptions> = {}) {
  return securityHubNotifier({
    client,
    accountId: ACCOUNT,
    region: 'eu-central-1',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => new Date('2026-11-21T09:01:00.000Z'),
    ...options,
  });
}

const sent = (): AwsSecurityFinding[][] => hub.commandCalls(BatchImportFindingsCommand).map((call) => call.args[0].input.Findings!);
const ok = (findings: readonly AwsSecurityFinding[] = []) => ({ FailedCount: 0, SuccessCount: findings.length, FailedFindings: [] });
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });

beforeEach(() => {
  hub.reset();
  sleeps.length = 0;
  hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => ok(input.Findings));
});
afterAll(() => hub.restore());

describe('securityHubNotifier', () => {
  it('imports 250 findings in batches of 100, 100 and 50, each once', async () => {
    const [outcome] = await notifier().finished(runWith(250));
    expect(sent().map((batch) => batch.length)).toEqual([100, 100, 50]);
    const ids = sent().flat().map((finding) => finding.Id);
    expect(new Set(ids).size).toBe(250);
    expect(sent()[0]![0]).toMatchObject({ ProductArn: PRODUCT, AwsAccountId: ACCOUNT, SchemaVersion: '2018-10-08', Compliance: { Status: 'FAILED' }, RecordState: 'ACTIVE' });
    expect(outcome).toEqual({
      channel: 'security-hub',
      to: `AWS Security Hub, account ${ACCOUNT}, eu-central-1`,
      subject: '250 of 250 findings of run audit-hub imported to Security Hub',
      attempts: 3,
      findings: 250,
      sentAt: '2026-11-21T09:01:00.000Z',
    });
  });

  it('keeps to a smaller batch size, and refuses one Security Hub does not take', async () => {
    await notifier({ batchSize: 40 }).finished(runWith(100));
    expect(sent().map((batch) => batch.length)).toEqual([40, 40, 20]);
    expect(() => notifier({ batchSize: 101 })).toThrow(new UsageError('The Security Hub batch size must be a whole number from 1 to 100, not 101.'));
    expect(() => notifier({ batchSize: 0 })).toThrow(UsageError);
    expect(() => notifier({ accountId: '1234' })).toThrow('The Security Hub account id must be 12 digits, not "1234".');
    expect(() => notifier({ batchsize: 10 } as Partial<SecurityHubNotifierOptions>)).toThrow('securityHubNotifier has no option batchsize.');
  });

  it('uses the product ARN it is given', async () => {
    const productArn = 'arn:aws:securityhub:eu-central-1:999999999999:product/acme/retention';
    await notifier({ productArn }).finished(runWith(1));
    expect(sent()[0]![0]!.ProductArn).toBe(productArn);
  });

  it('sends again only the findings a response names as failed, with backoff', async () => {
    let call = 0;
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      call += 1;
      if (call !== 1) return ok(input.Findings);
      const failed = input.Findings.slice(3, 5).map((finding) => ({ Id: finding.Id, ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }));
      return { FailedCount: 2, SuccessCount: input.Findings.length - 2, FailedFindings: failed };
    });
    const [outcome] = await notifier().finished(runWith(10));
    expect(sent().map((batch) => batch.length)).toEqual([10, 2]);
    expect(sent()[1]!.map((finding) => finding.Id)).toEqual(sent()[0]!.slice(3, 5).map((finding) => finding.Id));
    expect(sleeps).toHaveLength(1);
    expect(outcome).toMatchObject({ findings: 10, attempts: 2 });
    expect(outcome!.error).toBeUndefined();
  });

  it('gives up on a finding that keeps failing, and says which error kept how many out', async () => {
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      const failed = input.Findings.filter((finding) => finding.Id!.endsWith('i-00001')).map((finding) => ({ Id: finding.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'Title is bad' }));
      return { FailedCount: failed.length, SuccessCount: input.Findings.length - failed.length, FailedFindings: failed };
    });
    const [outcome] = await notifier().finished(runWith(5));
    // The first request, then three more with only the failing finding.
    expect(sent().map((batch) => batch.length)).toEqual([5, 1, 1, 1]);
    expect(outcome).toMatchObject({ findings: 4, attempts: 4, error: '1 of 5 findings were not imported. 1 finding: InvalidInput: Title is bad.' });
    expect(outcome!.sentAt).toBeUndefined();
  });

  it('retries throttling with backoff until it passes', async () => {
    hub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('LimitExceededException', 'Rate exceeded'))
      .callsFake((input: { Findings: AwsSecurityFinding[] }) => ok(input.Findings));
    const [outcome] = await notifier().finished(runWith(3));
    expect(sent().map((batch) => batch.length)).toEqual([3, 3, 3]);
    expect(sleeps).toHaveLength(2);
    expect(outcome).toMatchObject({ findings: 3, attempts: 3 });
    expect(outcome!.error).toBeUndefined();
  });

  it('records the failure when throttling never stops, and never throws', async () => {
    hub.on(BatchImportFindingsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const [outcome] = await notifier().finished(runWith(150));
    expect(sent().map((batch) => batch.length)).toEqual([100, 100, 100, 100, 50, 50, 50, 50]);
    expect(outcome).toMatchObject({ channel: 'security-hub', findings: 0, attempts: 8 });
    expect(outcome!.error).toBe(
      `150 of 150 findings were not imported. 150 findings: Security Hub kept throttling BatchImportFindings on ${PRODUCT} after retries (ThrottlingException).`,
    );
  });

  it('stops at a refused permission, counts every finding it could not send, and names the IAM action', async () => {
    hub.on(BatchImportFindingsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const [outcome] = await notifier().finished(runWith(250));
    expect(sent()).toHaveLength(1);
    expect(outcome).toMatchObject({ findings: 0, attempts: 1 });
    expect(outcome!.error).toMatch(/^250 of 250 findings were not imported. 250 findings: Security Hub refused BatchImportFindings .*securityhub:BatchImportFindings/);
  });

  it('says Security Hub is not enabled when it is not', async () => {
    hub.on(BatchImportFindingsCommand).rejects(awsError('InvalidAccessException', 'Account is not subscribed to AWS Security Hub'));
    const [outcome] = await notifier().finished(runWith(2));
    expect(outcome!.error).toBe(
      `2 of 2 findings were not imported. 2 findings: Security Hub is not enabled for account ${ACCOUNT} in eu-central-1 (InvalidAccessException): enable it there, or turn the push off.`,
    );
  });

  it('splits a request refused as invalid, so one bad finding keeps only itself out', async () => {
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      if (input.Findings.some((finding) => finding.Id!.endsWith('i-00002'))) throw awsError('InvalidInputException', 'Finding is malformed');
      return ok(input.Findings);
    });
    const [outcome] = await notifier().finished(runWith(8));
    expect(outcome).toMatchObject({ findings: 7 });
    expect(outcome!.error).toMatch(/^1 of 8 findings were not imported\. 1 finding: Security Hub BatchImportFindings .* failed: InvalidInputException: Finding is malformed\.$/);
  });

  it('imports nothing, without a call, when nothing is non-compliant', async () => {
    const [outcome] = await notifier().finished(runWith(0));
    expect(sent()).toEqual([]);
    expect(outcome).toMatchObject({ findings: 0, attempts: 0, subject: '0 of 0 findings of run audit-hub imported to Security Hub' });
    expect(outcome!.error).toBeUndefined();
  });

  it('reads the JSON report when the run wrote no ocsf report, and fails in words when it wrote neither', async () => {
    const result = await runAudit({
      source: new FileInventorySource(writeTemp('i.ndjson', ndjson([makeItem({ itemId: 'a', oldestRecordAt: before(30 * DAY) }), makeItem({ itemId: 'b' })]))),
      catalog: catalog(),
      engine: { graceDays: 30, waivers: [] },
      formats: ['json'],
      outDir: tempDir('hub-json-'),
      trigger: 'cli',
      history: null,
    });
    const [outcome] = await notifier().finished(finishedRun(result.reports, result.head));
    expect(sent()).toHaveLength(1);
    expect(sent()[0]!.map((finding) => finding.ProductFields!['RetentionAuditor/ItemId'])).toEqual(['a']);
    expect(outcome).toMatchObject({ findings: 1 });
    const [none] = await notifier().finished(finishedRun({ csv: 'x.csv' }));
    expect(none).toMatchObject({
      findings: 0,
      error: "Reading the run's findings failed after 0: The run wrote neither an ocsf nor a JSON report, so there are no findings to read.",
    });
  });

  it('cuts long text to ASFF lengths and keeps hostile text harmless', async () => {
    const hostile = [
      makeItem({ itemId: 'h-1', tenantId: 'x'.repeat(3000), oldestRecordAt: before(30 * DAY) }),
      makeItem({ itemId: 'h-2\u001b[2J', tenantId: 'tenant\u202egpj.exe', store: { type: 'mysql', resource: 'im/\u001b]8;;http://evil\u0007x\u001b]8;;\u0007' }, oldestRecordAt: before(30 * DAY) }),
    ];
    const result = await runAudit({
      source: new FileInventorySource(writeTemp('h.ndjson', ndjson(hostile))),
      catalog: catalog(),
      engine: { graceDays: 30, waivers: [] },
      formats: ['ocsf'],
      outDir: tempDir('hub-hostile-'),
      trigger: 'cli',
      history: null,
    });
    const [outcome] = await notifier().finished(finishedRun(result.reports, result.head));
    expect(outcome).toMatchObject({ findings: 2 });
    const [long, escaped] = sent()[0]!;
    expect(long!.Title!.length).toBe(256);
    expect(long!.Description!.length).toBeLessThanOrEqual(1024);
    expect(JSON.stringify(sent())).not.toMatch(/\\u001b|\\u0007|\u202e/);
    expect(escaped!.Title).toContain('im/\\x1b]8;;http://evil\\x07x');
    expect(escaped!.Title).toContain('tenant\\u202egpj.exe');
  });

  it('announces nothing for a failed run', async () => {
    expect(await notifier().failed({ runId: 'r' } as RunRecord, 'boom')).toEqual([]);
  });
});

describe('the security-hub channel entry', () => {
  const context = (env: Record<string, string | undefined>) => ({ env, origin: '--notify security-hub', mailer: () => undefined as never, log: () => undefined });

  it('builds the notifier from the environment', async () => {
    const built = securityHubDelivery.create(context({ SECURITY_HUB_ACCOUNT_ID: ACCOUNT, AWS_REGION: 'eu-central-1', SECURITY_HUB_BATCH_SIZE: '50' }));
    expect(built.channel).toBe('security-hub');
    // The channel built its own client; the mock stands in for every SecurityHubClient.
    const [outcome] = await built.finished(runWith(120));
    expect(sent().map((batch) => batch.length)).toEqual([50, 50, 20]);
    expect(outcome).toMatchObject({ findings: 120, to: `AWS Security Hub, account ${ACCOUNT}, eu-central-1` });
    expect(sent()[0]![0]!.ProductArn).toBe(PRODUCT);
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => securityHubDelivery.create(context({ AWS_REGION: 'eu-central-1' }))).toThrow(
      new UsageError('--notify security-hub needs the AWS account the findings belong to in the environment variable SECURITY_HUB_ACCOUNT_ID.'),
    );
    expect(() => securityHubDelivery.create(context({ SECURITY_HUB_ACCOUNT_ID: '12', AWS_REGION: 'eu-central-1' }))).toThrow(
      '--notify security-hub: the environment variable SECURITY_HUB_ACCOUNT_ID is invalid: must be a 12-digit AWS account id.',
    );
    expect(() => securityHubDelivery.create(context({ SECURITY_HUB_ACCOUNT_ID: ACCOUNT, AWS_REGION: 'eu-central-1', SECURITY_HUB_BATCH_SIZE: '500' }))).toThrow(
      /SECURITY_HUB_BATCH_SIZE is invalid/,
    );
  });

  it("imports into the account's default product, in the Region's partition", () => {
    expect(defaultProductArn('eu-central-1', ACCOUNT)).toBe(PRODUCT);
    expect(defaultProductArn('cn-north-1', ACCOUNT)).toBe(`arn:aws-cn:securityhub:cn-north-1:${ACCOUNT}:product/${ACCOUNT}/default`);
    expect(defaultProductArn('us-gov-west-1', ACCOUNT)).toBe(`arn:aws-us-gov:securityhub:us-gov-west-1:${ACCOUNT}:product/${ACCOUNT}/default`);
  });
});
