import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { marshallOptions } from '@aws-sdk/lib-dynamodb';
// A dependency of @aws-sdk/lib-dynamodb: the very marshalling the DocumentClient does.
import { marshall } from '@aws-sdk/util-dynamodb';

/** How the DocumentClient marshals (createDocumentClient): the check must marshal the same way. */
export const MARSHALL_OPTIONS: marshallOptions = Object.freeze({ removeUndefinedValues: true });

/** DynamoDB's limits that one item can break (developer guide, "Constraints"). */
export const ITEM_LIMITS = Object.freeze({
  /** 400 KB, attribute names included. */
  itemBytes: 400 * 1024,
  partitionKeyBytes: 2048,
  sortKeyBytes: 1024,
  /** Nesting levels, the top-level attribute's value being level 1. */
  depth: 32,
  /** The smallest magnitude a DynamoDB number holds. */
  minMagnitude: 1e-130,
});

const LONE_SURROGATE = /\p{Surrogate}/u;
/**
 * A field JSON.parse keeps as an own property, but the SDK's marshall() loses: it assigns it to the
 * map it builds, which sets that map's prototype. The field is silently dropped from the item (and,
 * inside a list, the service refused the whole batch: "Supplied AttributeValue is empty").
 */
const PROTO = '__proto__';
const PROTO_LOST = "cannot be stored: the DynamoDB SDK drops it when it marshals the item (it becomes the prototype of the SDK's own map).";
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Why DynamoDB cannot store this item as the DocumentClient would send it, as a
 * sentence naming the field; null when it can. Checked item by item before a
 * batch is sent, because the SDK refuses a whole BatchWriteItem on the client
 * for one unmarshallable number, and the service refuses a whole batch for one
 * oversized item: one bad item must not take its 24 neighbours down.
 * `keys` names the table's partition and sort key attributes.
 *
 * @example
 * checkStorable({ snapshotId: 's', itemId: 'a', recordCount: 1e30 }, { partition: 'snapshotId', sort: 'itemId' })
 * // 'recordCount is 1e+30, beyond ±9007199254740991: the SDK cannot send a number that large to DynamoDB exactly.'
 */
export function checkStorable(item: Record<string, unknown>, keys: { partition: string; sort: string }): string | null {
  for (const [name, limit, role] of [
    [keys.partition, ITEM_LIMITS.partitionKeyBytes, 'partition key'],
    [keys.sort, ITEM_LIMITS.sortKeyBytes, 'sort key'],
  ] as const) {
    const value = item[name];
    if (typeof value !== 'string' || value === '') return `${name} must be a non-empty string (it is the table's ${role}).`;
    if (utf8(value) > limit) return `${name} is ${utf8(value)} bytes long, over DynamoDB's ${limit}-byte limit for a ${role}.`;
  }
  for (const [name, value] of Object.entries(item)) {
    if (name === '') return 'A field with an empty name cannot be stored in DynamoDB.';
    if (name === PROTO) return `Field ${PROTO} ${PROTO_LOST}`;
    const problem = valueProblem(value, name, 1);
    if (problem) return problem;
  }
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshall(item, MARSHALL_OPTIONS);
  } catch (error) {
    // Anything the walk above did not foresee: name the first field the SDK refuses.
    const field = Object.keys(item).find((name) => {
      try {
        marshall({ [name]: item[name] }, MARSHALL_OPTIONS);
        return false;
      } catch {
        return true;
      }
    });
    return `${field ?? 'The item'} cannot be sent to DynamoDB: ${(error as Error).message}`;
  }
  const sizes = Object.entries(marshalled).map(([name, value]) => ({ name, bytes: utf8(name) + attributeBytes(value) }));
  const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
  if (total > ITEM_LIMITS.itemBytes) {
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    return `The item is ${kb(total)} as DynamoDB counts it, over its 400 KB limit; its largest field is ${largest.name} (${kb(largest.bytes)}).`;
  }
  return null;
}

function valueProblem(value: unknown, path: string, depth: number): string | null {
  if (depth > ITEM_LIMITS.depth) return `${path} is nested more than ${ITEM_LIMITS.depth} levels deep, beyond what DynamoDB stores.`;
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? `${path} is not well-formed Unicode (a lone surrogate), which DynamoDB would store altered.` : null;
    case 'number':
      return numberProblem(value, path);
    case 'boolean':
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (const [index, element] of value.entries()) {
          const problem = valueProblem(element, `${path}[${index}]`, depth + 1);
          if (problem) return problem;
        }
        return null;
      }
      for (const [name, element] of Object.entries(value)) {
        if (LONE_SURROGATE.test(name)) return `A field name in ${path} is not well-formed Unicode (a lone surrogate), which DynamoDB would store altered.`;
        if (name === PROTO) return `${path} holds a field ${PROTO}, which ${PROTO_LOST}`;
        const problem = valueProblem(element, `${path}.${name}`, depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return `${path} is a ${typeof value}, which DynamoDB cannot store.`;
  }
}

function numberProblem(value: number, path: string): string | null {
  if (Number.isNaN(value)) return `${path} is not a number (NaN), which DynamoDB cannot store.`;
  if (!Number.isFinite(value)) {
    return `${path} is ${value > 0 ? '' : '-'}Infinity (a number too large for JSON to hold, e.g. 1e999), which DynamoDB cannot store.`;
  }
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return `${path} is ${value}, beyond ±${Number.MAX_SAFE_INTEGER}: the SDK cannot send a number that large to DynamoDB exactly.`;
  }
  if (value !== 0 && Math.abs(value) < ITEM_LIMITS.minMagnitude) return `${path} is ${value}, smaller than DynamoDB's smallest number (1e-130).`;
  return null;
}

/** An attribute value's size as DynamoDB meters it (developer guide, "Item sizes and formats"). */
function attributeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + utf8(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + numberBytes(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + bytes.byteLength, 0);
  // A list or a map: 3 bytes, plus 1 byte per element (and a map element's name).
  if (value.L !== undefined) return value.L.reduce((sum, element) => sum + 1 + attributeBytes(element), 3);
  if (value.M !== undefined) return Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + attributeBytes(element), 3);
  return 0;
}

/**
 * A number: 1 byte per two significant digits, plus 1 (the documented rule),
 * with the refinements local DynamoDB emulators measured: a byte more for an
 * even digit count at an even exponent, and for a minus sign.
 */
function numberBytes(text: string): number {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) return 21; // not a decimal the SDK writes: the most a 38-digit number takes
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first === -1) return 1;
  const digits = all.slice(first).replace(/0+$/, '').length;
  const power = whole.length - first - 1 + Number(exponent);
  return 1 + Math.ceil(digits / 2) + (digits % 2 !== 0 || power % 2 !== 0 ? 0 : 1) + (sign ? 1 : 0);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
