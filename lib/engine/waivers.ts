import picomatch from 'picomatch';
import type { InventoryItem } from '../model';

/** An approved, time-boxed exception: the data it covers gets the verdict `waived`. */
export interface Waiver {
  id: string;
  /** Each field is a glob (`*` wildcards); a missing field matches everything. */
  scope: { tenantId?: string; module?: string; dataCategory?: string; resource?: string };
  reason: string;
  approver: string;
  createdAt?: string;
  expiresAt: string;
}

export interface CompiledWaiver {
  waiver: Waiver;
  expiresMs: number;
  matches: (item: InventoryItem) => boolean;
}

/**
 * Compiles waivers once per run so that matching an item is cheap.
 *
 * @example
 * compileWaivers([{ id: 'W1', scope: { module: 'tokenhub' }, reason: 'r', approver: 'a', expiresAt: '2027-01-01T00:00:00Z' }])
 */
export function compileWaivers(waivers: readonly Waiver[]): CompiledWaiver[] {
  return waivers.map((waiver) => {
    const tests = (
      [
        ['tenantId', (item: InventoryItem) => item.tenantId],
        ['module', (item: InventoryItem) => item.module],
        ['dataCategory', (item: InventoryItem) => item.dataCategory],
        ['resource', (item: InventoryItem) => item.store.resource],
      ] as const
    ).flatMap(([field, read]) => {
      const pattern = waiver.scope[field];
      if (pattern === undefined) return [];
      const isMatch = picomatch(pattern, { dot: true });
      return [(item: InventoryItem) => isMatch(read(item))];
    });
    return {
      waiver,
      expiresMs: Date.parse(waiver.expiresAt),
      matches: (item: InventoryItem) => tests.every((test) => test(item)),
    };
  });
}

/** The first waiver that covers the item at `atMs`; an expired waiver covers nothing. */
export function findWaiver(waivers: readonly CompiledWaiver[], item: InventoryItem, atMs: number): Waiver | null {
  for (const compiled of waivers) {
    if (atMs < compiled.expiresMs && compiled.matches(item)) return compiled.waiver;
  }
  return null;
}
