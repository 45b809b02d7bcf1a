/**
 * Escaping for the HTML report. Every value that reaches the page from the inventory
 * or the run goes through one of two doors: `html` (markup, each interpolated value
 * escaped unless it is already SafeHtml) or `jsonForScript` (data in a
 * `<script type="application/json">` block, where neither `</script>` nor U+2028/2029
 * may break out). Controls and bidi overrides become visible escapes first, as in
 * the CSV and the mail (lib/text/printable.ts), so a hostile id cannot reorder what
 * the reader sees.
 */
import { printable } from '../../text/printable';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for an HTML text node or a double- or single-quoted attribute.
 *
 * @example
 * escapeHtml('<b title="x">') // '&lt;b title=&quot;x&quot;&gt;'
 * escapeHtml('a\u202eb') // 'a\\u202eb'
 */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/** Markup that is already escaped: `html` inserts it as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

/**
 * A template literal tag that escapes every interpolated value (arrays are joined,
 * null, undefined and booleans render nothing), so markup is built without ever
 * concatenating unescaped data.
 *
 * @example
 * html`<td>${'<script>'}</td>`.text // '<td>&lt;script&gt;</td>'
 * html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text // '<ul><li>a</li><li>b</li></ul>'
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

/** Characters a JSON text may hold that would end or confuse a script block, or a JavaScript string before ES2019. */
const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON text (from JSON.stringify) made safe inside `<script type="application/json">`:
 * `<`, `>`, `&`, U+2028 and U+2029 become `\uXXXX` escapes, which only strings can
 * hold in JSON, so the value parses back the same and `</script>` or `<!--` can
 * never appear.
 *
 * @example
 * scriptSafeJson('"</script>"') // '"\\u003c/script\\u003e"'
 */
export function scriptSafeJson(json: string): string {
  return json.replace(SCRIPT_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A value as JSON for a `<script type="application/json">` block.
 *
 * @example
 * jsonForScript({ a: '</script>' }) // '{"a":"\\u003c/script\\u003e"}'
 */
export function jsonForScript(value: unknown): string {
  return scriptSafeJson(JSON.stringify(value));
}
