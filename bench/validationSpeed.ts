/**
 * npx tsx bench/validationSpeed.ts [--items N] [--runs N] [--file PATH] [--module PATH] [--memory-limit SIZE] [--explain]
 *
 * Times the validation SELECT (lib/sql/validationSql.ts) alone: the first N lines
 * of an NDJSON inventory (default bench/out/inv-500k.ndjson, written when missing: 100000 lines) are
 * loaded into `items` (stage 1, lib/sql/relations.ts) by DuckDB itself, then, with
 * 2 threads and the run's default memory limit (256 MB; `--memory-limit`), each run times:
 *
 * - `CREATE TEMP TABLE checked AS <validationSql>`, the SQL engine's own statement, as it
 *   runs it (rows stored in any order: lib/sql/duck.ts inAnyOrder) (the figure);
 * - the same SELECT with every column computed but nothing stored (an aggregate of
 *   each column): the validation's own work;
 * - `CREATE TEMP TABLE AS SELECT * FROM checked`: storing those columns alone, which the
 *   validation cannot make cheaper (beyond the memory limit, DuckDB spills them).
 *
 * The machine may be shared: the best of the runs is the figure (wall clock, and
 * the process's CPU time beside it). A digest of every checked column is printed,
 * so that two versions of the SQL can be compared on the same input: `--module`
 * takes another file exporting `validationSql` (e.g. an older version, copied out
 * of git). `--explain` prints EXPLAIN ANALYZE of one run.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../lib/defaults';
import { inAnyOrder, openDuck, type Duck } from '../lib/sql/duck';
import { CHECKED_COLUMNS } from '../lib/sql/relations';
import { sqlString } from '../lib/sql/sqlText';
import type { validationSql as ValidationSql } from '../lib/sql/validationSql';
import { realisticInventory } from './syntheticInventory';

const ROOT = resolve(__dirname, '..');

/** Loads the file's first `count` lines as stage 1's `items`, in file order. */
async function loadItems(duck: Duck, file: string, count: number): Promise<number> {
  // One VARCHAR column per line: no quote, no escape, a delimiter no line holds.
  const lines = `read_csv(${sqlString(file)}, columns = {'raw': 'VARCHAR'}, header = false, delim = '\\x01', quote = '', escape = '', max_line_size = 1048576)`;
  await duck.connection.run(
    `CREATE TABLE items AS SELECT CAST(ord AS BIGINT) AS ord, 'line ' || (ord + 1) AS location, raw, CAST(NULL AS VARCHAR) AS parse_error
     FROM (SELECT row_number() OVER () - 1 AS ord, raw FROM (SELECT raw FROM ${lines} LIMIT ${count}))`,
  );
  const result = await duck.connection.runAndReadAll('SELECT count(*) FROM items');
  return Number(result.getRows()[0]![0]);
}

/** A digest of every column of `checked` (order-independent: a sum of row hashes). */
async function digest(duck: Duck): Promise<string> {
  const columns = Object.keys(CHECKED_COLUMNS).join(', ');
  const result = await duck.connection.runAndReadAll(
    `SELECT CAST(sum(CAST(hash(${columns}) AS HUGEINT)) AS VARCHAR) AS digest, count(invalid_reason) AS invalid FROM checked`,
  );
  const [sum, invalid] = result.getRows()[0]!;
  return `${String(sum)} (${String(invalid)} invalid)`;
}

/** Wall-clock and CPU milliseconds of one statement. */
async function timed(duck: Duck, sql: string): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const usage = process.cpuUsage();
  await inAnyOrder(duck.connection, () => duck.connection.run(sql));
  const used = process.cpuUsage(usage);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      file: { type: 'string' },
      module: { type: 'string', default: resolve(ROOT, 'lib/sql/validationSql.ts') },
      'memory-limit': { type: 'string', default: DEFAULTS.memoryLimit },
      explain: { type: 'boolean', default: false },
    },
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validationSql } = require(resolve(values.module)) as { validationSql: typeof ValidationSql };
  const duck = await openDuck({ threads: 2, memoryLimit: values['memory-limit'] });
  try {
    const count = await loadItems(duck, values.file ?? (await realisticInventory()), Number(values.items));
    const sql = validationSql({ capturedNotAfterMs: Date.parse('2026-11-21T00:00:00Z') });
    const columns = Object.keys(CHECKED_COLUMNS)
      .map((column) => `max(${column})`)
      .join(', ');
    const statements = {
      'CREATE TEMP TABLE checked AS <validationSql>': `CREATE OR REPLACE TEMP TABLE checked AS ${sql}`,
      'every column computed, none stored': `CREATE OR REPLACE TEMP TABLE computed AS SELECT ${columns} FROM (${sql})`,
      'storing the columns alone': 'CREATE OR REPLACE TEMP TABLE stored AS SELECT * FROM checked',
    };
    const runs = Object.fromEntries(Object.keys(statements).map((name) => [name, [] as { wall: number; cpu: number }[]]));
    for (let run = 0; run < Number(values.runs); run += 1) {
      for (const [name, statement] of Object.entries(statements)) runs[name]!.push(await timed(duck, statement));
    }
    const per100k = (ms: number) => ((ms / count) * 100_000).toFixed(0).padStart(5);
    console.log(`validationSql (${values.module}) over ${count} items, ms per 100k items, best of ${values.runs} runs:`);
    for (const [name, timings] of Object.entries(runs)) {
      const wall = timings.map((t) => t.wall);
      const cpu = Math.min(...timings.map((t) => t.cpu));
      console.log(`  ${name.padEnd(40)} ${per100k(Math.min(...wall))} (CPU ${per100k(cpu)}; runs ${wall.map((t) => t.toFixed(0)).join(' / ')} ms)`);
    }
    console.log(`digest of checked: ${await digest(duck)}`);
    if (values.explain) {
      const plan = await inAnyOrder(duck.connection, () => duck.connection.runAndReadAll(`EXPLAIN ANALYZE CREATE OR REPLACE TEMP TABLE checked AS ${sql}`));
      for (const row of plan.getRows()) console.log(String(row[1]));
    }
  } finally {
    duck.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
