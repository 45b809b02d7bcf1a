/**
 * How long the validation SELECT takes on synthetic items (bench/syntheticInventory.ts),
 * appended through ItemsTable as the SQL engine does. Printed, never asserted; opt in:
 *
 *   VALIDATION_SQL_BENCH=1000000 npx jest test/lib/sql/validationSql.bench.test.ts
 */
import { syntheticItem } from '../../../bench/syntheticInventory';
import { ItemsTable, openDuck } from '../../../lib/sql/duck';
import { validationSql } from '../../../lib/sql/validationSql';

const count = Number(process.env.VALIDATION_SQL_BENCH ?? 0);
const threads = process.env.VALIDATION_SQL_THREADS ? Number(process.env.VALIDATION_SQL_THREADS) : undefined;
const maybe = count > 0 ? describe : describe.skip;

maybe('validationSql timing', () => {
  it(`validates ${count} synthetic items`, async () => {
    const duck = await openDuck(threads === undefined ? {} : { threads });
    try {
      const items = await ItemsTable.create(duck.connection);
      let started = Date.now();
      for (let n = 0; n < count; n += 1) items.append({ location: `line ${n + 1}`, raw: JSON.stringify(syntheticItem(n)) });
      items.close();
      const appendMs = Date.now() - started;
      const sql = validationSql({ capturedNotAfterMs: Date.parse('2026-11-21T00:00:00Z') });
      const timings: number[] = [];
      for (let run = 0; run < 3; run += 1) {
        started = Date.now();
        await duck.connection.run(`CREATE OR REPLACE TEMP TABLE checked AS ${sql}`);
        timings.push(Date.now() - started);
      }
      const summary = await duck.connection.runAndReadAll('SELECT count(*) AS items, count(invalid_reason) AS invalid FROM checked');
      const threadSetting = await duck.connection.runAndReadAll("SELECT current_setting('threads') AS threads");
      console.log(
        `validation SELECT over ${count} items (${JSON.stringify(summary.getRowObjectsJson()[0])}, threads ${String(threadSetting.getRows()[0]![0])}): ` +
          `${timings.join(' / ')} ms (3 runs); appending them took ${appendMs} ms`,
      );
    } finally {
      duck.close();
    }
  }, 900_000);
});
