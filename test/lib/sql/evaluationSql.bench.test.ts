/**
 * How long the evaluation SELECT (lib/sql/evaluationSql.ts) takes on synthetic
 * items (bench/syntheticInventory.ts), over the checked table the validation stage
 * made of them, as the SQL engine runs it (CREATE TEMP TABLE … AS). Printed, never
 * asserted; opt in:
 *
 *   EVALUATION_SQL_BENCH=1000000 npx jest test/lib/sql/evaluationSql.bench.test.ts
 *
 * EVALUATION_SQL_THREADS sets DuckDB's threads; EVALUATION_SQL_WAIVERS=1 runs with the
 * differential test's waivers (globs through RE2 and through the picomatch function).
 */
import { syntheticItem } from '../../../bench/syntheticInventory';
import type { EngineOptions } from '../../../lib/engine/evaluate';
import { ItemsTable, openDuck } from '../../../lib/sql/duck';
import { evaluationSql } from '../../../lib/sql/evaluationSql';
import { registerGlobFunction } from '../../../lib/sql/globFunction';
import { catalog } from '../../helpers/items';
import { compiledTestWaivers, validationStage } from '../../helpers/sqlItems';

const count = Number(process.env.EVALUATION_SQL_BENCH ?? 0);
const threads = process.env.EVALUATION_SQL_THREADS ? Number(process.env.EVALUATION_SQL_THREADS) : undefined;
const maybe = count > 0 ? describe : describe.skip;

maybe('evaluationSql timing', () => {
  it(`evaluates ${count} synthetic items`, async () => {
    const validationSql = validationStage();
    if (!validationSql) throw new Error('The bench needs lib/sql/validationSql.ts');
    const duck = await openDuck(threads === undefined ? {} : { threads });
    try {
      const { connection } = duck;
      registerGlobFunction(connection);
      const items = await ItemsTable.create(connection);
      for (let n = 0; n < count; n += 1) items.append({ location: `line ${n + 1}`, raw: JSON.stringify(syntheticItem(n)) });
      items.close();
      let started = Date.now();
      await connection.run(`CREATE TEMP TABLE checked AS ${validationSql({ capturedNotAfterMs: Date.parse('2026-11-21T00:00:00Z') })}`);
      const validationMs = Date.now() - started;
      const options: EngineOptions = { graceDays: 30, waivers: process.env.EVALUATION_SQL_WAIVERS === '1' ? compiledTestWaivers() : [] };
      const sql = evaluationSql(catalog(), options, 'checked');
      started = Date.now();
      await connection.run(`EXPLAIN ${sql}`);
      const planMs = Date.now() - started;
      const timings: number[] = [];
      for (let run = 0; run < 3; run += 1) {
        started = Date.now();
        await connection.run(`CREATE OR REPLACE TEMP TABLE findings AS ${sql}`);
        timings.push(Date.now() - started);
      }
      const verdicts = await connection.runAndReadAll(
        "SELECT json_extract_string(finding, '$.verdict') AS verdict, count(*) AS n FROM findings GROUP BY ALL ORDER BY verdict",
      );
      const threadSetting = await connection.runAndReadAll("SELECT current_setting('threads')");
      console.log(
        `evaluation SELECT over ${count} items (threads ${String(threadSetting.getRows()[0]![0])}, ${options.waivers.length} waivers): ` +
          `${timings.join(' / ')} ms (3 runs; planning ${planMs} ms); validation took ${validationMs} ms; ` +
          `verdicts ${JSON.stringify(Object.fromEntries(verdicts.getRows().map(([v, n]) => [v, Number(n)])))}`,
      );
    } finally {
      duck.close();
    }
  }, 1_800_000);
});
