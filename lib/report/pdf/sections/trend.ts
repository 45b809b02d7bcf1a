/**
 * The trend of the scope, on the changes page: open violations after each of its
 * last runs, and the violations new and resolved in each, as a line chart with
 * the numbers beside it — whether the backlog shrinks is the question a DPO asks
 * after "what changed since last time".
 */
import { formatCount } from '../../../units';
import type { ReportHead } from '../../ReportModel';
import { trendLabels, type TrendPoint } from '../../trend';
import type { ChartBox } from '../draw/barCharts';
import { drawLineChart, type LineSeries } from '../draw/lineChart';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, MARGIN } from '../draw/pdfTheme';
import { plural } from '../draw/pdfWords';
import type { PdfRenderInput } from '../PdfRenderInput';

/** The most points drawn: the head decides N; this only bounds a head that holds far more. */
export const MAX_TREND_POINTS = 100;
/** The most runs in the table beside the chart (the newest); the chart shows them all. */
export const TREND_TABLE_ROWS = 13;
const CHART_HEIGHT = 200;
const ROW = 12;

/**
 * With two points or more, a heading, a sentence and the chart with its table;
 * with one, a sentence that the trend starts with this run. Without a trend
 * nothing: the comparison above already says the run keeps no history.
 *
 * @example
 * trend(pdf, input); // at the cursor, on the changes page
 */
export function trend(pdf: PdfCanvas, { head }: PdfRenderInput): void {
  const all = head.trend ?? [];
  if (all.length === 0) {
    if (head.changes) pdf.paragraph('No trend of earlier runs came with this run, so none is drawn.', { color: COLORS.muted });
    return;
  }
  if (all.length === 1) {
    pdf.paragraph(
      `The trend starts with this run (${plural(all[0]!.openViolations, 'open violation')}): the next runs of the scope will be drawn beside it.`,
      { color: COLORS.muted },
    );
    return;
  }
  const points = all.slice(-MAX_TREND_POINTS);
  const labels = labelsOf(points);
  pdf.room(CHART_HEIGHT + 90);
  pdf.heading(`Trend over the last ${points.length} runs`, 12);
  pdf.paragraph(caption(head, points, labels, all.length), { color: COLORS.muted, size: 8.5, kind: 'prose' });
  const top = pdf.doc.y + 4;
  const chartWidth = Math.round(pdf.width * 0.6);
  drawLineChart(pdf, { x: MARGIN.left, y: top, width: chartWidth, height: CHART_HEIGHT }, {
    xLabels: labels,
    series: series(points),
    yTitle: 'Violations',
    xTitle: 'Run, by when it finished (UTC)',
    highlight: { index: points.length - 1, note: 'this run' },
  });
  trendTable(pdf, { x: MARGIN.left + chartWidth + 24, y: top + 20, width: pdf.width - chartWidth - 24 }, points, labels);
  pdf.doc.x = MARGIN.left;
  pdf.doc.y = top + CHART_HEIGHT + 10;
}

/** An ISO instant is short: a longer finishedAt is not one, and is not parsed at all. */
const isInstant = (text: string) => text.length <= 40 && !Number.isNaN(Date.parse(text));

/**
 * The points' labels as every trend chart writes them (trendLabels); a point
 * whose finishedAt is not an instant is labelled with the text itself, which
 * the drawing cuts and cleans like any other.
 */
function labelsOf(points: readonly TrendPoint[]): string[] {
  const labels = trendLabels(points.filter((point) => isInstant(point.finishedAt)));
  let next = 0;
  return points.map((point) => (isInstant(point.finishedAt) ? labels[next++]! : point.finishedAt));
}

/** What the chart says in one sentence, for whoever reads only the text. */
function caption(head: ReportHead, points: readonly TrendPoint[], labels: readonly string[], total: number): string {
  const first = points[0]!.openViolations;
  const last = points[points.length - 1]!.openViolations;
  const change = last === first ? 'unchanged' : `${last > first ? 'up' : 'down'} ${formatCount(Math.abs(last - first))}`;
  const scope = head.run.scope ? ` of scope ${head.run.scope}` : '';
  const cut = total > points.length ? ` (the last ${points.length} of the ${formatCount(total)} runs the report holds)` : '';
  return `Violations open after each run${scope}${cut}, and those new and resolved in it. Open violations: ${formatCount(first)} after the run of ${labels[0]}, ${formatCount(last)} after this one (${change}).`;
}

/** Open: solid, dots, its values printed; new: dashed, squares; resolved: dotted, hollow triangles. */
function series(points: readonly TrendPoint[]): LineSeries[] {
  return [
    { label: 'Open violations', color: COLORS.accent, dash: null, marker: 'circle', values: points.map((p) => p.openViolations), valueLabels: true },
    { label: 'New in the run', color: COLORS.alarm, dash: { length: 5, space: 2.5 }, marker: 'square', values: points.map((p) => p.newViolations) },
    { label: 'Resolved in the run', color: COLORS.ok, dash: { length: 1.5, space: 2 }, marker: 'triangle', values: points.map((p) => p.resolvedViolations) },
  ];
}

const COLUMNS = [
  { header: 'Run finished (UTC)', share: 0.46, align: 'left' },
  { header: 'Open', share: 0.18, align: 'right' },
  { header: 'New', share: 0.18, align: 'right' },
  { header: 'Resolved', share: 0.18, align: 'right' },
] as const;

/** The chart's numbers, oldest first as in the chart, this run in bold; the newest TREND_TABLE_ROWS runs. */
function trendTable(pdf: PdfCanvas, box: ChartBox, points: readonly TrendPoint[], labels: readonly string[]): void {
  const first = Math.max(0, points.length - TREND_TABLE_ROWS);
  const rows = points.slice(first).map((p, i) => [labels[first + i]!, formatCount(p.openViolations), formatCount(p.newViolations), formatCount(p.resolvedViolations)]);
  const row = (cells: readonly string[], y: number, bold: boolean, fill: string | null) => {
    if (fill) pdf.doc.rect(box.x, y - 2.5, box.width, ROW).fill(fill);
    let x = box.x;
    COLUMNS.forEach((column, i) => {
      const width = column.share * box.width;
      pdf.line(cells[i]!, 'id', x + 3, y, { font: bold ? 'bold' : 'regular', size: 7.5, width: width - 6, align: column.align, color: COLORS.text });
      x += width;
    });
  };
  let y = box.y;
  row(COLUMNS.map((c) => c.header), y, true, COLORS.headerFill);
  rows.forEach((cells, i) => {
    y += ROW;
    const thisRun = i === rows.length - 1;
    row(thisRun ? [`${cells[0]} · this run`, ...cells.slice(1)] : cells, y, thisRun, i % 2 === 1 ? COLORS.stripe : null);
  });
  y += ROW;
  pdf.doc.moveTo(box.x, y - 2.5).lineTo(box.x + box.width, y - 2.5).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
  if (first > 0) pdf.line(`The chart also shows ${plural(first, 'earlier run')}.`, 'document', box.x, y + 2, { size: 7.5, width: box.width, color: COLORS.muted });
}
