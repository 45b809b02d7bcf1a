/**
 * SQL fragments that read JSON text the way `JSON.parse` does, for the validation
 * stage (lib/sql/validationSql.ts). DuckDB's JSON reader (yyjson) differs from
 * `JSON.parse` in three ways that matter here, each handled below:
 *
 * - a repeated key: `JSON.parse` keeps the LAST value, DuckDB's lookups the first
 *   ({@link memberPosition} looks for the last);
 * - a lone UTF-16 surrogate escape (`"\ud800"`): `JSON.parse` reads it, DuckDB
 *   refuses the whole document ({@link withoutLoneSurrogates} reads it as U+FFFD,
 *   also one code point, so lengths and verdicts agree; only the text differs);
 * - JSON `null` and a missing member are both SQL NULL in a MAP lookup (whether a
 *   member is there is its {@link memberPosition}).
 *
 * Every fragment takes SQL expressions (usually column names) and returns one.
 */
import { sqlString } from './sqlText';

/** An escaped surrogate pair, a lone surrogate escape, any other escape, or a run of plain text. */
const JSON_TEXT_TOKEN = String.raw`\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\.|[^\\]+`;

/**
 * The JSON text with every lone surrogate escape written as `\ufffd`. Only texts
 * that hold a `\uD…` escape and that DuckDB refuses take the slow path.
 *
 * @example
 * withoutLoneSurrogates('raw') // CASE WHEN … THEN array_to_string(…) ELSE raw END
 */
export function withoutLoneSurrogates(text: string): string {
  // After the pair alternative failed, a 6-character token starting with a backslash is a lone surrogate.
  const token = `lambda token: CASE WHEN length(token) = 6 AND prefix(token, '\\') THEN '\\ufffd' ELSE token END`;
  return `CASE
      WHEN (contains(${text}, '\\ud') OR contains(${text}, '\\uD')) AND NOT json_valid(${text})
      THEN array_to_string(list_transform(regexp_extract_all(${text}, ${sqlString(JSON_TEXT_TOKEN)}), ${token}), '')
      ELSE ${text} END`;
}

/**
 * The members of a JSON object as a `MAP(VARCHAR, JSON)`, in document order, a
 * repeated key as often as it stands there; NULL when the text is not an object.
 * Values are minified JSON text, except JSON `null`, which is SQL NULL.
 */
export function objectEntries(jsonText: string): string {
  return `from_json(${jsonText}, '"MAP(VARCHAR, JSON)"')`;
}

/** The keys of {@link objectEntries}, last first: a key's first position here is its last in the object. */
export function keysLastFirst(entries: string): string {
  return `list_reverse(map_keys(${entries}))`;
}

/**
 * The values of {@link objectEntries} as JSON (minified text; SQL NULL for JSON null, so
 * whether a member is there is its {@link memberPosition}), in document order. Never
 * compare one with a literal: the literal would be read as JSON.
 */
export function valueTexts(entries: string): string {
  return `map_values(${entries})`;
}

/** The strings among {@link valueTexts}, unescaped, in the same places; NULL for values of other kinds. */
export function valueStrings(entries: string): string {
  return `list_transform(map_values(${entries}), lambda value: ${jsonString('value')})`;
}

/** Where a member's last occurrence stands in {@link keysLastFirst}; NULL when the key is absent. */
export function memberPosition(keysLastFirst: string, key: string): string {
  return `list_position(${keysLastFirst}, ${sqlString(key)})`;
}

/**
 * A member's entry in a list in document order ({@link valueTexts}, {@link valueStrings})
 * from its {@link memberPosition}: counted from the end, it is the last occurrence,
 * the one JSON.parse keeps. NULL when absent.
 */
export function memberOf(list: string, position: string): string {
  return `${list}[-${position}]`;
}

/** Whether an object repeats a key (then its text must be rewritten to say what JSON.parse reads). */
export function repeatsKey(keys: string): string {
  return `len(${keys}) <> list_unique(${keys})`;
}

/** The object's text with each key once, holding its last value. */
export function objectTextOnce(entries: string): string {
  const keys = `map_keys(${entries})`;
  return `to_json(map_from_entries(list_filter(map_entries(${entries}), lambda entry, i: NOT list_contains(${keys}[i + 1:], entry.key))))`;
}

// The kind of a JSON value, from the first character of its minified text.
export const isString = (json: string): string => `prefix(${json}, '"')`;
export const isObject = (json: string): string => `prefix(${json}, '{')`;
export const isArray = (json: string): string => `prefix(${json}, '[')`;
/** A JSON number starts with a digit or a minus (no IN list: DuckDB plans a long one as a join). */
export const isNumber = (json: string): string => `(prefix(${json}, '-') OR substr(${json}, 1, 1) BETWEEN '0' AND '9')`;

/** The string a JSON string value holds, unescaped; NULL for any other value. */
export function jsonString(json: string): string {
  return `CASE WHEN ${isString(json)} THEN json_extract_string(${json}, '$') END`;
}

/**
 * The number a JSON number value holds, as `JSON.parse` reads it (a DOUBLE: 1e999 is
 * Infinity, 1e-400 is 0, 2^53 + 1 is 2^53); NULL for any other value.
 */
export function jsonNumber(json: string): string {
  return `CASE WHEN ${isNumber(json)} THEN CAST(${json} AS DOUBLE) END`;
}

/** Longest text a finding repeats from an item (lib/engine/evaluate.ts FINDING_TEXT_MAX). */
const FINDING_TEXT_MAX = 1024;

/**
 * A string as a finding repeats it (lib/engine/evaluate.ts `str`): more than 1024
 * UTF-16 code units are cut to 1023 and marked with '…'. JavaScript counts UTF-16
 * units, so a character beyond U+FFFF counts twice, and a cut through its middle
 * leaves half of it, which UTF-8 cannot hold: it reads U+FFFD here.
 *
 * Only a text of more than 1024 bytes can be that long. For it, each astral
 * character gets a U+FFFF marker behind it (so code points count UTF-16 units),
 * the text is cut, an astral character that lost its marker to the cut becomes
 * U+FFFD, and the markers go (a marker always directly follows its character,
 * so a U+FFFF of the text itself survives).
 */
export function findingText(text: string): string {
  const astral = String.raw`[\x{10000}-\x{10FFFF}]`;
  const units = `regexp_replace(left(${text}, ${FINDING_TEXT_MAX + 1}), '${astral}', '\\0' || chr(65535), 'g')`;
  const cut = `left(${units}, ${FINDING_TEXT_MAX - 1})`;
  const halfCut = `regexp_replace(${cut}, '${astral}$', chr(65533))`;
  const unmarked = `regexp_replace(${halfCut}, '(${astral})' || chr(65535), '\\1', 'g')`;
  return `CASE WHEN strlen(${text}) <= ${FINDING_TEXT_MAX} THEN ${text}
      WHEN length(${units}) <= ${FINDING_TEXT_MAX} THEN ${text}
      ELSE ${unmarked} || '…' END`;
}
