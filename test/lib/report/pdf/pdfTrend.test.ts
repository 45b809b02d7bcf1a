import { join } from 'node:path';
import { PdfModelCollector } from '../../../../lib/report/pdf/PdfReportModel';
import { renderPdf } from '../../../../lib/report/pdf/renderPdf';
import { MAX_TREND_POINTS, TREND_TABLE_ROWS } from '../../../../lib/report/pdf/sections/trend';
import { emptySummary, type Changes, type ReportHead } from '../../../../lib/report/ReportModel';
import { trendLabels, type TrendPoint } from '../../../../lib/report/trend';
import { tempDir } from '../../../helpers/files';
import { CAPTURED, catalog } from '../../../helpers/items';
import { readPdf } from '../../../helpers/pdf';

const norm = (text: string) => text.replace(/\s+/g, ' ').trim();
const squash = (text: string) => text.replace(/\s+/g, '');
const WEEK = 7 * 86_400_000;
const COMPARED: Changes = { previousRunId: 'audit-previous', previousCapturedAt: CAPTURED, new: 3, persisting: 20, resolved: 5, newViolations: 0 };

/** `count` weekly runs, oldest first, the counts from `of`. */
function weekly(count: number, of: (i: number) => [number, number, number]): TrendPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const [open, added, resolved] = of(i);
    return { runId: `audit-${i}`, finishedAt: new Date(Date.parse('2026-10-05T04:00:00Z') + i * WEEK).toISOString(), openViolations: open, newViolations: added, resolvedViolations: resolved };
  });
}

/** The text of the changes page of a report whose head has `trend` and `changes`. */
async function changesPage(trend: TrendPoint[] | undefined, changes: Changes | null = COMPARED) {
  const head: ReportHead = {
    schemaVersion: '1.1',
    run: { id: 'audit-this', trigger: 'cli', startedAt: CAPTURED, finishedAt: CAPTURED, snapshotId: 'snap', snapshotCapturedAt: CAPTURED, catalogVersion: 'v1', source: 'test', graceDays: 30, scope: 'estate' },
    summary: emptySummary(),
    changes,
    ...(trend ? { trend } : {}),
  };
  const path = join(tempDir('pdf-trend-'), 'report.pdf');
  await renderPdf({ head, model: new PdfModelCollector(200).model(), catalog: catalog(), jsonSha256: null, resolved: { rows: [], total: 0 } }, path);
  const page = readPdf(path).pages.find((p) => p.text.includes('Changes since the last audit'))!;
  return { ...page, text: norm(page.text) };
}

describe('the trend on the changes page', () => {
  const points = weekly(5, (i) => [[31, 28, 24, 22, 17][i]!, [6, 2, 1, 3, 0][i]!, [0, 5, 5, 5, 5][i]!]);
  const labels = trendLabels(points);
  let page: Awaited<ReturnType<typeof changesPage>>;
  beforeAll(async () => {
    page = await changesPage(points);
  });

  it('draws a chart of five runs with its legend, axis titles and a label under each run', () => {
    expect(labels).toEqual(['Mon 5 Oct', 'Mon 12 Oct', 'Mon 19 Oct', 'Mon 26 Oct', 'Mon 2 Nov']);
    expect(page.text).toContain('Trend over the last 5 runs');
    for (const text of ['Open violations', 'New in the run', 'Resolved in the run', 'Violations', 'Run, by when it finished (UTC)', 'this run', ...labels]) {
      expect(page.items.map((item) => item.str)).toContain(text);
    }
    // The value axis, in round steps above the most open violations (31).
    for (const tick of ['0', '10', '20', '30', '40']) expect(page.items.map((item) => item.str)).toContain(tick);
  });

  it('gives every run’s open, new and resolved counts beside the chart, this run last', () => {
    expect(page.text).toContain('Run finished (UTC) Open New Resolved');
    points.forEach((point, i) => {
      const label = i === points.length - 1 ? `${labels[i]} · this run` : labels[i];
      expect(page.text).toContain(`${label} ${point.openViolations} ${point.newViolations} ${point.resolvedViolations}`);
    });
  });

  it('says in a sentence where the open violations went', () => {
    expect(page.text).toContain('Violations open after each run of scope estate, and those new and resolved in it.');
    expect(page.text).toContain('Open violations: 31 after the run of Mon 5 Oct, 17 after this one (down 14).');
  });

  it('draws the chart beside the table, inside the page', () => {
    const legend = page.items.find((item) => item.str === 'Open violations')!;
    const table = page.items.find((item) => item.str === 'Run finished (UTC)')!;
    const ticks = page.items.filter((item) => item.str === 'Mon 2 Nov');
    expect(ticks.length).toBe(1);
    expect(ticks[0]!.x + ticks[0]!.width).toBeLessThan(table.x);
    expect(Math.abs(legend.y - table.y)).toBeLessThan(30);
    for (const item of page.items) expect(item.x + item.width).toBeLessThanOrEqual(page.width);
  });
});

describe('a trend of one run or none', () => {
  it('says with one point that the trend starts with this run', async () => {
    const page = await changesPage(weekly(1, () => [17, 17, 0]), { ...COMPARED, previousRunId: null });
    expect(page.text).toContain('The trend starts with this run (17 open violations): the next runs of the scope will be drawn beside it.');
    expect(page.text).not.toContain('Trend over the last');
  });

  it('says without history that the run has no trend', async () => {
    const page = await changesPage(undefined, null);
    expect(page.text).toContain('This run keeps no history, so it is not compared with earlier runs and has no trend.');
    expect(page.text).not.toContain('Trend over the last');
  });

  it('says so when a run with history brings no trend', async () => {
    const page = await changesPage(undefined);
    expect(page.text).toContain('No trend of earlier runs came with this run, so none is drawn.');
  });
});

describe('a long trend', () => {
  it(`lists the newest ${TREND_TABLE_ROWS} runs beside a chart of all of them`, async () => {
    const points = weekly(20, (i) => [100 - i, i % 4, i % 3]);
    const labels = trendLabels(points);
    const page = await changesPage(points);
    expect(page.text).toContain('Trend over the last 20 runs');
    expect(page.text).toContain(`${labels[19]} · this run 81 3 1`);
    expect(page.text).toContain(`${labels[7]} 93 3 1`);
    expect(page.text).not.toContain(`${labels[6]} 94 2 0`);
    expect(page.text).toContain('The chart also shows 7 earlier runs.');
  });

  it(`draws at most the last ${MAX_TREND_POINTS} runs, and says how many the report holds`, async () => {
    const page = await changesPage(weekly(MAX_TREND_POINTS + 50, (i) => [i, 1, 1]));
    expect(page.text).toContain(`Trend over the last ${MAX_TREND_POINTS} runs`);
    expect(page.text).toContain(`(the last ${MAX_TREND_POINTS} of the 150 runs the report holds)`);
    expect(page.text).toContain(`Open violations: 50 after the run of`);
  });
});

describe('a trend point whose end is not an instant', () => {
  it('is labelled with the text, cut and with its control characters escaped', async () => {
    const points = weekly(3, () => [1, 1, 1]);
    points[0] = { ...points[0]!, finishedAt: `BAD\u001b[2J\u202e${'x'.repeat(1 << 20)}` };
    const page = await changesPage(points);
    expect(page.text).toContain('Trend over the last 3 runs');
    expect(squash(page.text)).toContain('BAD\\x1b[2J\\u202exxx');
    expect(page.text).not.toMatch(/x{200}/);
    expect(page.text).not.toMatch(/[\u001b\u202e]/);
  });
});
