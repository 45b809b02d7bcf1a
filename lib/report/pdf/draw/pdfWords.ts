/**
 * How the PDF writes dates and counts in its sentences and cells, shared by the
 * sections so that a date or a count reads the same on every page.
 */
import { formatCount } from '../../../units';

/**
 * The day of an ISO instant, or a dash when there is none.
 *
 * @example
 * day('2026-11-20T02:00:00.000Z') // '2026-11-20'
 */
export const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '–');

/**
 * An ISO instant as "date time UTC", or a dash when there is none.
 *
 * @example
 * utc('2026-11-20T02:00:00.000Z') // '2026-11-20 02:00:00 UTC'
 */
export const utc = (iso: string | null): string => (iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : '–');

/**
 * A count with its noun, in the plural unless it is one.
 *
 * @example
 * plural(1200, 'violation') // '1,200 violations'
 */
export const plural = (n: number, word: string): string => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
