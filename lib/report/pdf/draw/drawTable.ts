/**
 * The one table of the PDF: every list a section shows (violations, waivers,
 * holds, rules…) is drawn by it, so all tables break pages, stripe and wrap the
 * same way.
 */
import type { PdfMainFace } from '../pdfFonts';
import type { TextKind } from '../pdfSafeText';
import type { TextBlock } from '../PdfTextWriter';
import type { PdfCanvas } from './PdfCanvas';
import { COLORS, MARGIN } from './pdfTheme';

const CELL_PAD = 3;

export interface Column<T> {
  header: string;
  /** Relative width: the columns are scaled to fill the page's width. */
  width: number;
  align?: 'left' | 'right';
  /** What the cell holds, for how much of it the PDF shows (default `id`). */
  kind?: TextKind;
  value: (row: T) => string;
  color?: (row: T) => string | undefined;
}

/**
 * Draws a table at the cursor that never overflows the page: rows are measured
 * first, a row never splits across pages, and the header row repeats on every
 * page it spans. Leaves the cursor below it.
 *
 * @example
 * drawTable(pdf, [{ header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' }], findings);
 */
export function drawTable<T>(pdf: PdfCanvas, columns: Column<T>[], rows: readonly T[], fontSize = 7.5): void {
  const { doc, writer } = pdf;
  const total = columns.reduce((sum, c) => sum + c.width, 0);
  const scale = pdf.width / total;
  const widths = columns.map((c) => c.width * scale);
  // Each cell is laid out once: its height is measured from the very lines that are drawn.
  const layoutRow = (texts: string[], font: PdfMainFace, colors: (string | undefined)[]) =>
    texts.map((text, i) => {
      const column = columns[i]!;
      return writer.layout(text, column.kind ?? 'id', { font, size: fontSize, width: widths[i]! - 2 * CELL_PAD, align: column.align ?? 'left', color: colors[i] ?? COLORS.text });
    });
  const heightOf = (cells: TextBlock[]) => Math.max(...cells.map((cell) => cell.height)) + 2 * CELL_PAD;
  const drawRow = (cells: TextBlock[], y: number, height: number, fill: string | null) => {
    if (fill) doc.rect(MARGIN.left, y, pdf.width, height).fill(fill);
    let x = MARGIN.left;
    cells.forEach((cell, i) => {
      writer.draw(cell, x + CELL_PAD, y + CELL_PAD);
      x += widths[i]!;
    });
    doc.moveTo(MARGIN.left, y + height).lineTo(MARGIN.left + pdf.width, y + height).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
  };
  const headers = layoutRow(columns.map((c) => c.header), 'bold', []);
  const headerHeight = heightOf(headers);
  // Drawing moves doc.y, so rows are placed from an explicit cursor.
  let y = 0;
  const drawHeader = () => {
    y = doc.y;
    drawRow(headers, y, headerHeight, COLORS.headerFill);
    y += headerHeight;
  };
  pdf.room(headerHeight * 2 + 4);
  drawHeader();
  rows.forEach((row, index) => {
    const cells = layoutRow(columns.map((c) => c.value(row)), 'regular', columns.map((c) => c.color?.(row)));
    const height = heightOf(cells);
    if (y + height > pdf.bottom) {
      pdf.newPage();
      drawHeader();
    }
    drawRow(cells, y, height, index % 2 === 1 ? COLORS.stripe : null);
    y += height;
  });
  doc.x = MARGIN.left;
  doc.y = y + 6;
  doc.fillColor(COLORS.text);
}
