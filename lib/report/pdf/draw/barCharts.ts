/**
 * The bar charts of the executive summary, drawn from plain numbers so that the
 * sections only say what to count: stacked horizontal bars (one row per name,
 * one segment per series) and vertical columns (one per bucket). Each returns
 * the y below what it drew.
 */
import { formatCount } from '../../../units';
import type { PdfCanvas } from './PdfCanvas';
import { COLORS } from './pdfTheme';

/** Where a chart goes: its top left corner and its width. */
export interface ChartBox {
  x: number;
  y: number;
  width: number;
}

export interface StackedBarsSpec {
  title: string;
  /** The segments of every bar, in order, with the legend's words. */
  series: readonly { label: string; color: string }[];
  /** One bar each: `values` in the order of `series`. */
  rows: readonly { label: string; values: readonly number[]; total: number }[];
  /** What to say when there are no rows. */
  empty: string;
}

/**
 * Horizontal bars stacked by series, under a title and a legend; each bar ends
 * in its total.
 *
 * @example
 * drawStackedBars(pdf, { x: 320, y: 90, width: 480 }, { title: 'Violations by module', series, rows, empty: 'No violations.' })
 */
export function drawStackedBars(pdf: PdfCanvas, box: ChartBox, spec: StackedBarsSpec): number {
  const { x, y, width } = box;
  pdf.line(spec.title, 'document', x, y, { font: 'bold', size: 9, width, color: COLORS.text });
  let cursor = y + 16;
  let legendX = x;
  for (const series of spec.series) {
    pdf.doc.rect(legendX, cursor + 1, 8, 8).fill(series.color);
    pdf.line(series.label, 'id', legendX + 11, cursor, { size: 7.5, width: 48, color: COLORS.text });
    legendX += 60;
  }
  cursor += 16;
  if (spec.rows.length === 0) {
    pdf.line(spec.empty, 'document', x, cursor, { size: 8.5, width, color: COLORS.muted });
    return cursor + 14;
  }
  const labelWidth = 150;
  const barWidth = width - labelWidth - 50;
  const max = Math.max(...spec.rows.map((r) => r.total));
  for (const row of spec.rows) {
    pdf.line(row.label, 'id', x, cursor + 1, { size: 7.5, width: labelWidth - 6, color: COLORS.text });
    let barX = x + labelWidth;
    spec.series.forEach((series, i) => {
      const w = ((row.values[i] ?? 0) / max) * barWidth;
      if (w > 0) pdf.doc.rect(barX, cursor, w, 11).fill(series.color);
      barX += w;
    });
    pdf.line(formatCount(row.total), 'id', barX + 4, cursor + 1, { size: 7.5, width: 46, color: COLORS.text });
    cursor += 15;
  }
  return cursor;
}

export interface ColumnChartSpec {
  title: string;
  bars: readonly { label: string; value: number; color: string }[];
}

/**
 * Vertical columns on a base line, each with its value above it and its label
 * below.
 *
 * @example
 * drawColumnChart(pdf, { x: 320, y: 260, width: 480 }, { title: 'Days overdue', bars: [{ label: '0–7 days', value: 7, color: COLORS.alarm }] })
 */
export function drawColumnChart(pdf: PdfCanvas, box: ChartBox, spec: ColumnChartSpec): number {
  const { x, y, width } = box;
  const doc = pdf.doc;
  pdf.line(spec.title, 'document', x, y, { font: 'bold', size: 9, width, color: COLORS.text });
  const chartTop = y + 18;
  const chartHeight = 80;
  const max = Math.max(1, ...spec.bars.map((b) => b.value));
  const slot = width / spec.bars.length;
  doc.moveTo(x, chartTop + chartHeight).lineTo(x + width, chartTop + chartHeight).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
  spec.bars.forEach((bar, i) => {
    const h = (bar.value / max) * (chartHeight - 12);
    const bx = x + i * slot + slot * 0.2;
    if (h > 0) doc.rect(bx, chartTop + chartHeight - h, slot * 0.6, h).fill(bar.color);
    const style = { size: 7.5, width: slot, align: 'center', color: COLORS.text } as const;
    pdf.line(formatCount(bar.value), 'id', x + i * slot, chartTop + chartHeight - h - 10, style);
    pdf.line(bar.label, 'document', x + i * slot, chartTop + chartHeight + 3, style);
  });
  return chartTop + chartHeight + 16;
}
