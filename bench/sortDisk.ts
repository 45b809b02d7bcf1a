/**
 * npm run bench:sort-disk -- <inventory.ndjson> [--compress]
 *
 * Peak disk and CPU of a reference-engine run with history, nightly formats (JSON, CSV,
 * PDF), run twice (the second diffs the first): what a Lambda that sorts the findings holds
 * in /tmp (the reduce, or one Lambda's run), beyond its reports. `--compress` spills the
 * sorts' runs compressed, as Lambda runs do. The figures behind lib/plan/throughput.ts
 * `sortSpillBytesPerItem` and the reduce rate's compression cost. The run's folders
 * (temp, reports) are polled every 0.5 s under a fresh folder in the OS temp folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Bytes under `dir`, files that vanish meanwhile skipped. */
function du(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      bytes += entry.isDirectory() ? du(path) : statSync(path).size;
    } catch {
      // Removed while counted: a finished sort run.
    }
  }
  return bytes;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { compress: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new Error('usage: npm run bench:sort-disk -- <inventory.ndjson> [--compress]');
  const file = resolve(positionals[0]!);
  const root = mkdtempSync(join(tmpdir(), 'sort-disk-'));
  const tmp = join(root, 'tmp');
  const out = join(root, 'out');
  const history = mkdtempSync(join(tmpdir(), 'sort-disk-history-'));
  mkdirSync(tmp);
  // The sorts' temp folders go under the polled folder.
  process.env.TMPDIR = tmp;
  const { runAudit } = await import('../lib/audit/runAudit');
  const { FileInventorySource } = await import('../lib/inventory/FileInventorySource');
  const { FileHistoryStore } = await import('../lib/history/FileHistoryStore');
  const { loadCatalog } = await import('../lib/catalog/loadCatalog');
  const { DEFAULT_ENGINE_OPTIONS } = await import('../lib/engine/evaluate');
  const catalog = loadCatalog();
  try {
    for (const pass of [1, 2]) {
      mkdirSync(out);
      let peak = 0;
      const timer = setInterval(() => (peak = Math.max(peak, du(root))), 500);
      const cpu = process.cpuUsage();
      const started = Date.now();
      const result = await runAudit({
        source: new FileInventorySource(file),
        catalog,
        engine: DEFAULT_ENGINE_OPTIONS,
        formats: ['json', 'csv', 'pdf'],
        outDir: out,
        trigger: 'cli',
        history: { store: new FileHistoryStore(history), scope: 'sort-disk' },
        compressSpills: values.compress,
      });
      clearInterval(timer);
      const used = process.cpuUsage(cpu);
      const reports = Object.values(result.reports).reduce((sum, path) => sum + statSync(path!).size, 0);
      const items = result.head.summary.items;
      console.log(
        JSON.stringify({ pass, compress: values.compress, items, seconds: (Date.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peakDiskGB: peak / 1e9, reportsGB: reports / 1e9, spillBytesPerItem: Math.round((peak - reports) / items) }),
      );
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(history, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
