import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/loadCatalog';
import { evaluate, type EngineOptions } from '../engine/evaluate';
import { UsageError } from '../errors';
import type { InventorySource, SourceProgress } from '../inventory/InventorySource';
import type { Finding } from '../model';
import { FindingSorter } from '../report/FindingSorter';
import { reportFormats, type FormatId } from '../report/formats/reportFormats';
import type { ReportWriter } from '../report/formats/ReportFormat';
import { emptySummary, SCHEMA_VERSION, tally, type ReportHead, type Trigger } from '../report/ReportModel';

export interface AuditProgress extends SourceProgress {
  phase: 'evaluate' | 'write';
  items: number;
}

export interface RunAuditOptions {
  source: InventorySource;
  catalog: Catalog;
  engine: EngineOptions;
  formats: readonly FormatId[];
  outDir: string;
  trigger: Trigger;
  runId?: string;
  /** Findings held in memory before sorting spills to disk. */
  sortChunkSize?: number;
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
  return {
    ...finding,
    verdict: 'invalid',
    severity: 'medium',
    underlyingVerdict: undefined,
    waiverId: undefined,
    ruleId: null,
    deadline: null,
    overdueDays: null,
    clause: null,
    reason: `Field itemId repeats ${finding.itemId}, which another item of this snapshot already uses.`,
  };
}

/**
 * The audit use case: read the snapshot, evaluate every item, and write the
 * reports. Findings stream through a bounded sorter to the report writers, so
 * memory does not grow with the inventory. A part of the snapshot that cannot
 * be read makes the run incomplete (`summary.complete: false`), never silent.
 */
export async function runAudit(options: RunAuditOptions): Promise<AuditResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const runId = options.runId ?? newRunId(startedAt);
  if (options.formats.length === 0) throw new UsageError('Choose at least one report format.');
  const opened = await options.source.open();
  const summary = emptySummary();
  summary.warnings.push(...opened.warnings);
  summary.incompleteReasons.push(...opened.incompleteReasons);
  summary.complete = opened.incompleteReasons.length === 0;

  const sorter = new FindingSorter({ chunkSize: options.sortChunkSize ?? 50_000 });
  let items = 0;
  let snapshotId = opened.snapshotId;
  let capturedMax = opened.capturedAt ? Date.parse(opened.capturedAt) : Number.NEGATIVE_INFINITY;
  const otherSnapshots = new Set<string>();
  let writers: ReportWriter[] = [];
  const reports: Partial<Record<FormatId, string>> = {};
  try {
    for await (const entry of options.source.entries((p) => options.onProgress?.({ ...p, phase: 'evaluate', items }))) {
      if (entry.kind === 'gap') {
        summary.complete = false;
        summary.incompleteReasons.push(`Part of the snapshot could not be read: ${entry.reason}`);
        continue;
      }
      items += 1;
      let finding: Finding;
      if (entry.kind === 'parse-error') {
        finding = evaluate(null, options.catalog, options.engine);
        finding = { ...finding, reason: entry.reason };
      } else {
        finding = evaluate(entry.raw, options.catalog, options.engine);
        // An item without an itemId can only be found again by where it stood in the file.
        if (finding.verdict === 'invalid' && finding.itemId === null && entry.location) {
          finding.reason = `${finding.reason.replace(/\.$/, '')} (${entry.location}).`;
        }
      }
      if (finding.snapshotId !== null) {
        if (snapshotId === null) snapshotId = finding.snapshotId;
        else if (finding.snapshotId !== snapshotId) otherSnapshots.add(finding.snapshotId);
      }
      if (finding.capturedAt !== null && finding.verdict !== 'invalid') {
        const ms = Date.parse(finding.capturedAt);
        if (ms > capturedMax) capturedMax = ms;
      }
      await sorter.add(finding);
    }
    if (otherSnapshots.size > 0) {
      summary.warnings.push(
        `The inventory mixes snapshots: besides ${snapshotId} it holds ${[...otherSnapshots].slice(0, 5).join(', ')}${otherSnapshots.size > 5 ? ' and more' : ''}; choose one with --snapshot.`,
      );
    }
    if (opened.expectedItems !== null && items < opened.expectedItems && summary.complete) {
      summary.complete = false;
      summary.incompleteReasons.push(`Read ${items} items but the snapshot manifest lists ${opened.expectedItems}.`);
    }

    await mkdir(options.outDir, { recursive: true });
    writers = options.formats.map((id) => {
      const format = reportFormats[id];
      if (!format) throw new UsageError(`The ${id} report format is not available.`);
      const path = join(options.outDir, `${runId}.${format.extension}`);
      reports[id] = path;
      return format.create(path);
    });
    let previousId: string | null = null;
    let written = 0;
    for await (const sorted of sorter.sorted()) {
      const finding = sorted.itemId !== null && sorted.itemId === previousId ? duplicateOf(sorted) : sorted;
      previousId = sorted.itemId;
      tally(summary, finding);
      for (const writer of writers) await writer.write(finding);
      if (++written % 4096 === 0) options.onProgress?.({ phase: 'write', items: written, done: written, total: items, unit: 'items' });
    }
    const head: ReportHead = {
      schemaVersion: SCHEMA_VERSION,
      run: {
        id: runId,
        trigger: options.trigger,
        startedAt: startedAt.toISOString(),
        finishedAt: now().toISOString(),
        snapshotId,
        snapshotCapturedAt: Number.isFinite(capturedMax) ? new Date(capturedMax).toISOString() : null,
        catalogVersion: options.catalog.version,
        source: options.source.describe(),
        graceDays: options.engine.graceDays,
      },
      summary,
    };
    for (const writer of writers) await writer.finish(head);
    return { head, reports };
  } catch (error) {
    await Promise.allSettled(writers.map((writer) => writer.abort()));
    await sorter.cleanup();
    throw error;
  }
}
