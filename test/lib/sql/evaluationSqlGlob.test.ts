/**
 * Waiver scope globs compiled to SQL (lib/sql/globSql.ts) match what picomatch
 * with `{ dot: true }` matches (lib/engine/waivers.ts), for generated globs and
 * strings full of what globs treat specially: dots and dot segments, slashes,
 * line terminators, characters beyond the BMP, quotes.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import type { Duck } from '../../../lib/sql/duck';
import { globSql, type GlobCost } from '../../../lib/sql/globSql';
import { sqlString } from '../../../lib/sql/sqlText';
import { openSqlDuck } from '../../helpers/sqlItems';

const SEED = process.env.SQL_DIFF_SEED ? Number(process.env.SQL_DIFF_SEED) : Date.now() % 2 ** 31;

const PATTERN_PARTS = ['a', 'b', 'ab', '-', '.', '..', '/', '*', '**', '?', '{a,b}', '[ab]', '\\*', '!', './', 'é', '😀', '\n', '+(a|b)', "'", '%', '_', '$', '^'];
const VALUE_PARTS = ['a', 'b', 'ab', '-', '.', '..', '/', 'é', '😀', '\n', '\r', '\u2028', '*', '?', '{', '[', "'", '%', '_', '$', '\\'];

const patterns = fc.array(fc.constantFrom(...PATTERN_PARTS), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
const values = fc.array(fc.array(fc.constantFrom(...VALUE_PARTS), { minLength: 0, maxLength: 7 }).map((parts) => parts.join('')), { minLength: 30, maxLength: 30 });

let duck: Duck;
beforeAll(async () => {
  duck = await openSqlDuck();
});
afterAll(() => duck?.close());

/** Strings close to the glob itself: it, its wildcards filled in, its dot segments. */
function near(pattern: string): string[] {
  return [pattern, pattern.replace(/[*?]/g, 'a'), pattern.replace(/[*?]/g, '.'), pattern.replace(/\*+/g, ''), `./${pattern}`, '.', '..', 'a/.', 'a/..'];
}

describe('globSql', () => {
  it('matches what picomatch({ dot: true }) matches, by equality, RE2 or the picomatch function', async () => {
    const cases = fc.sample(fc.tuple(patterns, values), { numRuns: 400, seed: SEED });
    const costs: Record<GlobCost, number> = { equality: 0, regex: 0, function: 0 };
    const mismatches: string[] = [];
    for (const [pattern, generated] of [...cases, ...['tenant-a', 'tenant-*', '*', 'prod/*', '*.log', 'prod-*/*', 'a/*/b', '.*', 'x/.*'].map((p) => [p, ['x']] as const)]) {
      let isMatch: (value: string) => boolean;
      try {
        isMatch = picomatch(pattern, { dot: true });
      } catch {
        continue; // a glob picomatch refuses is refused with the waivers file
      }
      const compiled = globSql(pattern, 'v');
      costs[compiled.cost] += 1;
      const tested = [...new Set([...generated, ...near(pattern)])].filter((value) => value !== '');
      const reader = await duck.connection.runAndReadAll(
        `SELECT v, ${compiled.sql} AS m FROM (VALUES ${tested.map((value) => `(${sqlString(value)})`).join(', ')}) AS t(v)`,
      );
      for (const [value, matched] of reader.getRows()) {
        const expected = isMatch(value as string);
        if (matched !== expected) mismatches.push(`${JSON.stringify(pattern)} on ${JSON.stringify(value)}: picomatch ${expected}, SQL ${String(matched)} (${compiled.cost})`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(costs.equality).toBeGreaterThan(0);
    expect(costs.regex).toBeGreaterThan(0);
    expect(costs.function).toBeGreaterThan(0);
  });

  it('compiles the common waiver scopes without calling JavaScript', () => {
    for (const pattern of ['tenant-a', 'tenant-*', 'prod/*', '*.log', '*', 'log-*/archive', '{log,monitoring}-data']) {
      expect(globSql(pattern, 'v').cost).not.toBe('function');
    }
  });
});
