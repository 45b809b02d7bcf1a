/**
 * The SQL twins of the small functions a finding's words depend on
 * (lib/sql/sqlText.ts, lib/catalog/ruleKinds/deadline.ts) against the functions
 * themselves, on generated values: calendar months (DuckDB's INTERVAL clamps to
 * the month's end as date-fns addMonths does), ISO dates, day counts, byte sizes.
 */
import fc from 'fast-check';
import { day } from '../../../lib/catalog/ruleKinds/deadline';
import { periodSql } from '../../../lib/catalog/ruleKinds/deadline';
import type { Duck } from '../../../lib/sql/duck';
import { dateErrorSql, dayCountSql, formatBytesSql, hundredthsOfDaysSql, hundredthsValueSql, isoDaySql, isoJsonSql, isoSql } from '../../../lib/sql/sqlText';
import { addPeriod, dayCount, daysBetween, iso, MAX_INSTANT_MS, MIN_INSTANT_MS } from '../../../lib/time';
import { formatBytes } from '../../../lib/units';
import { openSqlDuck } from '../../helpers/sqlItems';

const SEED = process.env.SQL_DIFF_SEED ? Number(process.env.SQL_DIFF_SEED) : Date.now() % 2 ** 31;

let duck: Duck;
beforeAll(async () => {
  duck = await openSqlDuck();
});
afterAll(() => duck?.close());

/** `sql` (over a BIGINT column `a` and `b`) for each pair, in order. */
async function evaluateSql(sql: string, pairs: readonly (readonly [number, number])[]): Promise<unknown[]> {
  const rows = pairs.map(([a, b], i) => `(${i}, ${a}::BIGINT, ${b}::BIGINT)`).join(', ');
  const reader = await duck.connection.runAndReadAll(`SELECT ${sql} FROM (VALUES ${rows}) AS t(i, a, b) ORDER BY i`);
  return reader.getRows().map(([value]) => (typeof value === 'bigint' ? Number(value) : value));
}

const monthEnds = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 11 }), fc.constantFrom(28, 29, 30, 31), fc.integer({ min: 0, max: 86_399_999 }))
  .map(([year, month, dayOfMonth, timeMs]) => {
    const date = new Date(0);
    date.setUTCFullYear(year, month, 1);
    date.setUTCHours(0, 0, 0, 0);
    const last = new Date(date.getTime());
    last.setUTCMonth(month + 1, 0);
    return date.getTime() + (Math.min(dayOfMonth, last.getUTCDate()) - 1) * 86_400_000 + timeMs;
  });
const instants = fc.oneof(fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS }), monthEnds);

describe('the SQL twins of lib/time.ts, lib/units.ts and day()', () => {
  it('adds calendar months as date-fns addMonths does, clamped to the month end, both ways', async () => {
    const cases = fc.sample(fc.tuple(instants, fc.constantFrom(1, 2, 3, 11, 12, 13, 24, 1200, 1_200_000, 3_250_000, 3_400_000, 3_400_001)), { numRuns: 3_000, seed: SEED });
    for (const sign of [1, -1] as const) {
      for (const months of [...new Set(cases.map(([, m]) => m))]) {
        const pairs = cases.filter(([, m]) => m === months).map(([ms]) => [ms, 0] as const);
        const actual = await evaluateSql(periodSql({ months }).add('a', sign), pairs);
        const expected = pairs.map(([ms]) => addPeriod(ms, { months }, sign));
        expect(actual).toEqual(expected.map((value) => (Number.isNaN(value) ? Number(2n ** 62n) : value)));
      }
    }
  });

  it('writes instants as iso() and day() do, and the reason when they cannot', async () => {
    const cases = fc.sample(fc.oneof(instants, fc.constantFrom(MIN_INSTANT_MS - 1, MIN_INSTANT_MS, MAX_INSTANT_MS + 1, 8.64e15, -8.64e15, -62_135_596_800_001, -62_135_596_800_000)), { numRuns: 2_000, seed: SEED });
    const pairs = cases.map((ms) => [ms, 0] as const);
    const inYears = (ms: number) => ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
    expect(await evaluateSql(isoSql('a'), pairs)).toEqual(cases.map((ms) => (inYears(ms) ? iso(ms) : null)));
    expect(await evaluateSql(isoJsonSql('a'), pairs)).toEqual(cases.map((ms) => (inYears(ms) ? JSON.stringify(iso(ms)) : null)));
    expect(await evaluateSql(isoDaySql('a'), pairs)).toEqual(cases.map((ms) => (inYears(ms) ? day(ms) : null)));
    const reasons = cases.map((ms) => {
      try {
        iso(ms);
        return null;
      } catch (error) {
        return `The item could not be evaluated (${(error as Error).message}); check its dates and periods.`;
      }
    });
    expect(await evaluateSql(dateErrorSql('a'), pairs)).toEqual(reasons);
  });

  it('counts days between instants as daysBetween and dayCount do (two decimals, half up)', async () => {
    const spans = fc.oneof(
      fc.integer({ min: -400 * 86_400_000, max: 400 * 86_400_000 }),
      fc.integer({ min: -3, max: 3 }).map((d) => d * 86_400_000 + fc.sample(fc.constantFrom(0, 1, -1, 432_000, 431_999, 864_000), 1)[0]!),
      fc.integer({ min: -1e15, max: 1e15 }),
    );
    const cases = fc.sample(fc.tuple(fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS }), spans), { numRuns: 3_000, seed: SEED });
    const pairs = cases.map(([from, span]) => [from, from + span] as const);
    expect(await evaluateSql(dayCountSql(hundredthsOfDaysSql('a', 'b')), pairs)).toEqual(pairs.map(([a, b]) => dayCount(daysBetween(a, b))));
    const values = await evaluateSql(hundredthsValueSql(hundredthsOfDaysSql('a', 'b')), pairs);
    expect(values.map((v) => JSON.stringify(v))).toEqual(pairs.map(([a, b]) => JSON.stringify(daysBetween(a, b))));
  });

  it('writes byte sizes as formatBytes does', async () => {
    const sizes = fc.sample(
      fc.oneof(
        fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        fc.integer({ min: 0, max: 5 }).chain((power) => fc.integer({ min: 0, max: 1023 * 100 }).map((n) => Math.floor((n / 100) * 1024 ** power))),
        fc.constantFrom(0, 1023, 1024, 1025, 1535, 1536, 1537, 1048575, 1048576, 2 ** 31, 2 ** 53 - 1, 1024 ** 5, 1024 ** 5 * 1023.995),
      ),
      { numRuns: 3_000, seed: SEED },
    );
    const pairs = sizes.map((bytes) => [Math.floor(bytes), 0] as const);
    expect(await evaluateSql(formatBytesSql('CAST(a AS DOUBLE)'), pairs)).toEqual(pairs.map(([bytes]) => formatBytes(bytes)));
  });
});
