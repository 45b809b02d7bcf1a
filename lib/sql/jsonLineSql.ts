/**
 * JSON text in SQL exactly as the reports write it (lib/report/FindingSorter.ts
 * toJsonLine: JSON.stringify, then every character from U+007F up as a \uXXXX
 * escape), so that DuckDB's finding lines go to the reports without a round trip
 * through JavaScript. DuckDB's own JSON writer differs in three ways, each
 * corrected here: it writes whole doubles with a fraction (`1000.0`) and
 * exponents without a sign (`1e21`), control characters as uppercase escapes
 * (`\u001F`), and characters beyond ASCII as they are.
 */

/**
 * A DOUBLE as JSON.stringify writes the number (`null` for NULL).
 *
 * @example
 * jsonNumberSql('bytes') // 1000.0 → '1000', 1e21 → '1e+21', 0.5 → '0.5', -0.0 → '0'
 */
export function jsonNumberSql(value: string): string {
  // Whole numbers below 2^53 are their digits; the rest DuckDB's shortest digits (as JavaScript's), written
  // as JavaScript writes them: no '.0' after a whole number (2^60 is 1152921504606847000), the exponent signed.
  return (
    `(CASE WHEN ${value} IS NULL OR isinf(${value}) OR isnan(${value}) THEN 'null' ` +
    `WHEN ${value} = trunc(${value}) AND abs(${value}) < 9007199254740992 THEN CAST(CAST(${value} AS HUGEINT) AS VARCHAR) ` +
    `ELSE regexp_replace(regexp_replace(CAST(to_json(${value}) AS VARCHAR), '\\.0$', ''), 'e([0-9])', 'e+\\1') END)`
  );
}

/**
 * Whether DuckDB writes the text of `column` (VARCHAR, e.g. the strings of a line
 * concatenated) exactly as toJsonLine does: when it holds only ASCII, no control
 * character and no U+007F, to_json and JSON.stringify escape the same characters (`"`
 * and `\`) the same way, and toJsonLine has nothing left to escape. A test of the
 * strings a line repeats, a few hundred bytes, instead of {@link asJsonLineSql}'s scan
 * of the whole line, whose other parts are constants toJsonLine wrote: `strlen =
 * length` holds for ASCII only, and to_json adding nothing but the two quotes rules
 * out every escape (`"` and `\` too, which merely sends those rare rows the long way).
 * (A regular expression for a character outside that class was measured: 2,200 more
 * instructions a row than these three tests, callgrind.)
 *
 * @example
 * plainTextSql('texts') // true for 'item-1a@b.c', false for 'café' or 'a\u0001'
 */
export function plainTextSql(column: string): string {
  return `(strlen(${column}) = length(${column}) AND strlen(CAST(to_json(${column}) AS VARCHAR)) = strlen(${column}) + 2 AND NOT contains(${column}, chr(127)))`;
}

/** Where DuckDB's JSON text may differ from toJsonLine's: a character outside printable ASCII, or an uppercase escape. */
const NEEDS_REWRITE = String.raw`[^\x20-\x7e]|\\u00[01][A-F]`;
/**
 * The JSON text as tokens: a \u escape, any other escape pair, a run of ASCII
 * without backslash, or one character from U+007F up. Escapes are taken whole,
 * so an escaped backslash followed by "u001F" in a string stays text.
 */
const TOKENS = String.raw`\\u[0-9A-Fa-f]{4}|\\.|[\x00-\x5b\x5d-\x7e]+|[^\x00-\x7e]`;

/**
 * Compact JSON text from DuckDB (to_json, or text assembled from it), a column,
 * rewritten as toJsonLine writes it. Lines that need nothing (nearly all) are only scanned.
 *
 * @example
 * asJsonLineSql('duck_json') // '{"a":"é"}' → '{"a":"\u00e9"}'
 */
export function asJsonLineSql(column: string): string {
  const escaped =
    `(CASE WHEN prefix(t, '\\u') THEN lower(t) WHEN unicode(t) < 127 OR length(t) > 1 THEN t ` +
    `WHEN unicode(t) < 65536 THEN printf('\\u%04x', unicode(t)) ` +
    `ELSE printf('\\u%04x\\u%04x', 55296 + ((unicode(t) - 65536) >> 10), 56320 + ((unicode(t) - 65536) & 1023)) END)`;
  return (
    `(CASE WHEN regexp_matches(${column}, '${NEEDS_REWRITE}') ` +
    `THEN array_to_string(list_transform(regexp_extract_all(${column}, '${TOKENS}'), t -> ${escaped}), '') ELSE ${column} END)`
  );
}
