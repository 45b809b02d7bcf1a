/**
 * Data quality: items that break the inventory contract and data no policy
 * declares. Neither can be shown compliant, so both are compliance gaps the DPO
 * must see, not noise to drop.
 */
import type { Finding } from '../../../model';
import { formatCount } from '../../../units';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS } from '../draw/pdfTheme';
import type { PdfRenderInput } from '../PdfRenderInput';
import { pairTable } from './pairTable';

/**
 * The page "Data quality": invalid items with why, then unmapped pairs.
 *
 * @example
 * dataQuality(pdf, input);
 */
export function dataQuality(pdf: PdfCanvas, { model }: PdfRenderInput): void {
  pdf.newPage();
  pdf.heading('Data quality', 18);
  pdf.paragraph(
    'Items that break the inventory contract cannot be shown compliant; module and category pairs that no policy declares are data held without a retention promise. Both are compliance gaps in themselves.',
    { color: COLORS.muted },
  );
  pdf.heading(`Invalid items (${formatCount(model.invalid.total)})`, 12);
  if (model.invalid.total === 0) pdf.paragraph('None.');
  else {
    drawTable<Finding>(
      pdf,
      [
        { header: 'Item', width: 90, value: (f) => f.itemId ?? '(no itemId)' },
        { header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' },
        { header: 'Module', width: 110, value: (f) => f.module ?? '–' },
        { header: 'Data category', width: 110, value: (f) => f.dataCategory ?? '–' },
        { header: 'Why it is invalid', width: 300, kind: 'prose', value: (f) => f.reason },
      ],
      model.invalid.rows,
    );
    pdf.moreLine(model.invalid, 'invalid item');
  }
  pdf.heading(`Unmapped module and category pairs (${formatCount(model.unmapped.size)})`, 12);
  pairTable(pdf, model.unmapped, false);
}
