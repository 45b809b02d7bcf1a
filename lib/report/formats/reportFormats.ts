import { UsageError } from '../../errors';
import { csvFormat } from './csvFormat';
import { jsonFormat } from './jsonFormat';
import { pdfFormat } from './pdfFormat';
import type { ReportFormat } from './ReportFormat';

export const FORMAT_IDS = ['json', 'csv', 'pdf'] as const;
export type FormatId = (typeof FORMAT_IDS)[number];

/** Report formats by id: each renders the same findings. */
export const reportFormats: { readonly [K in FormatId]: ReportFormat } = {
  json: jsonFormat,
  csv: csvFormat,
  pdf: pdfFormat,
};

/**
 * Parses a `--format` list such as "json,csv" into known, available formats.
 *
 * @example
 * parseFormats('json,csv') // ['json', 'csv']
 */
export function parseFormats(list: string): FormatId[] {
  const ids = [...new Set(list.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))];
  if (ids.length === 0) throw new UsageError('--format needs at least one of json, csv, pdf.');
  for (const id of ids) {
    if (!(FORMAT_IDS as readonly string[]).includes(id)) {
      throw new UsageError(`Unknown report format "${id}": use json, csv or pdf.`);
    }
  }
  return ids as FormatId[];
}
