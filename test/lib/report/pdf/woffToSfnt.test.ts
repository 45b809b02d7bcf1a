import { readFileSync } from 'node:fs';
import { PDF_FONT_FILES } from '../../../../lib/report/pdf/pdfFonts';
import { woffToSfnt } from '../../../../lib/report/pdf/woffToSfnt';

/** fontkit, pdfkit's font engine (a dependency of pdfkit, without types of its own). */
interface FontkitFont {
  type: string;
  numGlyphs: number;
  postscriptName: string;
  glyphForCodePoint(codePoint: number): { id: number; advanceWidth: number; path: { toSVG(): string } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit: { create(data: Buffer): FontkitFont } = require('fontkit');

describe('woffToSfnt', () => {
  it.each([
    ['IBM Plex Sans', PDF_FONT_FILES.regular, 'R'],
    ['UnifontEX', PDF_FONT_FILES.fallback, '株'],
  ])('turns the %s WOFF into the same font, as plain TrueType', (_name, file, char) => {
    const woff = fontkit.create(readFileSync(file));
    const sfnt = fontkit.create(woffToSfnt(readFileSync(file)));
    expect(woff.type).toBe('WOFF');
    expect(sfnt.type).toBe('TTF');
    expect(sfnt.numGlyphs).toBe(woff.numGlyphs);
    expect(sfnt.postscriptName).toBe(woff.postscriptName);
    const [before, after] = [woff, sfnt].map((font) => font.glyphForCodePoint(char.codePointAt(0)!));
    expect(after!.id).toBe(before!.id);
    expect(after!.advanceWidth).toBe(before!.advanceWidth);
    expect(after!.path.toSVG()).toBe(before!.path.toSVG());
    expect(after!.path.toSVG()).not.toBe('');
  });

  it('refuses what is not a WOFF 1.0 font', () => {
    expect(() => woffToSfnt(readFileSync(PDF_FONT_FILES.fallback.replace(/\.woff$/, '.woff2')))).toThrow('Not a WOFF 1.0 font.');
  });
});
