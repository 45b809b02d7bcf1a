/**
 * Sums of counts (records, bytes) that are exact whatever their size, and so
 * independent of the order the counts were added in: a partitioned run adds them
 * partition by partition and must give what one whole run gives. A count field
 * stays a plain Number (the report's JSON holds it): while the sum is a safe
 * integer (|sum| < 2^53) the field is the sum itself, added as a Number — the
 * hot path, no BigInt; beyond, the exact sum is kept beside the object (a
 * WeakMap) and the field holds it rounded once, to the nearest double. Copying
 * the object (spread, Object.assign) copies the rounded Numbers only: move a sum
 * with `exactCount` and `setExactCount`.
 */

/** The keys of `T` whose values are Numbers. */
export type CountKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

/** Exact sums beyond 2^53, by owner and field. */
const beyondSafe = new WeakMap<object, Map<string, bigint>>();

/**
 * Adds a whole number to the count `owner[key]`, exactly.
 *
 * @example
 * const totals = { bytes: Number.MAX_SAFE_INTEGER };
 * addCount(totals, 'bytes', 2); addCount(totals, 'bytes', -2);
 * totals.bytes // 9007199254740991 (doubles would give 9007199254740990)
 */
export function addCount<T extends object>(owner: T, key: CountKey<T>, value: number): void {
  const fields = owner as Record<string, number>;
  const current = fields[key]!;
  const sum = current + value;
  // Integers whose exact sum is a safe integer add exactly as doubles; anything else takes the exact path.
  if (Number.isSafeInteger(sum) && Number.isSafeInteger(current) && Number.isInteger(value)) fields[key] = sum;
  else addExactCount(owner, key, bigintOf(value));
}

/**
 * Adds an exact amount (a BigInt, or its decimal text) to the count `owner[key]`.
 *
 * @example
 * addExactCount(totals, 'bytes', '18014398509481984') // totals.bytes === 2 ** 54
 */
export function addExactCount<T extends object>(owner: T, key: CountKey<T>, value: bigint | string): void {
  setExactCount(owner, key, exactCount(owner, key) + (typeof value === 'bigint' ? value : decimalOf(value)));
}

/**
 * The exact sum behind the count `owner[key]`.
 *
 * @example
 * exactCount({ bytes: 7 }, 'bytes') // 7n
 */
export function exactCount<T extends object>(owner: T, key: CountKey<T>): bigint {
  const field = (owner as Record<string, number>)[key]!;
  const exact = beyondSafe.get(owner)?.get(key);
  // A field written directly since (another value) is the count now.
  return exact !== undefined && Number(exact) === field ? exact : bigintOf(field);
}

/**
 * Sets the count `owner[key]` to an exact sum: the field takes it rounded once to a Number.
 *
 * @example
 * setExactCount(totals, 'bytes', 2n ** 53n + 1n); totals.bytes // 9007199254740992
 */
export function setExactCount<T extends object>(owner: T, key: CountKey<T>, value: bigint): void {
  (owner as Record<string, number>)[key] = Number(value); // BigInt to Number rounds to the nearest double (ties to even)
  const safe = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER);
  let sums = beyondSafe.get(owner);
  if (safe) {
    sums?.delete(key);
    return;
  }
  if (!sums) beyondSafe.set(owner, (sums = new Map()));
  sums.set(key, value);
}

function bigintOf(value: number): bigint {
  if (!Number.isInteger(value)) throw new RangeError(`A count must be a whole number, not ${value}.`);
  return BigInt(value);
}

function decimalOf(text: string): bigint {
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new RangeError(`An exact count must be a whole number in decimal digits, not ${typeof text === 'string' ? JSON.stringify(text.slice(0, 40)) : `the ${typeof text} ${String(text)}`}.`);
  return BigInt(text);
}
