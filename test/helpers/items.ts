import { loadCatalog, type Catalog } from '../../lib/catalog/loadCatalog';
import { DEFAULT_ENGINE_OPTIONS, evaluate, type EngineOptions } from '../../lib/engine/evaluate';
import type { Finding, InventoryItem } from '../../lib/model';

export const CAPTURED = '2026-11-20T02:00:00.000Z';
export const CAPTURED_MS = Date.parse(CAPTURED);
export const DAY = 86_400_000;

let cached: Catalog | undefined;
export function catalog(): Catalog {
  cached ??= loadCatalog();
  return cached;
}

/** Instant `ms` before the capture time, as ISO. */
export function before(ms: number): string {
  return new Date(CAPTURED_MS - ms).toISOString();
}

export function makeItem(overrides: Partial<InventoryItem> = {}): InventoryItem {
  return {
    snapshotId: 'snap-test',
    itemId: 'item-1',
    capturedAt: CAPTURED,
    tenantId: 'tenant-a',
    module: 'instant-messaging',
    dataCategory: 'log-data',
    store: { type: 'mysql', resource: 'im/test' },
    recordCount: 10,
    bytes: 1000,
    oldestRecordAt: before(DAY),
    ...overrides,
  };
}

export function judge(item: unknown, options: Partial<EngineOptions> = {}): Finding {
  return evaluate(item, catalog(), { ...DEFAULT_ENGINE_OPTIONS, ...options });
}
