/**
 * The cover: which run, snapshot and catalog the report is about, and, before
 * anything else, whether it can be trusted (complete, fresh) — a DPO who reads
 * only the first page must not miss that.
 */
import { formatCount } from '../../../units';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, MARGIN } from '../draw/pdfTheme';
import { utc } from '../draw/pdfWords';
import type { TextKind } from '../pdfSafeText';
import type { PdfRenderInput } from '../PdfRenderInput';

/**
 * The title, the run's facts, the COMPLETE/INCOMPLETE and STALE banners, and the warnings.
 *
 * @example
 * cover(pdf, input);
 */
export function cover(pdf: PdfCanvas, { head }: PdfRenderInput): void {
  const { run, summary } = head;
  pdf.newPage();
  const doc = pdf.doc;
  pdf.write('Data retention audit', 'document', MARGIN.left, 90, { font: 'bold', size: 28, width: pdf.width, color: COLORS.accent });
  pdf.write('Stored personal data checked against the DATA RETENTION clauses of the privacy-policy modules', 'document', MARGIN.left, doc.y, {
    size: 12,
    width: pdf.width,
    color: COLORS.muted,
  });
  doc.moveDown(1.2);
  const facts: [string, string, TextKind][] = [
    ['Run', run.id, 'id'],
    ['Trigger', run.trigger, 'id'],
    ['Snapshot', run.snapshotId ?? '(none)', 'id'],
    ['Snapshot captured', utc(run.snapshotCapturedAt), 'id'],
    ['Audit started', utc(run.startedAt), 'id'],
    ['Audit finished', utc(run.finishedAt), 'id'],
    ['Rule catalog version', run.catalogVersion, 'id'],
    ['Inventory source', run.source, 'label'],
    ['Items audited', formatCount(summary.items), 'id'],
    ['Grace period where no period is named', `${run.graceDays} days`, 'id'],
  ];
  for (const [label, value, kind] of facts) {
    const y = doc.y;
    const labelHeight = pdf.write(label, 'document', MARGIN.left, y, { font: 'bold', size: 11, width: 220, color: COLORS.text });
    const valueHeight = pdf.write(value, kind, MARGIN.left + 230, y, { size: 11, width: pdf.width - 230 });
    doc.y = y + Math.max(labelHeight, valueHeight, 16);
  }
  doc.moveDown(1);
  const complete = summary.complete;
  pdf.banner(
    complete
      ? 'COMPLETE — every item of the snapshot was read and evaluated.'
      : `INCOMPLETE — part of the snapshot could not be read or evaluated. This report does not prove the state of all stored data. ${summary.incompleteReasons.join(' ')}`,
    complete ? COLORS.ok : COLORS.alarm,
  );
  const stale = head.stale;
  if (stale?.stale) {
    pdf.banner(
      `STALE INVENTORY — the snapshot was captured ${stale.ageHours ?? 'an unknown number of'} hours before this audit (limit ${stale.thresholdHours} hours): it cannot prove today's state.`,
      COLORS.warn,
    );
  }
  for (const warning of summary.warnings) pdf.paragraph(`Warning: ${warning}`, { color: COLORS.alarm, kind: 'prose' });
  pdf.paragraph(
    'Age is measured at the snapshot’s capture time, in UTC. The JSON report of this run holds every finding; its SHA-256, printed at the foot of every page, ties this document to it.',
    { color: COLORS.muted },
  );
}
