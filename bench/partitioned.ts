/**
 * npm run bench -- --partitions P [--items N] [--engine sql|reference] [--workers W] [--format json] [--history] [--out DIR]
 *
 * The partitioned run locally, as in AWS: plan (the file cut into P byte ranges),
 * map (each partition read and evaluated by a process of its own, W at once: the
 * Distributed Map's children), reduce (the partitions' sorted findings merged into
 * the reports, with history after the diff of their ranges, in this process). Prints the time of each phase, items/s, and the peak RSS of
 * the largest process (each map process, and this one, which plans and reduces).
 * `npm run bench` runs this compiled (dist/bench.js), and so the map processes are the
 * compiled worker (dist/mapWorker.js, cli/runMapProcesses.ts), as the compiled CLI's are.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runMapProcesses } from '../cli/runMapProcesses';
import { loadCatalog, DEFAULT_POLICIES_DIR } from '../lib/catalog/loadCatalog';
import { DEFAULTS } from '../lib/defaults';
import { FileHistoryStore } from '../lib/history/FileHistoryStore';
import { FileInventorySource } from '../lib/inventory/FileInventorySource';
import { runPartitioned } from '../lib/partitioned/runPartitioned';
import { parseFormats } from '../lib/report/formats/formatIds';
import { ENGINES, type EngineKind } from '../lib/audit/engineKind';
import { writeSyntheticInventory } from './syntheticInventory';

const ROOT = resolve(__dirname, '..');

/**
 * Runs the partitioned bench with the command line's arguments.
 *
 * @example
 * await benchPartitioned(['--items', '1000000', '--partitions', '8'])
 */
export async function benchPartitioned(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      items: { type: 'string', default: '1000000' },
      partitions: { type: 'string', default: '8' },
      engine: { type: 'string', default: 'sql' },
      workers: { type: 'string', default: '2' },
      format: { type: 'string', default: 'json' },
      history: { type: 'boolean', default: false },
      'diff-ranges': { type: 'string', default: '1' },
      out: { type: 'string', default: join(ROOT, 'bench/out') },
    },
  });
  const items = Number(values.items);
  const partitions = Number(values.partitions);
  const workers = Number(values.workers);
  const engine = values.engine as EngineKind;
  if (!ENGINES.includes(engine)) throw new Error(`--engine must be one of ${ENGINES.join(', ')} (got ${values.engine}).`);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const file = join(out, `inventory-${items}.ndjson`);
  if (!existsSync(file)) {
    process.stderr.write(`writing ${items} synthetic items to ${file}…\n`);
    await writeSyntheticInventory(file, items);
  }
  const reports = join(out, 'partitioned-reports');
  rmSync(reports, { recursive: true, force: true });
  let largestMapRssMb = 0;
  const phases: Record<string, number> = {};
  const steps: Record<string, number> = {};
  // The plan and the reduce run in this process: their CPU time, apart from the map processes'.
  const cpu: Record<string, number> = {};
  let cpuBefore = process.cpuUsage();
  const began = performance.now();
  const result = await runPartitioned({
    source: new FileInventorySource(file),
    catalog: loadCatalog(DEFAULT_POLICIES_DIR),
    engine: { graceDays: DEFAULTS.graceDays, waivers: [] },
    formats: parseFormats(values.format),
    outDir: reports,
    trigger: 'cli',
    history: values.history ? { store: new FileHistoryStore(join(reports, 'history')), scope: 'bench' } : null,
    engineKind: engine,
    partitions,
    diffRanges: Number(values['diff-ranges']),
    onReduceStep: (step, ms) => {
      steps[step] = ms;
    },
    onPhase: (phase, ms) => {
      phases[phase] = ms;
      const used = process.cpuUsage(cpuBefore);
      cpu[phase] = (used.user + used.system) / 1e6;
      cpuBefore = process.cpuUsage();
    },
    runMaps: (tasks) =>
      runMapProcesses(tasks, {
        job: { source: { inventory: file, snapshotId: null }, policies: DEFAULT_POLICIES_DIR, waivers: [], graceDays: DEFAULTS.graceDays, engineKind: engine, duck: { threads: 1, memoryLimit: DEFAULTS.memoryLimit } },
        concurrency: workers,
        onDone: ({ result: done, peakRssMb }) => {
          largestMapRssMb = Math.max(largestMapRssMb, peakRssMb);
          process.stderr.write(`  partition ${done.index + 1}/${tasks.length}: ${done.status}, ${done.findings} findings, peak RSS ${peakRssMb.toFixed(0)} MB\n`);
        },
      }),
  });
  const seconds = (performance.now() - began) / 1000;
  const failed = result.partitions.filter((p) => p.status === 'failed');
  const line = (label: string, value: string) => console.log(`${label.padEnd(36)} ${value}`);
  console.log(
    `\npartitioned run: ${items} items, ${result.partitions.length} partitions, engine ${engine}, ${workers} map processes at once, formats ${values.format}${values.history ? `, history (${values['diff-ranges']} diff ranges)` : ''}`,
  );
  for (const phase of ['plan', 'map', 'reduce'] as const) {
    line(`  ${phase}`, `${((phases[phase] ?? 0) / 1000).toFixed(1)} s${phase === 'map' ? '' : `, ${(cpu[phase] ?? 0).toFixed(1)} s of CPU in this process`}`);
  }
  const stepNames = { diff: 'diff (in this process)', parts: 'report parts (2 at once)', finish: 'put together, PDF, history' };
  for (const [step, name] of Object.entries(stepNames)) if (steps[step] !== undefined) line(`    reduce: ${name}`, `${(steps[step]! / 1000).toFixed(1)} s`);
  line('  total', `${seconds.toFixed(1)} s, ${Math.round(items / seconds)} items/s`);
  line('  peak RSS, largest map process', `${largestMapRssMb.toFixed(0)} MB`);
  line('  peak RSS, plan + reduce process', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  line('  findings', `${result.head.summary.items}${failed.length > 0 ? `, ${failed.length} partitions FAILED: ${failed.map((p) => p.error).join('; ')}` : ''}`);
  for (const [format, path] of Object.entries(result.reports)) line(`  ${format} report`, `${(statSync(path).size / 2 ** 30).toFixed(2)} GiB`);
  // The reports of a large run fill the disk: they are measured, not kept.
  rmSync(reports, { recursive: true, force: true });
}
