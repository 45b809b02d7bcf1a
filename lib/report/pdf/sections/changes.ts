/**
 * What moved since the previous run of the scope: the comparison, the trend
 * over its last runs, the new violations and those resolved, legal holds that ended (their data is judged
 * again) and the waivers in use — what a DPO checks from one audit to the next.
 */
import type { Finding } from '../../../model';
import { formatCount } from '../../../units';
import type { HoldEntry, ReportHead, ResolvedFinding } from '../../ReportModel';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, SEVERITY_COLORS } from '../draw/pdfTheme';
import { day, plural, utc } from '../draw/pdfWords';
import type { PdfRenderInput } from '../PdfRenderInput';
import { trend } from './trend';

/**
 * The page "Changes since the last audit".
 *
 * @example
 * changes(pdf, input);
 */
export function changes(pdf: PdfCanvas, input: PdfRenderInput): void {
  pdf.newPage();
  pdf.heading('Changes since the last audit', 18);
  comparison(pdf, input.head);
  trend(pdf, input);
  if (input.head.changes?.previousRunId) {
    newViolations(pdf, input);
    resolvedViolations(pdf, input);
  }
  endedHolds(pdf, input.head);
  waivers(pdf, input.head);
}

function comparison(pdf: PdfCanvas, { changes }: ReportHead): void {
  if (!changes) {
    pdf.paragraph('This run keeps no history, so it is not compared with earlier runs and has no trend.', { color: COLORS.muted });
  } else if (!changes.previousRunId) {
    pdf.paragraph('This is the first complete run of its scope: every finding is new. The next run will be compared with this one.', { color: COLORS.muted });
  } else {
    pdf.paragraph(
      `Compared with run ${changes.previousRunId} (snapshot captured ${utc(changes.previousCapturedAt)}): ${plural(changes.newViolations, 'new violation')}, ${plural(changes.resolved, 'violation')} resolved; ${formatCount(changes.new)} findings new or changed, ${formatCount(changes.persisting)} unchanged.`,
      { size: 11, kind: 'prose' },
    );
  }
}

function newViolations(pdf: PdfCanvas, { model }: PdfRenderInput): void {
  pdf.heading(`New violations (${formatCount(model.newViolations.total)})`, 12);
  if (model.newViolations.total === 0) {
    pdf.paragraph('None.');
    return;
  }
  drawTable<Finding>(
    pdf,
    [
      { header: 'Severity', width: 55, value: (f) => f.severity, color: (f) => SEVERITY_COLORS[f.severity] },
      { header: 'Tenant', width: 90, value: (f) => f.tenantId ?? '–' },
      { header: 'Module / data category', width: 190, kind: 'label', value: (f) => `${f.module} / ${f.dataCategory}` },
      { header: 'Store', width: 150, kind: 'label', value: (f) => f.store?.resource ?? '–' },
      { header: 'Days overdue', width: 55, align: 'right', value: (f) => (f.overdueDays === null ? 'cap' : String(f.overdueDays)) },
      { header: 'Why', width: 240, kind: 'prose', value: (f) => f.reason },
    ],
    model.newViolations.rows,
  );
  pdf.moreLine(model.newViolations, 'new violation');
}

function resolvedViolations(pdf: PdfCanvas, { resolved }: PdfRenderInput): void {
  pdf.heading(`Resolved since the last audit (${formatCount(resolved.total)})`, 12);
  if (resolved.total === 0) {
    pdf.paragraph('None.');
    return;
  }
  drawTable<ResolvedFinding>(
    pdf,
    [
      { header: 'Tenant', width: 100, value: (r) => r.tenantId ?? '–' },
      { header: 'Module / data category', width: 210, kind: 'label', value: (r) => `${r.module} / ${r.dataCategory}` },
      { header: 'Store', width: 180, kind: 'label', value: (r) => r.resource ?? '–' },
      { header: 'First seen', width: 80, value: (r) => day(r.firstSeenAt) },
      { header: 'Days open', width: 60, align: 'right', value: (r) => (r.daysOpen === null ? '–' : String(r.daysOpen)) },
    ],
    resolved.rows,
  );
  pdf.moreLine(resolved, 'resolved finding');
}

function endedHolds(pdf: PdfCanvas, { legalHolds }: ReportHead): void {
  if (!legalHolds || legalHolds.ended === 0) return;
  pdf.heading(`Legal holds that ended since the last audit (${formatCount(legalHolds.ended)})`, 12);
  drawTable<HoldEntry>(
    pdf,
    [
      { header: 'Item', width: 90, value: (h) => h.itemId ?? '–' },
      { header: 'Tenant', width: 90, value: (h) => h.tenantId ?? '–' },
      { header: 'Module / data category', width: 200, kind: 'label', value: (h) => `${h.module} / ${h.dataCategory}` },
      { header: 'The hold', width: 340, kind: 'prose', value: (h) => h.reason },
    ],
    legalHolds.endedList,
  );
}

const WAIVER_STATUS = { active: 'active', expired: 'EXPIRED', stale: 'stale: matches nothing' } as const;

function waivers(pdf: PdfCanvas, { waivers: used }: ReportHead): void {
  pdf.heading(`Waivers (${formatCount(used?.length ?? 0)})`, 12);
  if (!used || used.length === 0) {
    pdf.paragraph('No waivers were in use.');
    return;
  }
  drawTable<NonNullable<ReportHead['waivers']>[number]>(
    pdf,
    [
      { header: 'Waiver', width: 80, value: (w) => w.id },
      { header: 'Status', width: 100, value: (w) => WAIVER_STATUS[w.status], color: (w) => (w.status === 'active' ? undefined : COLORS.alarm) },
      { header: 'Expires', width: 70, value: (w) => day(w.expiresAt) },
      { header: 'Covers', width: 55, align: 'right', value: (w) => formatCount(w.covered) },
      { header: 'Active again', width: 60, align: 'right', value: (w) => formatCount(w.activeAgain) },
      { header: 'Approver', width: 120, value: (w) => w.approver },
      { header: 'Reason', width: 240, kind: 'prose', value: (w) => w.reason },
    ],
    used,
  );
}
