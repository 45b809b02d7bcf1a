import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { newRunId } from './newRunId';
import type { DuckOptions } from '../sql/duck';
import { openEvaluation, type EngineKind } from './evaluateEntries';
import { identityKey } from '../engine/identity';
import { ForecastTally, staleness, WaiverTally } from '../engine/insights';
import { SnapshotDigest } from '../engine/snapshotDigest';
import { diffFindings, diffKey } from '../history/diffFindings';
import { HistoryConflictError, type HistoryStore, type HistoryWriter } from '../history/HistoryStore';
import { readTrend } from '../history/readTrend';
import { readLines } from '../inventory/readLines';
import { TextSink } from '../report/formats/TextSink';
import type { TrendPoint } from '../report/trend';
import { UsageError } from '../errors';
import type { InventorySource, OpenedSnapshot, SourceProgress } from '../inventory/InventorySource';
import type { Finding, InventoryItem } from '../model';
import { FindingSorter, toJsonLine, type FindingLine } from '../report/FindingSorter';
import { MOST_SERIOUS_LIMIT, MostSeriousCollector } from '../report/MostSeriousCollector';
import { reportFormats, type FormatId } from '../report/formats/reportFormats';
import type { FindingRecord, FinishedReports, ReportContext, ReportWriter } from '../report/formats/ReportFormat';
import { sha256File } from './sha256File';
import { DEFAULTS } from '../defaults';
import { parseInstant, parseTimestamp } from '../time';
import {
  emptySummary,
  SCHEMA_VERSION,
  tally,
  type HoldEntry,
  type LegalHolds,
  type ReportHead,
  type Changes,
  type ResolvedFinding,
  type RunInfo,
  type SeriousFinding,
  type Summary,
  type Trigger,
} from '../report/ReportModel';

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
  now?: () => Date;
  onProgress?: (progress: AuditProgress) => void;
  /** Stops the run (throwing the signal's reason) between items once aborted: how a Lambda run stops before its deadline. */
  signal?: AbortSignal;
  /** Which engine evaluates the items (default reference: the TypeScript engine). */
  engineKind?: EngineKind;
  /** DuckDB's threads and memory (engine sql). */
  duck?: DuckOptions;
}

export interface AuditResult {
  head: ReportHead;
  /** Report paths by format. */
  reports: Partial<Record<FormatId, string>>;
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
}

export interface PendingHistory {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Marks a repeated itemId: the snapshot breaks docs/semantics.md#inventory-item, so the repeat is invalid. */
function duplicateOf(finding: Finding): Finding {
  const { underlyingVerdict: _verdict, waiverId: _waiver, ...facts } = finding;
  return {
    ...facts,
    verdict: 'invalid',
    severity: 'medium',
    ruleId: null,
    deadline: null,
    overdueDays: null,
    clause: null,
    reason: `Field itemId repeats ${finding.itemId}, which another item of this snapshot already uses.`,
  };
}

/** A finding line for the writers, parsed only if a writer asks for the object. */
function recordOf(line: string, parsed?: Finding): FindingRecord {
  let finding = parsed;
  return { line, finding: () => (finding ??= JSON.parse(line) as Finding) };
}

/** Thrown inside a run when a source said it was ordered and was not: the run starts over with the sorter. */
class OrderBroken extends Error {}

/**
 * The audit use case: read the snapshot, evaluate every item, and write the
 * reports. Each finding is serialized once; findings reach the writers in
 * itemId order, straight from an ordered source or through a bounded external
 * sort, so memory does not grow with the inventory. A part of the snapshot
 * that cannot be read makes the run incomplete (`summary.complete: false`),
 * never silent.
 */
export async function runAudit(options: RunAuditOptions): Promise<AuditResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const runId = options.runId ?? newRunId(startedAt);
  if (options.formats.length === 0) throw new UsageError('Choose at least one report format.');
  const trendRuns = options.trendRuns ?? DEFAULTS.trendRuns;
  if (!Number.isSafeInteger(trendRuns) || trendRuns < 1) throw new UsageError(`The trend shows at least one run: trendRuns ${trendRuns} is not a whole number of 1 or more.`);
  const opened = await options.source.open();
  await mkdir(options.outDir, { recursive: true });
  try {
    return await attempt(options, opened, runId, startedAt, opened.ordered);
  } catch (error) {
    if (!(error instanceof OrderBroken)) throw error;
    return attempt(options, opened, runId, startedAt, false);
  }
}

const HOLD_LIST_CAP = 200;
/** Snapshot ids named in the warning about a mixed inventory. */
const OTHER_SNAPSHOTS_SHOWN = 5;

async function attempt(
  options: RunAuditOptions,
  opened: OpenedSnapshot,
  runId: string,
  startedAt: Date,
  ordered: boolean,
): Promise<AuditResult> {
  const now = options.now ?? (() => new Date());
  // A capture time later than the audit's start (plus clock skew) is invalid: it never decides "latest" or staleness.
  const capturedNotAfterMs = options.engine.capturedNotAfterMs ?? startedAt.getTime() + DEFAULTS.maxCaptureSkewMinutes * 60_000;
  const engine: EngineOptions = { ...options.engine, capturedNotAfterMs };
  const summary: Summary = emptySummary();
  summary.warnings.push(...opened.warnings);
  summary.incompleteReasons.push(...opened.incompleteReasons);
  const run: RunInfo = {
    id: runId,
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    snapshotId: opened.snapshotId,
    snapshotCapturedAt: capturedAtOf(opened.capturedAt, capturedNotAfterMs),
    catalogVersion: options.catalog.version,
    source: options.source.describe(),
    graceDays: options.engine.graceDays,
    ...(options.history ? { scope: options.history.scope } : {}),
  };
  const history = options.history ?? null;
  const reports: Partial<Record<FormatId, string>> = {};
  let writers: ReportWriter[] = [];
  const openWriters = (draft: ReportHead | null) => {
    // DuckDB loads when a Parquet report is written: a static import would pack its native binding into every function that imports this module.
    const openDuck: ReportContext['openDuck'] = async (duckOptions) => (await import('../sql/duck')).openDuck(duckOptions);
    const context = { catalog: options.catalog, pdfRowsPerModule: options.pdfRowsPerModule ?? 200, openDuck };
    // The JSON report finishes first: the others cite its SHA-256.
    const byFinishOrder = [...options.formats].sort((a, b) => Number(b === 'json') - Number(a === 'json'));
    writers = byFinishOrder.map((id) => {
      const format = reportFormats[id];
      const path = join(options.outDir, `${runId}.${format.extension}`);
      reports[id] = path;
      return format.create(path, draft, context);
    });
  };

  const last = { key: null as string | null };
  let written = 0;
  // The reference engine's most serious findings, taken as the reports get them (repeated itemIds already marked).
  const serious = new MostSeriousCollector(MOST_SERIOUS_LIMIT);
  /** Hands one finding line, in order, to every writer; a repeated itemId becomes invalid. */
  const emit = async ({ key, line }: FindingLine, total: number | null) => {
    let record = recordOf(line);
    if (key !== null && key === last.key) {
      const original = record.finding();
      const duplicate = duplicateOf(original);
      tally(summary, original, -1);
      tally(summary, duplicate);
      record = recordOf(toJsonLine(duplicate), duplicate);
    }
    last.key = key;
    options.signal?.throwIfAborted();
    serious.offer(record);
    for (const writer of writers) await writer.write(record);
    if (++written % 4096 === 0) options.onProgress?.({ phase: 'write', done: written, total, unit: 'items' });
  };

  // The snapshot digest is evidence recorded with the run's history: without history there is no record to keep it in.
  const digest = history ? new SnapshotDigest() : null;
  const evaluation = await openEvaluation(options.source.entries((p) => options.onProgress?.({ ...p, phase: 'evaluate' })), {
    catalog: options.catalog,
    engine,
    kind: options.engineKind ?? 'reference',
    duck: options.duck,
    file: options.source.ndjsonFile?.(),
    onItem: digest ? (raw) => digest.add(raw) : undefined,
    signal: options.signal,
  });
  // The SQL engine keeps the findings and gives them back sorted (DuckDB sorts out of core);
  // the reference engine's findings go through sorters: with history, by identity (for the diff),
  // then by itemId (for the reports).
  const reorder = evaluation.reorder;
  const budgetChars = options.sortBudgetChars ?? 16 << 20;
  const byIdentity = history && !reorder ? new FindingSorter({ budgetChars }) : null;
  const byItemId = !reorder && (history || !ordered) ? new FindingSorter({ budgetChars }) : null;
  if (!byItemId && !reorder) openWriters(null);
  let waiverTally = new WaiverTally(options.engine.waivers);
  const forecastDays = options.forecastDays ?? 30;
  let forecast = new ForecastTally(forecastDays);
  const holds: LegalHolds = { active: 0, activeList: [], ended: 0, endedList: [] };
  let items = 0;
  let capturedMax = run.snapshotCapturedAt ? Date.parse(run.snapshotCapturedAt) : Number.NEGATIVE_INFINITY;
  const otherSnapshots = new Set<string>();
  const resolvedFile = history ? join(options.outDir, `.${runId}.resolved.ndjson`) : null;
  let historyWriter: HistoryWriter | null = null;
  let trendPoint: TrendPoint | null = null;
  try {
    for await (const evaluated of evaluation.evaluations) {
      if (evaluated.kind === 'gap') {
        summary.incompleteReasons.push(`Part of the snapshot could not be read: ${evaluated.reason}`);
        continue;
      }
      items += 1;
      options.signal?.throwIfAborted();
      const { finding } = evaluated;
      if (finding.verdict !== 'invalid') waiverTally.add(factsOf(finding), finding);
      if (finding.snapshotId !== null) {
        if (run.snapshotId === null) run.snapshotId = finding.snapshotId;
        else if (finding.snapshotId !== run.snapshotId) otherSnapshots.add(finding.snapshotId);
      }
      if (finding.capturedAt !== null && finding.verdict !== 'invalid') {
        const ms = parseInstant(finding.capturedAt);
        if (ms > capturedMax) capturedMax = ms;
      }
      if (finding.verdict === 'exempt') {
        holds.active += 1;
        if (holds.activeList.length < HOLD_LIST_CAP) holds.activeList.push(holdOf(finding));
      }
      forecast.add(finding);
      tally(summary, finding);
      const line = toJsonLine(finding);
      if (byIdentity) await byIdentity.add({ key: diffKey(identityKey(finding), finding.itemId, finding.verdict), line });
      else if (byItemId) await byItemId.add({ key: finding.itemId, line });
      else {
        if (finding.itemId !== null && last.key !== null && finding.itemId < last.key) throw new OrderBroken();
        await emit({ key: finding.itemId, line }, null);
      }
    }
    if (evaluation.tallies) {
      // The SQL engine counted its findings itself: the same tallies, from DuckDB's aggregates.
      const tallies = await evaluation.tallies({
        runSnapshotId: run.snapshotId,
        otherSnapshotsLimit: OTHER_SNAPSHOTS_SHOWN + 1,
        holdListCap: HOLD_LIST_CAP,
        forecastDays,
      });
      const { incompleteReasons, warnings, complete } = summary;
      Object.assign(summary, tallies.summary, { incompleteReasons, warnings, complete });
      items = tallies.summary.items;
      run.snapshotId ??= tallies.snapshot.firstSnapshotId;
      for (const id of tallies.snapshot.otherSnapshotIds) otherSnapshots.add(id);
      if (tallies.snapshot.capturedMaxMs !== null && tallies.snapshot.capturedMaxMs > capturedMax) capturedMax = tallies.snapshot.capturedMaxMs;
      Object.assign(holds, tallies.holds);
      forecast = ForecastTally.of(forecastDays, tallies.forecast);
      waiverTally = new WaiverTally(options.engine.waivers, tallies.waivers);
    }
    if (otherSnapshots.size > 0) {
      const others = [...otherSnapshots];
      summary.warnings.push(
        `The inventory mixes snapshots: besides ${run.snapshotId} it holds ${others.slice(0, OTHER_SNAPSHOTS_SHOWN).join(', ')}${others.length > OTHER_SNAPSHOTS_SHOWN ? ' and more' : ''}; choose one with --snapshot.`,
      );
    }
    if (opened.expectedItems !== null && items < opened.expectedItems && summary.incompleteReasons.length === 0) {
      summary.incompleteReasons.push(`Read ${items} items but the snapshot manifest lists ${opened.expectedItems}.`);
    }
    summary.complete = summary.incompleteReasons.length === 0;
    run.snapshotCapturedAt = Number.isFinite(capturedMax) ? new Date(capturedMax).toISOString() : null;
    if (digest) {
      await evaluation.digested;
      run.snapshotSha256 = digest.hex();
    }
    const capturedMs = Number.isFinite(capturedMax) ? capturedMax : startedAt.getTime();
    const head: ReportHead = {
      schemaVersion: SCHEMA_VERSION,
      run,
      summary,
      changes: null,
      waivers: waiverTally.usage(capturedMs),
      legalHolds: holds,
      forecast: forecast.result(capturedMs),
      stale: staleness(run.snapshotCapturedAt, run.startedAt, options.staleAfterHours ?? 48),
    };
    if (head.stale!.stale) {
      summary.warnings.push(
        run.snapshotCapturedAt
          ? `The snapshot was captured ${head.stale!.ageHours} hours before the audit (more than ${head.stale!.thresholdHours}): it cannot prove today's state.`
          : 'The snapshot has no capture time: it cannot prove today\'s state.',
      );
    }

    if (history && resolvedFile) {
      // Phase 2: the diff against the previous completed run, streaming by identity.
      // A damaged history never blocks an audit: compare with nothing, say why, and still become the scope's latest run.
      let basisRunId: string | null = null;
      const previous = await history.store.previous(history.scope, (skip) => {
        summary.warnings.push(skip.reason);
        basisRunId = skip.headRunId;
      });
      historyWriter = history.store.begin(history.scope, runId, previous?.run.runId ?? basisRunId);
      // Read with the basis, so the trend's last earlier point is the run this one is compared with.
      const pastTrend = await readTrend(history.store, history.scope, (options.trendRuns ?? DEFAULTS.trendRuns) - 1, previous?.run ?? null);
      summary.warnings.push(...pastTrend.warnings);
      const resolvedSink = new TextSink(resolvedFile);
      const writer = historyWriter;
      const seenAt = run.snapshotCapturedAt ?? run.startedAt;
      const resolved = (entry: ResolvedFinding) => resolvedSink.write(`${toJsonLine(entry)}\n`);
      let counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt'>;
      if (evaluation.diff) {
        // The SQL engine diffs with joins, and keeps the diffed findings for reorder('itemId').
        const diffed = await evaluation.diff({ previous, seenAt, writer, resolved, holdListCap: HOLD_LIST_CAP });
        counts = diffed.counts;
        holds.ended = diffed.ended;
        holds.endedList = diffed.endedList;
      } else {
        counts = await diffFindings(byIdentity!.sorted(), previous?.states() ?? null, seenAt, {
          finding: (line, itemId) => {
            options.signal?.throwIfAborted();
            return byItemId!.add({ key: itemId, line });
          },
          state: (state) => writer.write(state),
          resolved,
          holdEnded: (entry) => {
            holds.ended += 1;
            if (holds.endedList.length < HOLD_LIST_CAP) holds.endedList.push(entry);
          },
          holdReason: (line) => (JSON.parse(line) as Finding).reason,
        });
      }
      await resolvedSink.close();
      head.changes = { previousRunId: previous?.run.runId ?? null, previousCapturedAt: previous?.run.snapshotCapturedAt ?? null, ...counts };
      // Its open violations and end are final only once the reports are written (repeated itemIds): set again there.
      trendPoint = { runId, finishedAt: run.finishedAt, openViolations: summary.byVerdict.violation, newViolations: counts.newViolations, resolvedViolations: counts.resolved };
      head.trend = [...pastTrend.points, trendPoint];
    }

    options.signal?.throwIfAborted();
    if (byItemId || reorder) {
      openWriters(head);
      const bulk = evaluation.bulk;
      if (bulk) {
        // The SQL engine: the repeated itemIds are marked first, as emit() marks them; then DuckDB writes the
        // lines itself for the writers that take them whole (JSON, Parquet), and hands them one by one to the rest.
        const replaced = (await bulk.repeatedItemIds()).map(({ ord, line }) => {
          const original = JSON.parse(line) as Finding;
          const duplicate = duplicateOf(original);
          tally(summary, original, -1);
          tally(summary, duplicate);
          return { ord, line: toJsonLine(duplicate) };
        });
        await bulk.replaceLines(replaced);
        for (const writer of writers.filter((candidate) => candidate.writeAll)) {
          options.signal?.throwIfAborted();
          await writer.writeAll!(bulk);
        }
        const oneByOne = writers.filter((candidate) => !candidate.writeAll);
        if (oneByOne.length > 0) {
          for await (const { line } of bulk.reportLines()) {
            options.signal?.throwIfAborted();
            const record = recordOf(line);
            for (const writer of oneByOne) await writer.write(record);
            if (++written % 4096 === 0) options.onProgress?.({ phase: 'write', done: written, total: items, unit: 'items' });
          }
        }
        options.onProgress?.({ phase: 'write', done: items, total: items, unit: 'items' });
      } else {
        for await (const line of byItemId ? byItemId.sorted() : reorder!('itemId')) await emit(line, items);
      }
    }
    // The SQL engine chooses them with one query, now that the reports' lines are final.
    const mostSerious = evaluation.mostSerious ? await evaluation.mostSerious(MOST_SERIOUS_LIMIT) : serious.result();
    run.finishedAt = now().toISOString();
    if (trendPoint) Object.assign(trendPoint, { finishedAt: run.finishedAt, openViolations: summary.byVerdict.violation });
    const sha256: Partial<Record<FormatId, string>> = {};
    const finished: FinishedReports = {
      jsonSha256: null,
      resolved: () => (resolvedFile ? readResolved(resolvedFile) : emptyIterable()),
    };
    for (const [index, writer] of writers.entries()) {
      await writer.finish(head, finished);
      if (index === 0 && reports.json) finished.jsonSha256 = await sha256File(reports.json);
    }
    for (const [format, path] of Object.entries(reports) as [FormatId, string][]) {
      sha256[format] = format === 'json' && finished.jsonSha256 ? finished.jsonSha256 : await sha256File(path);
    }
    let pendingHistory: PendingHistory | null = null;
    if (historyWriter && history) {
      const writer = historyWriter;
      if (summary.complete) {
        const entry = {
          runId,
          scope: history.scope,
          snapshotId: run.snapshotId,
          snapshotCapturedAt: run.snapshotCapturedAt,
          snapshotSha256: run.snapshotSha256 ?? '',
          finishedAt: run.finishedAt,
          ...(trendPoint ? { counts: { openViolations: trendPoint.openViolations, newViolations: trendPoint.newViolations, resolvedViolations: trendPoint.resolvedViolations } } : {}),
          reports: Object.fromEntries(
            (Object.entries(reports) as [FormatId, string][]).map(([format, path]) => [
              format,
              { path: options.reportLocation?.(format, path) ?? resolve(path), sha256: sha256[format]! },
            ]),
          ),
        };
        pendingHistory = { commit: () => writer.commit(entry), abort: () => writer.abort() };
      } else {
        // An incomplete run proves nothing: the next run compares with the last complete one.
        await writer.abort();
      }
    }
    let historyConflict: string | undefined;
    if (pendingHistory && !options.deferHistoryCommit) {
      historyConflict = await commitHistory(pendingHistory);
      pendingHistory = null;
    }
    return { head, reports, sha256, pendingHistory, mostSerious, ...(historyConflict ? { historyConflict } : {}) };
  } catch (error) {
    await Promise.allSettled(writers.map((writer) => writer.abort()));
    await historyWriter?.abort();
    await byIdentity?.cleanup();
    await byItemId?.cleanup();
    throw error;
  } finally {
    evaluation.close();
    if (resolvedFile) await rm(resolvedFile, { force: true });
  }
}

/**
 * Commits a run's history; when another run of the scope committed first, the
 * run stays out of the history and the reason is returned instead of thrown.
 */
export async function commitHistory(pending: PendingHistory): Promise<string | undefined> {
  try {
    await pending.commit();
    return undefined;
  } catch (error) {
    if (error instanceof HistoryConflictError) return error.message;
    throw error;
  }
}

/** The item facts a waiver matches on, as its (valid) finding repeats them. */
function factsOf(finding: Finding): InventoryItem {
  return {
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    store: finding.store,
    capturedAt: finding.capturedAt,
  } as InventoryItem;
}

/** The capture time a source states (a manifest), unless it is not a usable time or lies after the bound. */
function capturedAtOf(stated: string | null, notAfterMs: number): string | null {
  const ms = parseTimestamp(stated);
  return ms === null || ms > notAfterMs ? null : new Date(ms).toISOString();
}

function holdOf(finding: Finding): HoldEntry {
  return {
    itemId: finding.itemId,
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    resource: finding.store?.resource ?? null,
    reason: finding.reason,
  };
}

async function* readResolved(path: string): AsyncIterable<ResolvedFinding> {
  for await (const line of readLines(path)) if (line) yield JSON.parse(line) as ResolvedFinding;
}

async function* emptyIterable<T>(): AsyncIterable<T> {}
