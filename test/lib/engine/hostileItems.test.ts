import { runAudit } from '../../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../../lib/engine/evaluate';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { parseTimestamp } from '../../../lib/time';
import { ndjson, readReport, tempDir, writeTemp } from '../../helpers/files';
import { before, CAPTURED_MS, catalog, DAY, judge, makeItem } from '../../helpers/items';

const LEAP = '2026-12-31T23:59:60Z';
/** 85 days past the 7-day period of log data: a violation whenever capturedAt can be read. */
const OVERDUE = { oldestRecordAt: before(92 * DAY) };

const auditFile = (items: unknown[], formats: ('json' | 'csv' | 'pdf')[] = ['json', 'csv']) =>
  runAudit({
    source: new FileInventorySource(writeTemp('hostile.ndjson', ndjson(items))),
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats,
    outDir: tempDir(),
    trigger: 'cli',
    now: () => new Date(CAPTURED_MS + DAY),
  });

describe('parseTimestamp', () => {
  it.each([
    ['2026-12-31T23:59:60Z', 'a leap second'],
    ['2026-02-30T00:00:00Z', '30 February'],
    ['2026-02-29T00:00:00Z', '29 February of a common year'],
    ['2026-01-01T24:00:00Z', 'hour 24'],
    ['2026-01-01T00:00:00+24:00', 'an offset beyond ±23:59'],
    ['2026-01-01T00:00:00', 'no time zone'],
    ['+010000-01-01T00:00:00Z', 'a five-digit year'],
    ['2026-01-01T00:00:00Z\u0000', 'a trailing NUL'],
  ])('refuses %s (%s)', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it('reads any offset and fractions to the millisecond', () => {
    expect(parseTimestamp('2026-03-01T08:00:00+08:00')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseTimestamp('2024-02-29T00:00:00.123456Z')).toBe(Date.parse('2024-02-29T00:00:00.123Z'));
  });
});

describe('hostile items', () => {
  it('takes a module named __proto__ for an unmapped module and leaves Object.prototype alone', async () => {
    const result = await auditFile(
      [makeItem({ itemId: 'a', module: '__proto__' }), makeItem({ itemId: 'b', module: 'constructor', dataCategory: '__proto__' })],
      ['json', 'csv', 'pdf'],
    );
    const report = readReport(result.reports.json!);
    expect(report.findings.map((f: { verdict: string }) => f.verdict)).toEqual(['unmapped', 'unmapped']);
    expect(report.summary.byModule.__proto__).toEqual({ items: 1, violations: 0, dueSoon: 0 });
    expect(Object.prototype).not.toHaveProperty('items');
    expect(({} as Record<string, unknown>).items).toBeUndefined();
  });

  it('makes a leap-second capturedAt invalid, naming the field, instead of calling an overdue item compliant', () => {
    const finding = judge(makeItem({ capturedAt: LEAP, ...OVERDUE }));
    expect(finding).toMatchObject({ verdict: 'invalid', reason: 'Field capturedAt is not an ISO-8601 timestamp with a time zone.' });
    expect(judge(makeItem(OVERDUE)).verdict).toBe('violation');
  });

  it.each([
    ['oldestRecordAt', { oldestRecordAt: LEAP }],
    ['newestRecordAt', { newestRecordAt: '2026-02-30T00:00:00Z' }],
    ['events.accountDeletedAt', { events: { accountDeletedAt: LEAP } }],
    ['legalHold.until', { legalHold: { reason: 'case 1', until: LEAP } }],
  ])('makes an impossible %s invalid', (field, overrides) => {
    expect(judge(makeItem(overrides as never))).toMatchObject({ verdict: 'invalid', reason: `Field ${field} is not an ISO-8601 timestamp with a time zone.` });
  });

  it.each([
    ['bytes', { bytes: Number.POSITIVE_INFINITY }, 'Field bytes is larger than 9007199254740991.'],
    ['recordCount', { recordCount: 1e30 }, 'Field recordCount is larger than 9007199254740991.'],
    ['customerRetentionDays', { customerRetentionDays: 100_000_000 }, 'Field customerRetentionDays is larger than 100000.'],
    ['tenantId', { tenantId: 'x'.repeat(257) }, 'Field tenantId is longer than 256 characters.'],
    ['store.resource', { store: { type: 'mysql', resource: 'r'.repeat(1025) } }, 'Field store.resource is longer than 1024 characters.'],
  ])('makes an out-of-bounds %s invalid', (_field, overrides, reason) => {
    expect(judge(makeItem(overrides as never))).toMatchObject({ verdict: 'invalid', reason });
  });

  it('makes an item whose deadline falls beyond the year 9999 invalid, never the run', () => {
    const finding = judge(
      makeItem({ module: 'instant-messaging', dataCategory: 'configuration-data', events: { serviceTerminatedAt: '9999-12-01T00:00:00Z' } }),
    );
    expect(finding.verdict).toBe('invalid');
    expect(finding.reason).toMatch(/could not be evaluated \(a date outside the years 0000 to 9999/);
  });

  it('cuts a huge field of an invalid item in its finding', () => {
    const finding = judge(makeItem({ tenantId: 't'.repeat(1_000_000) }));
    expect(finding.tenantId).toHaveLength(1024);
    expect(finding.tenantId!.endsWith('…')).toBe(true);
  });

  it('keeps evaluating the other items of a file with 1e999, a leap second and a huge period', async () => {
    const file = writeTemp(
      'mixed.ndjson',
      [
        JSON.stringify(makeItem({ itemId: 'a', ...OVERDUE })),
        JSON.stringify(makeItem({ itemId: 'b' })).replace('"bytes":1000', '"bytes":1e999'),
        JSON.stringify(makeItem({ itemId: 'c', oldestRecordAt: LEAP })),
        JSON.stringify(makeItem({ itemId: 'd', customerRetentionDays: 100_000_000 })),
      ].join('\n'),
    );
    const result = await runAudit({
      source: new FileInventorySource(file),
      catalog: catalog(),
      engine: DEFAULT_ENGINE_OPTIONS,
      formats: ['json', 'csv', 'pdf'],
      outDir: tempDir(),
      trigger: 'cli',
      now: () => new Date(CAPTURED_MS + DAY),
    });
    const report = readReport(result.reports.json!);
    expect(report.findings.map((f: { itemId: string; verdict: string }) => [f.itemId, f.verdict])).toEqual([
      ['a', 'violation'],
      ['b', 'invalid'],
      ['c', 'invalid'],
      ['d', 'invalid'],
    ]);
  });

  it('makes a capture time in the future invalid; it never sets the snapshot time, and the report validates', async () => {
    const result = await auditFile([makeItem({ itemId: 'a' }), makeItem({ itemId: 'b', capturedAt: '9999-12-31T00:00:00Z' })]);
    const report = readReport(result.reports.json!);
    expect(report.findings[1]).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^Field capturedAt lies in the future/) });
    expect(report.run.snapshotCapturedAt).toBe(new Date(CAPTURED_MS).toISOString());
    expect(report.stale.ageHours).toBeGreaterThanOrEqual(0);
  });

  it('allows a capture time a few minutes ahead of the audit (clock skew)', () => {
    const skewed = new Date(CAPTURED_MS + 5 * 60_000).toISOString();
    expect(judge(makeItem({ capturedAt: skewed }), { capturedNotAfterMs: CAPTURED_MS + 10 * 60_000 }).verdict).toBe('compliant');
    expect(judge(makeItem({ capturedAt: skewed }), { capturedNotAfterMs: CAPTURED_MS }).verdict).toBe('invalid');
  });
});
