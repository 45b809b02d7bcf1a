import { UsageError } from '../../errors';

/**
 * The report formats by id, with what the edges need to know of each (content
 * type), and nothing that renders: the HTTP functions import this without
 * loading the writers (and pdfkit).
 */
export const FORMAT_IDS = ['json', 'csv', 'pdf', 'parquet', 'html', 'ocsf'] as const;
export type FormatId = (typeof FORMAT_IDS)[number];

export const FORMAT_CONTENT_TYPES: { readonly [K in FormatId]: string } = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
  parquet: 'application/vnd.apache.parquet',
  html: 'text/html; charset=utf-8',
  ocsf: 'application/x-ndjson',
};

/**
 * Parses a `--format` list such as "json,csv" into known, available formats.
 *
 * @example
 * parseFormats('json,csv') // ['json', 'csv']
 */
export function parseFormats(list: string): FormatId[] {
  const ids = [...new Set(list.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))];
  if (ids.length === 0) throw new UsageError(`--format needs at least one of ${FORMAT_IDS.join(', ')}.`);
  for (const id of ids) {
    if (!(FORMAT_IDS as readonly string[]).includes(id)) {
      throw new UsageError(`Unknown report format "${id}": use ${FORMAT_IDS.slice(0, -1).join(', ')} or ${FORMAT_IDS.at(-1)}.`);
    }
  }
  return ids as FormatId[];
}
