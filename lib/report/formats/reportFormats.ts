import { csvFormat } from './csvFormat';
import { FORMAT_IDS, type FormatId } from './formatIds';
import { htmlFormat } from './htmlFormat';
import { jsonFormat } from './jsonFormat';
import { ocsfFormat } from './ocsfFormat';
import { parquetFormat } from './parquetFormat';
import { pdfFormat } from './pdfFormat';
import type { ReportFormat } from './ReportFormat';

export { FORMAT_IDS, parseFormats, type FormatId } from './formatIds';

/**
 * The registry of report formats, by id. Its type makes a format declared in
 * FORMAT_IDS but not registered here a compile error; the CLI, uploads, mail
 * attachments and `verify` read only this object (a format's extension is its id:
 * test/lib/report/formats/reportFormats.test.ts). Heavy renderers (pdfkit,
 * DuckDB) load inside the writers, so importing the registry stays cheap.
 */
export const reportFormats: { readonly [K in FormatId]: ReportFormat } = {
  json: jsonFormat,
  csv: csvFormat,
  pdf: pdfFormat,
  parquet: parquetFormat,
  html: htmlFormat,
  ocsf: ocsfFormat,
};

/**
 * The formats in words, for `--help`.
 *
 * @example
 * describeFormats() // 'json (the contract\'s report: …), csv (…), …'
 */
export function describeFormats(): string {
  return FORMAT_IDS.map((id) => `${id} (${reportFormats[id].description})`).join(', ');
}
