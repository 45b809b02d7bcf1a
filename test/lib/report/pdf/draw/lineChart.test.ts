import { valueAxis } from '../../../../../lib/report/pdf/draw/lineChart';

describe('valueAxis', () => {
  it.each([
    [0, 1, 4],
    [3, 1, 4],
    [5, 2, 6],
    [17, 5, 20],
    [31, 10, 40],
    [40, 10, 40],
    [41, 20, 60],
    [99, 25, 100],
    [1_200_000, 500_000, 1_500_000],
  ])('from 0 to the most, %d, in whole round steps', (max, step, top) => {
    expect(valueAxis(max)).toEqual({ step, top });
  });

  it('always reaches the most and never needs more than five steps', () => {
    for (let max = 0; max < 5000; max += 7) {
      const { step, top } = valueAxis(max);
      expect(top).toBeGreaterThanOrEqual(max);
      expect(Number.isInteger(step)).toBe(true);
      expect(top / step).toBeLessThanOrEqual(5);
    }
  });
});
