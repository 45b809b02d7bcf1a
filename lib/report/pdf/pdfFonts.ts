/**
 * The PDF's fonts: IBM Plex Sans (Latin) for everything it covers, and UnifontEX,
 * a GNU Unifont derivative covering the whole Basic Multilingual Plane and most
 * emoji (in monochrome outline), for the characters Plex lacks: CJK, Hangul,
 * Cyrillic, Arabic, emoji… Both ship as npm packages found through their
 * package.json, so the Lambda package carries exactly these files (serverless.yml
 * `package.patterns`).
 */
import { readFileSync } from 'node:fs';
import { woffToSfnt } from './woffToSfnt';

const PLEX_DIR = require.resolve('@fontsource/ibm-plex-sans/package.json').replace(/package\.json$/, 'files/');
const UNIFONT_DIR = require.resolve('@fontsource/unifontex/package.json').replace(/package\.json$/, 'files/');

export const PDF_FONT_FILES = {
  regular: `${PLEX_DIR}ibm-plex-sans-latin-400-normal.woff`,
  bold: `${PLEX_DIR}ibm-plex-sans-latin-600-normal.woff`,
  // WOFF, not WOFF2: fontkit copies WOFF2 glyphs into a PDF's font subset blank.
  fallback: `${UNIFONT_DIR}unifontex-latin-400-normal.woff`,
} as const;

/** A font the PDF's text is set in, registered with a document under this name. */
export type PdfFace = keyof typeof PDF_FONT_FILES;
/** The faces text is asked in; `fallback` is chosen per character, for what they lack. */
export type PdfMainFace = Exclude<PdfFace, 'fallback'>;

/** What the text layout needs of pdfkit's font object (pdfkit keeps the current one as `doc._font`). */
export interface PdfFontFace {
  /** Height above the baseline, in thousandths of the font size. */
  ascender: number;
  /** The parsed fontkit font. */
  font: { hasGlyphForCodePoint(codePoint: number): boolean };
}

/** Each face as plain TrueType, read and inflated once per process, when first used (the fallback: 0.1 s, 14 MB). */
const fontData = new Map<PdfFace, Buffer>();
/** The faces each document has registered. */
const registered = new WeakMap<PDFKit.PDFDocument, Set<PdfFace>>();

function dataOf(face: PdfFace): Buffer {
  let data = fontData.get(face);
  if (!data) {
    data = woffToSfnt(readFileSync(PDF_FONT_FILES[face]));
    fontData.set(face, data);
  }
  return data;
}

/**
 * Makes `face` the document's current font, registering it with the document on
 * first use (so a report without CJK or emoji never loads the fallback), and returns
 * pdfkit's object for it, for its glyph coverage and metrics.
 *
 * @example
 * useFace(doc, 'regular').font.hasGlyphForCodePoint(0x682a) // false: Plex has no CJK
 * useFace(doc, 'fallback').font.hasGlyphForCodePoint(0x682a) // true
 */
export function useFace(doc: PDFKit.PDFDocument, face: PdfFace): PdfFontFace {
  let faces = registered.get(doc);
  if (!faces) {
    faces = new Set();
    registered.set(doc, faces);
  }
  if (!faces.has(face)) {
    doc.registerFont(face, dataOf(face));
    faces.add(face);
  }
  doc.font(face);
  return (doc as unknown as { _font: PdfFontFace })._font;
}
