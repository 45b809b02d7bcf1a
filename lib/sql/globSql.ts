/**
 * Waiver scope globs compiled to SQL, matching exactly what picomatch with
 * `{ dot: true }` matches (lib/engine/waivers.ts).
 *
 * picomatch turns a glob into a JavaScript regular expression whose lookaheads
 * (no `.` or `..` segment, a first character that is no line terminator) RE2,
 * DuckDB's regex engine, lacks. The compiler reads picomatch's own regex: a glob
 * made of literals and `*` (the common waiver scopes: `tenant-a`, `tenant-*`,
 * `prod/*`, `*.log`) becomes an equality or an RE2 full match, each lookahead a
 * test at the fixed position where it stands. Anything else (`?`, `**`, classes,
 * braces with a lookahead, extglobs, negation) calls {@link GLOB_FUNCTION}, a
 * DuckDB scalar function running picomatch itself (lib/sql/globFunction.ts):
 * exact, but about 2 µs a row on the JavaScript thread.
 */
import picomatch from 'picomatch';
import { sqlString } from './sqlText';

/** The scalar function `picomatch_dot(pattern, value) → BOOLEAN` of lib/sql/globFunction.ts. */
export const GLOB_FUNCTION = 'picomatch_dot';

/** How a glob compiled: cheapest first, so that a waiver tests its cheap fields before the others. */
export type GlobCost = 'equality' | 'regex' | 'function';

export interface GlobSql {
  /** BOOLEAN: whether `value` matches the glob (for a value that is not NULL). */
  sql: string;
  cost: GlobCost;
}

type Lookahead = 'char' | 'dotSegment' | 'dotSegmentAtStart' | 'dotOrEmptySegment';

type Token =
  | { kind: 'literal'; text: string }
  | { kind: 'star' }
  | { kind: 'optionalSlash' }
  | { kind: 'syntax'; text: '(?:' | '(' | '|' | ')' | '^' | '$' }
  | { kind: 'lookahead'; rule: Lookahead };

/** The fragments of picomatch's regex source the compiler understands, longest first. */
const FRAGMENTS: readonly (readonly [string, Token])[] = [
  ['(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', { kind: 'lookahead', rule: 'dotSegmentAtStart' }],
  ['(?!\\.{1,2}(?:\\/|$))', { kind: 'lookahead', rule: 'dotSegment' }],
  ['(?!\\.{0,1}(?:\\/|$))', { kind: 'lookahead', rule: 'dotOrEmptySegment' }],
  ['(?=.)', { kind: 'lookahead', rule: 'char' }],
  ['[^/]*?', { kind: 'star' }],
  ['[^/]*', { kind: 'star' }],
  ['\\/?', { kind: 'optionalSlash' }],
  ['(?:', { kind: 'syntax', text: '(?:' }],
];

const REGEX_SPECIAL = new Set([...'.*+?()[]{}|^$\\']);

/** picomatch's regex source as tokens, or null when it holds anything else. */
function tokenize(source: string): Token[] | null {
  const tokens: Token[] = [];
  const chars = [...source];
  let i = 0;
  const rest = () => chars.slice(i, i + 40).join('');
  outer: while (i < chars.length) {
    const ahead = rest();
    for (const [fragment, token] of FRAGMENTS) {
      if (ahead.startsWith(fragment)) {
        tokens.push(token);
        i += [...fragment].length;
        continue outer;
      }
    }
    const char = chars[i]!;
    if (char === '\\') {
      const escaped = chars[i + 1];
      // \d, \w, \b… are classes or assertions, not the character.
      if (escaped === undefined || /[A-Za-z0-9]/.test(escaped)) return null;
      pushLiteral(tokens, escaped);
      i += 2;
    } else if (char === '(' || char === '|' || char === ')' || char === '^' || char === '$') {
      tokens.push({ kind: 'syntax', text: char });
      i += 1;
    } else if (REGEX_SPECIAL.has(char)) {
      return null;
    } else {
      pushLiteral(tokens, char);
      i += 1;
    }
  }
  // A character beyond the BMP that picomatch escaped as two halves, one of which stayed alone, is no character.
  const lone = tokens.some((token) => token.kind === 'literal' && /^[\ud800-\udfff]$/.test(token.text));
  return lone ? null : tokens;
}

/** A literal character; picomatch escapes each UTF-16 half of a character beyond the BMP (`\\ud83d\\ude00`): join them again. */
function pushLiteral(tokens: Token[], char: string): void {
  const last = tokens.at(-1);
  if (last?.kind === 'literal' && /^[\ud800-\udbff]$/.test(last.text) && /^[\udc00-\udfff]$/.test(char)) {
    tokens[tokens.length - 1] = { kind: 'literal', text: last.text + char };
    return;
  }
  tokens.push({ kind: 'literal', text: char });
}

/** A character for an RE2 pattern: letters and digits as they are, ASCII punctuation escaped, the rest by code point. */
function re2Char(char: string): string {
  if (/^[A-Za-z0-9_]$/.test(char)) return char;
  const code = char.codePointAt(0)!;
  if (code > 0x20 && code < 0x7f) return `\\${char}`;
  return `\\x{${code.toString(16)}}`;
}

/** A lookahead of picomatch's regex as a test of the text from the position where it stands. */
function lookaheadSql(rule: Lookahead, position: number, value: string): string {
  const rest = position === 0 ? value : `substr(${value}, ${position + 1})`;
  switch (rule) {
    case 'char':
      // JavaScript's `.` (no flags): any code unit but the line terminators.
      return `regexp_matches(${rest}, '^[^\\n\\r\\x{2028}\\x{2029}]')`;
    case 'dotSegment':
      return `NOT regexp_matches(${rest}, '^\\.\\.?(?:/|$)')`;
    case 'dotSegmentAtStart':
      // `^` matches only at the very start (no m flag); `\/` stands for a slash at this position.
      return `NOT regexp_matches(${rest}, '${position === 0 ? '^/?' : '^/'}\\.\\.?(?:/|$)')`;
    case 'dotOrEmptySegment':
      return `NOT regexp_matches(${rest}, '^\\.?(?:/|$)')`;
  }
}

/**
 * A waiver scope glob as a SQL condition on `value`, equal to
 * `picomatch(pattern, { dot: true })(value)` for every non-empty string.
 *
 * @example
 * globSql('tenant-*', 'tenant_id').sql // "(tenant_id = 'tenant-*' OR (tenant_id <> '' AND regexp_full_match(tenant_id, '^(?:^(?:tenant\\-[^/]*)$)$')))"
 */
export function globSql(pattern: string, value: string): GlobSql {
  const viaFunction: GlobSql = { sql: `${GLOB_FUNCTION}(${sqlString(pattern)}, ${value})`, cost: 'function' };
  const regex = picomatch.makeRe(pattern, { dot: true });
  const tokens = regex.flags === '' ? tokenize(regex.source) : null;
  if (tokens === null) return viaFunction;

  const alternation = tokens.some((token) => token.kind === 'syntax' && token.text === '|');
  const checks: string[] = [];
  let position = 0;
  let fixed = true;
  let literal = '';
  let re2 = '';
  for (const token of tokens) {
    switch (token.kind) {
      case 'literal':
        position += [...token.text].length;
        literal += token.text;
        re2 += re2Char(token.text);
        break;
      case 'star':
        fixed = false;
        re2 += '[^/]*';
        break;
      case 'optionalSlash':
        fixed = false;
        re2 += '/?';
        break;
      case 'syntax':
        if (token.text === '|') fixed = false;
        re2 += token.text;
        break;
      case 'lookahead':
        // A lookahead after a wildcard or inside an alternative stands at no fixed position.
        if (!fixed || alternation) return viaFunction;
        checks.push(lookaheadSql(token.rule, position, value));
        break;
    }
  }
  const onlyLiterals = tokens.every((token) => token.kind === 'literal' || (token.kind === 'syntax' && token.text !== '|'));
  // picomatch.test: the glob itself always matches (before its regex is tried); '' never does.
  if (onlyLiterals) {
    const same = literal === pattern ? `${value} = ${sqlString(pattern)}` : `(${value} = ${sqlString(pattern)} OR ${value} = ${sqlString(literal)})`;
    return { sql: `(${same} AND ${value} <> '')`, cost: 'equality' };
  }
  const match = [`${value} <> ''`, `regexp_full_match(${value}, ${sqlString(re2)})`, ...checks].join(' AND ');
  return { sql: `(${value} = ${sqlString(pattern)} OR (${match}))`, cost: 'regex' };
}
