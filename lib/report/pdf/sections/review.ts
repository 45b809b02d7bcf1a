/**
 * What the tool cannot decide alone: categories whose policy promises deletion
 * without a period, and data exempt under a legal hold (with what it would be
 * without the hold) — a person has to look at each.
 */
import type { Finding } from '../../../model';
import { formatCount } from '../../../units';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import type { PdfRenderInput } from '../PdfRenderInput';
import { pairTable } from './pairTable';

/**
 * The page "Needs review".
 *
 * @example
 * review(pdf, input);
 */
export function review(pdf: PdfCanvas, { model }: PdfRenderInput): void {
  pdf.newPage();
  pdf.heading('Needs review', 18);
  pdf.heading('Categories whose policy gives no retention period', 12);
  pairTable(pdf, model.review, true);
  pdf.heading(`Exempt under a legal hold (${formatCount(model.exempt.total)})`, 12);
  if (model.exempt.total === 0) pdf.paragraph('None.');
  else {
    drawTable<Finding>(
      pdf,
      [
        { header: 'Item', width: 80, value: (f) => f.itemId ?? '–' },
        { header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' },
        { header: 'Module / data category', width: 170, kind: 'label', value: (f) => `${f.module} / ${f.dataCategory}` },
        { header: 'Without the hold', width: 70, value: (f) => f.underlyingVerdict ?? '–' },
        { header: 'Hold', width: 290, kind: 'prose', value: (f) => f.reason },
      ],
      model.exempt.rows,
    );
    pdf.moreLine(model.exempt, 'exempt item');
  }
}
