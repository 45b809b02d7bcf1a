/**
 * One part of a partitioned run's reports: the findings of one itemId range
 * (lib/partitioned/cutParts.ts), merged from every sorted findings file (the
 * diff ranges', or without history the partitions'), written as that range's
 * bytes of each report that is put together from parts (JSON, CSV: their
 * `assembly`), with what the reduce needs of them besides: how marking the
 * range's repeated itemIds changed the summary, its most serious findings and
 * what the PDF shows of it. Every copy of an itemId is in one part, so the
 * repeats marked here are exactly those a one-process run marks.
 */
import { markRepeated, summaryDelta, type SummaryDelta } from '../audit/phases/markRepeated';
import { recordOf } from '../audit/phases/ReportSet';
import { mergeSorted, toJsonLine } from '../report/FindingSorter';
import type { FormatId } from '../report/formats/formatIds';
import type { ReportAssembly } from '../report/formats/ReportFormat';
import { csvFormat } from '../report/formats/csvFormat';
import { jsonFormat } from '../report/formats/jsonFormat';
import { MOST_SERIOUS_LIMIT, MostSeriousCollector } from '../report/MostSeriousCollector';
import { PdfModelCollector, type PdfModelState } from '../report/pdf/PdfReportModel';
import { emptySummary } from '../report/ReportModel';
import { partLines, partRange, type SortedSource } from './cutParts';

/** Findings between two progress calls. */
const PROGRESS_EVERY = 4096;

export interface AssemblePartInput {
  /** The part (0-based), and the cuts every part of the run shares. */
  part: number;
  cuts: readonly string[];
  /** Every sorted findings file of the run, in source order (ties of an itemId keep it). */
  sources: readonly SortedSource[];
  /** The run's report formats: a part is written for those put together from parts, and always for JSON (the reduce reads the others' findings from it). */
  formats: readonly FormatId[];
  /** The PDF's rows per module table (when the run writes a PDF). */
  pdfRowsPerModule: number;
  /** Where the part of a format goes. */
  pathOf(format: FormatId): string;
  signal?: AbortSignal;
  /** Findings written so far (every PROGRESS_EVERY, and at the end). */
  onProgress?: (done: number) => void;
}

/** What a part leaves besides its files, as plain JSON. */
export interface PartResult {
  part: number;
  status: 'done';
  findings: number;
  /** Each part file's bytes, by format. */
  bytes: Partial<Record<FormatId, number>>;
  /** How marking the part's repeated itemIds changed the run's summary. */
  delta: SummaryDelta;
  /** The lines of the part's most serious findings (MostSeriousCollector), most serious first. */
  serious: string[];
  /** What the PDF shows of the part (null: the run writes no PDF). */
  pdf: PdfModelState | null;
}

/**
 * The formats put together from parts, with their part writers: the registry's formats that have
 * an `assembly` (a test keeps the two the same). Imported one by one, not through the registry,
 * so that the functions that write parts do not pack every writer (the PDF's pdfkit).
 */
export const PART_ASSEMBLIES: Partial<Record<FormatId, ReportAssembly>> = { json: jsonFormat.assembly!, csv: csvFormat.assembly! };

/**
 * The formats a part is written for: those the run writes that go together from parts, JSON always (first).
 *
 * @example
 * partFormats(['pdf', 'csv']) // ['json', 'csv']
 */
export function partFormats(formats: readonly FormatId[]): FormatId[] {
  return ['json' as FormatId, ...formats.filter((format) => format !== 'json' && PART_ASSEMBLIES[format])];
}

/**
 * How a part is named in progress, errors and the report's reasons.
 *
 * @example
 * describePart(2, 8) // 'Report part 3 of 8'
 */
export function describePart(part: number, parts: number): string {
  return `Report part ${part + 1} of ${parts}`;
}

/**
 * Writes one part. The caller removes its files when the run is done with them.
 *
 * @example
 * const result = await assemblePart({ part: 2, cuts, sources, formats: ['json', 'csv', 'pdf'], pdfRowsPerModule: 200, pathOf: (f) => `parts/2.${f}` });
 * result.findings // the findings of the part's itemId range
 */
export async function assemblePart(input: AssemblePartInput): Promise<PartResult> {
  const { signal } = input;
  signal?.throwIfAborted();
  const range = partRange(input.cuts, input.part);
  const writers = partFormats(input.formats).map((format) => ({ format, writer: PART_ASSEMBLIES[format]!.createPart(input.pathOf(format)) }));
  const delta = emptySummary();
  const serious = new MostSeriousCollector(MOST_SERIOUS_LIMIT);
  const pdf = input.formats.includes('pdf') ? new PdfModelCollector(input.pdfRowsPerModule) : null;
  let lastKey: string | null = null;
  let findings = 0;
  try {
    for await (const { key, line } of mergeSorted(input.sources.map((source) => partLines(source, range)))) {
      signal?.throwIfAborted();
      let record = recordOf(line);
      if (key !== null && key === lastKey) {
        const duplicate = markRepeated(delta, record.finding());
        record = recordOf(toJsonLine(duplicate), duplicate);
      }
      lastKey = key;
      serious.offer(record);
      pdf?.add(record.finding());
      for (const { writer } of writers) await writer.write(record);
      if (++findings % PROGRESS_EVERY === 0) input.onProgress?.(findings);
    }
    const bytes: PartResult['bytes'] = {};
    for (const { format, writer } of writers) bytes[format] = (await writer.close()).bytes;
    input.onProgress?.(findings);
    return { part: input.part, status: 'done', findings, bytes, delta: summaryDelta(delta), serious: serious.keptLines(), pdf: pdf?.toState() ?? null };
  } catch (error) {
    await Promise.all(writers.map(({ writer }) => writer.abort()));
    throw error;
  }
}
