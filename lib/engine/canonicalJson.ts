/**
 * RFC 8785 JSON of an item, fast: what `canonicalize` writes, for the snapshot
 * digest, which canonicalizes every item of a run (500,000 items: 3.3 s of one
 * core through `canonicalize`, which serializes value by value). Objects whose
 * keys are not in order are rebuilt with their keys sorted and the whole item
 * is written by one `JSON.stringify`, V8's native serializer: RFC 8785 orders
 * keys by UTF-16 code units (Array.prototype.sort's order) and writes numbers
 * and strings as ECMAScript does (JSON.stringify's way). The one thing an
 * object cannot be made to keep is the order of integer-like keys ("2", "10":
 * V8 puts them first, in numeric order), nor a key "__proto__" (assigned, it sets
 * the prototype), so an item with such a key is left to `canonicalize` itself.
 */
import canonicalize from 'canonicalize';

/** Keys V8 keeps in numeric order before all others (array indices, 0 … 2^32 − 2). */
const INTEGER_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

/** An object whose keys no rebuilt object can hold in sorted order. */
class Unordered extends Error {}

/**
 * RFC 8785 JSON of a value (the JSON data model: what JSON.parse or a DynamoDB
 * unmarshall gives). A number JSON cannot state (1e999 read as Infinity) is written
 * as JSON.stringify writes it, null: the digest never fails a run.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, { d: 'x', c: null }] }) // '{"a":[true,{"c":null,"d":"x"}],"b":1}'
 */
export function canonicalJson(raw: unknown): string {
  try {
    return JSON.stringify(sortedCopy(raw)) ?? 'null';
  } catch (error) {
    if (!(error instanceof Unordered)) throw error;
    try {
      return canonicalize(raw) ?? 'null';
    } catch {
      return canonicalize(JSON.parse(JSON.stringify(raw) ?? 'null')) ?? 'null';
    }
  }
}

/** The value with every object's keys in sorted order; objects already in order (and flat) are kept as they are. */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let ordered = true;
  let flat = true;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    if ((INTEGER_KEY.test(key) && Number(key) < 2 ** 32 - 1) || key === '__proto__') throw new Unordered();
    if (i > 0 && keys[i - 1]! > key) ordered = false;
    const child = object[key];
    if (child !== null && typeof child === 'object') flat = false;
  }
  if (ordered && flat) return object;
  // A plain object (one with a null prototype is a dictionary to V8, and JSON.stringify's slow path): hence "__proto__" above.
  const copy: Record<string, unknown> = {};
  for (const key of ordered ? keys : keys.sort()) copy[key] = sortedCopy(object[key]);
  return copy;
}
