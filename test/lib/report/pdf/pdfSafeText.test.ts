import fc from 'fast-check';
import { pdfSafeText, TEXT_LIMITS, type TextKind } from '../../../../lib/report/pdf/pdfSafeText';

const KINDS = Object.keys(TEXT_LIMITS) as TextKind[];

describe('pdfSafeText', () => {
  describe.each(KINDS)('for %s text', (kind) => {
    const limit = TEXT_LIMITS[kind];

    it.each([
      ['exactly the limit', 'a'.repeat(limit), 'a'.repeat(limit)],
      ['one past the limit', 'a'.repeat(limit + 1), `${'a'.repeat(limit - 1)}…`],
      ['a megabyte', 'a'.repeat(1 << 20), `${'a'.repeat(limit - 1)}…`],
    ])('keeps %s to the limit, ending in an ellipsis when cut', (_case, text, expected) => {
      expect(pdfSafeText(text, kind)).toBe(expected);
    });

    it('never cuts an emoji in half', () => {
      const text = `${'a'.repeat(limit - 2)}🚀🚀`;
      expect(pdfSafeText(text, kind)).toBe(`${'a'.repeat(limit - 2)}…`);
    });
  });

  it.each([
    ['ESC and an ANSI sequence', 'evil\u001b[2Jx', 'evil\\x1b[2Jx'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['a C1 control', 'a\u0085b', 'a\\x85b'],
    ['a right-to-left override', 'invoice\u202Etxt.exe', 'invoice\\u202etxt.exe'],
    ['a bidi isolate', 'a\u2066b\u2069', 'a\\u2066b\\u2069'],
    ['line breaks and tabs (they become spaces)', 'two\r\nlines\tand a tab', 'two lines and a tab'],
    ['a lone surrogate', 'a\uD800b', 'a\uFFFDb'],
    ['a decomposed accent (composed)', 'cafe\u0301', 'café'],
  ])('makes %s harmless', (_case, text, expected) => {
    expect(pdfSafeText(text, 'id')).toBe(expected);
  });

  it('keeps CJK, Hangul and emoji as they are', () => {
    expect(pdfSafeText('株式会社テスト 🚀 데이터', 'id')).toBe('株式会社テスト 🚀 데이터');
  });

  it('cuts a string of controls to the limit after escaping them', () => {
    expect(pdfSafeText('\u001b'.repeat(1000), 'id')).toBe(`${'\\x1b'.repeat(29)}\\x1…`);
  });

  it('returns at most the limit, with no control or bidi character, and changes nothing the second time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.constantFrom(...KINDS), (text, kind) => {
        const safe = pdfSafeText(text, kind);
        expect(safe.length).toBeLessThanOrEqual(TEXT_LIMITS[kind]);
        expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\p{Surrogate}/u);
        expect(pdfSafeText(safe, kind)).toBe(safe);
      }),
    );
  });
});
