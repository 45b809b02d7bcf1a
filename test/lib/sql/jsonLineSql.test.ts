/**
 * DuckDB's JSON text rewritten as the reports write it (lib/sql/jsonLineSql.ts
 * against lib/report/FindingSorter.ts toJsonLine): numbers as JSON.stringify
 * writes them, every character from U+007F up and every control character
 * escaped as toJsonLine escapes it, escapes the item itself wrote left alone.
 */
import fc from 'fast-check';
import type { Duck } from '../../../lib/sql/duck';
import { asJsonLineSql, jsonNumberSql, plainTextSql } from '../../../lib/sql/jsonLineSql';
import { toJsonLine } from '../../../lib/report/FindingSorter';
import { sqlString } from '../../../lib/sql/sqlText';
import { openSqlDuck } from '../../helpers/sqlItems';

let duck: Duck;
beforeAll(async () => {
  duck = await openSqlDuck();
});
afterAll(() => duck?.close());

/** Each string through to_json and the rewrite, in order. */
async function rewritten(values: readonly string[]): Promise<string[]> {
  const rows = values.map((v, i) => `(${i}, ${sqlString(v)})`).join(', ');
  const reader = await duck.connection.runAndReadAll(
    `SELECT ${asJsonLineSql('duck_json')} FROM (SELECT i, CAST(to_json(v) AS VARCHAR) AS duck_json FROM (VALUES ${rows}) AS t(i, v)) ORDER BY i`,
  );
  return reader.getRows().map(([text]) => text as string);
}

async function numbers(values: readonly number[]): Promise<string[]> {
  const list = values.map((v) => (Object.is(v, -0) ? '-0.0' : String(v))).map((v) => `${v}::DOUBLE`);
  const reader = await duck.connection.runAndReadAll(`SELECT ${jsonNumberSql('v')} FROM (SELECT unnest([${list.join(', ')}]) AS v, generate_subscripts([${list.join(', ')}], 1) AS i) ORDER BY i`);
  return reader.getRows().map(([text]) => text as string);
}

describe('asJsonLineSql', () => {
  it('escapes what toJsonLine escapes, and nothing else', async () => {
    const values = ['plain', 'é', 'the customer’s', '😀 and 😀', '\x7f', '\x01\x1f\x0b', '\b\t\n\f\r', '\\u001F', 'a\\"b', '"quoted"', '/', '\u2028', 'mixed ’ \x1e 😀 \\u00ff'];
    expect(await rewritten(values)).toEqual(values.map((v) => toJsonLine(v)));
  });

  it('agrees with toJsonLine on generated text', async () => {
    // Lone surrogates excepted: UTF-8 (DuckDB's text) cannot hold one (lib/sql/validationSql.ts).
    const text = fc
      .array(fc.oneof(fc.constantFrom('\\', 'u', '0', '1', 'F', '"', '\x7f', '\x1f', 'é', '😀'), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 10 })
      .map((parts) => parts.join(''))
      .filter((value) => Buffer.from(value, 'utf8').toString('utf8') === value && !value.includes('\0'));
    const samples = fc.sample(text, { numRuns: 2000, seed: 42 });
    expect(await rewritten(samples)).toEqual(samples.map((v) => toJsonLine(v)));
  });
});

describe('jsonNumberSql', () => {
  it('writes numbers as JSON.stringify does', async () => {
    const values = [0, -0, 1, -1, 1000, 4159151403, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 60, -(2 ** 60), 12345678901234567890, 1e20, 123456789012345680000, 1e21, 1.5e21, 1e300, 0.1, 0.5, 12.34, -0.25, 1e-6, 1e-7, 1.2345e-5, 0.30000000000000004, 5e-324, Number.MAX_VALUE];
    expect(await numbers(values)).toEqual(values.map((v) => JSON.stringify(v)));
  });
});

describe('plainTextSql', () => {
  async function plain(values: readonly string[]): Promise<boolean[]> {
    const rows = values.map((v, i) => `(${i}, ${sqlString(v)})`).join(', ');
    const reader = await duck.connection.runAndReadAll(`SELECT ${plainTextSql('v')} FROM (VALUES ${rows}) AS t(i, v) ORDER BY i`);
    return reader.getRows().map(([value]) => value as boolean);
  }
  /** What the test stands for: toJsonLine writes the text as it is, between two quotes. */
  const writtenAsItIs = (value: string) => toJsonLine(value) === `"${value}"`;

  it('is true exactly where toJsonLine writes the text as it is', async () => {
    const values = ['', 'item-1a@b.c', ' !#[]~', 'prod-1/store-2', 'a"b', 'a\\b', '\x7f', '\x1f', '\t', 'café', '😀', '\u2028', 'x\u0001y', '~\x7f'];
    expect(await plain(values)).toEqual(values.map(writtenAsItIs));
  });

  it('agrees with toJsonLine on generated text', async () => {
    const text = fc
      .array(fc.oneof(fc.constantFrom('"', '\\', '\x7f', '\x1f', ' ', '~', 'é', '😀', '[', ']'), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 8 })
      .map((parts) => parts.join(''))
      .filter((value) => Buffer.from(value, 'utf8').toString('utf8') === value && !value.includes('\0'));
    const samples = fc.sample(text, { numRuns: 2000, seed: 7 });
    expect(await plain(samples)).toEqual(samples.map(writtenAsItIs));
  });
});
