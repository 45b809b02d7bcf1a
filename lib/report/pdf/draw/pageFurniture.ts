/**
 * What every page carries, drawn once all pages exist (page X of Y needs Y):
 * the run in the header, the JSON report's SHA-256 in the footer, which ties the
 * printout to the data, and for an incomplete or stale run a stamp, so that no
 * single page can be taken out of the report and mistaken for a clean bill.
 */
import type { ReportHead } from '../../ReportModel';
import type { PdfCanvas } from './PdfCanvas';
import { COLORS, MARGIN } from './pdfTheme';

/**
 * Header, footer and, for an incomplete run, the stamp and watermark, on every page.
 *
 * @example
 * drawPageFurniture(pdf, head, jsonSha256); // after the last section, before writeTo
 */
export function drawPageFurniture(pdf: PdfCanvas, head: ReportHead, jsonSha256: string | null): void {
  const { doc, writer } = pdf;
  const { run, summary } = head;
  const range = doc.bufferedPageRange();
  const width = pdf.width;
  const stamps = [summary.complete ? '' : 'INCOMPLETE AUDIT', head.stale?.stale ? 'STALE INVENTORY' : ''].filter(Boolean).join(' · ');
  const stampWidth = stamps ? 200 : 0;
  // The same on every page: laid out once.
  const header = writer.layout(`Data retention audit · run ${run.id} · snapshot ${run.snapshotId ?? '(none)'}`, 'label', {
    size: 7.5,
    width: width - stampWidth,
    oneLine: true,
    color: COLORS.muted,
  });
  const stamp = writer.layout(stamps, 'document', { font: 'bold', size: 9, width: stampWidth, align: 'right', oneLine: true, color: COLORS.alarm });
  const watermark = writer.layout('INCOMPLETE', 'document', { font: 'bold', size: 64, width: 420, align: 'center', oneLine: true, color: COLORS.alarm });
  const sha = jsonSha256 ? `JSON report SHA-256 ${jsonSha256}` : 'No JSON report was written in this run.';
  const footer = writer.layout(sha, 'document', { size: 7.5, width: width - 80, oneLine: true, color: COLORS.muted });
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    writer.draw(header, MARGIN.left, 24);
    if (stamps) writer.draw(stamp, MARGIN.left + width - stampWidth, 22);
    if (!summary.complete) {
      doc.save();
      doc.rotate(-25, { origin: [doc.page.width / 2, doc.page.height / 2] });
      doc.opacity(0.12);
      writer.draw(watermark, doc.page.width / 2 - 210, doc.page.height / 2 - 40);
      doc.restore();
      doc.opacity(1);
    }
    doc.moveTo(MARGIN.left, 36).lineTo(MARGIN.left + width, 36).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    const footerY = doc.page.height - 36;
    writer.draw(footer, MARGIN.left, footerY);
    pdf.line(`Page ${i - range.start + 1} of ${range.count}`, 'document', MARGIN.left + width - 80, footerY, { size: 7.5, width: 80, align: 'right', color: COLORS.muted });
  }
}
