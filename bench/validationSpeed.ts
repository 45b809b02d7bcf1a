/**
 * npx tsx bench/validationSpeed.ts [--items N] [--runs N] [--file PATH] [--explain]
 *
 * Times the validation SELECT (lib/sql/validationSql.ts) alone: the first N lines
 * of an NDJSON inventory (default bench/out/inv-500k.ndjson, 100000 lines) are
 * loaded into `items` (stage 1, lib/sql/relations.ts) by DuckDB itself, then
 * `CREATE TABLE checked AS <validationSql>` runs `runs` times with 2 threads and
 * 1 GB, as the SQL engine's bench does. The machine may be shared: the best run
 * is the figure, the others are printed beside it. A digest of every checked
 * column is printed too, so that two versions of the SQL can be compared on the
 * same input; `--explain` prints EXPLAIN ANALYZE of one run.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDuck, type Duck } from '../lib/sql/duck';
import { CHECKED_COLUMNS } from '../lib/sql/relations';
import { sqlString } from '../lib/sql/sqlText';
import { validationSql } from '../lib/sql/validationSql';

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      file: { type: 'string', default: resolve(ROOT, 'bench/out/inv-500k.ndjson') },
      explain: { type: 'boolean', default: false },
    },
  });
  const duck = await openDuck({ threads: 2, memoryLimit: '1GB' });
  try {
    const count = await loadItems(duck, values.file, Number(values.items));
    const sql = validationSql({ capturedNotAfterMs: Date.parse('2026-11-21T00:00:00Z') });
    const timings: number[] = [];
    for (let run = 0; run < Number(values.runs); run += 1) {
      await duck.connection.run('DROP TABLE IF EXISTS checked');
      const started = performance.now();
      await duck.connection.run(`CREATE TABLE checked AS ${sql}`);
      timings.push(performance.now() - started);
    }
    const best = Math.min(...timings);
    console.log(`validationSql over ${count} items: best ${best.toFixed(0)} ms = ${((best / count) * 100_000).toFixed(0)} ms per 100k`);
    console.log(`runs: ${timings.map((t) => t.toFixed(0)).join(' / ')} ms; digest ${await digest(duck)}`);
    if (values.explain) {
      const plan = await duck.connection.runAndReadAll(`EXPLAIN ANALYZE CREATE OR REPLACE TABLE checked AS ${sql}`);
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
