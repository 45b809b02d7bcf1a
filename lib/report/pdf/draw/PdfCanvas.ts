/**
 * The document every section draws on: pdfkit with the page geometry, and the
 * few text blocks the sections are made of (headings, paragraphs, single lines,
 * banners). Every string goes through the PdfTextWriter, so it is cut, cleaned
 * and set with the fallback font where needed, whoever draws it.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import PDFDocument from 'pdfkit';
import type { PdfMainFace } from '../pdfFonts';
import type { TextKind } from '../pdfSafeText';
import { PdfTextWriter, type TextStyle } from '../PdfTextWriter';
import type { CappedList } from '../PdfReportModel';
import { COLORS, MARGIN } from './pdfTheme';
import { plural } from './pdfWords';

export interface ParagraphOptions {
  size?: number;
  color?: string;
  font?: PdfMainFace;
  kind?: TextKind;
}

/**
 * A landscape A4 document with buffered pages (the furniture is drawn last).
 *
 * @example
 * const pdf = new PdfCanvas({ Title: 'Data retention audit run-1' });
 * pdf.newPage();
 * pdf.heading('Executive summary', 18);
 * pdf.paragraph('No module has data in violation.');
 * await pdf.writeTo('report.pdf');
 */
export class PdfCanvas {
  readonly doc: PDFKit.PDFDocument;
  /** Every string drawn goes through it: cut, cleaned, set with the fallback font where needed. */
  readonly writer: PdfTextWriter;

  constructor(info: PDFKit.DocumentInfo) {
    this.doc = new PDFDocument({ size: 'A4', layout: 'landscape', margins: MARGIN, bufferPages: true, autoFirstPage: false, info });
    this.writer = new PdfTextWriter(this.doc);
  }

  /** The width between the margins. */
  get width(): number {
    return this.doc.page.width - MARGIN.left - MARGIN.right;
  }

  /** The lowest y that content may reach. */
  get bottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = MARGIN.left;
    this.doc.y = MARGIN.top;
  }

  /** Starts a new page when fewer than `height` points are left. */
  room(height: number): void {
    if (this.doc.y + height > this.bottom) this.newPage();
  }

  /** Draws at (x, y) and returns the height drawn. */
  write(text: string, kind: TextKind, x: number, y: number, style: TextStyle): number {
    return this.writer.write(text, kind, x, y, style);
  }

  /** One line at (x, y): what does not fit `style.width` ends in "…". */
  line(text: string, kind: TextKind, x: number, y: number, style: Omit<TextStyle, 'oneLine'>): void {
    this.writer.write(text, kind, x, y, { ...style, oneLine: true });
  }

  heading(text: string, size = 16, kind: TextKind = 'label'): void {
    const block = this.writer.layout(text, kind, { font: 'bold', size, width: this.width, color: COLORS.accent });
    // Never alone at the foot of a page.
    this.room(Math.max(size * 3, block.height + size * 2));
    this.writer.draw(block, MARGIN.left, this.doc.y);
    this.doc.moveDown(0.3);
    this.doc.fillColor(COLORS.text);
  }

  paragraph(text: string, options: ParagraphOptions = {}): void {
    const style = { font: options.font ?? 'regular', size: options.size ?? 9.5, width: this.width, color: options.color ?? COLORS.text } as const;
    const block = this.writer.layout(text, options.kind ?? 'document', style);
    this.room(block.height + 4);
    this.writer.draw(block, MARGIN.left, this.doc.y);
    this.doc.moveDown(0.4);
  }

  /** White bold text on a full-width coloured band, at the cursor. */
  banner(text: string, fill: string): void {
    const block = this.writer.layout(text, 'prose', { font: 'bold', size: 12, width: this.width - 24, color: '#ffffff' });
    const height = block.height + 20;
    const y = this.doc.y;
    this.doc.rect(MARGIN.left, y, this.width, height).fill(fill);
    this.writer.draw(block, MARGIN.left + 12, y + 10);
    this.doc.y = y + height + 12;
  }

  /** Under a capped table: how many rows it leaves out, and where they all are. */
  moreLine(list: CappedList<unknown>, what: string): void {
    if (list.total > list.rows.length) {
      this.paragraph(
        `… and ${plural(list.total - list.rows.length, what)} more, not shown here (the PDF shows at most ${list.rows.length}); all are in the JSON and CSV reports.`,
        { color: COLORS.muted, size: 8.5 },
      );
    }
  }

  async writeTo(path: string): Promise<void> {
    const out = createWriteStream(path);
    this.doc.pipe(out);
    this.doc.end();
    await once(out, 'finish');
  }
}
