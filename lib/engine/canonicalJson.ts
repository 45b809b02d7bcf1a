/**
 * RFC 8785 JSON of an item, fast: what `canonicalize` writes, for the snapshot digest, which
 * canonicalizes every item of a run (bench/out/inv-500k.ndjson: about 3 s of CPU by sorted
 * copies and one JSON.stringify each, 1 s here). Most items share a few shapes (the sequence
 * of an object's own keys): a shape's keys are sorted and quoted once, cached, and each value
 * is written straight after its key. RFC 8785 orders keys by UTF-16 code units
 * (Array.prototype.sort's order, integer-like keys and "__proto__" included) and writes
 * numbers and strings as ECMAScript does (String(number), JSON.stringify(string)). A value
 * outside the JSON data model (a Set or bytes from a DynamoDB page, undefined, a class
 * instance) is written exactly as this module wrote every value before: the digests recorded
 * by past runs stay comparable.
 */
import canonicalize from 'canonicalize';

/** The characters JSON.stringify escapes: a string holding none is written as it is, between quotes. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Thrown (one instance, no stack to capture) on meeting a value outside the JSON data model. */
const NOT_JSON_DATA = new Error('A value outside the JSON data model.');

/** An object shape: its keys in the order Object.keys gives them, and how it is written. */
interface Shape {
  keys: readonly string[];
  /** The keys in RFC 8785 order. */
  sorted: readonly string[];
  /** What precedes each sorted key's value: `{"a":`, `,"b":`… */
  heads: readonly string[];
}

/** Shapes by their first key. The bounds keep an inventory of ever-new shapes (maps keyed by ids) from growing it or slowing the look-up. */
const shapes = new Map<string, Shape[]>();
const MAX_SHAPES = 2048;
const MAX_SHAPES_PER_FIRST_KEY = 16;
let shapeCount = 0;

/**
 * RFC 8785 JSON of a value (the JSON data model: what JSON.parse or a DynamoDB
 * unmarshall gives). A number JSON cannot state (1e999 read as Infinity) is written
 * as JSON.stringify writes it, null: the digest never fails a run. `parsedFrom`, when the
 * caller has it, is the text `raw` was parsed from (`raw` is JSON.parse(parsedFrom)): a
 * text without a backslash or a lone surrogate has no string that needs escaping, which
 * spares checking each one.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, { d: 'x', c: null }] }) // '{"a":[true,{"c":null,"d":"x"}],"b":1}'
 * canonicalJson(JSON.parse(line), line) // the same, a little faster
 */
export function canonicalJson(raw: unknown, parsedFrom?: string): string {
  const plain = parsedFrom !== undefined && !parsedFrom.includes('\\') && (parsedFrom as WellFormedCheck).isWellFormed();
  try {
    return write(raw, plain);
  } catch (error) {
    if (error !== NOT_JSON_DATA) throw error;
    return canonicalJsonOfAnyValue(raw);
  }
}

/** String.prototype.isWellFormed (ES2024, Node 20), which the ES2023 typings lack. */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** `plain`: no string in `value` needs escaping. */
function write(value: unknown, plain: boolean): string {
  switch (typeof value) {
    case 'string':
      return plain || !NEEDS_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value);
    case 'number':
      // String(-0) is "0", as RFC 8785 writes it.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      throw NOT_JSON_DATA;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype === Array.prototype) return writeArray(value as readonly unknown[], plain);
  // Class instances and null-prototype objects may have toJSON or odd keys: the slow way knows them.
  if (prototype !== Object.prototype) throw NOT_JSON_DATA;
  return writeObject(value as Readonly<Record<string, unknown>>, plain);
}

function writeArray(array: readonly unknown[], plain: boolean): string {
  if (array.length === 0) return '[]';
  let out = `[${write(array[0], plain)}`;
  for (let i = 1; i < array.length; i += 1) out += `,${write(array[i], plain)}`;
  return `${out}]`;
}

function writeObject(object: Readonly<Record<string, unknown>>, plain: boolean): string {
  const keys = Object.keys(object);
  if (keys.length === 0) return '{}';
  const { sorted, heads } = shapeOf(keys);
  let out = '';
  for (let i = 0; i < sorted.length; i += 1) out += heads[i]! + write(object[sorted[i]!], plain);
  return `${out}}`;
}

/** The cached shape of these keys, or a new one (cached while there is room). */
function shapeOf(keys: readonly string[]): Shape {
  const first = keys[0]!;
  const known = shapes.get(first);
  if (known) {
    for (const shape of known) if (sameKeys(shape.keys, keys)) return shape;
  }
  const sorted = [...keys].sort();
  const shape: Shape = { keys, sorted, heads: sorted.map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`) };
  if (shapeCount < MAX_SHAPES && (known?.length ?? 0) < MAX_SHAPES_PER_FIRST_KEY) {
    if (known) known.push(shape);
    else shapes.set(first, [shape]);
    shapeCount += 1;
  }
  return shape;
}

/** Whether two key sequences with the same first key are the same (keys are interned: mostly a pointer comparison). */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 1; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Keys V8 keeps in numeric order before all others (array indices, 0 … 2^32 − 2). */
const INTEGER_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

/** An object whose keys no rebuilt object can hold in sorted order. */
class Unordered extends Error {}

/**
 * Any value as this module wrote every item before it wrote JSON data itself (kept as it was:
 * past runs' digests hold it): a copy with every object's keys sorted, written by
 * JSON.stringify (so toJSON, a Set's "{}", a hole's null), else `canonicalize` itself.
 */
function canonicalJsonOfAnyValue(raw: unknown): string {
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
