/**
 * A states file is read through once before a diff uses it (lib/history/parquetStates.ts
 * checkParquetStates): the first damaged row is named with why, a row's own damage before
 * its place in the key order, the key order being JavaScript's (not the bytes'), also past
 * the first row group of the file; a file that is no Parquet file cannot be read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkParquetStates, statesToParquet } from '../../../lib/history/parquetStates';
import { tempDir } from '../../helpers/files';

const SEEN = '2026-11-01T00:00:00.000Z';

/** A state of `key` (a violation first seen at SEEN unless told otherwise); its other members do not matter to the check. */
const state = (key: string | null, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  key,
  fingerprint: 'f',
  verdict: 'violation',
  firstSeenAt: SEEN,
  itemId: null,
  tenantId: null,
  module: null,
  dataCategory: null,
  resource: null,
  ...overrides,
});

/** Sound keys `k00000\u0002`, `k00001\u0002`… in order. */
const keys = (count: number): string[] => Array.from({ length: count }, (_, i) => `k${String(i).padStart(5, '0')}\u0002`);

/** Writes the states as the store writes a states file, and checks it: the check's sentence with the path as FILE, or null. */
async function check(states: Record<string, unknown>[], memoryLimits?: readonly string[]): Promise<string | null> {
  const dir = tempDir('states-check-');
  const lines = join(dir, 'run.states.ndjson');
  writeFileSync(lines, states.map((one) => `${JSON.stringify(one)}\n`).join(''));
  const path = join(dir, 'run.states.parquet');
  await statesToParquet(lines, path);
  return (await checkParquetStates(path, memoryLimits))?.replace(path, 'FILE') ?? null;
}

const damaged = (row: number, reason: string) => `row ${row} of the history file FILE is damaged (${reason})`;

describe('checking a states file', () => {
  it.each<[string, Record<string, unknown>[], string | null]>([
    ['sound', keys(4).map((key) => state(key)), null],
    ['one state', [state('a\u0002')], null],
    ['a key with no U+0002 (row 1)', [state('a'), state('b\u0002')], damaged(1, 'no finding key')],
    ['no key (row 2)', [state('a\u0002'), state(null), state('b\u0002')], damaged(2, 'no finding key')],
    ['no verdict (row 3)', [state('a\u0002'), state('b\u0002'), state('c\u0002', { verdict: null })], damaged(3, 'no verdict')],
    ['a firstSeenAt that is no timestamp (row 2)', [state('a\u0002'), state('b\u0002', { firstSeenAt: 'yesterday' })], damaged(2, 'no firstSeenAt timestamp')],
    ['a firstSeenAt with an offset (sound)', [state('a\u0002', { firstSeenAt: '2026-11-01T01:00:00+01:00' })], null],
    ['a key below the one before (row 2)', [state('b\u0002'), state('a\u0002'), state('c\u0002')], damaged(2, 'out of key order')],
    ['equal keys (sound: a repeated itemId)', [state('a\u0002x'), state('a\u0002x', { verdict: 'exempt' })], null],
    ['a row below the one before and damaged: its own damage', [state('b\u0002'), state('a\u0002', { verdict: null })], damaged(2, 'no verdict')],
    ['out of order before a damaged row: the first', [state('b\u0002'), state('a\u0002'), state('c\u0002', { verdict: null })], damaged(2, 'out of key order')],
    ['damaged before a row out of order: the first', [state('a\u0002', { verdict: null }), state('c\u0002'), state('b\u0002')], damaged(1, 'no verdict')],
    // JavaScript orders an emoji's first UTF-16 unit (0xD83D) before U+FFFD; its bytes come after U+FFFD's.
    ['keys in JavaScript order that bytes order otherwise (sound)', [state('a\u{1F600}\u0002'), state('a\uFFFD\u0002')], null],
    ['keys in byte order that JavaScript orders otherwise', [state('a\uFFFD\u0002'), state('a\u{1F600}\u0002')], damaged(2, 'out of key order')],
  ])('%s', async (_, states, expected) => {
    expect(await check(states)).toBe(expected);
  });

  it('finds a row out of order past the first row group, and a damaged row after it, at their rows', async () => {
    const states = keys(70_000).map((key) => state(key));
    // Rows 66,001 and 66,002 swapped (the second's key is below the first's): row 66,002 is out of order.
    [states[66_000], states[66_001]] = [states[66_001]!, states[66_000]!];
    states[69_000] = state(keys(70_000)[69_000]!, { verdict: null });
    expect(await check(states)).toBe(damaged(66_002, 'out of key order'));
    expect(await check(keys(70_000).map((key, i) => state(key, i === 69_999 ? { firstSeenAt: null } : {})))).toBe(damaged(70_000, 'no firstSeenAt timestamp'));
  }, 60_000);

  it('runs again within the next memory limit when one runs out of memory, and tells the last one\'s failure', async () => {
    const states = keys(70_000).map((key) => state(key));
    states[69_000] = state(keys(70_000)[69_000]!, { verdict: null });
    expect(await check(states, ['1MB'])).toMatch(/^the history file FILE cannot be read \(Out of Memory Error: /);
    expect(await check(states, ['1MB', '256MB'])).toBe(damaged(69_001, 'no verdict'));
  }, 60_000);

  it('that is no Parquet file: cannot be read, naming the file', async () => {
    const path = join(tempDir('states-check-'), 'run.states.parquet');
    writeFileSync(path, 'PAR1 not really');
    expect(await checkParquetStates(path)).toMatch(new RegExp(`^the history file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read \\(.+\\)$`));
  });
});
