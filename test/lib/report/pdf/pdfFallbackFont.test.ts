import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { pdfText, type PdfText } from '../../../helpers/pdf';
import { renderReport, texts } from './hostileReport';

/** fontkit, the font engine pdfkit embeds fonts with (no types of its own). */
interface FontkitFont {
  numGlyphs: number;
  getGlyph(id: number): { path: { commands: unknown[] } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit: { create(data: Buffer): FontkitFont } = require('fontkit');

const squash = (text: string) => text.replace(/\s+/g, '');

/** The font programs embedded in a pdfkit PDF (/FontFile2 streams), by font name. */
function embeddedFonts(path: string): Map<string, FontkitFont> {
  const raw = readFileSync(path);
  const text = raw.toString('latin1');
  const fonts = new Map<string, FontkitFont>();
  for (const [, name, ref] of text.matchAll(/\/FontName \/(\S+)[^>]*?\/FontFile2 (\d+) 0 R/g)) {
    const object = text.indexOf(`\n${ref} 0 obj\n`);
    const start = text.indexOf('stream\n', object) + 'stream\n'.length;
    const end = text.indexOf('\nendstream', start);
    const data = raw.subarray(start, end);
    fonts.set(name!, fontkit.create(text.slice(object, start).includes('/FlateDecode') ? inflateSync(data) : data));
  }
  return fonts;
}

describe('tenant names in CJK, Hangul and emoji', () => {
  const name = '株式会社テスト 🚀 데이터';
  let pdf: PdfText;
  let path: string;
  beforeAll(async () => {
    ({ pdf, path } = await renderReport(texts((marker) => `${marker} ${name}`)));
  });

  it('come back from the PDF as text (an empty box comes back as U+0000)', () => {
    const all = pdfText(pdf);
    expect(squash(all)).toContain(squash(`TENANT ${name}`));
    expect(squash(pdf.pages[0]!.text)).toContain(squash(`SNAPSHOT ${name}`));
    expect(all).not.toContain('\u0000');
  });

  it('are drawn with real outlines from the embedded fallback font', () => {
    const fonts = embeddedFonts(path);
    const fallback = [...fonts].find(([fontName]) => fontName.endsWith('+UnifontExMono'))?.[1];
    expect(fallback).toBeDefined();
    // Glyph 0 is .notdef; the others are the name's 11 characters (its spaces are Plex's).
    expect(fallback!.numGlyphs - 1).toBe(new Set(name.replace(/ /g, '')).size);
    for (let id = 1; id < fallback!.numGlyphs; id += 1) expect(fallback!.getGlyph(id).path.commands.length).toBeGreaterThan(0);
  });
});

describe('a report in Latin script only', () => {
  it('does not embed the fallback font', async () => {
    const { path } = await renderReport(texts((marker, filler) => `${marker}-${filler}`));
    const names = [...embeddedFonts(path).keys()];
    expect(names.some((fontName) => fontName.endsWith('+IBMPlexSans-Regular'))).toBe(true);
    expect(names.some((fontName) => fontName.endsWith('+UnifontExMono'))).toBe(false);
  });
});
