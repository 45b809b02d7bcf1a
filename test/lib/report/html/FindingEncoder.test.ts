import { FindingEncoder, HTML_COLUMNS } from '../../../../lib/report/html/FindingEncoder';
import type { Finding } from '../../../../lib/model';
import { before, DAY, judge, makeItem } from '../../../helpers/items';

const violation = (): Finding => judge(makeItem({ oldestRecordAt: before(400 * DAY) }));

/** A row read back as the page reads it. */
function decode(encoder: FindingEncoder, row: string): Record<string, unknown> {
  const { columns, dictionaries } = encoder.columns();
  const cells = JSON.parse(row) as unknown[];
  return Object.fromEntries(
    columns.map((column, index) => {
      const cell = cells[index] ?? null;
      return [column.id, column.kind === 'key' && typeof cell === 'number' ? dictionaries[column.id]![cell] : cell];
    }),
  );
}

describe('FindingEncoder', () => {
  it('writes a repeated value once, in its column table, and the row its index', () => {
    const encoder = new FindingEncoder();
    const finding = violation();
    const first = JSON.parse(encoder.encode(finding)) as unknown[];
    const second = JSON.parse(encoder.encode({ ...finding, itemId: 'item-2', tenantId: 'tenant-b' })) as unknown[];
    const at = (id: string) => HTML_COLUMNS.findIndex((column) => column.id === id);
    expect(first[at('module')]).toBe(0);
    expect(second[at('module')]).toBe(0);
    expect(second[at('tenantId')]).toBe(1);
    expect(second[at('itemId')]).toBe('item-2');
    expect(encoder.columns().dictionaries.tenantId).toEqual(['tenant-a', 'tenant-b']);
    expect(encoder.columns().dictionaries.clauseText).toEqual([finding.clause!.text]);
  });

  it('reads back every field the page shows, and leaves out trailing empty cells', () => {
    const encoder = new FindingEncoder();
    const finding: Finding = { ...violation(), status: 'new', firstSeenAt: '2026-11-01T00:00:00.000Z', daysOpen: 19 };
    const row = encoder.encode(finding);
    expect(decode(encoder, row)).toMatchObject({
      itemId: finding.itemId,
      module: finding.module,
      resource: finding.store!.resource,
      verdict: 'violation',
      overdueDays: finding.overdueDays,
      clauseSource: finding.clause!.source,
      status: 'new',
      daysOpen: 19,
      waiverId: null,
    });
    const plain = encoder.encode(violation());
    expect((JSON.parse(plain) as unknown[]).at(-1)).not.toBeNull();
    expect((JSON.parse(plain) as unknown[]).length).toBeLessThan(HTML_COLUMNS.length);
  });

  it('writes values inline once a column table is full, and the page reads them the same', () => {
    const encoder = new FindingEncoder({ maxEntriesPerColumn: 2 });
    const rows = ['a', 'b', 'c', 'a'].map((tenantId) => encoder.encode({ ...violation(), tenantId }));
    const tenant = HTML_COLUMNS.findIndex((column) => column.id === 'tenantId');
    expect(rows.map((row) => (JSON.parse(row) as unknown[])[tenant])).toEqual([0, 1, 'c', 0]);
    expect(rows.map((row) => decode(encoder, row).tenantId)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keeps long values and values beyond the character budget out of the tables', () => {
    const tenant = HTML_COLUMNS.findIndex((column) => column.id === 'tenantId');
    const cell = (encoder: FindingEncoder, tenantId: string) => (JSON.parse(encoder.encode({ ...violation(), tenantId })) as unknown[])[tenant];
    const long = new FindingEncoder({ maxValueChars: 10 });
    expect(cell(long, 'x'.repeat(11))).toBe('x'.repeat(11));
    expect(cell(long, 'short')).toBe(0);
    // The budget holds for all columns together: once spent, every new value goes inline.
    const spent = new FindingEncoder({ maxTableChars: 0 });
    const row = spent.encode(violation());
    expect(Object.values(spent.columns().dictionaries).flat()).toEqual([]);
    expect(decode(spent, row)).toMatchObject({ tenantId: 'tenant-a', module: 'instant-messaging', verdict: 'violation' });
  });

  it('makes controls and bidi marks visible, keeps line breaks in prose, and escapes what could end a script block', () => {
    const encoder = new FindingEncoder();
    const row = encoder.encode({ ...violation(), tenantId: 'a\u202eb</script>', reason: 'one\ntwo\u2028three' });
    expect(row).not.toMatch(/<|>|\u2028|\u2029/);
    expect(decode(encoder, row)).toMatchObject({ tenantId: 'a\\u202eb</script>', reason: 'one\ntwo\\u2028three' });
  });

  it('writes a number that is not finite as no value', () => {
    const encoder = new FindingEncoder();
    expect(decode(encoder, encoder.encode({ ...violation(), overdueDays: Number.NaN, bytes: Number.POSITIVE_INFINITY }))).toMatchObject({ overdueDays: null, bytes: null });
  });
});
