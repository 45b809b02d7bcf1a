/**
 * The trend's words: the counts a history record must hold to be a point, and
 * the short labels every chart of the trend puts under its points (UTC).
 */
import { parseTrendCounts, trendLabels } from '../../../lib/report/trend';

describe('parseTrendCounts', () => {
  it.each([
    ['counts', { openViolations: 3, newViolations: 1, resolvedViolations: 0, extra: 'ignored' }, { openViolations: 3, newViolations: 1, resolvedViolations: 0 }],
    ['none (a record from before trends)', undefined, null],
    ['null', null, 'its counts are not an object'],
    ['an array', [1, 2, 3], 'its counts are not an object'],
    ['a negative count', { openViolations: -1, newViolations: 0, resolvedViolations: 0 }, 'openViolations is not a count'],
    ['a fraction', { openViolations: 1, newViolations: 0.5, resolvedViolations: 0 }, 'newViolations is not a count'],
    ['a count as text', { openViolations: 1, newViolations: 0, resolvedViolations: '2' }, 'resolvedViolations is not a count'],
    ['a missing count', { openViolations: 1, newViolations: 0 }, 'resolvedViolations is not a count'],
  ])('%s', (_label, value, expected) => {
    expect(parseTrendCounts(value)).toEqual(expected);
  });
});

describe('trendLabels', () => {
  const at = (...instants: string[]) => instants.map((finishedAt) => ({ finishedAt }));

  it('names the day, in UTC', () => {
    // 00:30 in Paris is still the 22nd in UTC: two runs of one UTC day, told apart by their times.
    expect(trendLabels(at('2026-11-22T20:00:00Z', '2026-11-23T00:30:00+01:00', '2026-11-24T02:00:00.000Z'))).toEqual(['Sun 22 Nov 20:00', 'Sun 22 Nov 23:30', 'Tue 24 Nov']);
  });

  it('adds the time to runs that share a day, and the year when the runs span two', () => {
    expect(trendLabels(at('2026-12-31T02:00:00Z', '2027-01-01T02:00:00Z', '2027-01-01T14:05:00Z'))).toEqual(['Thu 31 Dec 2026', 'Fri 1 Jan 2027 02:00', 'Fri 1 Jan 2027 14:05']);
  });

  it('shows what is not a time as it is (the caller escapes it)', () => {
    expect(trendLabels(at('yesterday', '2026-11-23T02:00:00Z'))).toEqual(['yesterday', 'Mon 23 Nov']);
    expect(trendLabels([])).toEqual([]);
    // Parses, but beyond Date's range: shown as it is.
    expect(trendLabels(at('+275760-09-13T00:00:00.001Z'))).toEqual(['+275760-09-13T00:00:00.001Z']);
  });

  it('adds the seconds when two runs end in the same minute', () => {
    expect(trendLabels(at('2026-11-28T13:40:05Z', '2026-11-28T13:40:44Z', '2026-11-28T14:00:00Z'))).toEqual(['Sat 28 Nov 13:40:05', 'Sat 28 Nov 13:40:44', 'Sat 28 Nov 14:00']);
  });
});
