import { UTCDate } from '@date-fns/utc';
import { addMilliseconds, addMonths } from 'date-fns';

export const DAY_MS = 86_400_000;

/** A retention period as the documents state it: N days (N × 24 h) or N calendar months. */
export type Period = { days: number } | { months: number };

/**
 * Adds a period to an instant, in UTC. Days are exact 24-hour days; months are
 * calendar months clamped to the month's end (31 Jan + 1 month = 28/29 Feb).
 *
 * @example
 * addPeriod(Date.parse('2026-01-31T10:00:00Z'), { months: 1 }) // 2026-02-28T10:00:00Z in ms
 */
export function addPeriod(instantMs: number, period: Period, sign: 1 | -1 = 1): number {
  if ('days' in period) return addMilliseconds(instantMs, sign * period.days * DAY_MS).getTime();
  return addMonths(new UTCDate(instantMs), sign * period.months).getTime();
}

/**
 * Length of a period counted from an instant, in ms (months vary in length).
 *
 * @example
 * periodLengthMs(Date.parse('2026-02-01T00:00:00Z'), { months: 1 }) // 28 * DAY_MS
 */
export function periodLengthMs(fromMs: number, period: Period): number {
  return addPeriod(fromMs, period) - fromMs;
}

/**
 * Human words for a period, as a DPO reads it.
 *
 * @example
 * describePeriod({ days: 1 }) // '1 day'
 */
export function describePeriod(period: Period): string {
  if ('days' in period) return `${period.days} day${period.days === 1 ? '' : 's'}`;
  return `${period.months} month${period.months === 1 ? '' : 's'}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds of an RFC 3339 timestamp (a date-time with a time zone, any
 * offset), or null for anything the arithmetic cannot use: another shape, a
 * day the calendar does not have (30 February), a leap second (23:59:60, which
 * JavaScript time cannot hold), an offset beyond ±23:59. The one definition of
 * a timestamp: the item schema's `date-time` format is this function.
 *
 * @example
 * parseTimestamp('2026-03-01T08:00:00+08:00') // Date.parse('2026-03-01T00:00:00Z')
 * parseTimestamp('2026-12-31T23:59:60Z') // null
 */
export function parseTimestamp(text: unknown): number | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const match = RFC3339.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !isLeapYear(year))) return null;
  const offsetHours = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinutes = match[10] === undefined ? 0 : Number(match[10]);
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  // What Date.parse gives (the fraction cut to milliseconds, as V8 cuts it), by arithmetic:
  // Date.parse costs ~5 µs a call, and every item has several timestamps.
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(1, 4).padEnd(3, '0'));
  // Date.UTC reads years 0–99 as 1900–1999: those are counted 400 years on (the Gregorian
  // calendar repeats every 400 years, 146,097 days) and brought back.
  const ms = year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - GREGORIAN_CYCLE_MS
    : Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return match[8] === '-' ? ms + offset : ms - offset;
}

/** The Gregorian calendar's cycle: 400 years of 146,097 days. */
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

/** Days of each month in a leap year (29 February is checked apart). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Milliseconds of a timestamp that validation already accepted (see parseTimestamp).
 *
 * @example
 * parseInstant('2026-03-01T08:00:00+08:00') // Date.parse('2026-03-01T00:00:00Z')
 */
export function parseInstant(text: string): number {
  return parseTimestamp(text) ?? Number.NaN;
}

/** Latest instant a report can state: RFC 3339 has four-digit years. */
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
/** Earliest instant a report can state. */
export const MIN_INSTANT_MS = Date.parse('0000-01-01T00:00:00Z');

/**
 * ISO string in UTC; throws a RangeError for an instant outside years 0000–9999
 * (no RFC 3339 timestamp can say it), which makes the item it came from invalid.
 *
 * @example
 * iso(0) // '1970-01-01T00:00:00.000Z'
 */
export function iso(ms: number): string {
  if (!Number.isFinite(ms) || ms > MAX_INSTANT_MS || ms < MIN_INSTANT_MS) {
    throw new RangeError(`a date outside the years 0000 to 9999 (${ms})`);
  }
  return new Date(ms).toISOString();
}

/**
 * A period as an adjective: "7-day", "2-month".
 *
 * @example
 * periodAdjective({ days: 7 }) // '7-day'
 */
export function periodAdjective(period: Period): string {
  return 'days' in period ? `${period.days}-day` : `${period.months}-month`;
}

/**
 * A number of days in words, at most two decimals.
 *
 * @example
 * dayCount(1) // '1 day'
 */
export function dayCount(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

/** Days between two instants, rounded to two decimals. */
export function daysBetween(fromMs: number, toMs: number): number {
  return Math.round(((toMs - fromMs) / DAY_MS) * 100) / 100;
}
