import type { ClauseBase, RuleKind } from './RuleKind';

/** "Automatically deleted after storage space reaches 2GB": bytes held may not exceed the cap. */
export interface SizeCapClause extends ClauseBase<'size-cap'> {
  maxBytes: number;
}

/**
 * Bytes in binary units, as the documents mean them ("2GB" is 2 GiB).
 *
 * @example
 * formatBytes(2147483648) // '2 GiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${units[unit]}`;
}

export const sizeCap: RuleKind<SizeCapClause> = {
  schema: { properties: { maxBytes: { type: 'integer', minimum: 1 } }, required: ['maxBytes'] },
  evaluate(clause, { item }) {
    // Size caps have no deadline and no warning window (CONTRACT section 3).
    if (item.bytes > clause.maxBytes) {
      return {
        status: 'violated',
        deadlineMs: null,
        reason: `Holds ${formatBytes(item.bytes)}, above the ${formatBytes(clause.maxBytes)} at which the data must be deleted.`,
      };
    }
    return {
      status: 'ok',
      deadlineMs: null,
      reason: `Holds ${formatBytes(item.bytes)}, within the ${formatBytes(clause.maxBytes)} cap.`,
    };
  },
  describe: (clause) => `Must be deleted once the data exceeds ${formatBytes(clause.maxBytes)}.`,
};
