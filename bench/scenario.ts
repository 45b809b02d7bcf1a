/**
 * One benchmark scenario, run in its own process so that its peak RSS is its
 * own. Prints one JSON line: { items, seconds, peakRssMb }. `npm run bench` runs it
 * compiled (dist/scenario.js, cli/build.mjs), with the CLI compiled into it: the
 * CLI's code as users run it, called in-process after the imports as the peer query is.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { main } from '../cli/main';
import { loadCatalog } from '../lib/catalog/loadCatalog';
import { DEFAULTS } from '../lib/defaults';
import { DEFAULT_ENGINE_OPTIONS, evaluate } from '../lib/engine/evaluate';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import { readFileChunks } from '../lib/fileChunks';
import { isOutOfMemory } from '../lib/sql/outOfMemory';
import { OUT_OF_MEMORY_EXIT } from './outOfMemory';
import { syntheticItem } from './syntheticInventory';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function engineAlone(count: number): Promise<number> {
  const catalog = loadCatalog();
  let violations = 0;
  for (let n = 0; n < count; n += 1) if (evaluate(syntheticItem(n), catalog, DEFAULT_ENGINE_OPTIONS).verdict === 'violation') violations += 1;
  return count + violations * 0;
}

/** Generating items costs time too; the engine figure subtracts it. */
async function generateOnly(count: number): Promise<number> {
  let total = 0;
  for (let n = 0; n < count; n += 1) total += syntheticItem(n).recordCount > -2 ? 1 : 0;
  return total;
}

async function bareNdjson(file: string, outFile: string): Promise<number> {
  const out = createWriteStream(outFile);
  let buffer = '';
  let count = 0;
  for await (const line of createInterface({ input: readFileChunks(file), crlfDelay: Infinity })) {
    if (!line) continue;
    buffer += `${JSON.stringify(JSON.parse(line))}\n`;
    count += 1;
    if (buffer.length > 1 << 18) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return count;
}

async function cliRun(args: string[]): Promise<number> {
  let printed = '';
  const code = await main(['run', '--no-progress', ...args], { stdout: (t) => void (printed += t), stderr: (t) => process.stderr.write(t) });
  if (code !== 0 && code !== 3) throw new Error(`run exited ${code}`);
  return Number(/│ total\s+│\s+(\d+) │/.exec(printed)?.[1] ?? 0);
}

async function bareScan(endpoint: string, table: string, segments: number): Promise<number> {
  const inventory = new InventoryTable({ client: createDocumentClient({ endpoint }), tableName: table });
  let count = 0;
  for await (const page of inventory.readSnapshot('bench-snapshot', { mode: 'scan', segments })) {
    if (page.kind === 'items') count += page.items.length;
  }
  inventory.client.destroy();
  return count;
}

/**
 * What a data engineer would write instead of the auditor: one DuckDB query that reads
 * the NDJSON file, joins a table of the catalog's fixed periods, decides a verdict and a
 * reason with CASE, and copies every input column with them to NDJSON. The yardstick of
 * the SQL engine (issue: the catalog compiled to SQL).
 */
async function duckdbPeer(file: string, outFile: string, floor?: { padBytes: number; tempDirectory: string; statements: FloorStatements }): Promise<number> {
  // The binding as the engine loads it, with its allocator's settings (lib/sql/allocator.ts): peak RSS compares like with like.
  const { DuckDBInstance } = await import('../lib/sql/duckdb');
  const catalog = loadCatalog();
  const periods: string[] = [];
  for (const module of catalog.modules.values()) {
    for (const category of module.categories.values()) {
      for (const rule of category.rules) {
        const clause = rule.clause as { kind: string; period?: { days?: number; months?: number } };
        if (clause.kind !== 'fixed-period' || !clause.period) continue;
        const days = clause.period.days ?? (clause.period.months ?? 0) * 30;
        periods.push(`('${module.id}', '${category.id}', ${days})`);
      }
    }
  }
  // The floor (see duckdbFloor): the run's memory limit, spilling to a folder of its own.
  const limits = floor ? { memory_limit: DEFAULTS.memoryLimit, temp_directory: floor.tempDirectory, ...(floor.statements === 'one' ? { threads: '1' } : {}) } : {};
  const instance = await DuckDBInstance.create(':memory:', limits);
  const connection = await instance.connect();
  const quoted = (path: string) => `'${path.replaceAll("'", "''")}'`;
  const select = `
      SELECT i.*,${floor ? ` repeat('x', ${Math.max(0, Math.round(floor.padBytes))}) AS pad,` : ''}
        CASE WHEN p.days IS NULL THEN 'unmapped'
             WHEN i.recordCount > 0 AND i.oldestRecordAt < i.capturedAt - to_days(p.days) THEN 'violation'
             ELSE 'compliant' END AS verdict,
        CASE WHEN p.days IS NULL THEN 'Module ' || i.module || ' declares no data category ' || i.dataCategory || '.'
             ELSE 'The oldest record, created on ' || strftime(i.oldestRecordAt, '%Y-%m-%d') || ', may be kept ' || p.days || ' days.' END AS reason
      FROM read_json(${quoted(file)}, format = 'newline_delimited', ignore_errors = true) i
      LEFT JOIN (VALUES ${periods.join(', ')}) p(module, dataCategory, days) USING (module, dataCategory)`;
  let copied;
  if (floor?.statements === 'two') {
    // Read and decide on every thread into a table (in any order), then sort and write on one.
    await connection.run(`SET preserve_insertion_order = false; CREATE TEMP TABLE floor_lines AS ${select}`);
    await connection.run('SET threads = 1');
    copied = await connection.runAndReadAll(`COPY (SELECT * FROM floor_lines ORDER BY itemId) TO ${quoted(outFile)} (FORMAT json)`);
  } else {
    copied = await connection.runAndReadAll(`COPY (${select}${floor ? ' ORDER BY i.itemId' : ''}) TO ${quoted(outFile)} (FORMAT json)`);
  }
  connection.closeSync();
  instance.closeSync();
  // COPY answers with the number of rows it wrote.
  return Number(copied.getRows()[0]![0]);
}

/**
 * How the floor runs: `one` statement on one thread (on two, DuckDB's sort of lines as long as the
 * report's runs out of 256 MB, as the SQL engine's report sort did), the quicker up to a million
 * items (500,000: 3.3 s against 4.2 s); or `two`, read and decided on every thread into a table,
 * then sorted and written on one: what goes through at 10,000,000 items, where one statement runs
 * out of 256 MB.
 */
type FloorStatements = 'one' | 'two';

/**
 * What DuckDB alone needs to give the report's bytes in the report's order, the yardstick the
 * peer query is not: the peer's query with each line padded to the report's length
 * (`lineBytes`, the bench measures it on the JSON report of the run without history; its
 * lines are `peerLineBytes` long on average unpadded), sorted by itemId as the report is,
 * within the run's default memory limit (see {@link FloorStatements}).
 */
async function duckdbFloor(file: string, outFile: string, lineBytes: number, peerLineBytes: number, statements: FloorStatements): Promise<number> {
  const tempDirectory = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  try {
    // The peer's line with `,"pad":""` and the pad, for the length the peer's own lines leave.
    return await duckdbPeer(file, outFile, { padBytes: lineBytes - peerLineBytes - ',"pad":""'.length, tempDirectory, statements });
  } finally {
    rmSync(tempDirectory, { recursive: true, force: true });
  }
}

/** The engine, with its default limits (the SQL engine's memory limit is what the RSS target is about). */
function engineArgs(engine = 'reference'): string[] {
  return ['--engine', engine];
}

async function run(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  let items: number;
  switch (name) {
    case 'engine': items = await engineAlone(Number(args[0])); break;
    case 'generate': items = await generateOnly(Number(args[0])); break;
    case 'bare-ndjson': items = await bareNdjson(args[0]!, args[1]!); break;
    case 'run-ndjson': items = await cliRun(['--inventory', args[0]!, '--out', args[1]!, '--format', args[2] ?? 'json', '--no-history', ...engineArgs(args[3])]); break;
    case 'duckdb-peer': items = await duckdbPeer(args[0]!, args[1]!); break;
    case 'duckdb-floor': items = await duckdbFloor(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4] === 'two' ? 'two' : 'one'); break;
    // An audit that diffs every finding against the previous run kept in --history.
    case 'run-history': items = await cliRun(['--inventory', args[0]!, '--out', args[1]!, '--format', 'json', '--history', args[2]!, ...engineArgs(args[3])]); break;
    case 'run-table': items = await cliRun(['--table', args[0]!, '--endpoint', args[1]!, '--out', args[2]!, '--format', 'json', '--read-mode', 'scan', '--segments', args[3]!, '--no-history', ...engineArgs(args[4])]); break;
    case 'bare-scan': items = await bareScan(args[0]!, args[1]!, Number(args[2])); break;
    default: throw new Error(`unknown scenario ${name}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ items, seconds, peakRssMb })}\n`);
}

run().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  // DuckDB out of memory: an exit of its own, on which the bench tries the floor in two statements.
  process.exit(isOutOfMemory(error) ? OUT_OF_MEMORY_EXIT : 1);
});
