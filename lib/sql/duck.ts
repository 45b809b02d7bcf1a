import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from './duckdb';
import { sqlString } from './sqlText';

export interface DuckOptions {
  /** Threads of the engine (`--workers`); default: DuckDB's own (the cores). */
  threads?: number;
  /** DuckDB `memory_limit`, e.g. '256MB'; beyond it, operators spill to `tempDirectory`. */
  memoryLimit?: string;
  /** Where each database makes a folder of its own, for its file and what it spills (default: a folder in the system's temp directory). */
  tempDirectory?: string;
  /**
   * The SQL engine's slice (lib/sql/sqlEngine.ts SLICE_ROWS): how many appended rows are
   * evaluated together while the source is still read. Tests set it small.
   */
  sliceRows?: number;
  /**
   * How many bytes of report lines the SQL engine sorts in one go (default 16 × the
   * memory limit; after a diff, also only while the join with the tails fits: sqlEngine.ts
   * sortsInOne); beyond, it sorts them in parts of a quarter of that. Tests set it small.
   */
  reportSortBytes?: number;
  /** How often, in ms, a statement whose progress is reported is asked how far it is (default 250: see watchProgress). Tests set it small. */
  progressEveryMs?: number;
}

/** Freed memory a DuckDB thread may keep before it gives it back (see openDuck). */
const ALLOCATOR_FLUSH = '8MB';

/** One in-process DuckDB database for one run, and its connection. */
export interface Duck {
  connection: DuckDBConnection;
  /** Another connection to the same database (closed with it): e.g. an Appender's, while `connection` runs queries. */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

/**
 * Opens an in-memory DuckDB with the run's limits. Nothing is downloaded: json and
 * parquet are built into the bindings.
 *
 * @example
 * const duck = await openDuck({ threads: 2, memoryLimit: '256MB' }); duck.close();
 */
export async function openDuck(options: DuckOptions = {}): Promise<Duck> {
  const base = options.tempDirectory ?? join(tmpdir(), 'retention-auditor-duckdb');
  mkdirSync(base, { recursive: true });
  removeOrphans(base);
  // A folder of this database's own: DuckDB names its spill files the same in every database
  // (duckdb_temp_storage_S32K-0.tmp), so two runs spilling to one folder overwrote each other's
  // (a 10-million-item run failed with "Could not read enough bytes" beside a test).
  const tempDirectory = mkdtempSync(join(base, `run-${process.pid}-`));
  const config: Record<string, string> = {
    temp_directory: tempDirectory,
    // Findings come out in the order asked for (ORDER BY); without it, in the order read.
    preserve_insertion_order: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
    // DuckDB's own allocator (jemalloc, built into the binding) keeps the pages a thread freed until that
    // thread has freed more than these thresholds (128 MB and 512 MB by default), and memory_limit does not
    // count them. Background threads give the pages back meanwhile. 500,000 items, --no-history: peak RSS
    // 592–608 → 564–574 MB at the same CPU time.
    allocator_flush_threshold: ALLOCATOR_FLUSH,
    allocator_bulk_deallocation_flush_threshold: ALLOCATOR_FLUSH,
    allocator_background_threads: 'true',
  };
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  // A database file of its own (deleted on close), not ':memory:': the buffer manager can then
  // evict table data to it, so a snapshot larger than the memory limit still fits.
  const file = join(tempDirectory, 'run.duckdb');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, config);
  } catch (error) {
    rmSync(tempDirectory, { recursive: true, force: true });
    throw error;
  }
  const connection = await instance.connect();
  const others: DuckDBConnection[] = [];
  let closed = false;
  return {
    connection,
    connect: async () => {
      const other = await instance.connect();
      others.push(other);
      return other;
    },
    close: () => {
      if (closed) return;
      closed = true;
      try {
        for (const other of others) other.closeSync();
        connection.closeSync();
        instance.closeSync();
      } finally {
        // Even when closing fails (a database DuckDB invalidated after running out of memory).
        rmSync(tempDirectory, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Removes the folders of databases whose process is gone (`run-<pid>-…`, see openDuck): a run that
 * is killed never closes its database, and its spill files stay (13 GB of them, from six killed
 * runs, were found in one temp directory). A folder whose process still runs is left alone, even
 * when that process is another one that took a dead run's pid: nothing in use is removed, at worst
 * something unused is kept. (Pids are those of this machine's processes: a temp directory shared
 * by containers with pid namespaces of their own is to be given each its own `tempDirectory`.)
 */
function removeOrphans(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    rmSync(join(base, name), { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists (EPERM: it does, and belongs to another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One entry of a source as the SQL engine takes it (lib/sql/relations.ts, stage 1). */
export interface ItemRow {
  location: string | null;
  /** The item's JSON text as read, or null for an entry that is not a JSON object. */
  raw: string | null;
  /** For raw null: the source's sentence. */
  parseError?: string | null;
}

/** The `items` table (lib/sql/relations.ts, stage 1), filled with an Appender as entries arrive. */
export class ItemsTable {
  private next = 0n;

  private constructor(private readonly appender: DuckDBAppender) {}

  /**
   * Creates the table, and its Appender on `appending` (default: `connection`): a
   * connection of its own lets `connection` query the rows flushed so far while more
   * are appended.
   */
  static async create(connection: DuckDBConnection, appending: DuckDBConnection = connection): Promise<ItemsTable> {
    await connection.run('CREATE TABLE items (ord BIGINT, location VARCHAR, raw VARCHAR, parse_error VARCHAR)');
    return new ItemsTable(await appending.createAppender('items'));
  }

  get count(): number {
    return Number(this.next);
  }

  append(row: ItemRow): void {
    this.appender.appendBigInt(this.next);
    this.next += 1n;
    appendText(this.appender, row.location);
    appendText(this.appender, row.raw);
    appendText(this.appender, row.parseError ?? null);
    this.appender.endRow();
  }

  /** Makes the rows appended so far visible to queries (the Appender stays open). */
  flush(): void {
    this.appender.flushSync();
  }

  /** Makes every appended row visible to queries. */
  close(): void {
    this.appender.closeSync();
  }
}

function appendText(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

/**
 * Sets DuckDB's thread count to `count(current)` and returns what puts it back. The setting is
 * the database's: no other statement that depends on it is to run meanwhile (an Appender on
 * another connection may go on appending).
 *
 * @example
 * const restore = await setThreads(connection, () => 1); try { … } finally { await restore(); }
 */
export async function setThreads(connection: DuckDBConnection, count: (current: number) => number): Promise<() => Promise<void>> {
  const threads = Number((await connection.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]![0]);
  const wanted = count(threads);
  if (wanted === threads) return async () => undefined;
  await connection.run(`SET threads = ${wanted}`);
  return async () => {
    await connection.run(`SET threads = ${threads}`);
  };
}

/**
 * Runs `work` with DuckDB on `count(current)` threads, then gives it back its threads.
 *
 * @example
 * await onThreads(connection, (threads) => Math.max(1, threads - 1), () => connection.run(sql));
 */
export async function onThreads<T>(connection: DuckDBConnection, count: (current: number) => number, work: () => Promise<T>): Promise<T> {
  const restore = await setThreads(connection, count);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The work's error is the one to see (a failed SET after it, e.g. on an interrupted connection, would hide it).
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
  return result;
}

/**
 * Runs `work` with DuckDB on one thread, then gives it back its threads.
 *
 * @example
 * await onOneThread(connection, () => connection.run(sql));
 */
export function onOneThread<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  return onThreads(connection, () => 1, work);
}

/**
 * Runs `work` with DuckDB free to store and return rows in any order
 * (`preserve_insertion_order` off), then puts the setting back. For statements that
 * write a table every reader orders by a column (ORDER BY ord): a CREATE TABLE AS
 * that keeps its input's order buffers whole batches to write them in turn, and when
 * they outgrow the memory limit, all threads but one wait (the evaluation of 500,000
 * items took twice as long on two threads within 256 MB). The setting is the
 * database's: nothing else is to run meanwhile.
 *
 * @example
 * await inAnyOrder(connection, () => connection.run('CREATE TEMP TABLE findings AS …'));
 */
export async function inAnyOrder<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  return withSetting(connection, 'preserve_insertion_order', 'false', work);
}

/**
 * Runs `work` with a DuckDB setting at `value` (SQL text), then puts back what it was.
 * The setting is the database's: nothing else is to run meanwhile.
 *
 * @example
 * await withSetting(connection, 'force_compression', "'uncompressed'", () => connection.run('CREATE TABLE t AS …'));
 */
export async function withSetting<T>(connection: DuckDBConnection, name: string, value: string, work: () => Promise<T>): Promise<T> {
  const [[before]] = (await connection.runAndReadAll(`SELECT CAST(current_setting(${sqlString(name)}) AS VARCHAR)`)).getRows() as [[string]];
  await connection.run(`SET ${name} = ${value}`);
  try {
    return await work();
  } finally {
    await connection.run(`SET ${name} = ${sqlString(before)}`);
  }
}

/** How often {@link watchProgress} asks DuckDB how far a statement is: a bar on a terminal needs no more. */
const PROGRESS_EVERY_MS = 250;

/** Connections on which {@link watchProgress} turned DuckDB's progress tracking on. */
const tracked = new WeakSet<DuckDBConnection>();

/**
 * Runs `work` (statements on `connection`) while asking DuckDB every `everyMs` how far the
 * running statement is, and gives `report` that fraction (0 to 1) whenever it grows. DuckDB
 * says -1 between statements and when it cannot tell: that is no news. A failing poll (or
 * report) only misses an update; it never stops the work. Reports no 1 at the end: how far a
 * step is once its statement ends is the caller's to say.
 *
 * DuckDB only tracks a query's progress with its progress bar on: the first call turns it on
 * for the connection, without printing, from the query's start (the settings are the
 * connection's; a database's configuration refuses them). Without a call nothing is changed.
 *
 * @example
 * await watchProgress(connection, (fraction) => bar.update(fraction * size), () => connection.run(sql));
 */
export async function watchProgress<T>(connection: DuckDBConnection, report: (fraction: number) => void, work: () => Promise<T>, everyMs = PROGRESS_EVERY_MS): Promise<T> {
  if (!tracked.has(connection)) {
    await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0');
    tracked.add(connection);
  }
  let reached = 0;
  const poll = setInterval(() => {
    try {
      const fraction = Math.min(1, connection.progress.percentage / 100);
      if (fraction <= reached) return;
      reached = fraction;
      report(fraction);
    } catch {
      // Only this update is lost.
    }
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(poll);
  }
}
