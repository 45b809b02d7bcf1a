import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import type { InventoryItem } from '../lib/model';

const CAPTURED_MS = Date.parse('2026-11-20T02:00:00Z');
const DAY = 86_400_000;

/** Module/category pairs, most of them mapped, a few not, so every verdict path runs. */
const PAIRS: [string, string][] = [
  ['tokenhub', 'configuration-data'],
  ['tokenhub', 'diagnostic-and-usage-data'],
  ['intelligent-guidance', 'patient-data'],
  ['intelligent-guidance', 'billing-data'],
  ['intelligent-guidance', 'contract-staff-information'],
  ['intelligent-pre-consultation', 'request-data'],
  ['facial-recognition', 'error-log'],
  ['facial-recognition', 'face-features'],
  ['instant-messaging', 'log-data'],
  ['instant-messaging', 'monitoring-data'],
  ['instant-messaging', 'configuration-data'],
  ['healthcare-omics', 'troubleshooting-data'],
  ['healthcare-omics', 'account-information'],
  ['video-analytics', 'frame-metadata'],
];

/**
 * A deterministic pseudo-random generator (mulberry32), so runs are comparable (and the
 * tests' generated cases reproducible from their seed).
 *
 * @example
 * const rng = random(7); rng() // the same number in [0, 1) for seed 7, every time
 */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The n-th synthetic item: realistic sizes, ages spread over a year, some
 * ending events, a few legal holds and broken items, itemIds in no order.
 */
export function syntheticItem(n: number, snapshotId = 'bench-snapshot'): InventoryItem {
  const rnd = random(n + 1);
  const [module, dataCategory] = PAIRS[Math.floor(rnd() * PAIRS.length)]!;
  const ageDays = rnd() * 365;
  const item: InventoryItem = {
    snapshotId,
    itemId: `item-${((n * 2654435761) >>> 0).toString(16).padStart(8, '0')}-${n}`,
    capturedAt: new Date(CAPTURED_MS).toISOString(),
    tenantId: `tenant-${Math.floor(rnd() * 5000)}`,
    module,
    dataCategory,
    store: { type: ['mysql', 'mongodb', 'redis', 'kafka', 'cos'][n % 5]!, resource: `prod-${n % 97}/store-${n % 13}`, region: 'eu-frankfurt' },
    recordCount: Math.floor(rnd() * 1_000_000),
    bytes: Math.floor(rnd() * 4 * 2 ** 30),
    oldestRecordAt: new Date(CAPTURED_MS - ageDays * DAY).toISOString(),
    newestRecordAt: new Date(CAPTURED_MS - rnd() * DAY).toISOString(),
    owner: `owner-${n % 50}@example.com`,
  };
  const roll = rnd();
  if (roll < 0.2) item.events = { accountDeletedAt: new Date(CAPTURED_MS - rnd() * 60 * DAY).toISOString() };
  else if (roll < 0.3) item.events = { serviceTerminatedAt: new Date(CAPTURED_MS - rnd() * 90 * DAY).toISOString() };
  else if (roll < 0.32) item.legalHold = { reason: 'litigation' };
  else if (roll < 0.33) item.recordCount = -1;
  if (rnd() < 0.1) item.purposes = ['billing'];
  return item;
}

/** Writes `count` synthetic items as NDJSON. */
export async function writeSyntheticInventory(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  let buffer = '';
  for (let n = 0; n < count; n += 1) {
    buffer += `${JSON.stringify(syntheticItem(n))}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/**
 * The realistic inventory the engine's speed benches read (bench/validationSpeed.ts,
 * bench/evaluationSpeed.ts): `bench/out/inv-500k.ndjson`, 500,000 synthetic items,
 * written the first time it is asked for. Returns its path.
 *
 * @example
 * const file = await realisticInventory(); // …/bench/out/inv-500k.ndjson
 */
export async function realisticInventory(): Promise<string> {
  const path = join(__dirname, 'out', 'inv-500k.ndjson');
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    process.stderr.write(`writing ${path} (500000 synthetic items) …\n`);
    await writeSyntheticInventory(`${path}.part`, 500_000);
    renameSync(`${path}.part`, path);
  }
  return path;
}
