import { escapeHtml, html, jsonForScript, SafeHtml, scriptSafeJson } from '../../../../lib/report/html/safeHtml';

describe('escapeHtml', () => {
  it.each([
    ['<b title="x">', '&lt;b title=&quot;x&quot;&gt;'],
    ["it's & co", 'it&#39;s &amp; co'],
    ['a\u202eb', 'a\\u202eb'],
    ['esc\u001b[2J', 'esc\\x1b[2J'],
    ['line\u2028sep', 'line\\u2028sep'],
    ['株式会社 🚀', '株式会社 🚀'],
  ])('%j → %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('html', () => {
  it('escapes every interpolated value but SafeHtml, joins arrays and drops empty values', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', '>']}${null}${undefined}${false}${3}</p>`.text).toBe('<p><b>&lt;i&gt;</b>&lt;&gt;3</p>');
    expect(html`${new SafeHtml('<br>')}`.text).toBe('<br>');
  });
});

describe('script-safe JSON', () => {
  const hostile = { text: '</script><!-- \u2028\u2029 & <b>', nested: ['</SCRIPT >'] };

  it('never holds <, >, &, U+2028 or U+2029, and parses back to the same value', () => {
    const json = jsonForScript(hostile);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(hostile);
    expect(scriptSafeJson(JSON.stringify('a<b'))).toBe('"a\\u003cb"');
  });
});
