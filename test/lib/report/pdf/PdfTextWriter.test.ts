import PDFDocument from 'pdfkit';
import { TEXT_LIMITS } from '../../../../lib/report/pdf/pdfSafeText';
import { PdfTextWriter, type TextBlock } from '../../../../lib/report/pdf/PdfTextWriter';

const textOf = (block: TextBlock) => block.lines.map((line) => line.pieces.map((piece) => piece.text).join(''));
const facesOf = (block: TextBlock) => block.lines.flatMap((line) => line.pieces.map((piece) => [piece.face, piece.text]));

describe('PdfTextWriter', () => {
  let doc: PDFKit.PDFDocument;
  let writer: PdfTextWriter;
  beforeEach(() => {
    doc = new PDFDocument({ autoFirstPage: true });
    writer = new PdfTextWriter(doc);
  });

  it('keeps text that fits on one line, in the main face', () => {
    const block = writer.layout('tenant-acme', 'id', { size: 10, width: 200 });
    expect(textOf(block)).toEqual(['tenant-acme']);
    expect(facesOf(block)).toEqual([['regular', 'tenant-acme']]);
    expect(block.height).toBeCloseTo(13); // IBM Plex Sans: 1.3 em a line
  });

  it('breaks lines at spaces and after hyphens, every line within the width', () => {
    const block = writer.layout('a-rather-long-resource-name with several words that wrap', 'label', { size: 10, width: 90 });
    expect(block.lines.length).toBeGreaterThan(2);
    for (const line of block.lines) expect(line.width).toBeLessThanOrEqual(90);
    expect(textOf(block).join(' ').replace(/- /g, '-')).toBe('a-rather-long-resource-name with several words that wrap');
  });

  it('breaks a word wider than the line anywhere', () => {
    const block = writer.layout('x'.repeat(100), 'id', { size: 10, width: 50 });
    expect(block.lines.length).toBeGreaterThan(5);
    for (const line of block.lines) expect(line.width).toBeLessThanOrEqual(50);
    expect(textOf(block).join('')).toBe('x'.repeat(100));
  });

  it('sets what the main face lacks (CJK, Hangul, emoji) in the fallback face, and breaks between CJK characters', () => {
    const block = writer.layout('株式会社テスト 🚀 데이터', 'id', { size: 10, width: 1000 });
    expect(facesOf(block)).toEqual([
      ['fallback', '株式会社テスト'],
      ['regular', ' '],
      ['fallback', '🚀'],
      ['regular', ' '],
      ['fallback', '데이터'],
    ]);
    expect(writer.layout('株式会社テスト', 'id', { size: 10, width: 25 }).lines.length).toBeGreaterThan(2);
  });

  it('draws nothing for invisible characters (variation selector, zero-width joiner)', () => {
    expect(textOf(writer.layout('🚀\uFE0F a\u200Db', 'id', { size: 10, width: 200 }))).toEqual(['🚀 ab']);
  });

  it('cuts a single line that does not fit with an ellipsis', () => {
    const block = writer.layout('Worst tenant with a very long name indeed', 'id', { size: 10, width: 80, oneLine: true });
    expect(block.lines).toHaveLength(1);
    expect(block.lines[0]!.width).toBeLessThanOrEqual(80);
    expect(textOf(block)[0]).toMatch(/^Worst tenant.*…$/);
    expect(textOf(writer.layout('short', 'id', { size: 10, width: 80, oneLine: true }))).toEqual(['short']);
  });

  it('cuts the text to its kind first, so a megabyte costs no more than its head', () => {
    const block = writer.layout('t'.repeat(1 << 20), 'id', { size: 10, width: 100 });
    expect(textOf(block).join('')).toBe(`${'t'.repeat(TEXT_LIMITS.id - 1)}…`);
  });

  it('draws a block where it was measured, and leaves the cursor below it', () => {
    const block = writer.layout('two words', 'id', { size: 10, width: 30, align: 'right' });
    expect(writer.draw(block, 40, 100)).toBe(block.height);
    expect(doc.x).toBe(40);
    expect(doc.y).toBeCloseTo(100 + block.height);
  });
});
