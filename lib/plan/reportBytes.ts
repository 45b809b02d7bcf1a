import type { FormatId } from '../report/formats/formatIds';
import { ASSUMED, MEASURED } from './throughput';

const BYTES_PER_FINDING: { readonly [K in FormatId]: number | null } = {
  json: MEASURED.findingJsonBytes,
  csv: MEASURED.findingCsvBytes,
  parquet: MEASURED.findingParquetBytes,
  // The PDF lists at most `pdfRows` findings per module: its size does not follow the item count.
  pdf: null,
  html: MEASURED.findingHtmlBytes,
  ocsf: MEASURED.findingOcsfBytes,
};

/**
 * What each report of a run over `items` items weighs (one finding per item), in bytes.
 *
 * @example
 * reportBytes(10_000_000, ['json', 'csv']) // { json: 9_200_000_000, csv: 5_400_000_000 }
 */
export function reportBytes(items: number, formats: readonly FormatId[]): Partial<Record<FormatId, number>> {
  return Object.fromEntries(formats.map((format) => [format, bytesOf(format, items)]));
}

function bytesOf(format: FormatId, items: number): number {
  const perFinding = BYTES_PER_FINDING[format];
  return perFinding === null ? ASSUMED.pdfBytes : items * perFinding;
}
