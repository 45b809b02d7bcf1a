/**
 * The table of module and data category pairs, shared by "Data quality"
 * (pairs no policy declares) and "Needs review" (pairs whose policy names no
 * period, with the policy's words).
 */
import { formatBytes, formatCount } from '../../../units';
import { drawTable, type Column } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import type { PairTally } from '../PdfReportModel';

/**
 * The pairs sorted by module then category, or "None.".
 *
 * @example
 * pairTable(pdf, model.review, true); // with the column "What the policy says"
 */
export function pairTable(pdf: PdfCanvas, pairs: Map<string, PairTally>, withClause: boolean): void {
  const rows = [...pairs.values()].sort((a, b) => a.module.localeCompare(b.module) || a.dataCategory.localeCompare(b.dataCategory));
  if (rows.length === 0) {
    pdf.paragraph('None.');
    return;
  }
  const columns: Column<PairTally>[] = [
    { header: 'Module', width: 120, value: (p) => p.module },
    { header: 'Data category', width: 130, value: (p) => p.dataCategory },
    { header: 'Items', width: 45, align: 'right', value: (p) => formatCount(p.items) },
    { header: 'Records', width: 60, align: 'right', value: (p) => formatCount(p.records) },
    { header: 'Bytes', width: 60, align: 'right', value: (p) => formatBytes(p.bytes) },
  ];
  if (withClause) columns.push({ header: 'What the policy says', width: 280, kind: 'document', value: (p) => (p.clauseText ? `“${p.clauseText}” — ${p.clauseSource}` : '–') });
  drawTable(pdf, columns, rows);
}
