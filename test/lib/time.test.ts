import fc from 'fast-check';
import { parseTimestamp } from '../../lib/time';

/** Two digits, four digits… of a number. */
const digits = (width: number, max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(width, '0'));

/** RFC 3339 date-times, valid or nearly (month 13, day 31 in April, 29 February, hour 24, offset 24:60…). */
const timestamp = fc
  .record({
    year: fc.oneof(digits(4, 9999), digits(4, 99), fc.constantFrom('0000', '1900', '2000', '2100', '2400')),
    month: digits(2, 13),
    day: digits(2, 32),
    separator: fc.constantFrom('T', 't', ' '),
    hour: digits(2, 24),
    minute: digits(2, 60),
    second: digits(2, 60),
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,9}$/)),
    zone: fc.oneof(fc.constantFrom('Z', 'z', '+00:00', '-00:00'), fc.tuple(fc.constantFrom('+', '-'), digits(2, 24), digits(2, 60)).map(([sign, h, m]) => `${sign}${h}:${m}`)),
  })
  .map((t) => `${t.year}-${t.month}-${t.day}${t.separator}${t.hour}:${t.minute}:${t.second}${t.fraction}${t.zone}`);

/** The definition parseTimestamp computes by arithmetic: the checks, then Date.parse. */
function byDateParse(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(text)!;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[] as [number, number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(2000, month, 0)).getUTCDate() || (month === 2 && day === 29 && !leap)) return null;
  if (Number(match[9] ?? 0) > 23 || Number(match[10] ?? 0) > 59) return null;
  return Date.parse(text.replace(' ', 'T'));
}

describe('parseTimestamp', () => {
  it('gives what Date.parse gives for every RFC 3339 timestamp it accepts, and null where the calendar has no such instant', () => {
    fc.assert(fc.property(timestamp, (text) => expect(parseTimestamp(text)).toBe(byDateParse(text))), { numRuns: 20_000 });
  });

  it.each([
    ['2026-03-01T08:00:00+08:00', Date.parse('2026-03-01T00:00:00Z')],
    ['2026-01-01T00:00:00.9999Z', Date.parse('2026-01-01T00:00:00.999Z')],
    ['0000-02-29T12:00:00Z', Date.parse('0000-02-29T12:00:00Z')],
    ['0099-12-31T23:59:59-23:59', Date.parse('0099-12-31T23:59:59-23:59')],
    ['1900-02-29T00:00:00Z', null],
    ['2026-12-31T23:59:60Z', null],
    ['2026-04-31T00:00:00Z', null],
  ])('%s → %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });
});
