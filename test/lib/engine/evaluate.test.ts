import { compileRuleFile } from '../../../lib/catalog/loadCatalog';
import { evaluate } from '../../../lib/engine/evaluate';
import { compileWaivers, type Waiver } from '../../../lib/engine/waivers';
import { before, CAPTURED, DAY, judge, makeItem } from '../../helpers/items';

const overdue = makeItem({ itemId: 'i-1', oldestRecordAt: before(30 * DAY) }); // IM log data: 7 days
const waiver = (overrides: Partial<Waiver> = {}): Waiver => ({
  id: 'W-1',
  scope: { tenantId: 'tenant-a', module: 'instant-messaging' },
  reason: 'incident investigation',
  approver: 'dpo@example.com',
  expiresAt: '2027-01-01T00:00:00Z',
  ...overrides,
});
const withWaivers = (...waivers: Waiver[]) => ({ waivers: compileWaivers(waivers) });

describe('verdict precedence (docs/semantics.md#verdicts: first match wins)', () => {
  it('invalid beats everything, even an unknown module', () => {
    expect(judge({ ...overdue, module: 'nope', recordCount: -1 }).verdict).toBe('invalid');
  });

  it('unmapped: a module the catalog does not know', () => {
    const finding = judge({ ...overdue, module: 'video-analytics' });
    expect(finding).toMatchObject({ verdict: 'unmapped', severity: 'medium', ruleId: null });
    expect(finding.reason).toContain('video-analytics');
  });

  it('unmapped: a category the module does not declare (doctor information is Intelligent Guidance only)', () => {
    expect(judge({ ...overdue, module: 'intelligent-pre-consultation', dataCategory: 'doctor-information' }).verdict).toBe('unmapped');
    expect(judge({ ...overdue, module: 'intelligent-guidance', dataCategory: 'doctor-information' }).verdict).toBe('compliant');
  });

  it('unmapped beats a legal hold', () => {
    expect(judge({ ...overdue, module: 'nope', legalHold: { reason: 'litigation' } }).verdict).toBe('unmapped');
  });

  it('exempt: an active legal hold, keeping the underlying verdict visible', () => {
    const finding = judge({ ...overdue, legalHold: { reason: 'litigation' } }, withWaivers(waiver()));
    expect(finding).toMatchObject({ verdict: 'exempt', underlyingVerdict: 'violation', severity: 'info' });
    expect(finding.reason).toContain('litigation');
  });

  it('a legal hold ends at its until instant', () => {
    expect(judge({ ...overdue, legalHold: { reason: 'x', until: new Date(Date.parse(CAPTURED) + 1).toISOString() } }).verdict).toBe('exempt');
    expect(judge({ ...overdue, legalHold: { reason: 'x', until: CAPTURED } }).verdict).toBe('violation');
  });

  it('waived: a waiver covers the violation and names itself', () => {
    const finding = judge(overdue, withWaivers(waiver()));
    expect(finding).toMatchObject({ verdict: 'waived', underlyingVerdict: 'violation', waiverId: 'W-1', severity: 'info' });
  });

  it('an expired waiver covers nothing, from its expiry instant on', () => {
    expect(judge(overdue, withWaivers(waiver({ expiresAt: CAPTURED }))).verdict).toBe('violation');
    expect(judge(overdue, withWaivers(waiver({ expiresAt: new Date(Date.parse(CAPTURED) + 1).toISOString() }))).verdict).toBe('waived');
  });

  it('waiver scopes take wildcards and must match every field they name', () => {
    expect(judge(overdue, withWaivers(waiver({ scope: { tenantId: 'tenant-*' } }))).verdict).toBe('waived');
    expect(judge(overdue, withWaivers(waiver({ scope: { resource: 'im/*' } }))).verdict).toBe('waived');
    expect(judge(overdue, withWaivers(waiver({ scope: { tenantId: 'tenant-a', dataCategory: 'monitoring-data' } }))).verdict).toBe('violation');
  });

  it('violation beats due soon: the worst clause decides', () => {
    const item = makeItem({
      module: 'intelligent-guidance',
      dataCategory: 'patient-data',
      events: { accountDeletedAt: before(29 * DAY), consentWithdrawnAt: before(40 * DAY) },
    });
    expect(judge(item)).toMatchObject({ verdict: 'violation', ruleId: 'intelligent-guidance/consent-withdrawal' });
  });

  it('due soon', () => {
    expect(judge(makeItem({ oldestRecordAt: before(6.5 * DAY) }))).toMatchObject({ verdict: 'due-soon', severity: 'low' });
  });

  it('review', () => {
    expect(judge(makeItem({ module: 'intelligent-guidance', dataCategory: 'contract-staff-information' })).verdict).toBe('review');
  });

  it('review only when no applicable clause gives a period', () => {
    const module = compileRuleFile(
      {
        module: 'mixed',
        name: 'Mixed',
        source: 'mixed.txt',
        categories: { logs: { name: 'Logs', sensitivity: 'personal' } },
        clauses: [
          { id: 'no-period', kind: 'review', categories: ['logs'], section: '6', text: 'As long as necessary.' },
          { id: 'after-deletion', kind: 'event-bound', categories: ['logs'], events: ['accountDeletedAt'], period: { days: 30 }, section: '6', text: 'Deleted within 30 days.' },
        ],
      },
      'mixed.json',
    );
    const mixed = { version: 'sha256:0', modules: new Map([['mixed', module]]) };
    const item = makeItem({ module: 'mixed', dataCategory: 'logs' });
    expect(evaluate(item, mixed)).toMatchObject({ verdict: 'compliant', ruleId: 'mixed/after-deletion' });
    expect(evaluate({ ...item, events: { accountDeletedAt: before(31 * DAY) } }, mixed).verdict).toBe('violation');
  });

  it('compliant, including an item that holds no records', () => {
    expect(judge(makeItem({ oldestRecordAt: before(DAY) })).verdict).toBe('compliant');
    const empty = judge(makeItem({ recordCount: 0, bytes: 0, oldestRecordAt: undefined }));
    expect(empty).toMatchObject({ verdict: 'compliant', severity: 'info', reason: 'No records are held.' });
  });

  it('never mutates the item it evaluates', () => {
    const item = makeItem({ oldestRecordAt: before(30 * DAY), events: { accountDeletedAt: before(DAY) } });
    const copy = structuredClone(item);
    judge(item);
    expect(item).toEqual(copy);
  });

  it('keeps unknown fields of the item out of the way', () => {
    expect(judge({ ...overdue, costCenter: 'cc-7', events: { ...overdue.events, auditedAt: 'x' } }).verdict).toBe('violation');
  });

  it('explains a violation in one sentence with the dates', () => {
    const finding = judge(overdue);
    expect(finding.reason).toBe('The oldest record, created on 2026-10-21, is 23 days past its 7-day retention period, which ended on 2026-10-28.');
    expect(finding.reason.split(/\.\s/)).toHaveLength(1);
  });
});
