import { rename, rm } from 'node:fs/promises';
import { PDF_IGNORED_VERDICTS, PdfModelCollector, type CappedList } from '../pdf/PdfReportModel';
import type { ResolvedFinding } from '../ReportModel';
import type { ReportFormat } from './ReportFormat';

/**
 * The PDF a DPO reads and forwards: cover, executive summary with charts, the
 * changes since the last run with the scope's trend, the deletion forecast, the
 * violations per module, data quality, what needs review, and the method and
 * rules (lib/report/pdf/renderPdf.ts lists the sections). It renders the same
 * findings as the JSON and CSV; memory stays bounded because tables keep only
 * their first rows (the rest is counted).
 */
export const pdfFormat: ReportFormat = {
  extension: 'pdf',
  contentType: 'application/pdf',
  description: "the DPO's report: summary, charts and the violations per module",
  attachRank: 0,
  create(path, _draft, context) {
    // An assembled run's model comes collected from its parts (lib/partitioned/AssembledReports.ts).
    const collector = context.pdfModel ?? new PdfModelCollector(context.pdfRowsPerModule);
    const partialPath = `${path}.partial`;
    return {
      ignores: PDF_IGNORED_VERDICTS,
      async write(record) {
        collector.add(record.finding());
      },
      async finish(head, finished) {
        // pdfkit and its fonts load only when a PDF is asked for.
        const { renderPdf } = await import('../pdf/renderPdf');
        const resolved: CappedList<ResolvedFinding> = { rows: [], total: 0 };
        for await (const entry of finished.resolved()) {
          resolved.total += 1;
          if (resolved.rows.length < context.pdfRowsPerModule) resolved.rows.push(entry);
        }
        await renderPdf({ head, model: collector.model(), catalog: context.catalog, jsonSha256: finished.jsonSha256, resolved }, partialPath);
        await rename(partialPath, path);
      },
      async abort() {
        await rm(partialPath, { force: true });
      },
    };
  },
};
