import fc from 'fast-check';
import { openDuck, type Duck } from '../../../lib/sql/duck';
import { timestampMs } from '../../../lib/sql/validationTimestamp';
import { parseTimestamp } from '../../../lib/time';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
});
afterAll(() => duck.close());

/** timestampMs over the texts, in one query. */
async function millisInSql(texts: readonly string[]): Promise<(number | null)[]> {
  await duck.connection.run('CREATE OR REPLACE TEMP TABLE stamps (i INTEGER, t VARCHAR)');
  const appender = await duck.connection.createAppender('stamps');
  texts.forEach((text, i) => {
    appender.appendInteger(i);
    appender.appendVarchar(text);
    appender.endRow();
  });
  appender.closeSync();
  const result = await duck.connection.runAndReadAll(`SELECT ${timestampMs('t')} AS ms FROM stamps ORDER BY i`);
  return result.getRowsJS().map(([ms]) => (ms === null ? null : Number(ms as bigint)));
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** Any instant of the years 0000–9999 written with any offset, fraction length, separator and case. */
const spelt = fc
  .record({
    ms: fc.integer({ min: Date.parse('0000-01-02T00:00:00Z'), max: Date.parse('9999-12-30T23:59:59.999Z') }),
    offsetMinutes: fc.oneof(fc.integer({ min: -1439, max: 1439 }), fc.constantFrom(0, -1439, 1439)),
    fractionDigits: fc.integer({ min: 0, max: 9 }),
    extraDigits: fc.stringMatching(/^[0-9]{6}$/),
    separator: fc.constantFrom('T', 't', ' '),
    utc: fc.constantFrom('Z', 'z', '+00:00', '-00:00'),
  })
  .map(({ ms, offsetMinutes, fractionDigits, extraDigits, separator, utc }) => {
    const local = new Date(ms + offsetMinutes * 60_000).toISOString();
    const fraction = fractionDigits === 0 ? '' : `.${`${local.slice(20, 23)}${extraDigits}`.slice(0, fractionDigits)}`;
    const zone = offsetMinutes === 0 ? utc : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
    return `${local.slice(0, 10)}${separator}${local.slice(11, 19)}${fraction}${zone}`;
  });

describe('timestampMs: parseTimestamp in SQL', () => {
  it.each([
    ['2026-03-01T08:00:00+08:00'],
    ['1969-12-31T23:59:59.9999Z'],
    ['0000-01-01T00:00:00+23:59'],
    ['9999-12-31T23:59:59.999999999-23:59'],
    ['2024-02-29T12:00:00Z'],
    ['2000-02-29T12:00:00Z'],
    ['1900-02-29T12:00:00Z'],
    ['2026-02-29T12:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['2026-12-31T23:59:60Z'],
    ['2026-01-01T24:00:00Z'],
    ['2026-01-01T00:00:00+24:00'],
    ['2026-01-01T00:00:00+00:60'],
    ['2026-01-01T00:00:00'],
    ['2026-01-01T00:00:00.Z'],
    ['2026-01-01T00:00:00.1234567890Z'],
    ['+010000-01-01T00:00:00Z'],
    ['2026-01-01T00:00:00Z\n'],
    ['２０２６-01-01T00:00:00Z'],
  ])('reads %j as parseTimestamp does', async (text) => {
    expect(await millisInSql([text])).toEqual([parseTimestamp(text)]);
  });

  it('reads 5000 instants of the years 0000–9999, in every spelling, to the millisecond', async () => {
    const texts = fc.sample(spelt, 5000);
    const expected = texts.map((text) => parseTimestamp(text));
    expect(expected.every((ms) => ms !== null)).toBe(true);
    const actual = await millisInSql(texts);
    const differences = texts.flatMap((text, i) => (actual[i] === expected[i] ? [] : [{ text, sql: actual[i], ts: expected[i] }]));
    expect(differences.slice(0, 5)).toEqual([]);
  });
});
