/**
 * lib/time.ts `parseTimestamp` as SQL, for the validation stage
 * (lib/sql/validationSql.ts): the milliseconds of an RFC 3339 timestamp, or NULL
 * for anything the arithmetic cannot use.
 *
 * One RE2 full match decides, as parseTimestamp does, what is a timestamp: the
 * shape `YYYY-MM-DD(T|t| )hh:mm:ss(.f{1,9})?(Z|z|±hh:mm)` with ASCII digits, a
 * month 01–12, a day the month has (29 February in leap years only), hour ≤ 23,
 * minute and second ≤ 59 (no leap second), an offset of at most ±23:59. A
 * pattern costs the same whatever it checks, so the calendar is in it too.
 *
 * DuckDB then only reads the instant: the text, upper-cased (`t`, `z`), cast to
 * TIMESTAMPTZ applies the offset and keeps microseconds; the milliseconds are
 * floored, which is what `Date.parse` does by dropping the digits beyond the
 * millisecond (1969-12-31T23:59:59.9999Z is -1, not 0).
 */

const anyOf = (...patterns: string[]) => `(?:${patterns.join('|')})`;

/** A month and a day it always has; the 29th and 30th of all months but February; the 31st of the long ones. */
const MONTH_DAY = anyOf('(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])', '(?:0[13-9]|1[0-2])-(?:29|30)', '(?:0[13578]|1[02])-31');
/** A Gregorian leap year: divisible by 4 but not by 100 (the last two digits), or by 400 (00 after a multiple of 4). */
const LEAP_YEAR = anyOf('[0-9]{2}(?:0[48]|[2468][048]|[13579][26])', '(?:[02468][048]|[13579][26])00');
const DATE = anyOf(`[0-9]{4}-${MONTH_DAY}`, `${LEAP_YEAR}-02-29`);
/** 00:00:00 to 23:59:59: no hour 24, no leap second 23:59:60. */
const TIME = '(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]';
const FRACTION = '(?:\\.[0-9]{1,9})?';
const ZONE = anyOf('[Zz]', '[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]');

/** parseTimestamp's rules in RE2 syntax, for a full match. */
export const TIMESTAMP_PATTERN = `${DATE}[Tt ]${TIME}${FRACTION}${ZONE}`;

/** Shortest and longest text of that shape: `2026-01-01T00:00:00Z`, `…:00.123456789+01:00`. */
const SHORTEST = 20;
const LONGEST = 35;

/**
 * Microseconds to milliseconds, rounded down. DuckDB's `//` rounds toward zero, so the
 * microseconds are first shifted past the year 0000 (1e17 µs is about 3170 years).
 */
const floorMillis = (micros: string) => `((${micros} + 100000000000000000) // 1000 - 100000000000000)`;

/**
 * SQL for `parseTimestamp(text)`: a BIGINT of milliseconds since the epoch, or NULL.
 * `text` is a VARCHAR expression (NULL gives NULL); it is repeated, so pass a column.
 *
 * @example
 * timestampMs('s_captured_at') // CASE WHEN … THEN epoch ms END
 */
export function timestampMs(text: string): string {
  const micros = `epoch_us(TRY_CAST(upper(${text}) AS TIMESTAMPTZ))`;
  // The length test is cheap and keeps megabyte strings away from the pattern.
  return `CASE WHEN strlen(${text}) BETWEEN ${SHORTEST} AND ${LONGEST} AND regexp_full_match(${text}, '${TIMESTAMP_PATTERN}')
      THEN ${floorMillis(micros)} END`;
}

/**
 * {@link timestampMs} for the timestamps most items hold, spelt as toISOString
 * spells them, `YYYY-MM-DDThh:mm:ss.mmmZ`, or without the milliseconds; NULL for
 * anything else (the general path then reads it). For the validation's fast path
 * (lib/sql/validationFast.ts): one strptime instead of a regular expression, an
 * upper-casing and a cast.
 *
 * Where it gives an instant, it is timestampMs's: strptime with the exact format
 * over a text of exactly the format's length takes each field's full width in
 * ASCII digits (its only leniency, blanks before the year, is ruled out by the
 * first character being a digit), and refuses what parseTimestamp refuses of that
 * shape: month 00 or above 12, a day the month lacks (the same Gregorian leap
 * years), hour 24 and above, minute or second 60 and above. Such a text matches
 * TIMESTAMP_PATTERN, and its instant, whole milliseconds in UTC, is the one the
 * cast gives. test/lib/sql/validationFast.test.ts checks both against timestampMs.
 *
 * @example
 * plainTimestampMs('fs_captured_at') // CASE WHEN … THEN epoch_ms(try_strptime(fs_captured_at, '%Y-%m-%dT%H:%M:%S.%gZ')) … END
 */
export function plainTimestampMs(text: string): string {
  const ms = (format: string) => `epoch_ms(try_strptime(${text}, '${format}'))`;
  return `CASE WHEN ${text} >= '0' AND ${text} < ':' THEN CASE strlen(${text})
      WHEN 24 THEN ${ms('%Y-%m-%dT%H:%M:%S.%gZ')} WHEN 20 THEN ${ms('%Y-%m-%dT%H:%M:%SZ')} END END`;
}
