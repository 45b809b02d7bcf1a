/** OCSF events as Security Hub findings (ASFF): the mapping, ASFF's lengths, and text from outside made harmless. */
import type { Finding } from '../../../../lib/model';
import { ASFF_LIMITS, ASFF_TYPE, asffFindingOf, clip, findingId } from '../../../../lib/report/ocsf/asffFindingOf';
import { complianceFindingOf, ocsfEnvelope, resolvedComplianceFindingOf } from '../../../../lib/report/ocsf/complianceFindingOf';
import type { OcsfComplianceFinding } from '../../../../lib/report/ocsf/OcsfComplianceFinding';
import { before, DAY, judge, makeItem } from '../../../helpers/items';

const RUN = { id: 'audit-1', finishedAt: '2026-11-21T09:00:00.000Z' };
const TARGET = { accountId: '123456789012', productArn: 'arn:aws:securityhub:eu-central-1:123456789012:product/123456789012/default' };
const eventOf = (finding: Finding): OcsfComplianceFinding => ({ ...ocsfEnvelope(RUN), ...complianceFindingOf(finding)! });
const violation = judge(makeItem({ oldestRecordAt: before(30 * DAY), store: { type: 'mysql', resource: 'im/db', region: 'eu-frankfurt' }, owner: 'o@example.com' }));

/** C0/C1 controls, DEL, bidi marks and line separators: none may reach the Security Hub console raw. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];

describe('asffFindingOf', () => {
  it('maps a violation to an ACTIVE, FAILED finding of the default product', () => {
    const asff = asffFindingOf(eventOf({ ...violation, status: 'persisting', firstSeenAt: '2026-11-01T02:00:00.000Z' }), TARGET);
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: `${violation.fingerprint}/item-1`,
      ProductArn: TARGET.productArn,
      GeneratorId: 'instant-messaging/log-data-7-days',
      AwsAccountId: '123456789012',
      Types: [ASFF_TYPE],
      FirstObservedAt: '2026-11-01T02:00:00.000Z',
      LastObservedAt: '2026-11-20T02:00:00.000Z',
      CreatedAt: '2026-11-01T02:00:00.000Z',
      UpdatedAt: RUN.finishedAt,
      Severity: { Label: 'MEDIUM', Original: 'medium' },
      FindingProviderFields: { Severity: { Label: 'MEDIUM', Original: 'medium' }, Types: [ASFF_TYPE] },
      Title: 'Retention violation: log-data of instant-messaging in im/db, tenant tenant-a',
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'Other',
          Id: 'im/db',
          Details: { Other: { StoreType: 'mysql', StoreRegion: 'eu-frankfurt', TenantId: 'tenant-a', Owner: 'o@example.com', Module: 'instant-messaging', DataCategory: 'log-data' } },
        },
      ],
    });
    expect(asff.Description).toBe(
      `${violation.reason} Clause: "${violation.clause!.section}: ${violation.clause!.text}" — Privacy policy module instant-messaging (${violation.clause!.source}).`,
    );
    expect(asff.ProductFields).toMatchObject({
      'RetentionAuditor/RunId': 'audit-1',
      'RetentionAuditor/Verdict': 'violation',
      'RetentionAuditor/Deadline': violation.deadline,
      'RetentionAuditor/OverdueDays': '23',
      'RetentionAuditor/RecordCount': '10',
    });
  });

  it.each([
    ['invalid', 'WARNING', 'MEDIUM', 'retention-auditor/invalid', makeItem({ recordCount: -1 })],
    ['unmapped', 'WARNING', 'MEDIUM', 'retention-auditor/unmapped', makeItem({ module: 'video-analytics' })],
    ['review', 'WARNING', 'LOW', 'intelligent-guidance/no-period-stated', makeItem({ module: 'intelligent-guidance', dataCategory: 'contract-staff-information' })],
  ])('maps %s to Compliance %s', (verdict, status, label, generator, item) => {
    const finding = judge(item);
    expect(finding.verdict).toBe(verdict);
    expect(asffFindingOf(eventOf(finding), TARGET)).toMatchObject({ Compliance: { Status: status }, Severity: { Label: label }, GeneratorId: generator, RecordState: 'ACTIVE' });
  });

  it('archives a resolved finding as PASSED, under the same Id', () => {
    const event = {
      ...ocsfEnvelope(RUN),
      ...resolvedComplianceFindingOf({
        fingerprint: violation.fingerprint,
        itemId: 'item-1',
        tenantId: 'tenant-a',
        module: 'instant-messaging',
        dataCategory: 'log-data',
        resource: 'im/db',
        previousVerdict: 'violation',
        status: 'resolved',
        firstSeenAt: '2026-11-01T02:00:00.000Z',
        resolvedAt: '2026-11-20T02:00:00.000Z',
        daysOpen: 19,
      }),
    };
    expect(asffFindingOf(event, TARGET)).toMatchObject({
      Id: `${violation.fingerprint}/item-1`,
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
      Severity: { Label: 'INFORMATIONAL' },
    });
  });

  it('cuts Title, Description, Id and every map value to ASFF lengths', () => {
    const long = 'x'.repeat(5000);
    const finding = judge(makeItem({ itemId: long, tenantId: long, store: { type: long, resource: long }, oldestRecordAt: before(30 * DAY) }));
    const asff = asffFindingOf(eventOf({ ...finding, reason: long }), TARGET);
    expect(asff.Title!.length).toBe(ASFF_LIMITS.title);
    expect(asff.Title!.endsWith('…')).toBe(true);
    expect(asff.Description!.length).toBe(ASFF_LIMITS.description);
    expect(asff.Id!.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
    expect(asff.Resources![0]!.Id!.length).toBe(ASFF_LIMITS.resourceId);
    for (const value of Object.values(asff.ProductFields!)) expect(value.length).toBeLessThanOrEqual(ASFF_LIMITS.productFieldValue);
    for (const value of Object.values(asff.Resources![0]!.Details!.Other!)) expect(value.length).toBeLessThanOrEqual(ASFF_LIMITS.detailValue);
  });

  it('never cuts inside a character made of two UTF-16 units', () => {
    const cut = clip(`${'a'.repeat(254)}😀😀`, 256);
    expect(cut).toBe(`${'a'.repeat(254)}…`);
    expect(clip('😀'.repeat(200), 256)).toMatch(/^(😀)+…$/u);
    expect(clip('', 10)).toBe('-');
    expect(clip('short', 10)).toBe('short');
  });

  it('lets no control character, terminal escape or bidi override through', () => {
    const hostile = judge(
      makeItem({
        itemId: 'i\u001b[2J',
        tenantId: 'tenant\u202egpj.exe',
        owner: 'o\u0000@example.com',
        store: { type: 'mysql\r\n', resource: 'im/\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', region: 'eu\u2028x' },
        oldestRecordAt: before(30 * DAY),
      }),
    );
    const asff = asffFindingOf(eventOf({ ...hostile, reason: 'Kept\u0085 too long\u2066.' }), TARGET);
    for (const text of strings(asff)) expect(text).not.toMatch(UNSAFE);
    expect(asff.Title).toContain('im/\\x1b]8;;http://evil\\x07click');
    expect(asff.Title).toContain('tenant\\u202egpj.exe');
    expect(asff.Description).toContain('Kept\\x85 too long\\u2066.');
  });
});

describe('findingId', () => {
  it('keeps a uid ASFF can hold, and makes two long uids that share their first 512 characters two Ids', () => {
    expect(findingId('fp/item-1')).toBe('fp/item-1');
    const a = `${'x'.repeat(600)}a`;
    const b = `${'x'.repeat(600)}b`;
    expect(findingId(a)).toHaveLength(512);
    expect(findingId(a)).not.toBe(findingId(b));
    expect(findingId(a)).toBe(findingId(a));
  });
});
