/**
 * The audit PDF as the list of its sections, in the order a DPO reads them.
 * Each section is one function in sections/; what they draw with (the canvas,
 * tables, charts, page furniture, colours) is in draw/.
 */
import { PdfCanvas } from './draw/PdfCanvas';
import { drawPageFurniture } from './draw/pageFurniture';
import { pdfSafeText } from './pdfSafeText';
import type { PdfRenderInput, PdfSection } from './PdfRenderInput';
import { changes } from './sections/changes';
import { cover } from './sections/cover';
import { dataQuality } from './sections/dataQuality';
import { executiveSummary } from './sections/executiveSummary';
import { forecast } from './sections/forecast';
import { methodAndRules } from './sections/methodAndRules';
import { moduleViolations } from './sections/moduleViolations';
import { review } from './sections/review';

export type { PdfRenderInput } from './PdfRenderInput';

/** The report's sections, in order; each starts on a new page (the forecast only when there is one). */
const SECTIONS: readonly PdfSection[] = [cover, executiveSummary, changes, forecast, moduleViolations, dataQuality, review, methodAndRules];

/**
 * Renders the audit PDF from the report head and the bounded PDF model.
 *
 * @example
 * await renderPdf({ head, model, catalog, jsonSha256, resolved }, 'reports/run.pdf');
 */
export async function renderPdf(input: PdfRenderInput, path: string): Promise<void> {
  const { run } = input.head;
  const pdf = new PdfCanvas({
    Title: `Data retention audit ${pdfSafeText(run.id, 'id')}`,
    Subject: `Retention audit of snapshot ${pdfSafeText(run.snapshotId ?? '(none)', 'id')}`,
    Author: 'retention-auditor',
    Creator: 'retention-auditor',
    // The run's own time, not the clock: the same run renders to the same bytes.
    CreationDate: new Date(run.finishedAt),
  });
  for (const section of SECTIONS) section(pdf, input);
  drawPageFurniture(pdf, input.head, input.jsonSha256);
  await pdf.writeTo(path);
}
