/**
 * npm run bench:hostile [-- --items N]
 *
 * Time and memory per item on hostile input, each figure from a process of its
 * own (bench/scenario.ts): `run --inventory` writing JSON, CSV and PDF for
 * items whose every string field holds 10 k, 100 k and 1 M characters (the
 * time must not grow with the length), and for N items of the fuzz suite's
 * generator (test/helpers/hostileItems.ts) beside N clean synthetic items.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { hostileItems } from '../test/helpers/hostileItems';
import { makeItem } from '../test/helpers/items';
import { writeSyntheticInventory } from './syntheticInventory';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench/out/hostile');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

interface Figure {
  items: number;
  seconds: number;
  peakRssMb: number;
}

function audit(file: string): Figure {
  const reports = join(OUT, 'reports');
  const out = execFileSync(process.execPath, [TSX, join(ROOT, 'bench/scenario.ts'), 'run-ndjson', file, reports, 'json,csv,pdf'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  rmSync(reports, { recursive: true, force: true });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Figure;
}

const row = (label: string, f: Figure) =>
  `${label.padEnd(52)} ${String(f.items).padStart(7)} ${f.seconds.toFixed(2).padStart(7)} s ${((f.seconds / f.items) * 1000).toFixed(2).padStart(9)} ms/item ${f.peakRssMb.toFixed(0).padStart(6)} MB`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { items: { type: 'string', default: '5000' } } });
  const count = Number(values.items);
  mkdirSync(OUT, { recursive: true });
  console.log(`${'scenario (json, csv and pdf written)'.padEnd(52)} ${'items'.padStart(7)} ${'time'.padStart(9)} ${'per item'.padStart(17)} ${'peak RSS'.padStart(9)}`);

  for (const length of [10_000, 100_000, 1_000_000]) {
    const big = 'x'.repeat(length);
    const items = Array.from({ length: 20 }, (_, n) =>
      makeItem({ itemId: `big-${n}`, tenantId: big, owner: big, store: { type: big, resource: big }, legalHold: { reason: big } }),
    );
    const file = join(OUT, `long-${length}.ndjson`);
    writeFileSync(file, items.map((item) => JSON.stringify(item)).join('\n'));
    console.log(row(`20 items, every string field ${length.toLocaleString('en')} chars`, audit(file)));
    rmSync(file, { force: true });
  }

  const clean = join(OUT, 'clean.ndjson');
  await writeSyntheticInventory(clean, count);
  console.log(row(`${count} clean synthetic items`, audit(clean)));
  rmSync(clean, { force: true });

  const hostile = join(OUT, 'fuzz.ndjson');
  const generated: { text: string }[] = [];
  for (let seed = 42; generated.length < count; seed += 1) generated.push(...fc.sample(hostileItems(50), { numRuns: 50, seed }).flat());
  const lines = generated.slice(0, count).map((item, n) => item.text.replace(/"itemId":"item-\d+"/, `"itemId":"fuzz-${String(n).padStart(7, '0')}"`));
  writeFileSync(hostile, `${lines.join('\n')}\n`);
  console.log(row(`${lines.length} items of the fuzz generator`, audit(hostile)));
  rmSync(hostile, { force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
