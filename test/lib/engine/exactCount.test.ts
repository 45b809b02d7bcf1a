/**
 * Exact sums of counts (lib/engine/exactCount.ts): a plain Number field while the
 * sum is a safe integer, the exact sum kept beside it beyond 2^53 and the field
 * rounded once; the same sum whatever the order of the values.
 */
import fc from 'fast-check';
import { addCount, addExactCount, exactCount, setExactCount } from '../../../lib/engine/exactCount';

const MAX = Number.MAX_SAFE_INTEGER;

describe('exact counts', () => {
  it('adds as Numbers while the sum is a safe integer', () => {
    const totals = { bytes: 0 };
    addCount(totals, 'bytes', 5);
    addCount(totals, 'bytes', MAX - 5);
    expect(totals).toEqual({ bytes: MAX });
    expect(exactCount(totals, 'bytes')).toBe(BigInt(MAX));
  });

  it('keeps the exact sum beyond 2^53 and rounds it once into the field, back to plain Numbers below', () => {
    const totals = { bytes: MAX };
    for (let i = 0; i < 3; i += 1) addCount(totals, 'bytes', 1);
    // Doubles would be stuck at 2^53: each + 1 rounds back.
    expect(totals.bytes).toBe(2 ** 53 + 2);
    expect(exactCount(totals, 'bytes')).toBe(2n ** 53n + 2n);
    addCount(totals, 'bytes', 1);
    expect(totals.bytes).toBe(2 ** 53 + 4); // 2^53 + 3 rounds to even
    expect(exactCount(totals, 'bytes')).toBe(2n ** 53n + 3n);
    addCount(totals, 'bytes', -4);
    expect(totals.bytes).toBe(MAX);
    addCount(totals, 'bytes', -1);
    expect(totals.bytes).toBe(MAX - 1);
  });

  it('gives the exact sum rounded once, whatever the order of the values', () => {
    const value = fc.oneof(fc.constantFrom(MAX, MAX - 1, 1, 2, 3, 0), fc.nat());
    fc.assert(
      fc.property(fc.array(value, { maxLength: 12 }), fc.nat(), (values, seed) => {
        const exact = values.reduce((sum, v) => sum + BigInt(v), 0n);
        const shuffled = [...values].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
        for (const order of [values, shuffled]) {
          const totals = { n: 0 };
          for (const v of order) addCount(totals, 'n', v);
          expect(totals.n).toBe(Number(exact));
          expect(exactCount(totals, 'n')).toBe(exact);
        }
      }),
    );
  });

  it('adds and sets exact amounts, as BigInt or decimal text', () => {
    const totals = { records: 1 };
    addExactCount(totals, 'records', '18014398509481984');
    expect(exactCount(totals, 'records')).toBe(2n ** 54n + 1n);
    expect(totals.records).toBe(2 ** 54);
    addExactCount(totals, 'records', -(2n ** 54n));
    expect(totals.records).toBe(1);
    setExactCount(totals, 'records', 10n ** 30n + 1n);
    expect(exactCount(totals, 'records')).toBe(10n ** 30n + 1n);
  });

  it('takes a field written directly since as the count', () => {
    const totals = { records: 0 };
    setExactCount(totals, 'records', 2n ** 60n + 1n);
    totals.records = 5;
    expect(exactCount(totals, 'records')).toBe(5n);
    addCount(totals, 'records', 1);
    expect(totals.records).toBe(6);
  });

  it('refuses what is not a whole number, saying what it got', () => {
    const totals = { records: 0 };
    expect(() => addCount(totals, 'records', 0.5)).toThrow('A count must be a whole number, not 0.5.');
    expect(() => addCount(totals, 'records', Number.NaN)).toThrow('A count must be a whole number, not NaN.');
    expect(() => addExactCount(totals, 'records', '1e3')).toThrow('An exact count must be a whole number in decimal digits, not "1e3".');
    expect(() => addExactCount(totals, 'records', 7 as unknown as string)).toThrow('An exact count must be a whole number in decimal digits, not the number 7.');
    expect(totals.records).toBe(0);
  });
});
