/**
 * The audit use case, as its phases: plan (open the source, choose the snapshot),
 * map (evaluate every entry into findings and count them), reduce (the head,
 * the history diff, the reports in itemId order, the most serious findings, the
 * history commit). Each phase is a module of lib/audit/phases/; this file holds
 * the options, calls the phases in order and cleans up when one fails.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { SnapshotDigest } from '../engine/snapshotDigest';
import type { HistoryStore } from '../history/HistoryStore';
import type { InventorySource, SourceProgress } from '../inventory/InventorySource';
import { MOST_SERIOUS_LIMIT } from '../report/MostSeriousCollector';
import type { FormatId } from '../report/formats/reportFormats';
import type { ReportHead, SeriousFinding, Trigger } from '../report/ReportModel';
import type { DuckOptions } from '../sql/duck';
import { MEASURED } from '../plan/throughput';
import { AUTO_SQL_ITEMS, chooseEngine, engineChoice, type EngineChoice, type RunEngine } from './engineKind';
import { openEvaluation } from './evaluateEntries';
import { assembleHead } from './phases/assembleHead';
import { diffWithHistory, type HistoryDiff } from './phases/diffWithHistory';
import { FindingRouter, OrderBroken } from './phases/FindingRouter';
import { mapFindings } from './phases/mapFindings';
import { planAudit, type AuditPlan } from './phases/planAudit';
import { applyDiff, finishAudit, reportSetOf, type StoredReportRef } from './phases/finishAudit';
import { runTally } from './phases/SnapshotTally';
import type { PendingHistory } from './phases/prepareHistoryCommit';
import { reduceMapped, type MappedRun } from '../partitioned/reduceMapped';

export { commitHistory, type PendingHistory } from './phases/prepareHistoryCommit';

export interface AuditProgress extends SourceProgress {
  phase: 'evaluate' | 'write';
}

export interface RunAuditOptions {
  source: InventorySource;
  catalog: Catalog;
  engine: EngineOptions;
  formats: readonly FormatId[];
  outDir: string;
  trigger: Trigger;
  runId?: string;
  /** Compare with the previous completed run of `scope` and remember this one (null: no history). */
  history?: { store: HistoryStore; scope: string } | null;
  /**
   * Leave the history commit to the caller (`result.pendingHistory`), for callers
   * that still have work to do (storing the reports) before the run counts.
   */
  deferHistoryCommit?: boolean;
  /** Where the history should say a report is kept (default: its absolute local path). */
  reportLocation?: (format: FormatId, localPath: string) => string;
  /**
   * Runs the trend shows, this one included (default DEFAULTS.trendRuns): the
   * scope's last `trendRuns - 1` committed runs and this one (`head.trend`).
   */
  trendRuns?: number;
  /** Days of the deletion forecast (default 30). */
  forecastDays?: number;
  /** A snapshot captured longer ago than this, in hours, is stale (default 48). */
  staleAfterHours?: number;
  /** Rows per module table in the PDF (default 200). */
  pdfRowsPerModule?: number;
  /** Characters of findings held in memory before sorting spills to disk (default 16 M). */
  sortBudgetChars?: number;
  /** Spill the sorts' runs compressed (FindingSorter `compress`): less disk for more CPU (default false). */
  compressSpills?: boolean;
  now?: () => Date;
  onProgress?: (progress: AuditProgress) => void;
  /** Stops the run (throwing the signal's reason) between items once aborted: how a Lambda run stops before its deadline. */
  signal?: AbortSignal;
  /**
   * Which engine evaluates the items (default reference: the TypeScript engine); `auto` picks
   * one by the snapshot's size (engineKind.ts chooseEngine; a partitioned run's maps: mapEngine).
   */
  engineKind?: EngineChoice;
  /** DuckDB's threads and memory (engine sql). */
  duck?: DuckOptions;
  /**
   * The reduce of a partitioned run (lib/partitioned/reduceMapped.ts): what the map steps left,
   * merged in place of reading the source (which is still opened for the snapshot's facts).
   */
  mapped?: MappedRun;
  /** When the run started, if before this call (a partitioned run's plan); default `now()`. */
  startedAt?: Date;
}

export interface AuditResult {
  head: ReportHead;
  /** Report paths by format (on this machine). */
  reports: Partial<Record<FormatId, string>>;
  /**
   * Reports put together where reports are kept (a partitioned run's JSON and CSV, assembled in
   * the reports bucket from their parts), by format: not in `reports`, not uploaded again.
   */
  stored?: Partial<Record<FormatId, StoredReportRef>>;
  /** SHA-256 of each report, hex. */
  sha256: Partial<Record<FormatId, string>>;
  /** With `deferHistoryCommit`: makes this run the scope's latest, or drops it. */
  pendingHistory?: PendingHistory | null;
  /** Why this complete run did not become its scope's latest (another run of the scope finished first). */
  historyConflict?: string;
  /**
   * The run's most serious findings, the most serious first (at most 10; which, and in
   * what order: lib/report/MostSeriousCollector.ts), for the digest. Not in the JSON
   * report, whose findings hold them all.
   */
  mostSerious: SeriousFinding[];
  /** The engine that evaluated the items (a partitioned run's: its maps'), and what `auto` went by. */
  engine: RunEngine;
}

export type { RunEngine } from './engineKind';

/**
 * The audit use case: read the snapshot, evaluate every item, and write the
 * reports. Each finding is serialized once; findings reach the writers in
 * itemId order, straight from an ordered source or through a bounded external
 * sort, so memory does not grow with the inventory. A part of the snapshot
 * that cannot be read makes the run incomplete (`summary.complete: false`),
 * never silent.
 *
 * @example
 * const result = await runAudit({ source: new FileInventorySource('inv.ndjson'), catalog, engine, formats: ['json', 'pdf'], outDir: 'reports', trigger: 'cli' });
 * result.head.summary.byVerdict.violation // violations found
 */
export async function runAudit(options: RunAuditOptions): Promise<AuditResult> {
  const plan = await planAudit(options);
  if (options.mapped) return reduceMapped(options, options.mapped, plan);
  const engine = await runEngine(options, plan);
  try {
    return await attempt(options, plan, engine, plan.snapshot.ordered);
  } catch (error) {
    if (!(error instanceof OrderBroken)) throw error;
    return attempt(options, plan, engine, false);
  }
}

/** One pass over the snapshot: map, then reduce. `ordered`: trust the source's itemId order (a first attempt only). */
async function attempt(options: RunAuditOptions, plan: AuditPlan, engine: RunEngine, ordered: boolean): Promise<AuditResult> {
  const { runId, snapshot } = plan;
  const history = options.history ?? null;
  const counts = runTally(options, plan);
  const reports = reportSetOf(options, plan, counts);
  // The snapshot digest is evidence recorded with the run's history: without history there is no record to keep it in.
  const digest = history ? new SnapshotDigest() : null;
  const onProgress = (p: SourceProgress) => options.onProgress?.({ ...p, phase: 'evaluate' });
  const evaluation = await openEvaluation(options.source.entries(onProgress), {
    catalog: options.catalog,
    engine: plan.engine,
    kind: engine.kind,
    duck: options.duck,
    file: options.source.ndjsonFile?.(),
    ...(digest ? { digest } : {}),
    signal: options.signal,
    // Only when someone listens: the SQL engine then asks DuckDB how far its statements are.
    ...(options.onProgress ? { onProgress } : {}),
  });
  const resolvedFile = history ? join(options.outDir, `.${runId}.resolved.ndjson`) : null;
  let diff: HistoryDiff | null = null;
  // Made in the try, so that the evaluation is closed whatever fails.
  let madeRouter: FindingRouter | undefined;
  try {
    const router = new FindingRouter({ history: history !== null, ordered, reorder: evaluation.reorder, budgetChars: options.sortBudgetChars ?? 16 << 20, compress: options.compressSpills ?? false, emit: (line) => reports.write(line, null) });
    madeRouter = router;
    if (router.direct) reports.open(null);
    // Map: every entry evaluated, counted, and routed towards the reports.
    await mapFindings(evaluation, counts, { onFinding: (finding, line) => router.add(finding, line), signal: options.signal });
    await evaluation.digested?.();
    // Reduce: the head, the history diff, the reports in itemId order, the history commit.
    const head = assembleHead({ run: plan.run, counts, expectedItems: snapshot.expectedItems, snapshotSha256: digest?.hex(), staleAfterHours: options.staleAfterHours ?? 48 });
    if (history && resolvedFile) {
      diff = await diffWithHistory({ history, run: head.run, openViolations: counts.summary.byVerdict.violation, trendRuns: plan.trendRuns, resolvedFile, sqlDiff: evaluation.diff, router, signal: options.signal });
      applyDiff(head, counts, diff);
    }
    options.signal?.throwIfAborted();
    if (!router.direct) {
      reports.open(head);
      if (evaluation.bulk) await reports.writeBulk(evaluation.bulk, counts.items);
      else for await (const line of router.inItemIdOrder()) await reports.write(line, counts.items);
    }
    // The SQL engine chooses them with one query, now that the reports' lines are final.
    const mostSerious = evaluation.mostSerious ? await evaluation.mostSerious(MOST_SERIOUS_LIMIT) : reports.mostSerious();
    return { ...(await finishAudit({ options, head, counts, reports, diff, mostSerious, resolvedFile })), engine };
  } catch (error) {
    await reports.abort();
    await diff?.writer.abort();
    await madeRouter?.cleanup();
    throw error;
  } finally {
    await evaluation.close();
    if (resolvedFile) await rm(resolvedFile, { force: true });
  }
}

/**
 * The engine of a run in one process (engineKind.ts chooseEngine). `auto` goes by the snapshot
 * manifest's item count, else by what the source estimates (a file: its lines, counted until there
 * are enough for the SQL engine: FileInventorySource estimateItems).
 */
async function runEngine(options: RunAuditOptions, plan: AuditPlan): Promise<RunEngine> {
  const choice = engineChoice(options.engineKind);
  if (choice !== 'auto') return { kind: choice, auto: false, estimate: null };
  const estimate = plan.snapshot.expectedItems !== null ? { items: plan.snapshot.expectedItems } : ((await options.source.estimateItems?.(AUTO_SQL_ITEMS, MEASURED.averageItemBytes)) ?? null);
  return { kind: chooseEngine(choice, estimate?.items ?? null), auto: true, estimate };
}
