import { printable, printableDeep } from '../../../lib/text/printable';

describe('printable', () => {
  it.each([
    ['an ANSI clear screen', '\u001b[2J', '\\x1b[2J'],
    ['an OSC 8 hyperlink', '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', '\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['CR and LF', 'a\r\nb', 'a\\x0d\\x0ab'],
    ['TAB', 'a\tb', 'a\\x09b'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['a C1 CSI (U+009B), which some terminals run like ESC [', '\u009b2J', '\\x9b2J'],
    ['NEL (U+0085)', 'a\u0085b', 'a\\x85b'],
    ['a right-to-left override', 'abc\u202egpj.exe', 'abc\\u202egpj.exe'],
    ['a bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['the line separator', 'a\u2028b', 'a\\u2028b'],
  ])('escapes %s visibly', (_name, text, expected) => {
    expect(printable(text)).toBe(expected);
  });

  it('keeps printable text as it is, Unicode included, and returns the same string when nothing needs escaping', () => {
    for (const text of ['tenant-a', '株式会社テスト', '🚀 tenant', 'données', 'a "quoted" \\ backslash', '']) expect(printable(text)).toBe(text);
  });

  it('lets a caller allow line breaks (or tabs), and nothing else', () => {
    expect(printable('one\ntwo\tthree\u001b[0m', { allow: '\n' })).toBe('one\ntwo\\x09three\\x1b[0m');
    expect(printable('one\ntwo\tthree\r', { allow: '\n\t' })).toBe('one\ntwo\tthree\\x0d');
  });

  it('leaves no control character behind, whatever the input', () => {
    let all = '';
    for (let code = 0; code <= 0x9f; code += 1) all += String.fromCharCode(code);
    expect(printable(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('printableDeep', () => {
  it('escapes every string in arrays and plain objects, and keeps other values', () => {
    const value = { id: 'W\u001b[2J', list: ['a\r\nb', 3, null, true], nested: { deep: ['\u0007'] } };
    expect(printableDeep(value)).toEqual({ id: 'W\\x1b[2J', list: ['a\\x0d\\x0ab', 3, null, true], nested: { deep: ['\\x07'] } });
    expect(value.id).toBe('W\u001b[2J');
  });
});
