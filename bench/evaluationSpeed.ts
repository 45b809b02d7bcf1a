/**
 * npx tsx bench/evaluationSpeed.ts [N] [RUNS] [MEMORY_LIMIT]
 *
 * How long stage 3 of the SQL engine (lib/sql/evaluationSql.ts) takes on realistic
 * items: the first N lines (default 200000) of bench/out/inv-500k.ndjson (written on first use) are
 * validated once (lib/sql/validationSql.ts, not timed), then
 * `CREATE TEMP TABLE findings AS <evaluationSql>` is timed RUNS times (default 5) on
 * 2 threads and the run's default memory limit (256 MB, or MEMORY_LIMIT), as the SQL
 * engine runs it (rows stored in any order: lib/sql/duck.ts inAnyOrder). The machine
 * may be shared: the best run is the figure, printed as ms per 100k items, with every
 * run beside it, and the CPU time of the best (the process's, every thread).
 *
 * Beside it, the same SELECT with nothing written (every column hashed), and its
 * planning alone (the SELECT over no rows): what the evaluation costs, apart from
 * storing the findings table (compressing its lines) and from the fixed cost of
 * planning ~100 kB of SQL.
 *
 * The digest line (a hash of every column of every finding row) lets a change to
 * the SQL be checked for the same output on these items; the differential tests
 * (test/lib/sql/evaluationSql*.test.ts) remain the proof of exactness.
 *
 * On a shared machine, count instructions rather than time: run the SELECT on one
 * thread under valgrind, counting only DuckDB's pipeline execution (no planning, no
 * JavaScript, no loading), at two sizes, and divide the difference by the difference
 * in rows, which leaves out every fixed cost:
 *
 *   valgrind --tool=callgrind --collect-atstart=no \
 *     --toggle-collect='duckdb::PipelineExecutor::Execute(unsigned long)' node --import tsx <script> N
 *
 * (N = 4000 and 20000 take about a minute each; the instructions per row agree to a
 * few dozen between identical runs. Counting the whole query instead, toggle-collect
 * `duckdb_query`, includes the table write and its compression.)
 */
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadCatalog } from '../lib/catalog/loadCatalog';
import type { EngineOptions } from '../lib/engine/evaluate';
import type { ItemBounds } from '../lib/engine/validateItem';
import { DEFAULTS } from '../lib/defaults';
import { inAnyOrder, ItemsTable, openDuck, type Duck } from '../lib/sql/duck';
import { evaluationSql } from '../lib/sql/evaluationSql';
import { FINDING_COLUMNS } from '../lib/sql/relations';
import { registerGlobFunction } from '../lib/sql/globFunction';
import { realisticInventory } from './syntheticInventory';

const ROOT = resolve(__dirname, '..');

/**
 * Appends the first `count` lines of an NDJSON file to the `items` table, each as the
 * raw text of one entry; returns how many there were.
 *
 * @example
 * await loadItems(duck, 'bench/out/inv-500k.ndjson', 200_000) // 200000
 */
export async function loadItems(duck: Duck, file: string, count: number): Promise<number> {
  const items = await ItemsTable.create(duck.connection);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (items.count >= count) break;
    items.append({ location: `line ${items.count + 1}`, raw: line });
  }
  lines.close();
  items.close();
  return items.count;
}

type ValidationSql = (bounds?: ItemBounds) => string;

/** lib/sql/validationSql.ts read afresh (another person may be editing it: a broken moment is retried). */
function freshValidationSql(): ValidationSql {
  const path = require.resolve('../lib/sql/validationSql');
  delete require.cache[path];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path) as { validationSql: ValidationSql }).validationSql;
}

/**
 * Creates `checked` from `items` with the validation stage, retrying a few times when
 * it fails to load or to run (the file may be mid-edit).
 *
 * @example
 * await createChecked(duck) // the checked table exists
 */
export async function createChecked(duck: Duck, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const sql = freshValidationSql()({ capturedNotAfterMs: Date.now() });
      await inAnyOrder(duck.connection, () => duck.connection.run(`CREATE OR REPLACE TEMP TABLE checked AS ${sql}`));
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      process.stderr.write(`validation failed (${(error as Error).message.slice(0, 200)}); retrying in 10 s\n`);
      await new Promise((resolveLater) => setTimeout(resolveLater, 10_000));
    }
  }
}

/** One timed run: wall-clock and CPU milliseconds (the process's, every thread). */
export interface Timing {
  wall: number;
  cpu: number;
}

async function timeOnce(work: () => Promise<unknown>): Promise<Timing> {
  const started = process.hrtime.bigint();
  const usage = process.cpuUsage();
  await work();
  const used = process.cpuUsage(usage);
  return { wall: Number(process.hrtime.bigint() - started) / 1e6, cpu: (used.user + used.system) / 1000 };
}

/**
 * Runs `CREATE TEMP TABLE findings AS <sql>` `runs` times, as the SQL engine does (rows in any order); returns each run's timing.
 *
 * @example
 * await timeFindings(duck, evaluationSql(catalog, options, 'checked'), 5) // [{ wall: 412, cpu: 790 }, …]
 */
export async function timeFindings(duck: Duck, sql: string, runs: number): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (let run = 0; run < runs; run += 1) {
    await duck.connection.run('DROP TABLE IF EXISTS findings');
    timings.push(await timeOnce(() => inAnyOrder(duck.connection, () => duck.connection.run(`CREATE TEMP TABLE findings AS ${sql}`))));
  }
  return timings;
}

/** Every column of FINDING_COLUMNS, in order. */
const FINDING_COLUMN_LIST = Object.keys(FINDING_COLUMNS).join(', ');

/**
 * Runs `sql` `runs` times with every column of every row hashed and summed: the
 * evaluation without a table written. Returns each run's timing.
 *
 * @example
 * await timeSelect(duck, evaluationSql(catalog, options, 'checked'), 5) // [{ wall: 301, cpu: 580 }, …]
 */
export async function timeSelect(duck: Duck, sql: string, runs: number): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (let run = 0; run < runs; run += 1) timings.push(await timeOnce(() => duck.connection.run(`SELECT sum(hash(${FINDING_COLUMN_LIST})) FROM (${sql})`)));
  return timings;
}

/**
 * A hash of every column of every row of `findings`, in order (equal output, equal digest).
 *
 * @example
 * await findingsDigest(duck) // '1234567890123456789'
 */
export async function findingsDigest(duck: Duck): Promise<string> {
  const reader = await duck.connection.runAndReadAll(
    `SELECT CAST(sum(hash(${FINDING_COLUMN_LIST}) >> 8) AS VARCHAR) || '/' || CAST(count(*) AS VARCHAR) FROM findings`,
  );
  return String(reader.getRows()[0]![0]);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200_000);
  const runs = Number(process.argv[3] ?? 5);
  const memoryLimit = process.argv[4] ?? DEFAULTS.memoryLimit;
  const duck = await openDuck({ threads: 2, memoryLimit });
  try {
    registerGlobFunction(duck.connection);
    const loaded = await loadItems(duck, await realisticInventory(), count);
    await createChecked(duck);
    const options: EngineOptions = { graceDays: 30, waivers: [] };
    const sql = evaluationSql(loadCatalog(join(ROOT, 'policies')), options, 'checked');
    const per100k = (ms: number) => ((ms / loaded) * 100_000).toFixed(0);
    const line = (what: string, timings: Timing[]) => {
      const best = timings.reduce((a, b) => (b.wall < a.wall ? b : a));
      return `${what}: best ${per100k(best.wall)} ms per 100k (CPU ${per100k(best.cpu)}; runs: ${timings.map((t) => per100k(t.wall)).join(' / ')})`;
    };
    console.log(`evaluationSql over ${loaded} items (2 threads, ${memoryLimit}; SQL ${sql.length} characters)`);
    console.log(line('  CREATE TEMP TABLE findings AS …', await timeFindings(duck, sql, runs)));
    console.log(line('  the SELECT, nothing written', await timeSelect(duck, sql, runs)));
    const planning = await timeSelect(duck, `${sql} LIMIT 0`, runs);
    console.log(`  planning (LIMIT 0): best ${Math.min(...planning.map((t) => t.wall)).toFixed(0)} ms per run`);
    console.log(`digest ${await findingsDigest(duck)}`);
  } finally {
    duck.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
