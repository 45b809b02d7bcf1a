/**
 * The snapshot digest (lib/engine/snapshotDigest.ts, the specification) computed
 * where the items are, in DuckDB: the sum modulo 2^256 of the SHA-256 of each
 * item's RFC 8785 JSON. DuckDB writes the canonical JSON itself for the items it
 * can prove it writes exactly as `canonicalize` does — "plain" items: ASCII text
 * without a backslash (so no escapes, and keys whose byte order is JavaScript's
 * order), no repeated key, objects and arrays at most two levels deep holding
 * strings, numbers, true, false or null. Any other item (rare: text beyond ASCII,
 * escapes, deeper nesting) is hashed by SnapshotDigest itself, in JavaScript.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { SnapshotDigest } from '../engine/snapshotDigest';
import { jsonNumberSql } from './jsonLineSql';

/** A scalar JSON value's canonical text (NULL for an object or an array). `v` is DuckDB JSON text. */
function scalarSql(v: string): string {
  const isNumber = `(prefix(${v}, '-') OR substr(${v}, 1, 1) BETWEEN '0' AND '9')`;
  // A string without escapes is its own canonical text; a number is written as JSON.stringify writes it.
  // A number beyond a double (1e400) is left to JavaScript.
  const number = `TRY_CAST(${v} AS DOUBLE)`;
  // DuckDB reads a JSON null member or element as SQL NULL.
  return `(CASE WHEN ${v} IS NULL THEN 'null' WHEN prefix(${v}, '"') OR ${v} IN ('true', 'false', 'null') THEN ${v} WHEN ${isNumber} AND NOT isinf(coalesce(${number}, 'inf'::DOUBLE)) THEN ${jsonNumberSql(number)} END)`;
}

/** `parts` (a list of texts) joined between `open` and `close`, or NULL when one part is NULL. */
function joinedSql(parts: string, open: string, close: string): string {
  return `(CASE WHEN list_count(${parts}) = len(${parts}) THEN '${open}' || array_to_string(${parts}, ',') || '${close}' END)`;
}

/** An object's canonical text, its members sorted by key, each value by `value` (NULL when a key repeats). */
function objectSql(v: string, value: (member: string) => string, depth: number): string {
  const map = `from_json(${v}, '"MAP(VARCHAR, JSON)"')`;
  const e = `e${depth}`;
  const members = `list_transform(list_sort(map_entries(${map})), ${e} -> '"' || ${e}.key || '":' || ${value(`${e}.value`)})`;
  return `(CASE WHEN len(map_keys(${map})) = len(list_distinct(map_keys(${map}))) THEN ${joinedSql(members, '{', '}')} END)`;
}

function arraySql(v: string, value: (element: string) => string, depth: number): string {
  const x = `x${depth}`;
  return joinedSql(`list_transform(from_json(${v}, '["JSON"]'), ${x} -> ${value(x)})`, '[', ']');
}

/** A member value of the item: a scalar, or an object or array of scalars. */
function memberSql(v: string): string {
  return `(CASE WHEN ${v} IS NULL THEN 'null' WHEN prefix(${v}, '{') THEN ${objectSql(v, scalarSql, 2)} WHEN prefix(${v}, '[') THEN ${arraySql(v, scalarSql, 2)} ELSE ${scalarSql(v)} END)`;
}

/**
 * SQL for an item's RFC 8785 JSON when the item is plain (see above), else NULL.
 * `raw` is the item's JSON text (a JSON object).
 *
 * @example
 * canonicalSql('raw') // '{"b":1,"a":"x"}' → '{"a":"x","b":1}'
 */
export function canonicalSql(raw: string): string {
  return `(CASE WHEN NOT contains(${raw}, '\\') AND NOT regexp_matches(${raw}, '[^\\x00-\\x7f]') THEN ${objectSql(raw, memberSql, 1)} END)`;
}

/**
 * The digest of the items in `table` (rows whose `raw` is not NULL), as
 * SnapshotDigest.hex() gives it for the same items in any order.
 */
export async function snapshotDigestSql(connection: DuckDBConnection, table: string): Promise<{ hex: string; hashedInJs: number }> {
  await connection.run(`CREATE TEMP TABLE item_hashes AS SELECT ord, sha256(${canonicalSql('raw')}) AS h FROM ${table} WHERE raw IS NOT NULL`);
  const chunk = (i: number) => `sum(('0x' || substr(h, ${i * 16 + 1}, 16))::UBIGINT)`;
  const reader = await connection.runAndReadAll(`SELECT count(*) AS n, ${[0, 1, 2, 3].map((i) => `${chunk(i)} AS s${i}`).join(', ')} FROM item_hashes WHERE h IS NOT NULL`);
  const [row] = reader.getRowObjectsJS();
  const digest = new SnapshotDigest();
  // Each 64-bit column's sum, at its place in the 256-bit number (the modulo is SnapshotDigest's).
  const sum = [0, 1, 2, 3].reduce((total, i) => total + (BigInt((row![`s${i}`] as bigint | null) ?? 0n) << BigInt(64 * (3 - i))), 0n);
  digest.addSum(sum, Number(row!.n));
  // The items DuckDB cannot prove it writes canonically: hashed as SnapshotDigest hashes them.
  const rest = await connection.stream(`SELECT i.raw FROM item_hashes JOIN ${table} i USING (ord) WHERE h IS NULL ORDER BY ord`);
  let hashedInJs = 0;
  for await (const rows of rest.yieldRows()) {
    for (const [raw] of rows) {
      digest.add(JSON.parse(raw as string));
      hashedInJs += 1;
    }
  }
  await connection.run('DROP TABLE item_hashes');
  return { hex: digest.hex(), hashedInJs };
}
