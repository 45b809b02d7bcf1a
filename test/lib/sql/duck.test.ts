/**
 * The run's DuckDB (lib/sql/duck.ts): each database keeps its file and what it spills in a
 * folder of its own inside the temp directory it is given (DuckDB names its spill files the
 * same in every database, so two runs sharing one folder overwrote each other's), and takes
 * that folder away when it closes. A run that was killed leaves its folder: the next database
 * opened there removes it, and no folder of a process that still runs. A step run on fewer threads
 * (a slice evaluated while the source is still read) gives DuckDB its threads back, even when it fails.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onThreads, openDuck } from '../../../lib/sql/duck';
import { tempDir } from '../../helpers/files';

/** Rows enough (about 100 MB) that a 32 MB database spills them. */
const ROWS = 400_000;
const SPILL = `CREATE TEMP TABLE t AS SELECT range AS n, repeat(CAST(range AS VARCHAR), 40) AS s FROM range(${ROWS})`;
/** sum(strlen(s)) of those rows. */
const TEXT_BYTES = 91_555_600n;

describe("the run's DuckDB", () => {
  it('spills into a folder of its own, beside another database given the same temp directory, and removes it', async () => {
    const base = tempDir('duck-');
    const options = { threads: 1, memoryLimit: '32MB', tempDirectory: base };
    const first = await openDuck(options);
    const second = await openDuck(options);
    try {
      await Promise.all([first.connection.run(SPILL), second.connection.run(SPILL)]);
      const folders = readdirSync(base);
      expect(folders).toHaveLength(2);
      for (const folder of folders) expect(readdirSync(join(base, folder)).some((name) => name.startsWith('duckdb_temp_storage'))).toBe(true);
      for (const duck of [first, second]) {
        const rows = (await duck.connection.runAndReadAll('SELECT count(*), sum(n), sum(strlen(s)) FROM t')).getRows();
        expect(rows).toEqual([[BigInt(ROWS), BigInt((ROWS * (ROWS - 1)) / 2), TEXT_BYTES]]);
      }
      first.close();
      expect(readdirSync(base)).toHaveLength(1);
    } finally {
      first.close();
      second.close();
    }
    expect(readdirSync(base)).toEqual([]);
  }, 60_000);

  it("removes the folders of runs whose process is gone, and no other", async () => {
    const base = tempDir('duck-orphans-');
    // Above the largest pid_max Linux allows (2^22): never a running process.
    const gone = 'run-4194305-AbCdEf';
    const kept = [`run-${process.pid}-AbCdEf`, `run-${process.ppid}-AbCdEf`, 'run-notapid-AbCdEf', 'other'];
    for (const name of [gone, ...kept]) {
      mkdirSync(join(base, name));
      writeFileSync(join(base, name, 'duckdb_temp_storage_S32K-0.tmp'), 'spilled');
    }
    const duck = await openDuck({ threads: 1, tempDirectory: base });
    try {
      const folders = readdirSync(base);
      expect(folders).not.toContain(gone);
      for (const name of kept) expect(folders).toContain(name);
      expect(folders).toHaveLength(kept.length + 1);
    } finally {
      duck.close();
    }
  });

  it('runs a step on fewer threads and gives them back, when it fails too', async () => {
    const duck = await openDuck({ threads: 3, tempDirectory: tempDir('duck-threads-') });
    const threads = async () => Number((await duck.connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]![0]);
    const fewer = (current: number) => Math.max(1, current - 1);
    try {
      expect(await onThreads(duck.connection, fewer, threads)).toBe(2);
      expect(await threads()).toBe(3);
      await expect(onThreads(duck.connection, () => 1, () => duck.connection.run('SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
      expect(await threads()).toBe(3);
      await duck.connection.run('SET threads = 1');
      expect(await onThreads(duck.connection, fewer, threads)).toBe(1);
      expect(await threads()).toBe(1);
    } finally {
      duck.close();
    }
  });
});
