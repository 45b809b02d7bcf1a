/**
 * The reduce phase's writing step: every report format of the run, fed the
 * final finding lines in itemId order, then finished with the head. It marks
 * repeated itemIds as the lines pass (lib/audit/phases/markRepeated.ts), keeps the
 * reference engine's most serious findings, reports progress, finishes the
 * JSON report first (the others cite its SHA-256) and hashes every report.
 */
import { join } from 'node:path';
import type { Catalog } from '../../catalog/loadCatalog';
import { readLines } from '../../inventory/readLines';
import type { Finding, Verdict } from '../../model';
import { toJsonLine, type FindingLine } from '../../report/FindingSorter';
import { MOST_SERIOUS_LIMIT, MostSeriousCollector } from '../../report/MostSeriousCollector';
import { reportFormats, type FormatId } from '../../report/formats/reportFormats';
import type { FindingRecord, FinishedReports, ReportContext, ReportWriter } from '../../report/formats/ReportFormat';
import type { ReportHead, ResolvedFinding, SeriousFinding, Summary } from '../../report/ReportModel';
import type { SqlBulk } from '../evaluateEntries';
import type { AuditProgress } from '../runAudit';
import { sha256File } from '../sha256File';
import { markRepeated } from './markRepeated';

/** Findings written between two progress reports. */
const PROGRESS_EVERY = 4096;

export interface ReportSetOptions {
  formats: readonly FormatId[];
  outDir: string;
  /** Names the files: `<runId>.<extension>`. */
  runId: string;
  catalog: Catalog;
  /** Rows per module table in the PDF. */
  pdfRowsPerModule: number;
  /** The run's summary, corrected as repeated itemIds are marked invalid. */
  summary: Summary;
  signal?: AbortSignal;
  onProgress?: (progress: AuditProgress) => void;
}

/**
 * The run's report files, from opening to their SHA-256.
 *
 * @example
 * const reports = new ReportSet({ formats: ['json', 'csv'], outDir, runId, catalog, pdfRowsPerModule: 200, summary });
 * reports.open(head);
 * for await (const line of sortedLines) await reports.write(line, items);
 * const sha256 = await reports.finish(head, null);
 */
export class ReportSet {
  /** Report paths by format, the JSON report's first (the order they finish in). */
  readonly paths: Partial<Record<FormatId, string>> = {};
  private writers: ReportWriter[] = [];
  private lastKey: string | null = null;
  private written = 0;
  /** The most serious findings as the reports get them (repeated itemIds already marked); the reference engine's. */
  private readonly serious = new MostSeriousCollector(MOST_SERIOUS_LIMIT);

  constructor(private readonly options: ReportSetOptions) {}

  /** Creates the writers; `draft` is the head as known when findings start to flow (null: not known yet). */
  open(draft: ReportHead | null): void {
    const { options } = this;
    // DuckDB loads when a Parquet report is written: a static import would pack its native binding into every function that imports this module.
    const context = { catalog: options.catalog, pdfRowsPerModule: options.pdfRowsPerModule, openDuck: openDuckLazily };
    // The JSON report finishes first: the others cite its SHA-256.
    const byFinishOrder = [...options.formats].sort((a, b) => Number(b === 'json') - Number(a === 'json'));
    this.writers = byFinishOrder.map((id) => {
      const format = reportFormats[id];
      const path = join(options.outDir, `${options.runId}.${format.extension}`);
      this.paths[id] = path;
      return format.create(path, draft, context);
    });
  }

  /** Hands one finding line, in itemId order, to every writer; a repeated itemId becomes invalid. `total`: for progress. */
  async write({ key, line }: FindingLine, total: number | null): Promise<void> {
    let record = recordOf(line);
    if (key !== null && key === this.lastKey) {
      const duplicate = markRepeated(this.options.summary, record.finding());
      record = recordOf(toJsonLine(duplicate), duplicate);
    }
    this.lastKey = key;
    this.options.signal?.throwIfAborted();
    this.serious.offer(record);
    for (const writer of this.writers) await writer.write(record);
    if (++this.written % PROGRESS_EVERY === 0) this.options.onProgress?.({ phase: 'write', done: this.written, total, unit: 'items' });
  }

  /**
   * The SQL engine's findings all at once: the repeated itemIds are marked first, as
   * write() marks them; then DuckDB writes the lines itself for the writers that take
   * them whole (JSON, Parquet), and hands them one by one to the rest, but for the
   * findings every one of those ignores (the PDF alone: no compliant or waived finding).
   */
  async writeBulk(bulk: SqlBulk, items: number): Promise<void> {
    const { signal, onProgress, summary } = this.options;
    const replaced = (await bulk.repeatedItemIds()).map(({ ord, line }) => ({ ord, line: toJsonLine(markRepeated(summary, JSON.parse(line) as Finding)) }));
    await bulk.replaceLines(replaced);
    const whole = this.writers.filter((candidate) => candidate.writeAll);
    const oneByOne = this.writers.filter((candidate) => !candidate.writeAll);
    // Each report DuckDB writes, and the lines read once for all the others, is a pass over the
    // findings of its own: the bar goes through the passes in turn, each an equal share.
    const passes = whole.length + (oneByOne.length > 0 ? 1 : 0);
    const passProgress = (pass: number) =>
      onProgress && ((fraction: number) => onProgress({ phase: 'write', done: Math.round(((pass + fraction) / passes) * items), total: items, unit: 'items' }));
    for (const [pass, writer] of whole.entries()) {
      signal?.throwIfAborted();
      const progress = passProgress(pass);
      await writer.writeAll!(progress ? { copyLines: (path, options) => bulk.copyLines(path, { ...options, onProgress: progress }) } : bulk);
    }
    if (oneByOne.length > 0) {
      const progress = passProgress(whole.length);
      const left = ignoredByAll(oneByOne);
      // The lines read: the summary's count of each verdict is that of the lines (markRepeated corrects it).
      const lineCount = items - left.reduce((sum, verdict) => sum + summary.byVerdict[verdict], 0);
      // Half the pass is DuckDB's sort of the lines, half reading them (the two interleave when the report is in parts).
      let sorted = 0;
      const report = () => progress?.((sorted + Math.min(this.written / Math.max(lineCount, 1), 1)) / 2);
      const lines = bulk.reportLines(
        progress &&
          ((fraction) => {
            sorted = fraction;
            report();
          }),
        left,
      );
      for await (const line of lines) {
        signal?.throwIfAborted();
        const record = recordOf(line);
        for (const writer of oneByOne) await writer.write(record);
        if (++this.written % PROGRESS_EVERY === 0) report();
      }
    }
    onProgress?.({ phase: 'write', done: items, total: items, unit: 'items' });
  }

  /** The most serious findings of the lines given to write(), the most serious first. */
  mostSerious(): SeriousFinding[] {
    return this.serious.result();
  }

  /**
   * Completes every report with the final head (the JSON report first) and answers
   * each report's SHA-256, hex. `resolvedFile`: the history diff's resolved findings (NDJSON), if any.
   */
  async finish(head: ReportHead, resolvedFile: string | null): Promise<Partial<Record<FormatId, string>>> {
    const finished: FinishedReports = {
      jsonSha256: null,
      resolved: () => resolvedOf(resolvedFile),
    };
    for (const [index, writer] of this.writers.entries()) {
      await writer.finish(head, finished);
      if (index === 0 && this.paths.json) finished.jsonSha256 = await sha256File(this.paths.json);
    }
    const sha256: Partial<Record<FormatId, string>> = {};
    for (const [format, path] of Object.entries(this.paths) as [FormatId, string][]) {
      sha256[format] = format === 'json' && finished.jsonSha256 ? finished.jsonSha256 : await sha256File(path);
    }
    return sha256;
  }

  /** Removes whatever the writers wrote (the run failed); never throws. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.writers.map((writer) => writer.abort()));
  }
}

/** The verdicts every one of the writers ignores (ReportWriter.ignores). */
function ignoredByAll(writers: readonly ReportWriter[]): Verdict[] {
  const [first, ...others] = writers.map((writer) => writer.ignores ?? []);
  return (first ?? []).filter((verdict) => others.every((ignores) => ignores.includes(verdict)));
}

/**
 * DuckDB for the writers that need it (the Parquet writer's COPY), loaded when one does: a static
 * import would pack its native binding into every function that imports a report set.
 *
 * @example
 * const context = { catalog, pdfRowsPerModule: 200, openDuck: openDuckLazily };
 */
export const openDuckLazily: ReportContext['openDuck'] = async (duckOptions) => (await import('../../sql/duck')).openDuck(duckOptions);

/**
 * A finding line for the writers, parsed only if a writer asks for the object.
 *
 * @example
 * recordOf(line).finding().verdict
 */
export function recordOf(line: string, parsed?: Finding): FindingRecord {
  let finding = parsed;
  return { line, finding: () => (finding ??= JSON.parse(line) as Finding) };
}

/**
 * The history diff's resolved findings, read from their NDJSON file (none without one).
 *
 * @example
 * for await (const entry of resolvedOf(resolvedFile)) tail.write(entry);
 */
export async function* resolvedOf(path: string | null): AsyncIterable<ResolvedFinding> {
  if (path === null) return;
  for await (const line of readLines(path)) if (line) yield JSON.parse(line) as ResolvedFinding;
}
