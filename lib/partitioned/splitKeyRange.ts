/**
 * Cut points between a snapshot's first and last itemId, for partitions that
 * Query itemId ranges. DynamoDB orders sort keys by their UTF-8 bytes. After
 * the two ids' common prefix, their next characters are read as numbers in the
 * alphabet they are written in (digits; digits and letters; any byte) and the
 * span between them divided evenly. Nothing is read to choose them (two
 * one-item Queries give the bounds), so how even the partitions are depends on
 * how evenly the ids spread over that span: numbered and random (UUID) ids
 * spread well; the reads are right whatever.
 */

/** Characters after the common prefix that the interpolation uses. */
const WIDTH = 8;

const CLASSES = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
] as const;

/**
 * The bytes the ids' characters are taken from: each character class (digit, upper, lower
 * case) met, whole, and any other ASCII byte met as itself, ascending. A non-ASCII byte
 * ends what is read of an id, so every cut is ASCII after the prefix: valid UTF-8.
 */
function alphabetOf(...tails: Buffer[]): number[] {
  const bytes = new Set<number>();
  for (const tail of tails) {
    for (const byte of tail) {
      if (byte >= 0x80) break;
      const range = CLASSES.find(([low, high]) => byte >= low && byte <= high);
      if (range) for (let b = range[0]; b <= range[1]; b += 1) bytes.add(b);
      else bytes.add(byte);
    }
  }
  return [...bytes].sort((x, y) => x - y);
}

/**
 * Up to `count - 1` distinct itemIds in (first, last], ascending in DynamoDB's order,
 * each valid UTF-8.
 *
 * @example
 * splitKeyRange('item-0000', 'item-9999', 4) // ['item-25', 'item-5', 'item-75'] (roughly)
 */
export function splitKeyRange(first: string, last: string, count: number): string[] {
  const a = Buffer.from(first, 'utf8');
  const b = Buffer.from(last, 'utf8');
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  // Back off to a character boundary: the cuts are strings.
  while (prefix > 0 && (a[prefix]! & 0xc0) === 0x80) prefix -= 1;
  // A zero "digit" stands for the end of an id: the alphabet's characters are 1…base-1.
  const alphabet = [0, ...alphabetOf(a.subarray(prefix), b.subarray(prefix))];
  const base = BigInt(alphabet.length);
  const digitOf = (byte: number | undefined) => {
    if (byte === undefined || byte >= 0x80) return 0;
    let digit = 0;
    while (digit + 1 < alphabet.length && alphabet[digit + 1]! <= byte) digit += 1;
    return digit;
  };
  const number = (bytes: Buffer) => {
    let value = 0n;
    let ended = false;
    for (let i = 0; i < WIDTH; i += 1) {
      const byte = ended ? undefined : bytes[prefix + i];
      if (byte === undefined || byte >= 0x80) ended = true;
      value = value * base + BigInt(digitOf(byte));
    }
    return value;
  };
  const low = number(a);
  const high = number(b);
  const cuts = new Map<string, Buffer>();
  for (let i = 1; i < count; i += 1) {
    let value = low + ((high - low) * BigInt(i)) / BigInt(count);
    const digits: number[] = [];
    for (let k = 0; k < WIDTH; k += 1, value /= base) digits.unshift(Number(value % base));
    const end = digits.indexOf(0);
    const cut = Buffer.concat([a.subarray(0, prefix), Buffer.from(digits.slice(0, end === -1 ? WIDTH : end).map((digit) => alphabet[digit]!))]);
    if (Buffer.compare(cut, a) > 0 && Buffer.compare(cut, b) <= 0) cuts.set(cut.toString('hex'), cut);
  }
  return [...cuts.values()].sort(Buffer.compare).map((cut) => cut.toString('utf8'));
}
