/**
 * Finding states (lib/history/HistoryStore.ts FindingState) as a Parquet file:
 * one row per state, in key order, one column per member. The SQL engine writes
 * and reads such files with DuckDB directly (no state passes through
 * JavaScript); the reference engine's states (written line by line) are turned
 * into the same file once, at commit.
 */
import type { Duck } from '../sql/duck';
import { isOutOfMemory } from '../sql/outOfMemory';
import { jsOrderSql } from '../sql/jsOrderSql';
import { sqlString } from '../sql/sqlText';
import { timed } from '../sql/timed';
import { plainTimestampMs, timestampMs } from '../sql/validationTimestamp';
import type { FindingState } from './HistoryStore';
import type { Verdict } from '../model';

/** The columns of a states file, named as FindingState's members. */
export const STATE_COLUMNS = ['key', 'fingerprint', 'verdict', 'firstSeenAt', 'itemId', 'tenantId', 'module', 'dataCategory', 'resource', 'hold'] as const;

/**
 * COPY options of every states file: the same shape whichever engine wrote it. zstd's
 * level 1 rather than its default 3: a quarter less CPU to write 500,000 states, and a
 * file 8% smaller (the keys, unique, compress better with its longer matches). Files
 * written at any level read the same.
 */
export const STATES_COPY_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 65536';

/** The memory limit of a small DuckDB (see openSmallDuck). */
const SMALL_MEMORY_LIMIT = '256MB';

/**
 * The memory limit of the check ({@link checkParquetStates}), whose one pass over the file
 * needs little: it runs beside the SQL engine's own DuckDB, and DuckDB fills what its limit
 * allows with the file's pages. 10,000,000 synthetic states: +324 MB of RSS at 256 MB, +179 MB at
 * 128 MB, +118 MB at 64 MB, as fast; in a run diffing 10,000,000 states, the step's RSS 780 → 649 MB.
 * Out of memory, the check runs again at {@link SMALL_MEMORY_LIMIT} (checkParquetStates' memoryLimits).
 */
const CHECK_MEMORY_LIMIT = '128MB';

/** A small DuckDB, its binding loaded only when a states file is read or written (not by functions that never do). */
async function openSmallDuck(memoryLimit = SMALL_MEMORY_LIMIT): Promise<Duck> {
  const { openDuck } = await import('../sql/duck');
  return openDuck({ threads: 1, memoryLimit });
}

async function withDuck<T>(use: (duck: Duck) => Promise<T>, memoryLimit?: string): Promise<T> {
  const duck = await openSmallDuck(memoryLimit);
  try {
    return await use(duck);
  } finally {
    duck.close();
  }
}

/**
 * Turns an NDJSON file of states (one JSON.stringify(state) per line, in key
 * order) into a states Parquet file.
 *
 * @example
 * await statesToParquet('run.states.ndjson.partial', 'run.states.parquet.partial');
 */
export async function statesToParquet(ndjsonPath: string, parquetPath: string): Promise<void> {
  const shape = Object.fromEntries(STATE_COLUMNS.map((name) => [name, 'VARCHAR']));
  const lines = `read_csv(${sqlString(ndjsonPath)}, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', header = false, max_line_size = 2097152, auto_detect = false)`;
  const columns = STATE_COLUMNS.map((name) => `s."${name}" AS "${name}"`).join(', ');
  await withDuck((duck) =>
    duck.connection.run(
      `COPY (SELECT ${columns} FROM (SELECT from_json(line, ${sqlString(JSON.stringify(shape))}) AS s FROM ${lines} WHERE trim(line) <> '')) TO ${sqlString(parquetPath)} (${STATES_COPY_OPTIONS})`,
    ),
  );
}

/**
 * Reads a states file through once before a diff uses it; null when it is sound,
 * else why not (the first damaged row: no key, no verdict, no firstSeenAt
 * timestamp, out of key order), or that it is no Parquet file at all.
 *
 * Each row meets the next in a POSITIONAL JOIN of the rows with the rows after the
 * first (DuckDB runs both sides on one thread, in file order): a row's own damage is
 * told at that row, a key above the next one at the next row, and a row damaged both
 * ways tells its own. No hash table of the row numbers: at 500,000 states, 0.34 s
 * against 0.41 s for a join on the row number (the best of six; 0.7 s for a window,
 * `lag`, which sorts every key by row number first). The two reads of the keys are
 * most of what is left (0.1 s each).
 *
 * `memoryLimits`: the DuckDB limits the check runs within, each tried in turn while the one
 * before ran out of memory.
 */
export async function checkParquetStates(path: string, memoryLimits: readonly string[] = [CHECK_MEMORY_LIMIT, SMALL_MEMORY_LIMIT]): Promise<string | null> {
  const file = `read_parquet(${sqlString(path)}, file_row_number = true)`;
  const firstSeenMs = `coalesce(${plainTimestampMs('"firstSeenAt"')}, ${timestampMs('"firstSeenAt"')})`;
  const damage = `CASE
      WHEN "key" IS NULL OR NOT contains("key", chr(2)) THEN 'no finding key'
      WHEN verdict IS NULL THEN 'no verdict'
      WHEN ${firstSeenMs} IS NULL THEN 'no firstSeenAt timestamp' END`;
  const check = async (duck: Duck) => {
    const reader = await timed("checking the previous run's states", () => duck.connection.runAndReadAll(`
      SELECT min(row) FILTER (WHERE damage IS NOT NULL) AS damaged_row, arg_min(damage, row) FILTER (WHERE damage IS NOT NULL) AS damage,
        min(row + 1) FILTER (WHERE order_key > next_key) AS unordered_row
      FROM (SELECT file_row_number + 1 AS row, ${damage} AS damage, ${jsOrderSql('"key"')} AS order_key FROM ${file})
        POSITIONAL JOIN (SELECT ${jsOrderSql('"key"')} AS next_key FROM ${file} WHERE file_row_number > 0)`));
    const [found] = reader.getRowObjectsJS() as { damaged_row: bigint | null; damage: string | null; unordered_row: bigint | null }[];
    const row = (n: bigint | null | undefined) => (n === null || n === undefined ? Infinity : Number(n));
    const damaged = Math.min(row(found?.damaged_row), row(found?.unordered_row));
    if (damaged === Infinity) return null;
    const reason = damaged === row(found?.damaged_row) ? found!.damage : 'out of key order';
    return `row ${damaged} of the history file ${path} is damaged (${reason})`;
  };
  try {
    for (const [index, limit] of memoryLimits.entries()) {
      try {
        return await withDuck(check, limit);
      } catch (cause) {
        if (!isOutOfMemory(cause) || index === memoryLimits.length - 1) throw cause;
      }
    }
    throw new Error('checkParquetStates: no memory limit to run within');
  } catch (cause) {
    return `the history file ${path} cannot be read (${((cause as Error).message.split('\n')[0] ?? 'error').slice(0, 200)})`;
  }
}

/** The states of a (checked) states file, in order. */
export async function* readParquetStates(path: string): AsyncIterable<FindingState> {
  const duck = await openSmallDuck();
  try {
    const result = await duck.connection.stream(`SELECT ${STATE_COLUMNS.map((name) => `"${name}"`).join(', ')} FROM read_parquet(${sqlString(path)}, file_row_number = true) ORDER BY file_row_number`);
    for await (const rows of result.yieldRows()) {
      for (const [key, fingerprint, verdict, firstSeenAt, itemId, tenantId, module, dataCategory, resource, hold] of rows) {
        const state: FindingState = {
          key: key as string,
          fingerprint: fingerprint as string,
          verdict: verdict as Verdict,
          firstSeenAt: firstSeenAt as string,
          itemId: (itemId as string | null) ?? null,
          tenantId: (tenantId as string | null) ?? null,
          module: (module as string | null) ?? null,
          dataCategory: (dataCategory as string | null) ?? null,
          resource: (resource as string | null) ?? null,
        };
        if (hold !== null && hold !== undefined) state.hold = hold as string;
        yield state;
      }
    }
  } finally {
    duck.close();
  }
}
