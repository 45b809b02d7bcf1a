import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { runAudit } from '../../../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../../../lib/engine/evaluate';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import { neutralize } from '../../../../lib/report/formats/csvFormat';
import { ndjson, tempDir, writeTemp } from '../../../helpers/files';
import { catalog, makeItem } from '../../../helpers/items';

describe('CSV cells: the formula guard and control characters', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    // Spreadsheets skip leading blanks and controls before they read a formula.
    [' =1+1', "' =1+1"],
    ['   @SUM(A1)', "'   @SUM(A1)"],
    ['\u00a0=1+1', "'\u00a0=1+1"],
    ['\u200b=1+1', "'\u200b=1+1"],
    ['\u0000=1+1', "'\\x00=1+1"],
    ['\u001b=1+1', "'\\x1b=1+1"],
    ['\n=1+1', "'\n=1+1"],
    ['\t1', "'\\x091"],
    ['\r1', "'\\x0d1"],
  ])('guards %j', (value, expected) => {
    expect(neutralize(value)).toBe(expected);
  });

  it.each([
    ['tenant-a', 'tenant-a'],
    ['a=b', 'a=b'],
    ['two\nlines', 'two\nlines'],
    ['snap\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', 'snap\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07'],
    ['x\u001b[2J', 'x\\x1b[2J'],
    ['a\r\nb', 'a\\x0d\nb'],
    ['abc\u202egpj.exe', 'abc\\u202egpj.exe'],
  ])('keeps %j as text, controls escaped', (value, expected) => {
    expect(neutralize(value)).toBe(expected);
  });

  it('a report of hostile items: no control character and no formula reaches a cell', async () => {
    const hostile = [
      makeItem({ itemId: 'i-1', snapshotId: 'snap\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', tenantId: ' =HYPERLINK("http://x")' }),
      makeItem({ itemId: 'i-2', snapshotId: 'snap\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', tenantId: '\u0000@SUM(A1)', owner: '\u001b[2Jowner@example.com' }),
      makeItem({ itemId: 'i-3', snapshotId: 'snap\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', store: { type: 'mysql', resource: '\t=cmd|/c calc' } }),
    ];
    const result = await runAudit({
      source: new FileInventorySource(writeTemp('h.ndjson', ndjson(hostile))),
      catalog: catalog(),
      engine: DEFAULT_ENGINE_OPTIONS,
      formats: ['csv'],
      outDir: tempDir(),
      trigger: 'cli',
      history: null,
    });
    const text = readFileSync(result.reports.csv!, 'utf8');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const rows = parse(text, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      for (const cell of Object.values(row)) expect(cell.replace(/^[\s\p{Cc}\p{Cf}]+/u, '')).not.toMatch(/^[=+\-@]/);
    }
    expect(rows.map((row) => row.tenantId)).toContain(`' =HYPERLINK("http://x")`);
    expect(rows[0]!.snapshotId).toContain('snap\\x1b]8;;http://evil\\x07click');
  });
});
