import type { Catalog } from '../catalog/loadCatalog';
import type { SnapshotDigest } from '../engine/snapshotDigest';
import { evaluate, type EngineOptions } from '../engine/evaluate';
import type { SourceEntry, SourceProgress } from '../inventory/InventorySource';
import type { Finding, Verdict } from '../model';
import type { DuckOptions } from '../sql/duck';
import type { FindingLine } from '../report/FindingSorter';
import type { BulkFindings } from '../report/formats/ReportFormat';
import type { NdjsonFile, SqlDiff, SqlDiffOptions, SqlTallies, TallyOptions } from '../sql/sqlEngine';
import type { SeriousFinding } from '../report/ReportModel';

import type { EngineKind } from './engineKind';

export { ENGINES, type EngineKind } from './engineKind';

/** The SQL engine's findings as reports take them whole (lib/report/formats/ReportFormat.ts BulkFindings). */
export interface SqlBulk extends BulkFindings {
  repeatedItemIds(): Promise<{ ord: bigint; line: string }[]>;
  replaceLines(lines: readonly { ord: bigint; line: string }[]): Promise<void>;
  /**
   * The report's lines one by one, in its order, replaced lines included (as copyLines writes them),
   * but those whose verdict (as the line has it) is one of `leaveOut`. After a copyLines, they are
   * the lines it wrote, read again from its file (which must then hold them as written, but for
   * its last line's suffix, until they are read).
   * `onProgress`: how far DuckDB's sorting of them is (0 to 1, growing), before and between the lines.
   */
  reportLines(onProgress?: (fraction: number) => void, leaveOut?: readonly Verdict[]): AsyncIterable<string>;
}

/** A finding of the source, or a part of it that could not be read. */
export type Evaluated = { kind: 'gap'; reason: string } | { kind: 'finding'; finding: Finding };

export interface EvaluateEntriesOptions {
  catalog: Catalog;
  engine: EngineOptions;
  kind: EngineKind;
  /** DuckDB's limits (engine sql). */
  duck?: DuckOptions;
  /** The source as a file DuckDB may read itself (engine sql; InventorySource.ndjsonFile). */
  file?: NdjsonFile;
  /** The snapshot digest, to which every item read is added (by {@link Evaluation.digested} when DuckDB read the file). */
  digest?: SnapshotDigest;
  signal?: AbortSignal;
  /**
   * The SQL engine's progress when DuckDB reads `file` itself, as the source's entries would
   * report it: the bytes read, then the items evaluated (SqlEngine.open `onProgress`).
   */
  onProgress?: (progress: SourceProgress) => void;
}

/** Findings again, in the order the next phase needs, as the SQL engine keeps them ('read': the order the entries were read in, a partition's). */
export type FindingOrder = 'itemId' | 'identity' | 'read';

export interface Evaluation {
  /** One finding per entry, in the order read; the unread parts of the snapshot as gaps. */
  evaluations: AsyncIterable<Evaluated>;
  /**
   * The SQL engine only, once `evaluations` is consumed: the findings again, sorted by
   * DuckDB (out of core) by itemId (for the reports) or by identity (for the history diff),
   * as finding lines keyed as the sorters key them. Null for the reference engine.
   */
  reorder: ((order: FindingOrder) => AsyncIterable<FindingLine>) | null;
  /**
   * The SQL engine only, once `evaluations` is consumed (it then yields the gaps alone):
   * the run's tallies of the findings, counted by DuckDB. Null for the reference engine.
   */
  tallies: ((options: TallyOptions) => Promise<SqlTallies>) | null;
  /** The SQL engine only, once `evaluations` is consumed: the history diff as joins (then `reorder('itemId')` gives the diffed lines). */
  diff: ((options: SqlDiffOptions) => Promise<SqlDiff>) | null;
  /**
   * The SQL engine only: the findings for the reports all at once (written by DuckDB),
   * and the findings whose itemId repeats, which the run marks invalid first.
   */
  bulk: SqlBulk | null;
  /**
   * The SQL engine only, once the reports are written (a repeated itemId's findings
   * replaced): the `limit` most serious findings (lib/report/MostSeriousCollector.ts),
   * chosen by one DuckDB query. Null for the reference engine, whose run collects them.
   */
  mostSerious: ((limit: number) => Promise<SeriousFinding[]>) | null;
  /**
   * When DuckDB read the inventory file itself and a digest was given: adds the file's items
   * to it, once `evaluations` is consumed (SqlEngine.addDigestTo: how many items it hashed in
   * SQL and in JavaScript). Null otherwise (each item was added as read).
   */
  digested: (() => Promise<{ inSql: number; inJavaScript: number }>) | null;
  /** Settles once the engine is closed (SqlEngine.close). */
  close(): Promise<void>;
}

/**
 * One finding per entry of the source, in the order read (the reference engine;
 * the SQL engine keeps its findings and answers `tallies` and `reorder`); the parts
 * of the snapshot that could not be read pass through as gaps. An
 * invalid item without an itemId is named by where it stood in the file.
 *
 * @example
 * const evaluation = await openEvaluation(source.entries(), { catalog, engine, kind: 'sql' });
 * for await (const e of evaluation.evaluations) if (e.kind === 'finding') console.log(e.finding.verdict);
 * await evaluation.close();
 */
export async function openEvaluation(entries: AsyncIterable<SourceEntry>, options: EvaluateEntriesOptions): Promise<Evaluation> {
  if (options.kind === 'reference') return { evaluations: referenceEvaluations(entries, options), reorder: null, tallies: null, diff: null, bulk: null, mostSerious: null, digested: null, close: async () => undefined };
  const { SqlEngine } = await import('../sql/sqlEngine');
  const { digest } = options;
  const sql = await SqlEngine.open(options.catalog, options.engine, options.duck, { file: options.file, digest: digest !== undefined, onProgress: options.onProgress });
  async function* evaluations(): AsyncIterable<Evaluated> {
    if (sql.loadedFromFile) return;
    for await (const entry of entries) {
      if (entry.kind === 'gap') {
        yield entry;
        continue;
      }
      options.signal?.throwIfAborted();
      if (entry.kind === 'item') digest?.add(entry.raw, entry.text);
      sql.append(entry);
    }
  }
  return {
    evaluations: evaluations(),
    reorder: (order) => sql.lines(order),
    tallies: (tallyOptions) => sql.tallies(tallyOptions),
    diff: (diffOptions) => sql.diff(diffOptions),
    bulk: sql,
    mostSerious: (limit) => sql.mostSerious(limit),
    // DuckDB read the file itself: the program computed the digest beside the findings.
    digested: sql.loadedFromFile && digest ? () => sql.addDigestTo(digest) : null,
    close: () => sql.close(),
  };
}

async function* referenceEvaluations(entries: AsyncIterable<SourceEntry>, options: EvaluateEntriesOptions): AsyncIterable<Evaluated> {
  for await (const entry of entries) {
    if (entry.kind === 'gap') {
      yield entry;
      continue;
    }
    if (entry.kind === 'parse-error') {
      const finding = evaluate(null, options.catalog, options.engine);
      finding.reason = entry.reason;
      yield { kind: 'finding', finding };
      continue;
    }
    options.digest?.add(entry.raw, entry.text);
    const finding = evaluate(entry.raw, options.catalog, options.engine);
    // An item without an itemId can only be found again by where it stood in the file.
    if (finding.verdict === 'invalid' && finding.itemId === null && entry.location) {
      finding.reason = `${finding.reason.replace(/\.$/, '')} (${entry.location}).`;
    }
    yield { kind: 'finding', finding };
  }
}
