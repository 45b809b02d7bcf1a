/**
 * The deletion forecast: what passes its deadline in the coming days if nothing
 * is deleted — the work to plan before it becomes a violation. Drawn only when
 * the run computed a forecast.
 */
import { formatBytes, formatCount } from '../../../units';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS } from '../draw/pdfTheme';
import { day, plural } from '../draw/pdfWords';
import type { PdfRenderInput } from '../PdfRenderInput';

/**
 * The page "Deletion forecast: the next N days", soonest deadline first.
 *
 * @example
 * forecast(pdf, input); // draws nothing when head.forecast is absent
 */
export function forecast(pdf: PdfCanvas, { head }: PdfRenderInput): void {
  const forecast = head.forecast;
  if (!forecast) return;
  pdf.newPage();
  pdf.heading(`Deletion forecast: the next ${forecast.days} days`, 18);
  pdf.paragraph(
    forecast.items === 0
      ? `No more data passes its deadline by ${day(forecast.until)}.`
      : `If nothing is deleted, ${plural(forecast.items, 'more item')} (${formatCount(forecast.records)} records, ${formatBytes(forecast.bytes)}) pass their deadline by ${day(forecast.until)}. Soonest first:`,
    { size: 11 },
  );
  if (forecast.byModuleTenant.length === 0) return;
  drawTable<(typeof forecast.byModuleTenant)[number]>(
    pdf,
    [
      { header: 'First deadline', width: 80, value: (r) => day(r.firstDeadline) },
      { header: 'Module', width: 170, value: (r) => r.module },
      { header: 'Tenant', width: 150, value: (r) => r.tenantId },
      { header: 'Items', width: 60, align: 'right', value: (r) => formatCount(r.items) },
      { header: 'Records', width: 90, align: 'right', value: (r) => formatCount(r.records) },
      { header: 'Bytes', width: 90, align: 'right', value: (r) => formatBytes(r.bytes) },
    ],
    forecast.byModuleTenant,
  );
  if (forecast.totalGroups > forecast.byModuleTenant.length) {
    pdf.paragraph(`… and ${formatCount(forecast.totalGroups - forecast.byModuleTenant.length)} more module and tenant pairs in the JSON report.`, { color: COLORS.muted, size: 8.5 });
  }
}
