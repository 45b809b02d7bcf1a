/**
 * Made-up findings and a matching report head for the HTML report's tests: as
 * many as asked (100,000 for the browser's load test), the same for the same
 * seed, with the spread of a real run (every verdict and severity, history
 * statuses, a trend), written through the HTML writer as runAudit drives it.
 */
import { join } from 'node:path';
import type { Finding, Severity, Verdict } from '../../../../lib/model';
import { HtmlReportWriter, type HtmlReportWriterOptions } from '../../../../lib/report/html/HtmlReportWriter';
import type { FindingRecord, FinishedReports } from '../../../../lib/report/formats/ReportFormat';
import { emptySummary, tally, type ReportHead, type ResolvedFinding } from '../../../../lib/report/ReportModel';
import type { TrendPoint } from '../../../../lib/report/trend';
import { tempDir } from '../../../helpers/files';
import { CAPTURED, catalog } from '../../../helpers/items';
import { random } from '../../../../bench/syntheticInventory';


const VERDICT_SPREAD: [Verdict, number][] = [
  ['violation', 0.38],
  ['compliant', 0.42],
  ['due-soon', 0.02],
  ['review', 0.07],
  ['unmapped', 0.06],
  ['exempt', 0.02],
  ['waived', 0.01],
  ['invalid', 0.02],
];
const SEVERITY_OF: Record<Verdict, Severity[]> = {
  violation: ['critical', 'high', 'medium', 'low'],
  'due-soon': ['low', 'medium'],
  invalid: ['medium'],
  unmapped: ['medium'],
  review: ['low'],
  exempt: ['info'],
  waived: ['info'],
  compliant: ['info'],
};

export interface SyntheticOptions {
  count: number;
  seed?: number;
  tenants?: number;
  /** Give findings a history status (new/persisting). */
  history?: boolean;
  /** Overrides for chosen findings, by index (hostile text, for instance). */
  override?: (index: number, finding: Finding) => Finding;
}

/**
 * The findings, in the report's order (by itemId), one at a time.
 *
 * @example
 * [...syntheticFindings({ count: 2 })].length // 2
 */
export function* syntheticFindings(options: SyntheticOptions): Generator<Finding> {
  const next = random(options.seed ?? 7);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const modules = [...catalog().modules.values()];
  const tenants = options.tenants ?? 400;
  for (let i = 0; i < options.count; i += 1) {
    const module = pick(modules);
    const category = pick([...module.categories.values()]);
    const rule = category.rules[0];
    let roll = next();
    const verdict = VERDICT_SPREAD.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'compliant';
    const severity = pick(SEVERITY_OF[verdict]);
    const overdue = verdict === 'violation' ? Math.round(next() * 40000) / 100 : null;
    const deadlineMs = Date.parse(CAPTURED) - (overdue ?? -next() * 30) * 86_400_000;
    const finding: Finding = {
      itemId: `item-${String(i).padStart(7, '0')}`,
      snapshotId: 'snap-synthetic',
      tenantId: `tenant-${Math.floor(next() * tenants)}`,
      module: verdict === 'unmapped' ? 'video-analytics' : module.id,
      dataCategory: category.id,
      store: { type: pick(['mysql', 'mongodb', 'cos', 'cls']), resource: `prod-${Math.floor(next() * 100)}/store-${Math.floor(next() * 10)}`, region: 'eu-frankfurt' },
      owner: `owner-${Math.floor(next() * 60)}@example.com`,
      recordCount: Math.floor(next() * 1_000_000),
      bytes: Math.floor(next() * 4e9),
      oldestRecordAt: new Date(deadlineMs - 7 * 86_400_000).toISOString(),
      capturedAt: CAPTURED,
      verdict,
      severity,
      specialCategory: category.specialCategory,
      ruleId: rule?.ruleId ?? null,
      deadline: verdict === 'violation' || verdict === 'due-soon' ? new Date(deadlineMs).toISOString() : null,
      overdueDays: overdue,
      reason:
        verdict === 'violation'
          ? `The oldest record, created on ${new Date(deadlineMs - 7 * 86_400_000).toISOString().slice(0, 10)}, is ${overdue} days past its 7-day retention period.`
          : `Synthetic ${verdict} finding number ${i}.`,
      clause: rule ? rule.citation : null,
      fingerprint: `fp${i.toString(16).padStart(18, '0')}`,
      ...(options.history ? { status: next() < 0.1 ? ('new' as const) : ('persisting' as const), firstSeenAt: CAPTURED, daysOpen: Math.floor(next() * 90) } : {}),
    };
    yield options.override ? options.override(i, finding) : finding;
  }
}

export const recordOf = (finding: Finding): FindingRecord => ({ line: JSON.stringify(finding), finding: () => finding });

/** A trend of `runs` runs ending at the capture time. */
export function syntheticTrend(runs: number): TrendPoint[] {
  return Array.from({ length: runs }, (_, i) => ({
    runId: `audit-run-${i}`,
    finishedAt: new Date(Date.parse(CAPTURED) - (runs - 1 - i) * 86_400_000).toISOString(),
    openViolations: 400 - i * 11,
    newViolations: 10 + (i % 4) * 3,
    resolvedViolations: 20 + (i % 3) * 4,
  }));
}

export interface WrittenReport {
  path: string;
  head: ReportHead & { trend?: TrendPoint[] };
  /** Findings per verdict and per module, as written. */
  byModule: Map<string, number>;
  violationsByModule: Map<string, number>;
}

/**
 * Writes an HTML report of synthetic findings through the writer, as runAudit does,
 * and gives its path and what it should show.
 */
export async function writeSyntheticReport(
  options: SyntheticOptions & {
    trend?: TrendPoint[];
    resolved?: ResolvedFinding[];
    jsonSha256?: string | null;
    writer?: Partial<HtmlReportWriterOptions>;
    /** Changes the head before it is written (hostile text, for instance). */
    head?: (head: ReportHead & { trend?: TrendPoint[] }) => ReportHead & { trend?: TrendPoint[] };
    path?: string;
  },
): Promise<WrittenReport> {
  const path = options.path ?? join(tempDir('html-report-'), 'audit-synthetic.html');
  const writer = new HtmlReportWriter(path, { catalog: catalog(), ...options.writer });
  const summary = emptySummary();
  const byModule = new Map<string, number>();
  const violationsByModule = new Map<string, number>();
  for (const finding of syntheticFindings(options)) {
    tally(summary, finding);
    byModule.set(finding.module ?? '', (byModule.get(finding.module ?? '') ?? 0) + 1);
    if (finding.verdict === 'violation') violationsByModule.set(finding.module ?? '', (violationsByModule.get(finding.module ?? '') ?? 0) + 1);
    await writer.write(recordOf(finding));
  }
  const built: ReportHead & { trend?: TrendPoint[] } = {
    schemaVersion: '1.1',
    run: {
      id: 'audit-20261120T030000Z-synthetic',
      trigger: 'cli',
      startedAt: '2026-11-20T03:00:00.000Z',
      finishedAt: '2026-11-20T03:05:00.000Z',
      snapshotId: 'snap-synthetic',
      snapshotCapturedAt: CAPTURED,
      catalogVersion: catalog().version,
      source: 'synthetic.ndjson',
      graceDays: 30,
      ...(options.history ? { scope: 'synthetic' } : {}),
    },
    summary,
    changes: options.history ? { previousRunId: 'audit-run-previous', previousCapturedAt: CAPTURED, new: 12, persisting: 34, resolved: options.resolved?.length ?? 0, newViolations: 5 } : null,
    ...(options.trend ? { trend: options.trend } : {}),
  };
  const head = options.head ? options.head(built) : built;
  const finished: FinishedReports = {
    jsonSha256: options.jsonSha256 === undefined ? 'ab'.repeat(32) : options.jsonSha256,
    resolved: async function* () {
      yield* options.resolved ?? [];
    },
  };
  await writer.finish(head, finished);
  return { path, head, byModule, violationsByModule };
}
