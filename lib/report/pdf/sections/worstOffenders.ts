/**
 * The foot of the executive summary: the five modules and the five tenants with
 * most violations, side by side — whom the DPO calls first.
 */
import { formatCount } from '../../../units';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, MARGIN } from '../draw/pdfTheme';
import { plural } from '../draw/pdfWords';
import type { PdfRenderInput } from '../PdfRenderInput';

/**
 * Two ranked lists from y down: worst modules (left) and worst tenants (right).
 *
 * @example
 * worstOffenders(pdf, input, 470);
 */
export function worstOffenders(pdf: PdfCanvas, { head, model }: PdfRenderInput, y: number): void {
  const half = (pdf.width - 20) / 2;
  const modules = Object.entries(head.summary.byModule)
    .filter(([, tally]) => tally.violations > 0)
    .sort((a, b) => b[1].violations - a[1].violations || a[0].localeCompare(b[0]))
    .slice(0, 5);
  const tenants = [...model.tenants.entries()].sort((a, b) => b[1].violations - a[1].violations || a[0].localeCompare(b[0])).slice(0, 5);
  const list = (x: number, title: string, rows: [string, string][]) => {
    let cursor = y;
    pdf.line(title, 'document', x, cursor, { font: 'bold', size: 9, width: half, color: COLORS.text });
    cursor += 14;
    if (rows.length === 0) pdf.line('None.', 'document', x, cursor, { size: 8.5, width: half, color: COLORS.muted });
    for (const [name, value] of rows) {
      pdf.line(name, 'id', x, cursor, { size: 8.5, width: half - 150, color: COLORS.text });
      pdf.line(value, 'id', x + half - 150, cursor, { size: 8.5, width: 150, align: 'right' });
      cursor += 12;
    }
  };
  list(MARGIN.left, 'Worst modules (violations)', modules.map(([m, t]) => [m, plural(t.violations, 'violation')]));
  list(
    MARGIN.left + half + 20,
    `Worst tenants (violations, records)${model.tenantsApproximate ? ' — approximate' : ''}`,
    tenants.map(([tenant, t]) => [tenant, `${plural(t.violations, 'violation')}, ${formatCount(t.records)} records`]),
  );
}
