import { csvFormat } from './csvFormat';
import type { FormatId } from './formatIds';
import { parquetFormat } from './parquetFormat';
import { jsonFormat } from './jsonFormat';
import { pdfFormat } from './pdfFormat';
import type { ReportFormat } from './ReportFormat';

export { FORMAT_IDS, parseFormats, type FormatId } from './formatIds';

/** Report formats by id: each renders the same findings. */
export const reportFormats: { readonly [K in FormatId]: ReportFormat } = {
  json: jsonFormat,
  csv: csvFormat,
  pdf: pdfFormat,
  parquet: parquetFormat,
};
