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

/**
 * Milliseconds of an ISO-8601 timestamp that validation already accepted
 * (an RFC 3339 date-time with a time zone, any offset).
 *
 * @example
 * parseInstant('2026-03-01T08:00:00+08:00') // Date.parse('2026-03-01T00:00:00Z')
 */
export function parseInstant(text: string): number {
  return Date.parse(text);
}

/** ISO string in UTC. */
export function iso(ms: number): string {
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
