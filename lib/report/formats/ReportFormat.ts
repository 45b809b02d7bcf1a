import type { Catalog } from '../../catalog/loadCatalog';
import type { openDuck } from '../../sql/duck';
import type { Finding, Verdict } from '../../model';
import type { PdfModelCollector } from '../pdf/PdfReportModel';
import type { ReportHead, ResolvedFinding } from '../ReportModel';

/** What a format may need besides the findings. */
export interface ReportContext {
  catalog: Catalog;
  /** Rows per module table in the PDF (the rest is counted and left to the JSON and CSV). */
  pdfRowsPerModule: number;
  /**
   * Opens an embedded DuckDB (the Parquet writer's COPY). Injected by the audit: a
   * static import here would pack DuckDB's native binding into every function that
   * only names formats (the HTTP functions, the failure handler).
   */
  openDuck: typeof openDuck;
  /**
   * The PDF's model already collected (a partitioned run: every part's state absorbed in
   * part order, lib/partitioned/AssembledReports.ts); the PDF writer then gets no findings.
   */
  pdfModel?: PdfModelCollector;
}

/** What writers get when the findings are done: the JSON report's hash (it finishes first), and the resolved findings. */
export interface FinishedReports {
  jsonSha256: string | null;
  /** Violations of the previous run that are gone, streamed (empty without history). */
  resolved(): AsyncIterable<ResolvedFinding>;
}

/**
 * A finding on its way to the report writers: serialized once as its JSON line;
 * `finding()` parses it back (once) for the formats that need the object.
 */
export interface FindingRecord {
  line: string;
  finding(): Finding;
}

/**
 * A report's own row for each finding, made from its JSON line (`line`, an SQL expression in the first
 * two): in SQL for the lines `sqlCan` accepts, in JavaScript for the others. The engine ends each row
 * with a line break (a row may hold others, in a quoted cell).
 *
 * @example
 * await findings.copyLines('report.csv.partial', { before: ['itemId,…'], rows: CSV_ROWS });
 */
export interface LineRows {
  sqlCan(line: string): string;
  sql(line: string): string;
  js(line: string): string;
}

/**
 * All the findings at once, as an engine that keeps them can give them (the SQL
 * engine: DuckDB writes the lines itself, no finding passes through JavaScript).
 */
export interface BulkFindings {
  /**
   * Writes to `path` (a new file) the `before` lines, then every finding's JSON line
   * in the report's order followed by `suffix`; each line ends with '\n'. Answers
   * how many findings it wrote. With `rows`, each finding's row instead of its line
   * (and no suffix). The engine may read the lines back from that file for
   * the run's other reports: the writer may cut the last line's suffix and LF, add
   * after them, rename or replace the file, but not change the lines. `onProgress`: how far the writing is (0 to 1, growing)
   * as it goes, and 1 once done.
   */
  copyLines(path: string, options?: { before?: readonly string[]; suffix?: string; rows?: LineRows; onProgress?: (fraction: number) => void }): Promise<number>;
}

/** Writes one report file. Findings arrive in the report's order; the head arrives last, when it is known. */
export interface ReportWriter {
  write(record: FindingRecord): Promise<void>;
  /** Instead of write(), when the engine gives all findings at once and every writer of the run takes them so. */
  writeAll?(findings: BulkFindings): Promise<void>;
  /**
   * Verdicts whose findings write() ignores: an engine that gives the findings at once leaves them
   * out of the lines it reads out for the writers that ignore them all (the PDF: compliant, waived).
   */
  ignores?: readonly Verdict[];
  /** Completes the file at its final path. */
  finish(head: ReportHead, finished: FinishedReports): Promise<void>;
  /** Removes anything written so far (the run failed). */
  abort(): Promise<void>;
}

/** Writes one part: the bytes its findings take in the report, nothing else. */
export interface PartWriter {
  write(record: FindingRecord): Promise<void>;
  /** Closes the file; answers its bytes. */
  close(): Promise<{ bytes: number }>;
  /** Removes the file; never throws. */
  abort(): Promise<void>;
}

/**
 * How a format's report is put together from parts written apart: the report's bytes are head()
 * + every part's bytes in order, the last non-empty part without its last `trimLast` bytes, + the tail.
 *
 * @example
 * const assembly = reportFormats.json.assembly!;
 * const part = assembly.createPart('part-0003.json');
 * for (const record of records) await part.write(record);
 * const { bytes } = await part.close();
 * // reduce: assembly.head(draft, head), the parts in order (the last non-empty one cut by trimLast), then
 * await assembly.writeTail('tail.json', head, finished);
 */
export interface ReportAssembly {
  createPart(path: string): PartWriter;
  /** Bytes cut from the end of the last non-empty part (JSON: its ",\n"); 0 for CSV. */
  trimLast: number;
  /** The bytes before the findings. `draft` is the head as known when findings started (the JSON writer reserves space from it, see create()), `head` the final one. */
  head(draft: ReportHead | null, head: ReportHead): Buffer;
  /** Writes the bytes after the findings (resolved findings, closing) to a new file at `path`; answers its bytes. */
  writeTail(path: string, head: ReportHead, finished: FinishedReports): Promise<number>;
}

/**
 * One report format, self-described: what the CLI, the HTTP schema, uploads,
 * mail attachments, links and `verify` need to know of it, and its writer. Each
 * lives in its own module (lib/report/formats/<id>Format.ts) and is registered
 * once in reportFormats.ts; nothing else names formats.
 */
export interface ReportFormat {
  /** The file's extension, which is also the id users name in `--format` and `POST /audits`. */
  extension: string;
  /** The media type the report is stored, served and attached with. */
  contentType: string;
  /** What it is, in a few words, for `--help` and the README. */
  description: string;
  /** Its place among the digest's attachments (lower first, as far as the size limit allows); null: linked only, never attached. */
  attachRank: number | null;
  /**
   * Starts a report that will be written to `path`. `draft` is the head as far
   * as it is known when findings start to flow (null when they flow at once).
   */
  create(path: string, draft: ReportHead | null, context: ReportContext): ReportWriter;
  /** How the report is put together from parts written apart (a partitioned run); only the formats that can be (json, csv). */
  assembly?: ReportAssembly;
}
