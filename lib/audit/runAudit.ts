import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/loadCatalog';
import { evaluate, type EngineOptions } from '../engine/evaluate';
import { UsageError } from '../errors';
import type { InventorySource, OpenedSnapshot, SourceProgress } from '../inventory/InventorySource';
import type { Finding } from '../model';
import { FindingSorter, toJsonLine, type FindingLine } from '../report/FindingSorter';
import { reportFormats, type FormatId } from '../report/formats/reportFormats';
import type { FindingRecord, FinishedReports, ReportWriter } from '../report/formats/ReportFormat';
import { sha256File } from './sha256File';
import { emptySummary, SCHEMA_VERSION, tally, type ReportHead, type RunInfo, type Summary, type Trigger } from '../report/ReportModel';

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
  /** Rows per module table in the PDF (default 200). */
  pdfRowsPerModule?: number;
  /** Characters of findings held in memory before sorting spills to disk (default 16 M). */
  sortBudgetChars?: number;
  now?: () => Date;
  onProgress?: (progress: AuditProgress) => void;
}

export interface AuditResult {
  head: ReportHead;
  /** Report paths by format. */
  reports: Partial<Record<FormatId, string>>;
}

/**
 * A sortable, unique run id: `audit-20261123T150700Z-1a2b3c`.
 *
 * @example
 * newRunId(new Date('2026-11-23T15:07:00Z')) // 'audit-20261123T150700Z-…'
 */
export function newRunId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `audit-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Marks a repeated itemId: the snapshot breaks CONTRACT section 2, so the repeat is invalid. */
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
  const opened = await options.source.open();
  await mkdir(options.outDir, { recursive: true });
  try {
    return await attempt(options, opened, runId, startedAt, opened.ordered);
  } catch (error) {
    if (!(error instanceof OrderBroken)) throw error;
    return attempt(options, opened, runId, startedAt, false);
  }
}

async function attempt(
  options: RunAuditOptions,
  opened: OpenedSnapshot,
  runId: string,
  startedAt: Date,
  ordered: boolean,
): Promise<AuditResult> {
  const summary: Summary = emptySummary();
  summary.warnings.push(...opened.warnings);
  summary.incompleteReasons.push(...opened.incompleteReasons);
  const run: RunInfo = {
    id: runId,
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    snapshotId: opened.snapshotId,
    snapshotCapturedAt: opened.capturedAt ? new Date(opened.capturedAt).toISOString() : null,
    catalogVersion: options.catalog.version,
    source: options.source.describe(),
    graceDays: options.engine.graceDays,
  };
  const reports: Partial<Record<FormatId, string>> = {};
  let writers: ReportWriter[] = [];
  const openWriters = (draft: ReportHead | null) => {
    const context = { catalog: options.catalog, pdfRowsPerModule: options.pdfRowsPerModule ?? 200 };
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
    for (const writer of writers) await writer.write(record);
    if (++written % 4096 === 0) options.onProgress?.({ phase: 'write', done: written, total, unit: 'items' });
  };

  const sorter = ordered ? null : new FindingSorter({ budgetChars: options.sortBudgetChars ?? 16 << 20 });
  if (ordered) openWriters(null);
  let items = 0;
  let capturedMax = run.snapshotCapturedAt ? Date.parse(run.snapshotCapturedAt) : Number.NEGATIVE_INFINITY;
  const otherSnapshots = new Set<string>();
  try {
    for await (const entry of options.source.entries((p) => options.onProgress?.({ ...p, phase: 'evaluate' }))) {
      if (entry.kind === 'gap') {
        summary.incompleteReasons.push(`Part of the snapshot could not be read: ${entry.reason}`);
        continue;
      }
      items += 1;
      let finding: Finding;
      if (entry.kind === 'parse-error') {
        finding = evaluate(null, options.catalog, options.engine);
        finding.reason = entry.reason;
      } else {
        finding = evaluate(entry.raw, options.catalog, options.engine);
        // An item without an itemId can only be found again by where it stood in the file.
        if (finding.verdict === 'invalid' && finding.itemId === null && entry.location) {
          finding.reason = `${finding.reason.replace(/\.$/, '')} (${entry.location}).`;
        }
      }
      if (finding.snapshotId !== null) {
        if (run.snapshotId === null) run.snapshotId = finding.snapshotId;
        else if (finding.snapshotId !== run.snapshotId) otherSnapshots.add(finding.snapshotId);
      }
      if (finding.capturedAt !== null && finding.verdict !== 'invalid') {
        const ms = Date.parse(finding.capturedAt);
        if (ms > capturedMax) capturedMax = ms;
      }
      tally(summary, finding);
      const line = { key: finding.itemId, line: toJsonLine(finding) };
      if (sorter) {
        await sorter.add(line);
      } else {
        if (line.key !== null && last.key !== null && line.key < last.key) throw new OrderBroken();
        await emit(line, null);
      }
    }
    if (otherSnapshots.size > 0) {
      const others = [...otherSnapshots];
      summary.warnings.push(
        `The inventory mixes snapshots: besides ${run.snapshotId} it holds ${others.slice(0, 5).join(', ')}${others.length > 5 ? ' and more' : ''}; choose one with --snapshot.`,
      );
    }
    if (opened.expectedItems !== null && items < opened.expectedItems && summary.incompleteReasons.length === 0) {
      summary.incompleteReasons.push(`Read ${items} items but the snapshot manifest lists ${opened.expectedItems}.`);
    }
    summary.complete = summary.incompleteReasons.length === 0;
    run.snapshotCapturedAt = Number.isFinite(capturedMax) ? new Date(capturedMax).toISOString() : null;

    if (sorter) {
      openWriters({ schemaVersion: SCHEMA_VERSION, run, summary });
      for await (const line of sorter.sorted()) await emit(line, items);
    }
    run.finishedAt = (options.now ?? (() => new Date()))().toISOString();
    const head: ReportHead = { schemaVersion: SCHEMA_VERSION, run, summary };
    const finished: FinishedReports = { jsonSha256: null };
    for (const [index, writer] of writers.entries()) {
      await writer.finish(head, finished);
      if (index === 0 && reports.json) finished.jsonSha256 = await sha256File(reports.json);
    }
    return { head, reports };
  } catch (error) {
    await Promise.allSettled(writers.map((writer) => writer.abort()));
    await sorter?.cleanup();
    throw error;
  }
}
