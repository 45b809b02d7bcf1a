/**
 * npm run bench -- --partitions P [--items N …]: the partitioned run instead (bench/partitioned.ts).
 *
 * npm run bench [-- --items N[,N...]] [--table-items N] [--segments N] [--engines sql,reference] [--skip-pdf] [--skip-table] [--out DIR]
 *
 * `--items 0` skips the NDJSON runs; `--out` (default bench/out) is where the inventories,
 * reports and results.json go, so that two benches can run side by side.
 *
 * Prints items/second and peak RSS for: the engine alone, `run --inventory`
 * on NDJSON beside a bare line-by-line JSON.parse + JSON.stringify of the same
 * file, and `run --table` on a local DynamoDB beside a bare parallel Scan of
 * the same table. Each figure comes from a process of its own: `npm run bench` compiles the
 * bench and the CLI first (cli/build.mjs) and runs them with plain node, as users run the CLI.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchPartitioned } from './partitioned';
import { OUT_OF_MEMORY_EXIT } from './outOfMemory';
import { writeSyntheticInventory } from './syntheticInventory';

const ROOT = resolve(__dirname, '..');
let OUT = join(ROOT, 'bench/out');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** `npm run bench` runs this file compiled (dist/bench.js, cli/build.mjs); `npx tsx bench/bench.ts` runs the sources. */
const COMPILED = !__filename.endsWith('.ts');

/**
 * The command line (after `node`) that runs one of the bench's processes as this bench runs: the
 * compiled CLI and scenario beside dist/bench.js with plain node, as users run the CLI; under
 * tsx from the sources.
 *
 * @example
 * nodeArgs('cli/main.ts', 'local') // ['/repo/dist/main.js', 'local'] when compiled
 */
function nodeArgs(source: 'bench/scenario.ts' | 'cli/main.ts', ...args: string[]): string[] {
  return COMPILED ? [join(__dirname, `${basename(source, '.ts')}.js`), ...args] : [TSX, join(ROOT, source), ...args];
}

interface Figure {
  items: number;
  seconds: number;
  peakRssMb: number;
}

function scenario(name: string, ...args: (string | number)[]): Figure {
  const out = execFileSync(process.execPath, nodeArgs('bench/scenario.ts', name, ...args.map(String)), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Figure;
}

const rate = (f: Figure) => Math.round(f.items / f.seconds);
const row = (label: string, f: Figure, extra = '') =>
  `${label.padEnd(44)} ${String(f.items).padStart(9)} ${f.seconds.toFixed(2).padStart(8)} s ${String(rate(f)).padStart(9)} items/s ${f.peakRssMb.toFixed(0).padStart(6)} MB${extra ? `  ${extra}` : ''}`;

/** The size of the JSON report a run wrote into `reports`. */
function jsonReportBytes(reports: string): number {
  const name = readdirSync(reports).find((file) => file.endsWith('.json'));
  if (!name) throw new Error(`no JSON report in ${reports}`);
  return statSync(join(reports, name)).size;
}

async function startLocal(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, nodeArgs('cli/main.ts', 'local', '--port', '0'), { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolveLine, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /dynamodb (\S+)/.exec(chunk.toString());
      if (match) resolveLine(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`local DynamoDB exited ${code}`)));
  });
  return { endpoint, stop: () => child.kill('SIGTERM') };
}

async function benchmark(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000,1000000' },
      'table-items': { type: 'string', default: '50000' },
      segments: { type: 'string', default: '4' },
      engines: { type: 'string', default: 'sql,reference' },
      'skip-pdf': { type: 'boolean', default: false },
      'skip-table': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (values.out) OUT = resolve(values.out);
  const engines = values.engines.split(',');
  const sizes = values.items.split(',').map(Number).filter((size) => size > 0);
  const tableItems = Number(values['table-items']);
  mkdirSync(OUT, { recursive: true });
  process.stderr.write(COMPILED ? 'the compiled CLI (dist/), with node\n' : 'the sources, under tsx\n');
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), compiled: COMPILED };
  console.log(`${'scenario'.padEnd(44)} ${'items'.padStart(9)} ${'time'.padStart(10)} ${'rate'.padStart(17)} ${'peak RSS'.padStart(9)}`);

  for (const size of sizes) {
    const file = join(OUT, `inventory-${size}.ndjson`);
    process.stderr.write(`generating ${size} items …\n`);
    await writeSyntheticInventory(file, size);
    const mb = (statSync(file).size / 2 ** 20).toFixed(0);
    const reports = join(OUT, 'reports');
    const history = join(OUT, 'history');
    const result: Record<string, unknown> = {};
    /** A run with history: a first run becomes history, the second diffs every finding against it (as nightly runs do). */
    const historyRun = (engine: string): Figure => {
      scenario('run-history', file, reports, history, engine);
      rmSync(reports, { recursive: true, force: true });
      const diffed = scenario('run-history', file, reports, history, engine);
      rmSync(reports, { recursive: true, force: true });
      rmSync(history, { recursive: true, force: true });
      return diffed;
    };
    // The SQL engine beside what a data engineer would write instead: one DuckDB query, on the same file.
    const peer = scenario('duckdb-peer', file, join(OUT, 'peer.ndjson'));
    const peerLineBytes = statSync(join(OUT, 'peer.ndjson')).size / peer.items;
    rmSync(join(OUT, 'peer.ndjson'), { force: true });
    console.log(row(`DuckDB peer query (read_json → CASE → COPY, ${mb} MB)`, peer));
    result.peer = peer;
    if (engines.includes('sql')) {
      const sqlAudit = scenario('run-ndjson', file, reports, 'json', 'sql');
      const lineBytes = jsonReportBytes(reports) / sqlAudit.items;
      rmSync(reports, { recursive: true, force: true });
      // The second yardstick: DuckDB alone giving the report's bytes in the report's order (scenario.ts duckdbFloor),
      // in one statement, else (out of memory, as at 10,000,000 items) in two.
      const floorLabel = `DuckDB floor (the peer sorted, ${Math.round(lineBytes)}-byte lines)`;
      let floor: Figure;
      try {
        floor = scenario('duckdb-floor', file, join(OUT, 'floor.ndjson'), lineBytes, peerLineBytes, 'one');
        console.log(row(floorLabel, floor, 'in one statement'));
      } catch (error) {
        if ((error as { status?: number }).status !== OUT_OF_MEMORY_EXIT) throw error;
        console.log(`${floorLabel.padEnd(44)} ${String(size).padStart(9)}   out of memory in one statement (its error above): in two`);
        floor = scenario('duckdb-floor', file, join(OUT, 'floor.ndjson'), lineBytes, peerLineBytes, 'two');
        console.log(row(floorLabel, floor, 'in two statements'));
      }
      rmSync(join(OUT, 'floor.ndjson'), { force: true });
      const ratios = (figure: Figure, target: number) =>
        `${(figure.seconds / peer.seconds).toFixed(2)}× the peer (target ≤ ${target}×), ${(figure.seconds / floor.seconds).toFixed(2)}× the floor`;
      console.log(row('run --engine sql --no-history', sqlAudit, ratios(sqlAudit, 2)));
      const sqlDiffed = historyRun('sql');
      console.log(row('run --engine sql, history on', sqlDiffed, ratios(sqlDiffed, 3)));
      Object.assign(result, {
        floor,
        sqlAudit,
        sqlDiffed,
        sqlRatio: sqlAudit.seconds / peer.seconds,
        sqlHistoryRatio: sqlDiffed.seconds / peer.seconds,
        sqlFloorRatio: sqlAudit.seconds / floor.seconds,
        sqlHistoryFloorRatio: sqlDiffed.seconds / floor.seconds,
      });
    }
    if (engines.includes('reference')) {
      const generate = scenario('generate', size);
      const engine = scenario('engine', size);
      const engineNet: Figure = { ...engine, seconds: Math.max(engine.seconds - generate.seconds, 1e-6) };
      const bare = scenario('bare-ndjson', file, join(OUT, 'bare-copy.ndjson'));
      rmSync(join(OUT, 'bare-copy.ndjson'), { force: true });
      const audit = scenario('run-ndjson', file, reports, 'json', 'reference');
      rmSync(reports, { recursive: true, force: true });
      const diffed = historyRun('reference');
      console.log(row(`reference engine alone (generation excluded)`, engineNet));
      console.log(row(`bare NDJSON parse+stringify`, bare));
      console.log(row('run --engine reference --no-history', audit, `${(audit.seconds / bare.seconds).toFixed(2)}× bare, ${(audit.seconds / peer.seconds).toFixed(2)}× the peer`));
      console.log(row('run --engine reference, history on', diffed, `${(diffed.seconds / peer.seconds).toFixed(2)}× the peer`));
      Object.assign(result, { engine: engineNet, bare, audit, diffed, ratio: audit.seconds / bare.seconds });
    }
    results[`ndjson-${size}`] = result;
    rmSync(file, { force: true });
  }

  if (!values['skip-pdf']) {
    // The PDF on a 10,000-item inventory with thousands of violations, beside JSON alone.
    const file = join(OUT, 'inventory-pdf-10000.ndjson');
    await writeSyntheticInventory(file, 10_000);
    const reports = join(OUT, 'reports-pdf');
    const json = scenario('run-ndjson', file, reports, 'json');
    rmSync(reports, { recursive: true, force: true });
    const withPdf = scenario('run-ndjson', file, reports, 'json,pdf');
    const pdfFile = readdirSync(reports).find((name) => name.endsWith('.pdf'))!;
    const pdfMb = statSync(join(reports, pdfFile)).size / 2 ** 20;
    rmSync(reports, { recursive: true, force: true });
    rmSync(file, { force: true });
    console.log(row('run --inventory 10k, JSON only', json));
    console.log(row('run --inventory 10k, JSON + PDF', withPdf, `PDF adds ${(withPdf.seconds - json.seconds).toFixed(2)} s (target ≤ 3 s), ${pdfMb.toFixed(2)} MB`));
    results['pdf-10000'] = { json, withPdf, addedSeconds: withPdf.seconds - json.seconds, pdfMb };
  }

  if (!values['skip-table']) await tableBench(tableItems, values.segments, engines, results);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nFigures saved to ${join(OUT, 'results.json')}`);
}

/** `run --table` on a local DynamoDB beside a bare parallel Scan of the same table, for each engine. */
async function tableBench(tableItems: number, segments: string, engines: string[], results: Record<string, unknown>): Promise<void> {
  process.stderr.write(`loading ${tableItems} items into a local DynamoDB …\n`);
  const local = await startLocal();
  try {
    const file = join(OUT, `table-${tableItems}.ndjson`);
    await writeSyntheticInventory(file, tableItems);
    execFileSync(process.execPath, nodeArgs('cli/main.ts', 'inventory', 'load', file, '--table', 'bench', '--endpoint', local.endpoint, '--no-progress'), { stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(file, { force: true });
    const scan = scenario('bare-scan', local.endpoint, 'bench', segments);
    console.log(row(`bare parallel Scan (${segments} segments, dynalite)`, scan));
    const reports = join(OUT, 'reports');
    const table: Record<string, unknown> = { scan };
    for (const engine of engines) {
      const audit = scenario('run-table', 'bench', local.endpoint, reports, segments, engine);
      rmSync(reports, { recursive: true, force: true });
      console.log(row(`run --table --engine ${engine} (Scan → JSON report)`, audit, `${(audit.seconds / scan.seconds).toFixed(2)}× bare (target ≤ 1.2×)`));
      table[engine] = { audit, ratio: audit.seconds / scan.seconds };
    }
    results[`table-${tableItems}`] = table;
  } finally {
    local.stop();
  }
}

const USAGE = `Usage: npm run bench [-- options]

Prints items/second and peak RSS of each scenario, each in a process of its own (the compiled CLI, plain node),
and saves the figures to <out>/results.json.

  --items N[,N…]       NDJSON inventories of these sizes (default 100000,1000000; 0: none): the DuckDB peer
                       query, then run --no-history and run with history (a first run, then one that diffs it),
                       for each engine, with the ratio to the peer; with the SQL engine, also the DuckDB floor
                       (the peer's query sorted by itemId, its lines padded to the --no-history run's JSON
                       report's, within the default memory limit: one statement on one thread, or, out of
                       memory, two: read on every thread, sorted on one) and the ratio to it
  --engines LIST       sql, reference or both (default sql,reference)
  --table-items N      items in the local DynamoDB for run --table beside a bare parallel Scan (default 50000)
  --segments N         the Scan's segments (default 4)
  --skip-table         no DynamoDB scenario
  --skip-pdf           no PDF scenario (10,000 items, JSON beside JSON + PDF)
  --out DIR            where the inventories, reports and results.json go (default bench/out)

  --partitions P       the partitioned run instead (plan, map in processes, reduce), with
                       --items N (default 1000000), --engine sql|reference, --workers W, --format LIST,
                       --history, --diff-ranges N, --out DIR

Set RETENTION_AUDITOR_TIMINGS=1 to print each SQL step's wall time, CPU time and RSS.
`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
} else {
  // `--partitions P`: the partitioned run (plan → map in processes → reduce), bench/partitioned.ts.
  (argv.includes('--partitions') ? benchPartitioned(argv) : benchmark()).catch((error: Error & { code?: string }) => {
    // A mistyped option is the user's: say so, with the usage, not a stack.
    if (error.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}
