/**
 * A partitioned run's reports put together from its parts (lib/partitioned/assemblePart.ts)
 * once the head is final: JSON and CSV as head + parts + tail, concatenated
 * where the parts are (files here, objects in S3 on the state machine: a
 * PartStore); the PDF from the parts' merged PDF models; the other formats
 * (HTML, OCSF, Parquet) written here from the JSON parts' findings. The reduce
 * gives it to finishAudit in place of a ReportSet: the same reports, byte for
 * byte, as a one-process run writes.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReports } from '../audit/phases/finishAudit';
import { absorbDelta } from '../audit/phases/markRepeated';
import { openDuckLazily, recordOf, resolvedOf } from '../audit/phases/ReportSet';
import type { Catalog } from '../catalog/loadCatalog';
import type { FormatId } from '../report/formats/formatIds';
import type { FinishedReports, ReportContext, ReportWriter } from '../report/formats/ReportFormat';
import { reportFormats } from '../report/formats/reportFormats';
import { MOST_SERIOUS_LIMIT, MostSeriousCollector } from '../report/MostSeriousCollector';
import { PdfModelCollector } from '../report/pdf/PdfReportModel';
import type { ReportHead, SeriousFinding, Summary } from '../report/ReportModel';
import { sha256File } from '../audit/sha256File';
import type { PartResult } from './assemblePart';

/** A part as the reduce finds it: done, or failed after its retries (its findings are missing from the reports). */
export type PartOutcome = PartResult | { part: number; status: 'failed'; error: string };

/** Where a format's assembled report is, and its SHA-256; `stored`: already where reports are kept (the reports bucket). */
export interface AssembledReport {
  path: string;
  sha256: string;
  stored?: { key: string; bytes: number };
}

/** Where the parts' files are, and how a report is put together there. */
export interface PartStore {
  /** Puts a format's report together: `head`, then the first `bytes` of each listed part's file, in order, then the file at `tailPath`. */
  assemble(input: { format: FormatId; head: Buffer; parts: readonly { part: number; bytes: number }[]; tailPath: string; signal?: AbortSignal }): Promise<AssembledReport>;
  /** The lines of a part's JSON file (each a finding line and a comma). */
  jsonLines(part: number): AsyncIterable<string>;
  describe(): string;
}

export interface AssembledReportsOptions {
  formats: readonly FormatId[];
  outDir: string;
  runId: string;
  catalog: Catalog;
  pdfRowsPerModule: number;
  parts: readonly PartOutcome[];
  /** Null: no report is written (a dry run on the state machine, which stores none); finish() answers no hash. */
  store: PartStore | null;
  /** A folder for the tails while they are assembled. */
  workDir: string;
  signal?: AbortSignal;
}

/**
 * The reports of a partitioned run, from its parts.
 *
 * @example
 * const reports = new AssembledReports({ formats, outDir, runId, catalog, pdfRowsPerModule: 200, parts, store, workDir });
 * reports.absorb(counts.summary); reports.open(head);
 * await reports.finish(head, resolvedFile) // { json: 'ab12…', csv: '…' }
 */
export class AssembledReports implements RunReports {
  /** Local report paths by format (a report put together in the reports bucket is in `stored` instead). */
  readonly paths: Partial<Record<FormatId, string>> = {};
  /** The reports already where reports are kept, by format. */
  readonly stored: Partial<Record<FormatId, { key: string; bytes: number }>> = {};
  private draft: ReportHead | null = null;
  private readonly done: PartResult[];

  constructor(private readonly options: AssembledReportsOptions) {
    this.done = options.parts.filter((part): part is PartResult => part.status === 'done');
  }

  /** Corrects the run's summary by every part's repeated itemIds, and answers the failed parts' reasons (the run is incomplete without them). */
  absorb(summary: Summary): string[] {
    for (const part of this.done) absorbDelta(summary, part.delta);
    return this.options.parts.flatMap((part) => (part.status === 'failed' ? [part.error] : []));
  }

  /**
   * Notes the head as known before repeated itemIds are marked (the JSON report reserves its space
   * from it, as a one-process run's writer does when it opens): a copy, since the head changes after.
   */
  open(draft: ReportHead | null): void {
    this.draft = draft && structuredClone(draft);
  }

  /** The run's most serious findings: the parts' own, ranked together (each part kept its top ones). */
  mostSerious(): SeriousFinding[] {
    const collector = new MostSeriousCollector(MOST_SERIOUS_LIMIT);
    for (const part of this.done) for (const line of part.serious) collector.offer(recordOf(line));
    return collector.result();
  }

  /** Completes every report with the final head (JSON first: the others cite its SHA-256); answers each one's SHA-256. */
  async finish(head: ReportHead, resolvedFile: string | null): Promise<Partial<Record<FormatId, string>>> {
    const { formats } = this.options;
    if (!this.options.store) return {};
    const finished: FinishedReports = { jsonSha256: null, resolved: () => resolvedOf(resolvedFile) };
    const sha256: Partial<Record<FormatId, string>> = {};
    const assembled = formats.filter((format) => reportFormats[format].assembly).sort((a, b) => Number(b === 'json') - Number(a === 'json'));
    for (const format of assembled) {
      const report = await this.assembleOne(format, head, finished);
      sha256[format] = report.sha256;
      if (report.stored) this.stored[format] = report.stored;
      else this.paths[format] = report.path;
      if (format === 'json') finished.jsonSha256 = report.sha256;
    }
    for (const [format, path] of await this.writeOthers(head, finished)) {
      this.paths[format] = path;
      sha256[format] = await sha256File(path);
    }
    return sha256;
  }

  /** Removes the reports it wrote on this machine (the run failed; the parts are the caller's); never throws. */
  async abort(): Promise<void> {
    await Promise.allSettled(Object.values(this.paths).map((path) => rm(path, { force: true })));
  }

  private async assembleOne(format: FormatId, head: ReportHead, finished: FinishedReports): Promise<AssembledReport> {
    const assembly = reportFormats[format].assembly!;
    const tailPath = join(this.options.workDir, `tail.${reportFormats[format].extension}`);
    await assembly.writeTail(tailPath, head, finished);
    // Every part's bytes, the last non-empty one without its trailing separator (JSON's ",\n").
    const last = this.done.findLastIndex((part) => (part.bytes[format] ?? 0) > 0);
    const parts = this.done.flatMap((part, index) => {
      const bytes = (part.bytes[format] ?? 0) - (index === last ? assembly.trimLast : 0);
      return bytes > 0 ? [{ part: part.part, bytes }] : [];
    });
    return this.options.store!.assemble({ format, head: assembly.head(this.draft, head), parts, tailPath, signal: this.options.signal });
  }

  /**
   * The formats that are not put together from parts: the PDF from the parts' merged models, the
   * rest (HTML, OCSF, Parquet) fed the findings again from the JSON parts, in one read.
   */
  private async writeOthers(head: ReportHead, finished: FinishedReports): Promise<[FormatId, string][]> {
    const { options } = this;
    const others = options.formats.filter((format) => !reportFormats[format].assembly);
    if (others.length === 0) return [];
    const pdfModel = others.includes('pdf') ? this.pdfModel() : undefined;
    const context: ReportContext = { catalog: options.catalog, pdfRowsPerModule: options.pdfRowsPerModule, openDuck: openDuckLazily, pdfModel };
    const writers = others.map((format) => ({ format, path: join(options.outDir, `${options.runId}.${reportFormats[format].extension}`) }));
    const opened: ReportWriter[] = writers.map(({ format, path }) => reportFormats[format].create(path, this.draft, context));
    try {
      const fed = opened.filter((_, index) => writers[index]!.format !== 'pdf');
      if (fed.length > 0) {
        for (const part of this.done) {
          for await (const text of options.store!.jsonLines(part.part)) {
            if (!text) continue;
            options.signal?.throwIfAborted();
            const record = recordOf(text.endsWith(',') ? text.slice(0, -1) : text);
            for (const writer of fed) await writer.write(record);
          }
        }
      }
      for (const writer of opened) await writer.finish(head, finished);
    } catch (error) {
      await Promise.allSettled(opened.map((writer) => writer.abort()));
      throw error;
    }
    return writers.map(({ format, path }) => [format, path]);
  }

  /** The PDF's model: every part's, absorbed in part order. */
  private pdfModel(): PdfModelCollector {
    const collector = new PdfModelCollector(this.options.pdfRowsPerModule);
    for (const part of this.done) if (part.pdf) collector.absorb(part.pdf);
    return collector;
  }
}

