/**
 * The CSV rows the SQL engine makes from the findings' lines (csvFormat.ts CSV_ROWS): for every line
 * its SQL takes, the row csv-stringify writes for the finding; the lines it leaves to JavaScript are
 * those with an escape it cannot take. Hostile findings, and findings made to test each rule: commas,
 * formula starts, characters printable() rewrites, non-ASCII text, numbers with exponents.
 */
import { DuckDBInstance } from '../../../../lib/sql/duckdb';
import fc from 'fast-check';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { CSV_ROWS, ESCAPE_FOR_JS } from '../../../../lib/report/formats/csvFormat';
import { printable } from '../../../../lib/text/printable';
import { sqlString } from '../../../../lib/sql/sqlText';
import { FUZZ_NOW, hostileItems } from '../../../helpers/hostileItems';
import { judge, makeItem } from '../../../helpers/items';

/** Each line's row by the SQL, or null where the SQL leaves it to JavaScript. */
async function sqlRows(lines: readonly string[]): Promise<(string | null)[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const values = lines.map((line, i) => `(${i}, ${sqlString(line)})`).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT CASE WHEN ${CSV_ROWS.sqlCan('line')} THEN ${CSV_ROWS.sql('line')} END FROM (VALUES ${values}) lines(n, line) ORDER BY n`,
    );
    return reader.getRows().map(([row]) => (row as string | null) ?? null);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const finding = (overrides: Partial<Finding>): Finding => ({ ...judge(makeItem()), ...overrides });

describe('the CSV rows of finding lines made in SQL', () => {
  it('are the rows csv-stringify writes, for the lines the SQL takes', async () => {
    const crafted: [Finding, boolean][] = [
      [finding({ tenantId: 'a,b', owner: ' =1+1', module: '-x', dataCategory: '@y', reason: 'plain +z' }), true],
      [finding({ tenantId: 'it\u2019s', owner: 'caf\u00e9' }), false],
      [finding({ tenantId: '\u2019=1' }), true],
      [finding({ owner: '\u00a0=1' }), false],
      [finding({ owner: '\u200b=1' }), false],
      [finding({ owner: 'a"b' }), false],
      [finding({ owner: 'two\nlines' }), false],
      [finding({ recordCount: 1e21, bytes: 1.5e-7, overdueDays: -0.25 }), true],
      [finding({ recordCount: null, bytes: null, overdueDays: null, owner: null, store: null, clause: null }), true],
      [finding({ status: 'persisting', firstSeenAt: '2026-01-01T00:00:00.000Z', daysOpen: 12.5 }), true],
    ];
    const lines = crafted.map(([f]) => toJsonLine(f));
    const rows = await sqlRows(lines);
    crafted.forEach(([, inSql], i) => expect(rows[i] !== null).toBe(inSql));
    rows.forEach((row, i) => {
      if (row !== null) expect(row).toBe(CSV_ROWS.js(lines[i]!));
    });
  });

  it('over hostile findings', async () => {
    const items = fc.sample(hostileItems(40), { numRuns: 20, seed: 20261129 }).flat();
    const lines = items.map((item) => toJsonLine(judge(item, { capturedNotAfterMs: FUZZ_NOW.getTime() })));
    const rows = await sqlRows(lines);
    expect(rows.filter((row) => row !== null).length).toBeGreaterThan(lines.length / 4);
    rows.forEach((row, i) => {
      if (row !== null) expect(row).toBe(CSV_ROWS.js(lines[i]!));
    });
  }, 60_000);

  // ESCAPE_FOR_JS is kept by hand against the running engine's Unicode tables: every character of the BMP that
  // printable() rewrites, or that the formula test skips (\s, \p{Cc}, \p{Cf}), and half a surrogate pair, must
  // send its line to JavaScript, spelt as toJsonLine spells it (a space, the one ASCII character among them, is
  // taken by the SQL, which skips spaces itself).
  it('leave to JavaScript every line with a character printable() or the formula test treats apart', () => {
    const escape = new RegExp(ESCAPE_FOR_JS);
    const missed: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const char = String.fromCharCode(code);
      const apart = printable(char, { allow: '\n' }) !== char || /[\s\p{Cc}\p{Cf}]/u.test(char) || (code >= 0xd800 && code <= 0xdfff);
      if (apart && code !== 0x20 && !escape.test(toJsonLine(char))) missed.push(code.toString(16));
    }
    expect(missed).toEqual([]);
  });
});
