import { useFace, type PdfFace, type PdfFontFace, type PdfMainFace } from './pdfFonts';
import { pdfSafeText, type TextKind } from './pdfSafeText';

export interface TextStyle {
  /** The face the text is set in (default `regular`); characters it lacks come from the fallback font. */
  font?: PdfMainFace;
  /** In points. */
  size: number;
  /** The width the text must fit, in points. */
  width: number;
  align?: 'left' | 'right' | 'center';
  /** One line: what does not fit ends in "…" instead of wrapping. */
  oneLine?: boolean;
  /** Fill colour; the document's current one when absent. */
  color?: string;
}

/** A stretch of a line set in one face. */
interface Piece {
  face: PdfFace;
  text: string;
  width: number;
}

interface Line {
  pieces: Piece[];
  width: number;
}

/** Text cut, cleaned and broken into lines: measured once, drawn as measured. */
export interface TextBlock {
  readonly lines: readonly Line[];
  readonly lineHeight: number;
  readonly height: number;
  readonly style: TextStyle;
}

/** A run between two break opportunities, in the faces its characters need. */
interface Token {
  pieces: Piece[];
  width: number;
  space: boolean;
}

/** Spaces a line may break at (not the no-break ones; tabs and line breaks are gone by now, see pdfSafeText). */
const SPACES = ' \\u1680\\u2000-\\u2006\\u2008-\\u200a\\u205f\\u3000';
/** Scripts written without spaces between words, and emoji: a line may break between any two of them. */
const WIDE = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\p{Extended_Pictographic}';
/** Break opportunities: at spaces, after hyphens, around each wide character. Every character falls in one token. */
const TOKENS = new RegExp(`[${SPACES}]+|[${WIDE}]|[^${SPACES}${WIDE}-]*-+|[^${SPACES}${WIDE}-]+`, 'gu');
const SPACE = new RegExp(`^[${SPACES}]`, 'u');
/** Characters with no visible form (variation selectors, joiners, soft hyphen…): nothing to draw. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const ELLIPSIS = '…';

/**
 * Sets text in the PDF. Every string drawn or measured comes through
 * {@link PdfTextWriter.layout}, which first cuts and cleans it
 * ({@link pdfSafeText}), so layout time is bounded whatever the data holds, then
 * breaks it into lines of runs: characters the main face lacks (CJK, Hangul,
 * emoji…) are set in the fallback face. Lines break at spaces, after hyphens and
 * between CJK characters; a word wider than the line breaks anywhere.
 *
 * @example
 * const writer = new PdfTextWriter(doc);
 * const block = writer.layout(finding.tenantId, 'id', { size: 7.5, width: 80 });
 * writer.draw(block, x, y); // returns block.height
 */
export class PdfTextWriter {
  private readonly faces = new Map<PdfFace, PdfFontFace>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  /**
   * Cuts and cleans `text` for its kind, then lays it out in `style`.
   *
   * @example
   * writer.layout('株式会社テスト 🚀', 'id', { font: 'bold', size: 9, width: 120 }).height // 11.7
   */
  layout(text: string, kind: TextKind, style: TextStyle): TextBlock {
    const main = style.font ?? 'regular';
    const tokens = (pdfSafeText(text, kind).match(TOKENS) ?? []).map((token) => this.token(token, main, style.size));
    const lines = style.oneLine ? [this.ellipsize(this.wrap(tokens, Number.POSITIVE_INFINITY, style.size)[0]!, style.width, main, style.size)] : this.wrap(tokens, style.width, style.size);
    this.select(main, style.size);
    const lineHeight = this.doc.currentLineHeight(true);
    return { lines, lineHeight, height: lines.length * lineHeight, style };
  }

  /**
   * Draws a laid-out block with its top left corner at (x, y), leaves the cursor
   * below it in its main face, and returns its height.
   *
   * @example
   * writer.draw(writer.layout('Executive summary', 'label', { font: 'bold', size: 18, width: 500 }), 40, 56) // 23.4
   */
  draw(block: TextBlock, x: number, y: number): number {
    const { style } = block;
    const main = style.font ?? 'regular';
    const ascent = (this.face(main).ascender / 1000) * style.size;
    if (style.color) this.doc.fillColor(style.color);
    block.lines.forEach((line, index) => {
      let cursor = x + this.indent(line, style);
      const baseline = y + index * block.lineHeight + ascent;
      for (const piece of line.pieces) {
        // One baseline for every face, so fallback characters sit on the line.
        this.select(piece.face, style.size).text(piece.text, cursor, baseline, { lineBreak: false, baseline: 'alphabetic' });
        cursor += piece.width;
      }
    });
    this.select(main, style.size);
    this.doc.x = x;
    this.doc.y = y + block.height;
    return block.height;
  }

  /**
   * {@link layout} then {@link draw}.
   *
   * @example
   * writer.write(run.source, 'label', 270, doc.y, { size: 11, width: 400 }) // the height drawn
   */
  write(text: string, kind: TextKind, x: number, y: number, style: TextStyle): number {
    return this.draw(this.layout(text, kind, style), x, y);
  }

  private select(face: PdfFace, size: number): PDFKit.PDFDocument {
    useFace(this.doc, face);
    return this.doc.fontSize(size);
  }

  private face(face: PdfFace): PdfFontFace {
    let found = this.faces.get(face);
    if (!found) {
      found = useFace(this.doc, face);
      this.faces.set(face, found);
    }
    return found;
  }

  private measure(face: PdfFace, text: string, size: number): Piece {
    return { face, text, width: this.select(face, size).widthOfString(text) };
  }

  /** The face a character is set in, and what is drawn for it. */
  private faceFor(char: string, main: PdfMainFace): [PdfFace, string] {
    if (INVISIBLE.test(char)) return [main, ''];
    const codePoint = char.codePointAt(0)!;
    if (this.face(main).font.hasGlyphForCodePoint(codePoint)) return [main, char];
    if (this.face('fallback').font.hasGlyphForCodePoint(codePoint)) return ['fallback', char];
    return [main, '\uFFFD'];
  }

  /** Splits a token into runs of one face each, and measures them. */
  private token(text: string, main: PdfMainFace, size: number): Token {
    const runs: [PdfFace, string][] = [];
    for (const char of text) {
      const [face, drawn] = this.faceFor(char, main);
      const last = runs[runs.length - 1];
      if (drawn === '') continue;
      if (last && last[0] === face) last[1] += drawn;
      else runs.push([face, drawn]);
    }
    const pieces = runs.map(([face, run]) => this.measure(face, run, size));
    return { pieces, width: pieces.reduce((sum, p) => sum + p.width, 0), space: SPACE.test(text) };
  }

  /** Greedy line filling; spaces at the start or end of a line take no room. */
  private wrap(tokens: readonly Token[], width: number, size: number): Line[] {
    const lines: Line[] = [{ pieces: [], width: 0 }];
    const current = () => lines[lines.length - 1]!;
    const newLine = () => lines.push({ pieces: [], width: 0 });
    let space: Token | null = null;
    for (const token of tokens) {
      if (token.space) {
        if (current().pieces.length > 0) space = token;
        continue;
      }
      if (current().pieces.length > 0 && current().width + (space?.width ?? 0) + token.width > width) newLine();
      else if (space) append(current(), space.pieces);
      space = null;
      if (token.width <= width) {
        append(current(), token.pieces);
        continue;
      }
      // A word wider than the line: as many characters per line as fit (at least one).
      for (const glyph of this.glyphs(token.pieces, size)) {
        if (current().pieces.length > 0 && current().width + glyph.width > width) newLine();
        append(current(), [glyph]);
      }
    }
    return lines;
  }

  /** Each character of `pieces` as a piece of its own, measured. */
  private *glyphs(pieces: readonly Piece[], size: number): Generator<Piece> {
    for (const piece of pieces) {
      for (const char of piece.text) yield this.measure(piece.face, char, size);
    }
  }

  /** Cuts a line that is too wide at a character boundary and ends it in "…". */
  private ellipsize(line: Line, width: number, main: PdfMainFace, size: number): Line {
    if (line.width <= width) return line;
    const ellipsis = this.measure(main, ELLIPSIS, size);
    const kept: Line = { pieces: [], width: 0 };
    for (const glyph of this.glyphs(line.pieces, size)) {
      if (kept.width + glyph.width + ellipsis.width > width) break;
      append(kept, [glyph]);
    }
    append(kept, [ellipsis]);
    return kept;
  }

  private indent(line: Line, style: TextStyle): number {
    if (style.align === 'right') return style.width - line.width;
    if (style.align === 'center') return (style.width - line.width) / 2;
    return 0;
  }
}

/** Adds pieces to a line, merging a piece into the last one when they share a face. */
function append(line: Line, pieces: readonly Piece[]): void {
  for (const piece of pieces) {
    const last = line.pieces[line.pieces.length - 1];
    if (last && last.face === piece.face) line.pieces[line.pieces.length - 1] = { face: last.face, text: last.text + piece.text, width: last.width + piece.width };
    else line.pieces.push(piece);
    line.width += piece.width;
  }
}
