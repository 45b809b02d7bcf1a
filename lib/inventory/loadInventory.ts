import { DEFAULTS } from '../defaults';
import { parseTimestamp } from '../time';
import type { InventorySource, SourceProgress } from './InventorySource';
import { MANIFEST_PARTITION, type InventoryTable, type SnapshotManifest } from './InventoryTable';

export interface LoadOptions {
  /** BatchWriteItem calls in flight at once. */
  concurrency: number;
  onProgress?: (progress: SourceProgress) => void;
  /** The load's clock (tests pass a fixed one). */
  now?: () => Date;
  /** How far a capture time may lie ahead of the load (clock skew) and still date its snapshot (default DEFAULTS.maxCaptureSkewMinutes). */
  maxCaptureSkewMinutes?: number;
}

export interface Rejection {
  location: string | null;
  itemId: string | null;
  reason: string;
}

export interface LoadResult {
  read: number;
  written: number;
  rejectedCount: number;
  /** The first 100 rejections, with where they came from. */
  rejected: Rejection[];
  snapshots: SnapshotManifest[];
  /** Written, but worth a look: one sentence per snapshot (capture times in the future). */
  warnings: string[];
}

interface SnapshotTally {
  ids: Set<string>;
  written: number;
  rejected: number;
  capturedMs: number;
  /** Items captured later than the load (plus skew): written, but they do not date the snapshot. */
  future: number;
  firstFuture: { itemId: string; capturedAt: string } | null;
}

const BATCH = 25;
const KEPT_REJECTIONS = 100;

/**
 * Loads a snapshot file into the inventory table: every item is either written
 * or counted as rejected with a reason (nothing is dropped silently), then one
 * manifest per snapshot records what was loaded. An item the table cannot hold
 * (a number the SDK cannot send, an item over 400 KB) is rejected alone, before
 * batching. A capture time later than the load plus the clock skew is written
 * (the audit reports such an item invalid) but does not date the snapshot's
 * manifest, so it cannot make its snapshot "latest" for ever; the result warns.
 *
 * @example
 * const result = await loadInventory(new FileInventorySource('inv.ndjson'), table, { concurrency: 8 });
 */
export async function loadInventory(source: InventorySource, table: InventoryTable, options: LoadOptions): Promise<LoadResult> {
  const now = options.now ?? (() => new Date());
  const skewMinutes = options.maxCaptureSkewMinutes ?? DEFAULTS.maxCaptureSkewMinutes;
  // The load's start plus the skew: later capture times do not date a snapshot.
  const capturedNotAfterMs = now().getTime() + skewMinutes * 60_000;
  const result: LoadResult = { read: 0, written: 0, rejectedCount: 0, rejected: [], snapshots: [], warnings: [] };
  const reject = (rejection: Rejection) => {
    result.rejectedCount += 1;
    if (result.rejected.length < KEPT_REJECTIONS) result.rejected.push(rejection);
  };
  const perSnapshot = new Map<string, SnapshotTally>();
  const inFlight = new Set<Promise<void>>();
  let batch: { item: Record<string, unknown>; location: string | null }[] = [];

  const flush = async () => {
    const sending = batch;
    batch = [];
    const locations = new Map(sending.map(({ item, location }) => [item, location]));
    const task = table.writeBatch(sending.map(({ item }) => item)).then((failed) => {
      const failedSet = new Set(failed.map(({ item }) => item));
      for (const { item, reason } of failed) {
        perSnapshot.get(item.snapshotId as string)!.rejected += 1;
        reject({ location: locations.get(item) ?? null, itemId: item.itemId as string, reason });
      }
      for (const { item } of sending) if (!failedSet.has(item)) perSnapshot.get(item.snapshotId as string)!.written += 1;
      result.written += sending.length - failed.length;
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
  };

  for await (const entry of source.entries(options.onProgress)) {
    if (entry.kind === 'gap') throw new Error(entry.reason);
    result.read += 1;
    if (entry.kind === 'parse-error') {
      reject({ location: entry.location, itemId: null, reason: entry.reason });
      continue;
    }
    const item = entry.raw as Record<string, unknown>;
    const location = entry.location ?? null;
    const { snapshotId, itemId } = item;
    if (typeof snapshotId !== 'string' || snapshotId === '' || typeof itemId !== 'string' || itemId === '') {
      reject({ location, itemId: typeof itemId === 'string' ? itemId : null, reason: 'snapshotId and itemId must be non-empty strings (they are the table keys).' });
      continue;
    }
    if (snapshotId === MANIFEST_PARTITION) {
      reject({ location, itemId, reason: `snapshotId ${MANIFEST_PARTITION} is reserved.` });
      continue;
    }
    // A snapshot that cannot have a manifest gets none of its items written.
    const badSnapshotId = table.checkSnapshotId(snapshotId);
    if (badSnapshotId) {
      reject({ location, itemId, reason: badSnapshotId });
      continue;
    }
    let snapshot = perSnapshot.get(snapshotId);
    if (!snapshot) {
      snapshot = { ids: new Set(), written: 0, rejected: 0, capturedMs: Number.NaN, future: 0, firstFuture: null };
      perSnapshot.set(snapshotId, snapshot);
    }
    if (snapshot.ids.has(itemId)) {
      snapshot.rejected += 1;
      reject({ location, itemId, reason: `itemId ${itemId} appears twice in snapshot ${snapshotId}; the first one was kept.` });
      continue;
    }
    const unstorable = table.checkItem(item);
    if (unstorable) {
      snapshot.rejected += 1;
      reject({ location, itemId, reason: unstorable });
      continue;
    }
    snapshot.ids.add(itemId);
    const capturedMs = parseTimestamp(item.capturedAt);
    if (capturedMs !== null && capturedMs > capturedNotAfterMs) {
      snapshot.future += 1;
      snapshot.firstFuture ??= { itemId, capturedAt: item.capturedAt as string };
    } else if (capturedMs !== null && !(capturedMs <= snapshot.capturedMs)) {
      snapshot.capturedMs = capturedMs;
    }
    batch.push({ item, location });
    if (batch.length === BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);

  const loadedAt = now();
  for (const [snapshotId, snapshot] of perSnapshot) {
    if (snapshot.firstFuture) {
      const { itemId, capturedAt } = snapshot.firstFuture;
      result.warnings.push(
        `Snapshot ${snapshotId}: ${snapshot.future === 1 ? '1 item has' : `${snapshot.future} items have`} a capturedAt more than ${skewMinutes} minutes after the load ` +
          `(itemId ${itemId}: ${capturedAt}${snapshot.future > 1 ? ', and others' : ''}); written, but not counted in the snapshot's capture time, and an audit reports such an item invalid while that time is ahead of it.`,
      );
    }
    const manifest: SnapshotManifest = {
      snapshotId,
      capturedAt: new Date(Number.isNaN(snapshot.capturedMs) ? loadedAt.getTime() : snapshot.capturedMs).toISOString(),
      itemCount: snapshot.written,
      rejected: snapshot.rejected,
      loadedAt: loadedAt.toISOString(),
    };
    await table.putManifest(manifest);
    result.snapshots.push(manifest);
  }
  return result;
}
