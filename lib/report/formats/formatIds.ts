import { UsageError } from '../../errors';

/**
 * The report formats' ids, and nothing else: the HTTP functions check a
 * request's formats with this list without loading the writers. Each id is
 * described and registered in reportFormats.ts (a compile error until it is).
 */
export const FORMAT_IDS = ['json', 'csv', 'pdf', 'parquet', 'html', 'ocsf'] as const;
export type FormatId = (typeof FORMAT_IDS)[number];

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
