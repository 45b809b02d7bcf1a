/**
 * The executive summary: the page a DPO reads first and forwards — key figures
 * on the left, where the violations are and how late on the right, and the worst
 * modules and tenants along the bottom.
 */
import { SEVERITIES, VERDICTS } from '../../../model';
import { formatBytes, formatCount } from '../../../units';
import { drawColumnChart, drawStackedBars, type ChartBox } from '../draw/barCharts';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, MARGIN, SEVERITY_COLORS } from '../draw/pdfTheme';
import { OVERDUE_BUCKETS, type PdfReportModel } from '../PdfReportModel';
import type { PdfRenderInput } from '../PdfRenderInput';
import { worstOffenders } from './worstOffenders';

const LEFT_WIDTH = 250;

/**
 * Key figures, findings per verdict, the two charts and the worst offenders, on one page.
 *
 * @example
 * executiveSummary(pdf, input);
 */
export function executiveSummary(pdf: PdfCanvas, input: PdfRenderInput): void {
  pdf.newPage();
  pdf.heading('Executive summary', 18);
  const top = pdf.doc.y;
  const afterFigures = keyFigures(pdf, input, top);
  const chart: ChartBox = { x: MARGIN.left + LEFT_WIDTH + 30, y: top, width: pdf.width - LEFT_WIDTH - 30 };
  const afterBars = moduleSeverityChart(pdf, chart, input.model);
  const afterHistogram = overdueChart(pdf, { ...chart, y: afterBars + 10 }, input.model);
  worstOffenders(pdf, input, Math.max(afterFigures, afterHistogram) + 8);
}

/** The left column: the figures that matter most, then the count of every verdict. */
function keyFigures(pdf: PdfCanvas, { head }: PdfRenderInput, top: number): number {
  const { summary } = head;
  const kpis: [string, string, string?][] = [
    ['Violations', formatCount(summary.byVerdict.violation), summary.byVerdict.violation > 0 ? COLORS.alarm : COLORS.ok],
    ['of which special-category data (health, biometric)', formatCount(summary.specialCategoryViolations)],
    ['Due soon', formatCount(summary.byVerdict['due-soon'])],
    ['Records held past their deadline', formatCount(summary.recordsPastDeadline)],
    ['Bytes held past their deadline', formatBytes(summary.bytesPastDeadline)],
    ['Items audited', formatCount(summary.items)],
  ];
  let y = top;
  for (const [label, value, color] of kpis) {
    pdf.line(value, 'id', MARGIN.left, y, { font: 'bold', size: 15, width: LEFT_WIDTH, color: color ?? COLORS.text });
    pdf.line(label, 'document', MARGIN.left, y + 18, { size: 8.5, width: LEFT_WIDTH, color: COLORS.muted });
    y += 34;
  }
  y += 4;
  pdf.line('Findings per verdict', 'document', MARGIN.left, y, { font: 'bold', size: 9, width: LEFT_WIDTH, color: COLORS.text });
  y += 14;
  for (const verdict of VERDICTS) {
    pdf.line(verdict, 'id', MARGIN.left, y, { size: 8.5, width: 120, color: COLORS.text });
    pdf.line(formatCount(summary.byVerdict[verdict]), 'id', MARGIN.left + 120, y, { size: 8.5, width: 60, align: 'right' });
    y += 12;
  }
  return y;
}

/** The eight modules with most violations, each bar split by severity. */
function moduleSeverityChart(pdf: PdfCanvas, box: ChartBox, model: PdfReportModel): number {
  const severities = SEVERITIES.filter((s) => s !== 'info');
  const rows = [...model.violationsByModuleSeverity.entries()]
    .map(([module, counts]) => ({ label: module, values: severities.map((s) => counts[s]), total: severities.reduce((n, s) => n + counts[s], 0) }))
    .sort((a, b) => b.total - a.total || a.label.localeCompare(b.label))
    .slice(0, 8);
  const series = severities.map((severity) => ({ label: severity, color: SEVERITY_COLORS[severity] }));
  return drawStackedBars(pdf, box, { title: 'Violations by module and severity', series, rows, empty: 'No violations.' });
}

/** Violations by how many days they are overdue; size caps, which have no date, apart and in grey. */
function overdueChart(pdf: PdfCanvas, box: ChartBox, model: PdfReportModel): number {
  const bars = [
    ...OVERDUE_BUCKETS.map((bucket, i) => ({ label: bucket.label, value: model.overdue.buckets[i] ?? 0, color: COLORS.alarm as string })),
    { label: 'size cap (no date)', value: model.overdue.sizeCaps, color: COLORS.muted },
  ];
  return drawColumnChart(pdf, box, { title: 'How far past the deadline the violating data is', bars });
}
