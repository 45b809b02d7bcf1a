/**
 * The SQL engine's tallies as aggregates (lib/sql/insightsSql.ts), on a findings
 * table written by hand: sums of records and bytes exact beyond 2^53 (HUGEINT,
 * rounded once in JavaScript, the exact sum kept for a partitioned run's merge),
 * never tripped by an invalid finding's count, and groups in the order first read.
 */
import type { Duck } from '../../../lib/sql/duck';
import { exactCount } from '../../../lib/engine/exactCount';
import { forecastSql, summarySql } from '../../../lib/sql/insightsSql';
import { FINDING_COLUMNS } from '../../../lib/sql/relations';
import { CAPTURED_MS, DAY } from '../../helpers/items';
import { openSqlDuck } from '../../helpers/sqlItems';

const MAX = Number.MAX_SAFE_INTEGER;

type Row = { verdict: string; module?: string; tenant?: string; records: number; bytes?: number; deadlineMs?: number };

let duck: Duck;
let tables = 0;

beforeAll(async () => {
  duck = await openSqlDuck();
});
afterAll(() => duck.close());

/** A findings table of the rows, in this order (ord), with the columns the tallies read. */
async function findings(rows: readonly Row[]): Promise<string> {
  tables += 1;
  const table = `findings_${tables}`;
  const columns = Object.entries(FINDING_COLUMNS).map(([name, type]) => `${name} ${type}`);
  await duck.connection.run(`CREATE TABLE ${table} (${columns.join(', ')})`);
  const literal = (value: string | number | null) => (value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`);
  const values = rows.map((row, ord) =>
    [ord, `'i${ord}'`, "'{}'", literal(row.verdict), "'info'", 'false', literal(row.deadlineMs ?? null), 'NULL', "'s'", literal(row.tenant ?? 't'), literal(row.module ?? 'm'), "'c'", 'NULL', row.verdict === 'invalid' ? 'NULL' : CAPTURED_MS, `${row.records}::DOUBLE`, `${row.bytes ?? row.records}::DOUBLE`, 'NULL', 'NULL'].join(', '),
  );
  if (values.length > 0) await duck.connection.run(`INSERT INTO ${table} VALUES (${values.join('), (')})`);
  return table;
}

describe('summarySql', () => {
  it('sums the records and bytes past deadline exactly, rounded once, an invalid finding of any count left out', async () => {
    const table = await findings([
      { verdict: 'violation', records: MAX },
      { verdict: 'invalid', records: 1e300 },
      { verdict: 'violation', records: 1 },
      { verdict: 'violation', records: 1 },
      { verdict: 'compliant', records: 7 },
      { verdict: 'violation', records: MAX },
      { verdict: 'violation', records: 3 },
    ]);
    const summary = await summarySql(duck.connection, table);
    const exact = 2n * BigInt(MAX) + 5n; // 2^54 + 3: doubles in the order read give 2^54
    expect(summary.recordsPastDeadline).toBe(Number(exact));
    expect(summary.recordsPastDeadline).toBe(2 ** 54 + 4);
    expect(exactCount(summary, 'recordsPastDeadline')).toBe(exact);
    expect(exactCount(summary, 'bytesPastDeadline')).toBe(exact);
  });

  it('gives 0 for no violation, and for no finding', async () => {
    for (const rows of [[], [{ verdict: 'compliant', records: 5 }]]) {
      const summary = await summarySql(duck.connection, await findings(rows));
      expect([summary.recordsPastDeadline, summary.bytesPastDeadline]).toEqual([0, 0]);
    }
  });
});

describe('forecastSql', () => {
  it('sums each group and the whole exactly, as decimal text, its groups in the order first read', async () => {
    const soon = CAPTURED_MS + DAY;
    const table = await findings([
      { verdict: 'due-soon', tenant: 'b', records: MAX, deadlineMs: soon + 1 },
      { verdict: 'compliant', tenant: 'a', records: 2, deadlineMs: soon },
      { verdict: 'due-soon', tenant: 'b', records: 1, deadlineMs: soon },
      { verdict: 'due-soon', tenant: 'b', records: MAX, deadlineMs: soon + 2 },
      { verdict: 'violation', tenant: 'a', records: MAX, deadlineMs: soon },
      { verdict: 'invalid', tenant: 'a', records: 1e300 },
    ]);
    const forecast = await forecastSql(duck.connection, table, 30);
    expect(forecast).toEqual({
      items: 4,
      records: (2n * BigInt(MAX) + 3n).toString(),
      bytes: (2n * BigInt(MAX) + 3n).toString(),
      groups: [
        { module: 'm', tenantId: 'b', items: 3, records: (2n * BigInt(MAX) + 1n).toString(), bytes: (2n * BigInt(MAX) + 1n).toString(), firstDeadline: new Date(soon).toISOString() },
        { module: 'm', tenantId: 'a', items: 1, records: '2', bytes: '2', firstDeadline: new Date(soon).toISOString() },
      ],
    });
  });
});
