import { barChart, labelledPoints, lineChart, niceCeiling } from '../../../../lib/report/html/charts';

describe('niceCeiling', () => {
  it.each([
    [37, 4, 40],
    [0, 4, 4],
    [1, 4, 4],
    [401, 4, 600],
    [100_000, 4, 100_000],
    [100_001, 4, 120_000],
  ])('niceCeiling(%d, %d) = %d', (max, ticks, expected) => {
    expect(niceCeiling(max, ticks)).toBe(expected);
  });
});

describe('labelledPoints', () => {
  it.each([
    [0, 8, []],
    [1, 8, [0]],
    [2, 8, [0, 1]],
    [14, 8, [0, 2, 4, 6, 8, 10, 13]],
    [14, 3, [0, 5, 13]],
  ])('%d points, at most %d labels: %j', (count, max, expected) => {
    expect(labelledPoints(count, max)).toEqual(expected);
  });
});

describe('barChart', () => {
  it('draws one table row per bar, scaled to the largest, with a filter the page can apply', () => {
    const chart = barChart({
      title: 'Findings by verdict',
      empty: 'No findings.',
      rows: [
        { label: 'violation', segments: [{ name: 'violation', value: 3, color: '#b91c1c' }], filter: { verdict: 'violation' } },
        { label: '<b>', segments: [{ name: 'x', value: 6, color: '#000' }] },
      ],
    }).text;
    expect(chart).toContain('<rect x="0.000" y="0" width="50.000" height="10" fill="#b91c1c"><title>violation: 3</title></rect>');
    expect(chart).toContain('data-filter="{&quot;verdict&quot;:&quot;violation&quot;}"');
    expect(chart).toContain('<span>&lt;b&gt;</span>');
    expect(chart.match(/<tr>/g)).toHaveLength(3);
  });

  it('says so when there is nothing to draw', () => {
    expect(barChart({ title: 't', empty: 'No module has a violation.', rows: [] }).text).toContain('<p class="muted">No module has a violation.</p>');
  });
});

describe('lineChart', () => {
  it('draws each series in a wide and a compact plot, named for screen readers', () => {
    const chart = lineChart({
      id: 'trend',
      title: 'Violations',
      description: 'From 3 to 5.',
      labels: ['2026-11-01', '2026-11-02'],
      pointNames: ['run-1', 'run-2'],
      series: [{ name: 'open', color: '#b91c1c', values: [3, 5] }],
    }).text;
    expect(chart.match(/<polyline /g)).toHaveLength(2);
    expect(chart).toContain('aria-labelledby="trend-title trend-plot-wide-desc"');
    expect(chart).toContain('<title>run-2: open 5</title>');
  });
});
