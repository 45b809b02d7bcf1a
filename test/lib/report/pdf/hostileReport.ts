/**
 * A report in which every string field comes from one function of a marker (the
 * field's name) and a filler letter, rendered to PDF as pdfFormat does it: for
 * megabyte strings, control characters, CJK and emoji.
 */
import { join } from 'node:path';
import type { Finding } from '../../../../lib/model';
import { PdfModelCollector } from '../../../../lib/report/pdf/PdfReportModel';
import { renderPdf } from '../../../../lib/report/pdf/renderPdf';
import { emptySummary, type ReportHead, type ResolvedFinding } from '../../../../lib/report/ReportModel';
import { tempDir } from '../../../helpers/files';
import { before, CAPTURED, catalog, DAY, judge, makeItem } from '../../../helpers/items';
import { readPdf, type PdfText } from '../../../helpers/pdf';

/** Every string field of the report, each from a marker and a distinct filler letter. */
export function texts(of: (marker: string, filler: string) => string) {
  return {
    tenantId: of('TENANT', 't'),
    itemId: of('ITEM', 'i'),
    module: of('MODULE', 'm'),
    dataCategory: of('CATEGORY', 'c'),
    storeType: of('STORETYPE', 'y'),
    resource: of('RESOURCE', 'r'),
    region: of('REGION', 'g'),
    owner: of('OWNER', 'o'),
    reason: of('REASON', 'e'),
    clause: of('CLAUSE', 'l'),
    snapshotId: of('SNAPSHOT', 's'),
    runId: of('RUN', 'n'),
    source: of('SOURCE', 'u'),
    catalogVersion: of('VERSION', 'v'),
    warning: of('WARNING', 'w'),
    incomplete: of('INCOMPLETE', 'q'),
    previousRunId: of('PREVIOUS', 'p'),
    waiverId: of('WAIVER', 'd'),
    waiverReason: of('WHY', 'h'),
    approver: of('APPROVER', 'a'),
    holdReason: of('HOLD', 'k'),
  };
}
export type Texts = ReturnType<typeof texts>;

const violation = () => judge(makeItem({ oldestRecordAt: before(400 * DAY) }));

/** Findings of every verdict the PDF shows, each string field taken from `t`. */
function findingsOf(t: Texts): Finding[] {
  const strings = {
    tenantId: t.tenantId,
    itemId: t.itemId,
    dataCategory: t.dataCategory,
    store: { type: t.storeType, resource: t.resource, region: t.region },
    owner: t.owner,
    snapshotId: t.snapshotId,
    reason: t.reason,
  };
  const base = violation();
  if (base.verdict !== 'violation') throw new Error(`expected a violation, got ${base.verdict}`);
  const clause = { ...base.clause!, text: t.clause, source: t.clause, section: t.clause };
  return [
    { ...base, ...strings, clause, status: 'new' },
    { ...base, ...strings, module: t.module, status: 'new' },
    { ...base, ...strings, module: t.module, verdict: 'invalid', severity: 'high' },
    { ...base, ...strings, module: t.module, verdict: 'unmapped', severity: 'medium', clause },
    { ...base, ...strings, module: t.module, verdict: 'review', severity: 'low', clause },
    { ...base, ...strings, module: t.module, verdict: 'exempt', severity: 'info', underlyingVerdict: 'violation' },
  ];
}

function headOf(t: Texts, findings: Finding[]): ReportHead {
  const summary = { ...emptySummary(), items: findings.length, complete: false, incompleteReasons: [t.incomplete], warnings: [t.warning] };
  for (const finding of findings) summary.byVerdict[finding.verdict] += 1;
  summary.byModule['instant-messaging'] = { items: 1, violations: 1, dueSoon: 0 };
  summary.byModule[t.module] = { items: 5, violations: 1, dueSoon: 0 };
  const hold = { itemId: t.itemId, tenantId: t.tenantId, module: t.module, dataCategory: t.dataCategory, resource: t.resource, reason: t.holdReason };
  return {
    schemaVersion: '1.1',
    run: {
      id: t.runId,
      trigger: 'cli',
      startedAt: CAPTURED,
      finishedAt: CAPTURED,
      snapshotId: t.snapshotId,
      snapshotCapturedAt: CAPTURED,
      catalogVersion: t.catalogVersion,
      source: t.source,
      graceDays: 30,
    },
    summary,
    changes: { previousRunId: t.previousRunId, previousCapturedAt: CAPTURED, new: 2, persisting: 0, resolved: 1, newViolations: 2 },
    waivers: [{ id: t.waiverId, scope: { tenantId: t.tenantId }, reason: t.waiverReason, approver: t.approver, expiresAt: CAPTURED, status: 'expired', covered: 0, activeAgain: 1 }],
    legalHolds: { active: 0, activeList: [], ended: 1, endedList: [hold] },
    forecast: {
      days: 30,
      until: CAPTURED,
      items: 1,
      records: 1,
      bytes: 1,
      byModuleTenant: [{ module: t.module, tenantId: t.tenantId, items: 1, records: 1, bytes: 1, firstDeadline: CAPTURED }],
      totalGroups: 1,
    },
    stale: { stale: true, capturedAt: CAPTURED, ageHours: 200, thresholdHours: 48 },
    // An earlier run whose end is not an instant: the chart labels it with the text itself.
    trend: [
      { runId: t.previousRunId, finishedAt: t.previousRunId, openViolations: 3, newViolations: 1, resolvedViolations: 0 },
      { runId: t.runId, finishedAt: CAPTURED, openViolations: 2, newViolations: 2, resolvedViolations: 1 },
    ],
  };
}

/** Renders the PDF of a report whose every string field comes from `t`, the way pdfFormat does. */
export async function renderReport(t: Texts): Promise<{ path: string; pdf: PdfText }> {
  const findings = findingsOf(t);
  const collector = new PdfModelCollector(200);
  for (const finding of findings) collector.add(finding);
  const resolved: ResolvedFinding = {
    fingerprint: 'f',
    itemId: t.itemId,
    tenantId: t.tenantId,
    module: t.module,
    dataCategory: t.dataCategory,
    resource: t.resource,
    previousVerdict: 'violation',
    status: 'resolved',
    firstSeenAt: CAPTURED,
    resolvedAt: CAPTURED,
    daysOpen: 3,
  };
  const path = join(tempDir('pdf-hostile-'), 'report.pdf');
  await renderPdf({ head: headOf(t, findings), model: collector.model(), catalog: catalog(), jsonSha256: null, resolved: { rows: [resolved], total: 1 } }, path);
  return { path, pdf: readPdf(path) };
}

