/** The OCSF Compliance Finding of one finding: which verdicts, the mapping, and validity against OCSF 1.8.0. */
import { compileWaivers } from '../../../../lib/engine/waivers';
import type { Finding, Severity, Verdict } from '../../../../lib/model';
import { SEVERITIES, VERDICTS } from '../../../../lib/model';
import {
  complianceFindingOf,
  envelopePrefix,
  findingUid,
  ocsfEnvelope,
  ocsfLine,
  resolvedComplianceFindingOf,
} from '../../../../lib/report/ocsf/complianceFindingOf';
import { OCSF_VERSION, type OcsfFindingBody } from '../../../../lib/report/ocsf/OcsfComplianceFinding';
import type { ResolvedFinding } from '../../../../lib/report/ReportModel';
import { before, DAY, judge, makeItem } from '../../../helpers/items';
import { OCSF_SCHEMA_VERSION, ocsfProblems } from './ocsfSchema';

const RUN = { id: 'audit-20261120T030000Z-abc123', finishedAt: '2026-11-20T03:00:00.000Z' };
const event = (body: OcsfFindingBody) => ({ ...ocsfEnvelope(RUN), ...body });

/** A finding of each verdict, from real items. */
const FINDINGS: Record<Verdict, Finding> = {
  violation: judge(makeItem({ oldestRecordAt: before(30 * DAY) })),
  'due-soon': judge(makeItem({ oldestRecordAt: before(6.5 * DAY) })),
  compliant: judge(makeItem()),
  invalid: judge(makeItem({ recordCount: -1 })),
  unmapped: judge(makeItem({ module: 'video-analytics' })),
  review: judge(makeItem({ module: 'intelligent-guidance', dataCategory: 'contract-staff-information' })),
  exempt: judge(makeItem({ oldestRecordAt: before(30 * DAY), legalHold: { reason: 'litigation' } })),
  waived: judge(makeItem({ oldestRecordAt: before(30 * DAY) }), {
    waivers: compileWaivers([
      { id: 'w-1', scope: { module: 'instant-messaging' }, reason: 'migration', approver: 'dpo@example.com', expiresAt: '2027-01-01T00:00:00Z' },
    ]),
  }),
};

describe('complianceFindingOf', () => {
  it('has a real finding of every verdict to test with', () => {
    for (const verdict of VERDICTS) expect(FINDINGS[verdict].verdict).toBe(verdict);
  });

  it.each([
    ['violation', 'Fail', 3],
    ['invalid', 'Warning', 2],
    ['unmapped', 'Warning', 2],
    ['review', 'Warning', 2],
  ] as const)('exports a %s as compliance %s', (verdict, status, statusId) => {
    const body = complianceFindingOf(FINDINGS[verdict])!;
    expect(body.compliance).toMatchObject({ status, status_id: statusId, status_detail: FINDINGS[verdict].reason });
    expect(body).toMatchObject({ status_id: 1, status: 'New', message: FINDINGS[verdict].reason });
    expect(body.unmapped.verdict).toBe(verdict);
  });

  it.each(['due-soon', 'compliant', 'exempt', 'waived'] as const)('exports no %s finding (compliant, or kept by a recorded decision)', (verdict) => {
    expect(complianceFindingOf(FINDINGS[verdict])).toBeNull();
  });

  it.each(VERDICTS.filter((verdict) => complianceFindingOf(FINDINGS[verdict])))('the %s event is valid against OCSF 1.8.0', (verdict) => {
    expect(ocsfProblems(event(complianceFindingOf(FINDINGS[verdict])!))).toEqual([]);
  });

  it('states the schema version it was checked against', () => {
    expect(OCSF_VERSION).toBe(OCSF_SCHEMA_VERSION);
    expect(ocsfEnvelope(RUN)).toEqual({
      time: Date.parse(RUN.finishedAt),
      metadata: { version: '1.8.0', product: { name: 'Retention Auditor', vendor_name: 'Retention Auditor' }, correlation_uid: RUN.id },
    });
  });

  it('maps the clause to the control, its words to the requirement, the module and document to the standard', () => {
    const finding = FINDINGS.violation;
    const body = complianceFindingOf(finding)!;
    expect(body.compliance.control).toBe('instant-messaging/log-data-7-days');
    expect(body.compliance.requirements).toEqual([`${finding.clause!.section}: ${finding.clause!.text}`]);
    expect(body.compliance.standards).toEqual([`Privacy policy module instant-messaging (${finding.clause!.source})`]);
    expect(body).toMatchObject({ class_uid: 2003, category_uid: 2, activity_id: 1, type_uid: 200301, severity_id: 3, severity: 'Medium' });
  });

  it('keeps the deadline, overdue days and counts as evidence, the store as the resource, the tenant as its account', () => {
    const finding = judge(makeItem({ oldestRecordAt: before(30 * DAY), owner: 'owner@example.com', store: { type: 'mysql', resource: 'im/db', region: 'eu-frankfurt' } }));
    const body = complianceFindingOf(finding)!;
    expect(body.evidences).toEqual([
      {
        name: 'Retention facts',
        data: {
          captured_at: finding.capturedAt,
          oldest_record_at: finding.oldestRecordAt,
          record_count: 10,
          bytes: 1000,
          deadline: finding.deadline,
          overdue_days: 23,
        },
      },
    ]);
    expect(body.resources).toEqual([
      {
        uid: 'im/db',
        name: 'im/db',
        type: 'mysql',
        region: 'eu-frankfurt',
        owner: { account: { uid: 'tenant-a' }, email_addr: 'owner@example.com' },
        data: { module: 'instant-messaging', data_category: 'log-data', special_category: null },
      },
    ]);
    expect(body.finding_info).toMatchObject({
      uid: `${finding.fingerprint}/item-1`,
      title: 'Retention violation: log-data of instant-messaging in im/db, tenant tenant-a',
      desc: finding.reason,
      last_seen_time: Date.parse(finding.capturedAt!),
    });
  });

  it('puts an owner that is not an e-mail address in the name (email_addr is typed email_t)', () => {
    const body = complianceFindingOf(judge(makeItem({ oldestRecordAt: before(30 * DAY), owner: 'team data-platform' })))!;
    expect(body.resources![0]!.owner).toEqual({ account: { uid: 'tenant-a' }, name: 'team data-platform' });
    expect(ocsfProblems(event(body))).toEqual([]);
  });

  it.each(SEVERITIES.map((severity, index) => [severity, 5 - index] as [Severity, number]))('severity %s is severity_id %i', (severity, id) => {
    expect(complianceFindingOf({ ...FINDINGS.violation, severity })!.severity_id).toBe(id);
  });

  it('is Create for a new finding or one without history, Update for a persisting one', () => {
    expect(complianceFindingOf({ ...FINDINGS.violation, status: 'new' })).toMatchObject({ activity_id: 1, activity_name: 'Create', type_uid: 200301 });
    expect(complianceFindingOf(FINDINGS.violation)).toMatchObject({ activity_id: 1 });
    const persisting = complianceFindingOf({ ...FINDINGS.violation, status: 'persisting', firstSeenAt: '2026-10-01T00:00:00.000Z', daysOpen: 50 })!;
    expect(persisting).toMatchObject({ activity_id: 2, activity_name: 'Update', type_uid: 200302, type_name: 'Compliance Finding: Update' });
    expect(persisting.finding_info.first_seen_time).toBe(Date.parse('2026-10-01T00:00:00.000Z'));
    expect(persisting.unmapped).toMatchObject({ finding_status: 'persisting', days_open: 50 });
  });

  it('an invalid item keeps what it said, timestamps only where they parse', () => {
    const finding = judge(makeItem({ capturedAt: 'yesterday' }));
    const body = complianceFindingOf(finding)!;
    expect(body.finding_info.last_seen_time).toBeUndefined();
    expect(body.evidences![0]!.data.captured_at).toBe('yesterday');
    expect(body.finding_info.title).toBe('Inventory item cannot be checked: item item-1, log-data of instant-messaging in im/test, tenant tenant-a');
    expect(ocsfProblems(event(body))).toEqual([]);
  });

  it('an item with nothing usable still gives a valid event', () => {
    const finding = judge('not an item');
    const body = complianceFindingOf(finding)!;
    expect(body.resources).toBeUndefined();
    expect(body.compliance.standards).toEqual(['Privacy policy']);
    expect(body.finding_info.uid).toMatch(new RegExp(`^${finding.fingerprint}/~[0-9a-f]{32}$`));
    expect(ocsfProblems(event(body))).toEqual([]);
  });
});

describe('findingUid', () => {
  it('is the fingerprint and the item id', () => {
    expect(findingUid('e8339d5f36aca8c2d2c4', 'fr-001', () => 'x')).toBe('e8339d5f36aca8c2d2c4/fr-001');
  });

  it('hashes an item id too long for an id, and stays the same for the same item', () => {
    const long = 'i'.repeat(5000);
    expect(findingUid('f', long, () => '')).toMatch(/^f\/#[0-9a-f]{32}$/);
    expect(findingUid('f', long, () => '')).toBe(findingUid('f', long, () => 'other facts'));
    expect(findingUid('f', long, () => '')).not.toBe(findingUid('f', `${long}j`, () => ''));
  });

  it('without an item id, hashes what the item said', () => {
    expect(findingUid('f', null, () => 'a')).toBe(findingUid('f', null, () => 'a'));
    expect(findingUid('f', null, () => 'a')).not.toBe(findingUid('f', null, () => 'b'));
  });
});

describe('resolvedComplianceFindingOf', () => {
  const entry: ResolvedFinding = {
    fingerprint: 'e8339d5f36aca8c2d2c4',
    itemId: 'fr-001',
    tenantId: 'tenant-acme',
    module: 'facial-recognition',
    dataCategory: 'error-log',
    resource: 'face-prod/error-log',
    previousVerdict: 'violation',
    status: 'resolved',
    firstSeenAt: '2026-11-01T02:00:00.000Z',
    resolvedAt: '2026-11-20T02:00:00.000Z',
    daysOpen: 19,
  };

  it('closes the violation under the uid that reported it: Pass, Resolved, Close', () => {
    const body = resolvedComplianceFindingOf(entry);
    expect(body).toMatchObject({ activity_id: 3, activity_name: 'Close', type_uid: 200303, status_id: 4, status: 'Resolved', severity_id: 1 });
    expect(body.compliance).toMatchObject({ status_id: 1, status: 'Pass' });
    expect(body.finding_info.uid).toBe('e8339d5f36aca8c2d2c4/fr-001');
    expect(body.message).toBe('No longer in violation since the previous audit (first seen 2026-11-01).');
    expect(ocsfProblems(event(body))).toEqual([]);
  });

  it('without a resource or tenant is still valid', () => {
    expect(ocsfProblems(event(resolvedComplianceFindingOf({ ...entry, resource: null, tenantId: null, itemId: null, daysOpen: null })))).toEqual([]);
  });
});

describe('ocsfLine', () => {
  it('is the envelope followed by the body, one JSON object', () => {
    const body = complianceFindingOf(FINDINGS.violation)!;
    const line = ocsfLine(envelopePrefix(ocsfEnvelope(RUN)), JSON.stringify(body));
    expect(JSON.parse(line)).toEqual(event(body));
    expect(line).toMatch(/^\{"time":\d+,"metadata":\{.*\},"class_uid":2003,/);
  });
});

describe('the OCSF table the events are checked with', () => {
  const valid = event(complianceFindingOf(FINDINGS.violation)!);

  it('finds a missing required attribute, an unknown one, a wrong caption and a wrong type_uid', () => {
    const { finding_info: _info, ...noInfo } = valid;
    expect(ocsfProblems(noInfo)).toContain('event.finding_info is required');
    expect(ocsfProblems({ ...valid, verdict: 'violation' })).toContain('event.verdict is not an attribute of compliance_finding');
    expect(ocsfProblems({ ...valid, severity: 'High' })).toContain('event.severity is not the caption of severity_id 3 (Medium)');
    expect(ocsfProblems({ ...valid, compliance: { ...valid.compliance, status_id: 7 } })).toContain('event.compliance.status_id 7 is not in the enumeration');
    expect(ocsfProblems({ ...valid, type_uid: 200302 })).toContain('event.type_uid is not class_uid × 100 + activity_id');
    expect(ocsfProblems({ ...valid, time: '2026-11-20' })).toContain('event.time is not a timestamp_t (integer ms)');
    expect(ocsfProblems({ ...valid, resources: [{ type: 'mysql', data: {} }] })).toContain('event.resources[0] needs one of name, uid');
    expect(ocsfProblems({ ...valid, metadata: { version: '1.8.0' } })).toContain('event.metadata.product is required');
  });
});
