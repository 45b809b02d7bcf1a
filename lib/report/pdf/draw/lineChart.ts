/**
 * A line chart over evenly spaced points (runs, not calendar time: the spacing
 * of the runs is not the story), with a legend, a value axis with grid lines and
 * axis titles. Series differ by colour, dash and marker, so the chart still reads
 * when printed in greyscale.
 */
import { formatCount } from '../../../units';
import type { TextKind } from '../pdfSafeText';
import type { ChartBox } from './barCharts';
import type { PdfCanvas } from './PdfCanvas';
import { COLORS } from './pdfTheme';

export interface LineSeries {
  label: string;
  color: string;
  /** Dash and gap lengths in points; null: a solid line. */
  dash: { length: number; space: number } | null;
  marker: 'circle' | 'square' | 'triangle';
  /** One value per point; anything but a finite count is drawn as 0. */
  values: readonly number[];
  /** Print each point's value above it (up to MAX_VALUE_LABELS points). */
  valueLabels?: boolean;
}

export interface LineChartSpec {
  /** The label under each point (drawn thinned out when they would collide). */
  xLabels: readonly string[];
  series: readonly LineSeries[];
  yTitle: string;
  xTitle: string;
  /** A point to stress: its label in bold with a note under it ("this run"). */
  highlight?: { index: number; note: string };
}

const LEGEND_HEIGHT = 26;
const TICKS_WIDTH = 44;
const X_LABELS_HEIGHT = 24;
const X_TITLE_HEIGHT = 12;
const INSET = 14;
const LABEL_SIZE = 6.5;
const MAX_VALUE_LABELS = 16;

/**
 * Draws the chart in `box` (its height included) and returns the y below it.
 *
 * @example
 * drawLineChart(pdf, { x: 40, y: 120, width: 460, height: 200 }, { xLabels: ['Mon 23 Nov', 'Tue 24 Nov'], series, yTitle: 'Violations', xTitle: 'Run' })
 */
export function drawLineChart(pdf: PdfCanvas, box: ChartBox & { height: number }, spec: LineChartSpec): number {
  const plot = { left: box.x + TICKS_WIDTH, right: box.x + box.width - 8, top: box.y + LEGEND_HEIGHT, bottom: box.y + box.height - X_LABELS_HEIGHT - X_TITLE_HEIGHT };
  const count = spec.xLabels.length;
  const xOf = (i: number) => (count === 1 ? (plot.left + plot.right) / 2 : plot.left + INSET + (i * (plot.right - plot.left - 2 * INSET)) / (count - 1));
  const values = spec.series.map((series) => series.values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0)));
  const axis = valueAxis(Math.max(0, ...values.flat()));
  const yOf = (v: number) => plot.bottom - (v / axis.top) * (plot.bottom - plot.top);
  const every = labelEvery(pdf, spec.xLabels, count > 1 ? xOf(1) - xOf(0) : plot.right - plot.left);
  // Dense runs: markers only where a label is, so the lines stay readable.
  const marked = (i: number) => count <= MAX_VALUE_LABELS || (count - 1 - i) % every === 0;
  legend(pdf, box, spec.series);
  pdf.line(spec.yTitle, 'document', box.x, plot.top - 14, { font: 'bold', size: 7, width: TICKS_WIDTH + 80, color: COLORS.muted });
  for (let v = 0; v <= axis.top; v += axis.step) {
    const y = yOf(v);
    pdf.doc.moveTo(plot.left, y).lineTo(plot.right, y).lineWidth(v === 0 ? 0.8 : 0.4).strokeColor(v === 0 ? COLORS.muted : COLORS.grid).stroke();
    pdf.line(formatCount(v), 'id', box.x, y - 3.5, { size: 7, width: TICKS_WIDTH - 6, align: 'right', color: COLORS.muted });
  }
  // The first series on top: drawn last.
  [...spec.series.keys()].reverse().forEach((s) => {
    const series = spec.series[s]!;
    const points = values[s]!.map((v, i) => [xOf(i), yOf(v)] as const);
    drawPath(pdf, points, series);
    points.forEach(([x, y], i) => {
      if (marked(i)) marker(pdf, series, x, y);
    });
    if (series.valueLabels && count <= MAX_VALUE_LABELS) {
      values[s]!.forEach((v, i) => pdf.line(formatCount(v), 'id', xOf(i) - 25, yOf(v) - 12, { font: 'bold', size: LABEL_SIZE, width: 50, align: 'center', color: series.color }));
    }
  });
  xLabels(pdf, spec, plot, xOf, every);
  pdf.line(spec.xTitle, 'document', plot.left, plot.bottom + X_LABELS_HEIGHT, { font: 'bold', size: 7, width: plot.right - plot.left, align: 'center', color: COLORS.muted });
  return box.y + box.height;
}

/**
 * A value axis from 0 in 4 or 5 round steps (1, 2, 2.5 or 5 times a power of ten, never below 1: counts are whole).
 *
 * @example
 * valueAxis(37) // { step: 10, top: 40 }
 * valueAxis(1_200_000) // { step: 500_000, top: 1_500_000 }
 * valueAxis(0) // { step: 1, top: 4 }
 */
export function valueAxis(max: number): { step: number; top: number } {
  const rough = Math.max(1, max) / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, ([1, 2, 2.5, 5, 10].find((f) => f * power >= rough) ?? 10) * power);
  // Small counts still get a few grid lines; large ones end at the first step above the data.
  return { step, top: Math.max(Math.ceil(max / step) * step, step === 1 ? 4 : step) };
}

function widthOf(pdf: PdfCanvas, text: string, kind: TextKind, size: number, bold = false): number {
  return pdf.writer.layout(text, kind, { font: bold ? 'bold' : 'regular', size, width: 1e6, oneLine: true }).lines[0]?.width ?? 0;
}

/** One sample per series, as drawn in the chart: a stretch of its line with its marker, and its name. */
function legend(pdf: PdfCanvas, box: ChartBox, series: readonly LineSeries[]): void {
  let x = box.x + TICKS_WIDTH;
  for (const entry of series) {
    const y = box.y + 4;
    drawPath(pdf, [[x, y], [x + 22, y]], entry);
    marker(pdf, entry, x + 11, y);
    const width = Math.min(160, widthOf(pdf, entry.label, 'label', 7.5) + 2);
    pdf.line(entry.label, 'label', x + 27, y - 4.5, { size: 7.5, width, color: COLORS.text });
    x += 27 + width + 16;
  }
}

function drawPath(pdf: PdfCanvas, points: readonly (readonly [number, number])[], series: LineSeries): void {
  const { doc } = pdf;
  if (points.length < 2) return;
  // The line's state first: PDF allows no state change inside a path.
  doc.lineWidth(1.6).lineJoin('round').strokeColor(series.color);
  if (series.dash) doc.dash(series.dash.length, { space: series.dash.space });
  doc.moveTo(points[0]![0], points[0]![1]);
  for (const [x, y] of points.slice(1)) doc.lineTo(x, y);
  doc.stroke().undash();
}

function marker(pdf: PdfCanvas, series: LineSeries, x: number, y: number): void {
  const { doc } = pdf;
  if (series.marker === 'circle') doc.circle(x, y, 2.8).fill(series.color);
  else if (series.marker === 'square') doc.rect(x - 2.6, y - 2.6, 5.2, 5.2).fill(series.color);
  // Hollow, so it stays apart from a filled marker at the same value.
  else doc.polygon([x, y - 3.6], [x + 3.4, y + 2.4], [x - 3.4, y + 2.4]).lineWidth(1.2).fillAndStroke('#ffffff', series.color);
}

/** Label every k-th point, counted back from the last, so that no two labels collide. */
function labelEvery(pdf: PdfCanvas, labels: readonly string[], slot: number): number {
  return Math.max(1, Math.ceil(labelWidth(pdf, labels) / slot));
}

function labelWidth(pdf: PdfCanvas, labels: readonly string[]): number {
  return Math.min(110, Math.max(...labels.map((label) => widthOf(pdf, label, 'id', LABEL_SIZE, true))) + 8);
}

/** A tick per point, the labels of every `every`-th; the highlighted one bold, with its note. */
function xLabels(pdf: PdfCanvas, spec: LineChartSpec, plot: { left: number; right: number; bottom: number }, xOf: (i: number) => number, every: number): void {
  const count = spec.xLabels.length;
  const width = labelWidth(pdf, spec.xLabels);
  spec.xLabels.forEach((label, i) => {
    const x = xOf(i);
    pdf.doc.moveTo(x, plot.bottom).lineTo(x, plot.bottom + 3).lineWidth(0.6).strokeColor(COLORS.muted).stroke();
    if ((count - 1 - i) % every !== 0) return;
    const left = Math.min(Math.max(x - width / 2, plot.left - TICKS_WIDTH), plot.right + 8 - width);
    const stressed = spec.highlight?.index === i;
    pdf.line(label, 'id', left, plot.bottom + 5, { font: stressed ? 'bold' : 'regular', size: LABEL_SIZE, width, align: 'center', color: COLORS.text });
    if (stressed) pdf.line(spec.highlight!.note, 'document', left, plot.bottom + 13, { size: LABEL_SIZE, width, align: 'center', color: COLORS.muted });
  });
}
