/**
 * SQL text shared by the compiled catalog (lib/sql/evaluationSql.ts and the
 * `sql` member of each rule kind): literals, and the SQL twins of the little
 * functions of lib/time.ts and lib/units.ts that a finding's words depend on.
 * Every helper returns a DuckDB expression that never throws, whatever a row
 * holds: a value beyond what JavaScript or DuckDB time can hold gives NULL or the
 * NaN sentinel below, never an error that would stop the whole run.
 */
import { DAY_MS, MAX_INSTANT_MS, MIN_INSTANT_MS } from '../time';
import type { CheckedColumn } from './relations';

/**
 * A string as a SQL literal.
 *
 * @example
 * sqlString("it's") // "'it''s'"
 */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Text made of parts (SQL VARCHAR expressions) in one concat() call, which copies
 * each part once where a chain of `||` copies the text built so far at each step.
 * A NULL part counts as empty: a sentence that would hold one is never shown (the
 * clause's `error` says why instead).
 *
 * @example
 * textSql(sqlString('Holds '), 'size', "' bytes.'") // "concat('Holds ', size, ' bytes.')"
 */
export function textSql(...parts: string[]): string {
  return `concat(${parts.join(', ')})`;
}

/** A part of a text: literal text, or an SQL expression giving text (NULL: nothing, to concat()). */
export type Piece = string | { sql: string };

/**
 * The pieces as one concat() ({@link textSql}), adjacent literal text joined into one literal,
 * empty literals left out.
 *
 * @example
 * piecesSql(['{"a":', { sql: 'a' }, ',', '"b":1}']) // `concat('{"a":', a, ',"b":1}')`
 */
export function piecesSql(pieces: readonly Piece[]): string {
  const parts: string[] = [];
  let literal = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      literal += piece;
      continue;
    }
    if (literal !== '') parts.push(sqlString(literal));
    literal = '';
    parts.push(piece.sql);
  }
  if (literal !== '') parts.push(sqlString(literal));
  return textSql(...parts);
}

/**
 * A column of the validation stage (lib/sql/relations.ts), checked by the compiler.
 *
 * @example
 * column('captured_ms') // 'captured_ms'
 */
export function column(name: CheckedColumn): string {
  return name;
}

/** Largest instant a JavaScript Date holds (ECMAScript TimeClip): beyond it, date arithmetic gives NaN. */
export const JS_TIME_LIMIT_MS = 8.64e15;

/**
 * The value an instant expression takes where JavaScript's arithmetic gives NaN
 * (an Invalid Date): far beyond any real instant, so that `captured > deadline`
 * is false as with NaN. Comparisons that NaN would make false the other way
 * round must test {@link isNaNSql} first.
 */
export const NAN_MS = '4611686018427387904'; // 2^62

/**
 * Whether an instant expression stands for JavaScript's NaN.
 *
 * @example
 * isNaNSql('deadline') // '(abs(deadline) > 8640000000000000)'
 */
export function isNaNSql(ms: string): string {
  return `(abs(${ms}) > ${JS_TIME_LIMIT_MS})`;
}

/** An instant as JavaScript would hold it: beyond TimeClip's range, the NaN sentinel. */
export function timeClipSql(ms: string): string {
  return `(CASE WHEN abs(${ms}) <= ${JS_TIME_LIMIT_MS} THEN ${ms} ELSE ${NAN_MS} END)`;
}

/**
 * `instant + deltaMs` as date-fns addMilliseconds gives it (NaN beyond a Date's
 * range). `deltaMs` is a SQL expression bounded by the caller, or a number.
 */
export function addMsSql(ms: string, deltaMs: string | number): string {
  if (typeof deltaMs === 'number') {
    // No instant an item holds is 2 × 8.64e15 ms from the edge: the sum is NaN whatever the row.
    if (!Number.isSafeInteger(deltaMs) || Math.abs(deltaMs) > 2 * JS_TIME_LIMIT_MS) return NAN_MS;
    return timeClipSql(`(${ms} + ${deltaMs})`);
  }
  return timeClipSql(`(${ms} + ${deltaMs})`);
}

/**
 * Months DuckDB can add to any instant of an item (years −1 to 10000) without
 * leaving its calendar (years −290308 to 294247); beyond them, JavaScript's
 * calendar (±275760 years) is left too, so the result is NaN whatever the row.
 */
const MAX_MONTHS = 3_400_000;

/**
 * `instant + months` as date-fns addMonths gives it in UTC: the same time of day,
 * the day of month clamped to the end of a shorter month (31 Jan + 1 month = 28/29
 * Feb). DuckDB's `TIMESTAMP + INTERVAL n MONTH` clamps the same way (checked by
 * test/lib/sql/evaluationSql.test.ts); `months` may be negative.
 */
export function addMonthsSql(ms: string, months: number): string {
  if (!Number.isSafeInteger(months) || Math.abs(months) > MAX_MONTHS) return NAN_MS;
  return timeClipSql(`epoch_ms(epoch_ms(${ms}) + INTERVAL (${months}) MONTH)`);
}

/** Whether an instant can be written as an RFC 3339 timestamp (lib/time.ts iso). */
function inYearsSql(ms: string): string {
  return `(${ms} BETWEEN ${MIN_INSTANT_MS} AND ${MAX_INSTANT_MS})`;
}

/**
 * lib/time.ts iso: `YYYY-MM-DDTHH:MM:SS.mmmZ`, or NULL where iso throws (see
 * {@link dateErrorSql} for the sentence that makes the item invalid then).
 */
export function isoSql(ms: string): string {
  return `(CASE WHEN ${inYearsSql(ms)} THEN strftime(epoch_ms(${ms}), '%Y-%m-%dT%H:%M:%S.%gZ') END)`;
}

/**
 * {@link isoSql} as a JSON string: the timestamp between double quotes (which are text in a
 * strftime format), or NULL where iso throws. Its digits and signs need no escaping, and the
 * quotes cost no concatenation of their own.
 *
 * @example
 * isoJsonSql('deadline') // 0 → '"1970-01-01T00:00:00.000Z"'
 */
export function isoJsonSql(ms: string): string {
  return `(CASE WHEN ${inYearsSql(ms)} THEN strftime(epoch_ms(${ms}), '"%Y-%m-%dT%H:%M:%S.%gZ"') END)`;
}

/** The first instant of the year 1 (0001-01-01T00:00:00Z). */
const YEAR_ONE_MS = -62_135_596_800_000;

/**
 * lib/catalog/ruleKinds/deadline.ts day: `YYYY-MM-DD`, or NULL where it throws. From the
 * year 1 on, DuckDB's own text of a DATE, which is exactly that (four digits of year, zero
 * padded) and cheaper than strftime; the year 0, which DuckDB writes `0001-01-01 (BC)`,
 * through strftime.
 */
export function isoDaySql(ms: string): string {
  return (
    `(CASE WHEN ${ms} BETWEEN ${YEAR_ONE_MS} AND ${MAX_INSTANT_MS} THEN CAST(CAST(epoch_ms(${ms}) AS DATE) AS VARCHAR) ` +
    `WHEN ${inYearsSql(ms)} THEN strftime(epoch_ms(${ms}), '%Y-%m-%d') END)`
  );
}

/**
 * The reason evaluate() gives when iso() throws for this instant (a date outside
 * the years 0000 to 9999), or NULL when the instant can be written (or is NULL).
 *
 * @example
 * dateErrorSql('deadline') // "The item could not be evaluated (a date outside the years 0000 to 9999 (253402300800000)); check its dates and periods."
 */
export function dateErrorSql(ms: string): string {
  const printed = `(CASE WHEN ${isNaNSql(ms)} THEN 'NaN' ELSE CAST(${ms} AS VARCHAR) END)`;
  return (
    `(CASE WHEN ${ms} IS NULL OR ${inYearsSql(ms)} THEN NULL ` +
    `ELSE 'The item could not be evaluated (a date outside the years 0000 to 9999 (' || ${printed} || ')); check its dates and periods.' END)`
  );
}

/**
 * lib/time.ts daysBetween × 100 as a BIGINT: `Math.round(((to - from) / DAY_MS) * 100)`,
 * the same IEEE operations in the same order. `floor(x + 0.5)` rounds as Math.round
 * does for every x this can be: x + 0.5 is exact from |x| ≥ 0.5 on, and below that
 * x is at least 1/864000 from 0.5 (a whole number of milliseconds), far more than
 * the rounding error of the sum.
 */
export function hundredthsOfDaysSql(fromMs: string, toMs: string): string {
  return `CAST(floor(CAST((${toMs}) - (${fromMs}) AS DOUBLE) / ${DAY_MS}.0 * 100.0 + 0.5) AS BIGINT)`;
}

/**
 * A number of hundredths printed as JavaScript prints `n / 100`: '1', '1.5', '12.25', '-0.05'.
 * JavaScript prints the shortest text that reads back as the double `n / 100`; for
 * |n| < 10^15 that is the number with its two decimals less a trailing zero (at most 15
 * significant digits, which doubles tell apart, so no shorter text reads back the same).
 * DuckDB writes exactly that for a DECIMAL whose digits are n (or n / 10) and whose scale
 * is 2 (or 1), with integer arithmetic, where printing the DOUBLE costs a shortest-digits
 * search. Every count of days between two BIGINT instants is within the bound
 * (|n| < 2^63 / 864000 ≈ 1.1 × 10^13); from 10^16 on, the casts give NULL, never an error.
 */
export function hundredthsTextSql(hundredths: string): string {
  return (
    `(CASE WHEN ${hundredths} % 100 = 0 THEN CAST(${hundredths} // 100 AS VARCHAR) ` +
    `WHEN ${hundredths} % 10 = 0 THEN CAST(TRY_CAST(${hundredths} // 10 AS DECIMAL(17,0)) * CAST(0.1 AS DECIMAL(1,1)) AS VARCHAR) ` +
    `ELSE CAST(TRY_CAST(${hundredths} AS DECIMAL(16,0)) * CAST(0.01 AS DECIMAL(2,2)) AS VARCHAR) END)`
  );
}

/** `n / 100` as the DOUBLE JavaScript computes, for a finding's overdueDays. */
export function hundredthsValueSql(hundredths: string): string {
  return `(CAST(${hundredths} AS DOUBLE) / 100.0)`;
}

/**
 * lib/time.ts dayCount of a number of hundredths of days: '1 day', '1.5 days', '12.25 days'.
 */
export function dayCountSql(hundredths: string): string {
  return `(${hundredthsTextSql(hundredths)} || CASE WHEN ${hundredths} = 100 THEN ' day' ELSE ' days' END)`;
}

/**
 * A whole number as JavaScript prints it (`${n}`), for counts a valid item holds
 * (integers up to 2^53 − 1, held as DOUBLE by the validation stage).
 */
export function integerTextSql(value: string): string {
  return `CAST(CAST(${value} AS BIGINT) AS VARCHAR)`;
}

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * lib/units.ts formatBytes of a whole number of bytes (0 to 2^53 − 1): the value
 * in the largest binary unit it reaches, as an integer when exact, else with two
 * decimals rounded half up as toFixed(2) does (the value is a dyadic fraction, so
 * integer arithmetic gives toFixed's exact rounding).
 *
 * @example
 * formatBytesSql('bytes') // 2147483648 → '2 GiB', 1536 → '1.50 KiB'
 */
export function formatBytesSql(bytes: string): string {
  const b = `CAST(${bytes} AS BIGINT)`;
  const branches = BYTE_UNITS.map((unit, power) => {
    const divisor = 1024n ** BigInt(power);
    // b · 100 fits a BIGINT below 1024^5 (2^50 · 100 < 2^57): HUGEINT arithmetic, several times slower, only for PiB.
    const hundredfold = power === BYTE_UNITS.length - 1 ? `CAST(${b} AS HUGEINT) * 100` : `${b} * 100`;
    const text =
      power === 0
        ? `CAST(${b} AS VARCHAR)`
        : `(CASE WHEN ${b} % ${divisor} = 0 THEN CAST(${b} // ${divisor} AS VARCHAR) ` +
          `ELSE CAST((${hundredfold} + ${divisor / 2n}) // ${divisor} // 100 AS VARCHAR) || '.' || ` +
          `lpad(CAST((${hundredfold} + ${divisor / 2n}) // ${divisor} % 100 AS VARCHAR), 2, '0') END)`;
    const upper = 1024n ** BigInt(power + 1);
    const when = power === BYTE_UNITS.length - 1 ? 'ELSE' : `WHEN ${b} < ${upper} THEN`;
    return `${when} ${text} || ' ${unit}'`;
  });
  return `(CASE ${branches.join(' ')} END)`;
}
