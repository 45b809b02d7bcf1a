/**
 * The few ways the HTML report writes times and counts, shared by its sections so
 * that the same fact reads the same everywhere (and as in the PDF).
 */
import { formatCount } from '../../units';

/**
 * An ISO instant as people read it, in UTC; a dash when absent.
 *
 * @example
 * utc('2026-11-20T02:00:00.000Z') // '2026-11-20 02:00:00 UTC'
 */
export const utc = (iso: string | null | undefined): string => (iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : '–');

/**
 * The date part of an ISO instant; a dash when absent.
 *
 * @example
 * day('2026-11-20T02:00:00.000Z') // '2026-11-20'
 */
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '–');

/**
 * A count and its noun, in the plural unless the count is one.
 *
 * @example
 * plural(1200, 'violation') // '1,200 violations'
 */
export const plural = (count: number, noun: string): string => `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;

/**
 * A count for a key figure: exact up to hundreds of millions, then in billions or
 * trillions (two decimals), so that it fits its tile; the exact count goes beside it.
 *
 * @example
 * shortCount(18_869_921_610) // '18.87 billion'
 * shortCount(4_864_163) // '4,864,163'
 */
export function shortCount(count: number): string {
  if (count >= 1e12) return `${(count / 1e12).toFixed(2)} trillion`;
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} billion`;
  return formatCount(count);
}
