import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { openDuck, type Duck } from '../../../lib/sql/duck';
import { loadNdjsonItems } from '../../../lib/sql/readNdjsonSql';
import { tempDir } from '../../helpers/files';
import { hostileItems } from '../../helpers/hostileItems';

/** One row of stage 1 (lib/sql/relations.ts). */
interface Row {
  ord: number;
  location: string | null;
  raw: string | null;
  parseError: string | null;
}

/** What a reader made of a file: rows, an error's message, or (fast path only) null for "use the Node reader". */
type Outcome = { rows: Row[] } | { error: string } | null;

let duck: Duck;
let dir: string;
let files = 0;

beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
  dir = tempDir('ndjson-sql-');
});
afterAll(() => duck.close());

function writeFile(content: string | Buffer): string {
  files += 1;
  const path = join(dir, `inventory-${files}.ndjson`);
  writeFileSync(path, content);
  return path;
}

/** The Node reader's entries, turned into rows as lib/sql/sqlEngine.ts `append` turns them. */
async function nodeOutcome(path: string, filter: string | null): Promise<Outcome> {
  const rows: Row[] = [];
  try {
    for await (const entry of new FileInventorySource(path, filter === null ? {} : { snapshotId: filter }).entries()) {
      if (entry.kind === 'gap') continue;
      if (entry.kind === 'parse-error') rows.push({ ord: rows.length, location: entry.location, raw: null, parseError: entry.reason });
      else rows.push({ ord: rows.length, location: entry.location ?? null, raw: entry.text ?? JSON.stringify(entry.raw), parseError: null });
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { rows };
}

/** Text read as bytes: the bindings' VARCHAR decoding drops a leading U+FEFF. */
const text = (bytes: unknown) => (bytes === null ? null : Buffer.from(bytes as Uint8Array).toString('utf8'));

async function tableExists(): Promise<boolean> {
  const result = await duck.connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'items'`);
  return Number(result.getRowsJS()[0]![0]) > 0;
}

/** The read runs on one thread; the database's setting must be back after it. */
async function threads(): Promise<number> {
  const result = await duck.connection.runAndReadAll(`SELECT current_setting('threads')`);
  return Number(result.getRowsJS()[0]![0]);
}

/** The fast path's table (in its physical order), after checking its columns; the table is dropped. */
async function sqlOutcome(path: string, filter: string | null): Promise<Outcome> {
  let load;
  try {
    load = await loadNdjsonItems(duck.connection, path, { table: 'items', snapshotFilter: filter });
  } catch (error) {
    expect(await threads()).toBe(2);
    expect(await tableExists()).toBe(false);
    return { error: (error as Error).message };
  }
  expect(await threads()).toBe(2);
  if (load === null) {
    expect(await tableExists()).toBe(false);
    return null;
  }
  const columns = await duck.connection.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'items' ORDER BY column_index`);
  expect(columns.getRowsJS()).toEqual([
    ['ord', 'BIGINT'],
    ['location', 'VARCHAR'],
    ['raw', 'VARCHAR'],
    ['parse_error', 'VARCHAR'],
  ]);
  const result = await duck.connection.runAndReadAll('SELECT ord, encode(location), encode(raw), encode(parse_error) FROM items ORDER BY rowid');
  await duck.connection.run('DROP TABLE items');
  const rows = result.getRowsJS().map(([ord, location, raw, parseError]) => ({
    ord: Number(ord),
    location: text(location),
    raw: text(raw),
    parseError: text(parseError),
  }));
  expect(load.count).toBe(rows.length);
  return { rows };
}

/** Asserts the fast path gives what the Node reader gives, and says whether it took the file (false: it returned null). */
async function compare(content: string | Buffer, filter: string | null = null): Promise<boolean> {
  const path = writeFile(content);
  const [expected, actual] = [await nodeOutcome(path, filter), await sqlOutcome(path, filter)];
  if (actual === null) return false;
  expectEqualOutcomes(actual, expected);
  return true;
}

/** toEqual, but fast on large tables: a failure shows the rows around the first difference. */
function expectEqualOutcomes(actual: Outcome, expected: Outcome): void {
  if (JSON.stringify(actual) === JSON.stringify(expected)) return;
  if (actual === null || expected === null || !('rows' in actual) || !('rows' in expected)) {
    expect(actual).toEqual(expected);
    return;
  }
  const first = actual.rows.findIndex((row, index) => JSON.stringify(row) !== JSON.stringify(expected.rows[index]));
  const at = first === -1 ? Math.min(actual.rows.length, expected.rows.length) : first;
  expect({ rows: actual.rows.slice(at, at + 3), count: actual.rows.length }).toEqual({ rows: expected.rows.slice(at, at + 3), count: expected.rows.length });
}

async function expectSame(content: string | Buffer, filter: string | null = null): Promise<void> {
  expect(await compare(content, filter)).toBe(true);
}

const lines = (...texts: string[]) => linesOf(texts);
const linesOf = (texts: readonly string[]) => `${texts.join('\n')}\n`;

describe('loadNdjsonItems', () => {
  it('reads items, blank lines, non-objects and broken lines as the Node reader does', async () => {
    await expectSame(
      lines('{"a":1}', '', '   ', '\t', '[1,2]', '"text"', '42', 'null', 'true', 'nope', '{"a":', '  {"b":2}  ', '\t{"c":3}', '{} {}', '{}x', '{"a":1}'),
    );
  });

  it('skips exactly the lines String.prototype.trim empties', async () => {
    const spaces = ['\u000b', '\u000c', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
    const notSpaces = ['\u0085', '\u180e', '\u200b', '\u0000', '\u001f', '\u007f'];
    await expectSame(lines(...spaces, spaces.join(''), ...notSpaces, '{"after":true}', `${spaces.join('')}{"padded":true}${spaces.join('')}`));
  });

  it('agrees with trim on every character of the BMP', async () => {
    const characters: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      if ((code >= 0xd800 && code <= 0xdfff) || code === 0x0a || code === 0x0d || code === 0x01) continue;
      characters.push(String.fromCharCode(code));
    }
    await expectSame(linesOf([...characters, '{"last":1}']));
  });

  it('drops one BOM from line 1 only, keeps the rest as text', async () => {
    await expectSame(lines('\ufeff{"a":1}', '\ufeff{"b":2}', '\ufeff', '{"c":3}'));
    await expectSame(lines('\ufeff\ufeff{"a":1}', '{"b":2}'));
    await expectSame(lines('\ufeff', '{"a":1}'));
    await expectSame('\ufeff{"a":1}');
  });

  it('counts lines with or without a final newline, and trailing blank lines', async () => {
    await expectSame('{"a":1}');
    await expectSame('{"a":1}\n{"b":2}');
    await expectSame('\n\n{"a":1}\n\n\n');
    await expectSame('x\n{"a":1}\n   ');
  });

  it('judges JSON exactly as JSON.parse: DuckDB extensions, lone surrogates, numbers, control characters', async () => {
    await expectSame(
      lines(
        '{"a":NaN}',
        '{"a":-Infinity}',
        '{"a":inf}',
        '{"a":[1,nan]}',
        '{"a":[ -INF ]}',
        'NaN',
        '-Infinity',
        '{"a":[1,]}',
        '{"a":1,}',
        '{"a":[1 , ]}',
        '[1,]',
        '{"a":null}',
        '{"a":[null,null]}',
        '{"a":"x:Infinity, NaN ,]"}',
        '{"a":1e400}',
        '{"a":-1e400}',
        '{"a":123456789012345678901234567890}',
        '{"s":"\\ud800"}',
        '{"\\udc00\\ud800":1}',
        '"\\ud800"',
        '{"s":"\\ud83d\\ude00"}',
        '{"s":"a\u0000b"}',
        '{"s":"a\u001fb"}',
        '{"s":"tab\there"}',
        '{"s":"\u2028\u2029"}',
        '{"s":"\u007f\u0085"}',
        '{"a":1}\u0000',
        '{"a":1}\u000b',
        '{"a":1}\u00a0',
        '\u00a0{"a":1}',
        '{"a":01}',
        '{"a":1.}',
        '{"a":.5}',
        '{"a":+1}',
        '{"a":0x10}',
        "{'a':1}",
        '{"a":1 /* c */}',
        '// comment',
        '{"a":"\\x41"}',
        '{"a":1,"a":2}',
        '{"__proto__":{"x":1}}',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
        `{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        `{"deep":${'['.repeat(5000)}${']'.repeat(4999)}}`,
      ),
    );
  });

  it('takes the Node reader\'s verdict for random lines of JSON-like tokens', async () => {
    const tokens = ['{', '}', '[', ']', ',', ':', ' ', '\t', '"a"', '"snapshotId"', '"run"', '1', '-', '.5', 'e9', 'null', 'true', 'nan', 'NaN',
      'Infinity', '-inf', 'n', 'I', '"\\ud800"', '"\\u0041"', '\\', '"', '\u00a0', '\ufeff', '\u2028', '\u0000', '\u0002', 'é', '😀', '{"a":1}', '[]'];
    const line = fc.array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
    const mutated = fc.tuple(fc.constantFrom('{"snapshotId":"run","a":[1,2]}', '{"a":{"b":null}}', '[1,{"c":"d"}]'), fc.nat(40), fc.constantFrom(...tokens))
      .map(([base, at, token]) => `${base.slice(0, at % (base.length + 1))}${token}${base.slice(at % (base.length + 1))}`);
    const sample = fc.sample(fc.oneof(line, mutated), { numRuns: 3000, seed: 42 });
    await expectSame(lines(...sample, '{"snapshotId":"run"}'));
    await expectSame(lines(...sample, '{"snapshotId":"run"}'), 'run');
  });

  it('reads hostile items as the Node reader does', async () => {
    const items = fc.sample(hostileItems(40), { numRuns: 25, seed: 7 }).flat();
    const texts = items.map(({ text }, index) => (index % 9 === 4 ? text.slice(0, -1) : index % 11 === 5 ? `${text.slice(0, -1)},"n":NaN}` : text));
    await expectSame(lines(...texts));
    await expectSame(lines(...texts), 'snap-fuzz');
  });

  it('keeps line numbers and ord in order over more rows than a row group holds', async () => {
    const texts: string[] = [];
    for (let index = 0; index < 125_000; index += 1) {
      if (index % 997 === 0) texts.push('');
      else if (index % 1009 === 0) texts.push('not json');
      else texts.push(JSON.stringify({ snapshotId: index % 13 === 0 ? 'other' : 'run', i: index, pad: 'x'.repeat(index % 97) }));
    }
    // Under a filter: items of another snapshot leave, so `ord` is renumbered across row groups too.
    await expectSame(linesOf(texts), 'run');
  });

  describe('the snapshot filter', () => {
    it('skips items of other snapshots and keeps items without a string snapshotId', async () => {
      await expectSame(
        lines(
          '{"snapshotId":"run","i":1}',
          '{"snapshotId":"other","i":2}',
          '{"i":3}',
          '{"snapshotId":7}',
          '{"snapshotId":null}',
          '{"nested":{"snapshotId":"other"}}',
          '[{"snapshotId":"other"}]',
          'broken {"snapshotId":"other"}',
          '{"snapshotId":"other","x":NaN}',
          '{"snapshotId":"run","x":[1,]}',
          '{"snapshotId":"RUN"}',
          '{"snapshotId":"run "}',
          '{"snapshotId":"run"}',
        ),
        'run',
      );
    });

    it('reads a repeated or escaped snapshotId key as JSON.parse does (the last one wins)', async () => {
      await expectSame(
        lines(
          '{"snapshotId":"other","snapshotId":"run"}',
          '{"snapshotId":"run","snapshotId":"other"}',
          '{"snapshot\\u0049d":"other"}',
          '{"snapshotId":"run","snapshot\\u0049d":"other"}',
          '{"snapshotId":"other","snapshot\\u0049d":7}',
          '{"snapshotId":"\\u0072un"}',
          '{"a":"snapshotId","snapshotId":"other"}',
          '{"a":"\\"snapshotId\\"","snapshotId":"run"}',
          '{"snapshotId":"run"}',
        ),
        'run',
      );
    });

    it('matches a filter with quotes, escapes and characters beyond ASCII', async () => {
      await expectSame(lines('{"snapshotId":"it\'s \\"x\\" é 😀"}', '{"snapshotId":"other"}'), 'it\'s "x" é 😀');
      await expectSame(lines('{"snapshotId":""}', '{"snapshotId":"other"}'), '');
    });
  });

  describe('errors', () => {
    it('an empty file', async () => {
      await expectSame('');
      await expectSame('\n\n   \n\t\n');
      await expectSame('\ufeff\n\u00a0\n');
    });

    it('a file in which no line is JSON', async () => {
      await expectSame(lines('nope', '', '{"a":', 'NaN', '[1,]'));
      await expectSame(lines('\u3000x'));
      // firstCharacter decodes 4096-byte chunks: a space cut in two reads as U+FFFD, so this all-blank file is "lines", not "empty".
      await expectSame(`${' '.repeat(4094)}\u3000\n`);
    });

    it('a snapshot filter no item matches, naming the first five others in file order', async () => {
      await expectSame(lines('{"i":1}', '[1]'), 'run');
      await expectSame(lines('{"snapshotId":"a"}', '{"snapshotId":"b"}', '{"snapshotId":"a"}'), 'run');
      const six = ['f', 'e', 'd', 'c', 'b', 'a'].map((id) => `{"snapshotId":"${id}"}`);
      await expectSame(lines(...six), 'run');
      await expectSame(lines(...six.slice(1)), 'run');
      // Snapshots judged by JSON.parse (NaN, a repeated key) take their place among those judged by DuckDB.
      const mixed = ['{"snapshotId":"q"}', '{"snapshotId":"n","x":NaN}', '{"snapshotId":"q","snapshotId":"r"}', '{"snapshotId":"s"}', '{"snapshotId":"t"}', '{"snapshotId":"u"}'];
      await expectSame(lines(...mixed, '{"snapshotId":"v"}'), 'run');
      await expectSame(lines('{"snapshotId":"\ufeffbom"}', '{"snapshotId":"\\ud800"}'), 'run');
    });
  });

  describe('files left to the Node reader (null, no table)', () => {
    const nodeOnly = async (content: string | Buffer, filter: string | null = null) => expect(await compare(content, filter)).toBe(false);

    it('a JSON array', async () => {
      await nodeOnly(' \n [{"a":1}]');
      await nodeOnly('\ufeff[{"a":1}]');
    });

    it('carriage returns, the delimiter byte, invalid UTF-8', async () => {
      await nodeOnly('{"a":1}\r\n{"b":2}\r\n');
      await nodeOnly('{"a":1}\n\r{"b":2}\n');
      await nodeOnly('\r{"a":1}\n');
      await nodeOnly('{"a":1}\r');
      await nodeOnly('{"a":1}\n\u0001\n');
      await nodeOnly(Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
      await nodeOnly(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}\n')]));
      await nodeOnly(Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}\n')]));
    });

    it('a line beyond DuckDB\'s line size', async () => {
      await nodeOnly(lines('{"a":1}', JSON.stringify({ big: 'x'.repeat(3_000_000) })));
    });

    it('a path with glob characters, a filter with a lone surrogate, a directory', async () => {
      const globbed = join(dir, 'inv[1].ndjson');
      writeFileSync(globbed, '{"a":1}\n');
      expect(await loadNdjsonItems(duck.connection, globbed, { table: 'items', snapshotFilter: null })).toBeNull();
      await nodeOnly('{"snapshotId":"\\ud800"}\n', '\ud800');
      const folder = join(dir, 'folder.ndjson');
      mkdirSync(folder);
      expect(await loadNdjsonItems(duck.connection, folder, { table: 'items', snapshotFilter: null })).toBeNull();
      expect(await tableExists()).toBe(false);
    });
  });

  it('never drops a table it did not create', async () => {
    // TEMP, as a small file's load makes its own (a table of the database file would be shadowed, not refused).
    await duck.connection.run('CREATE TEMP TABLE items (x INTEGER)');
    await expect(loadNdjsonItems(duck.connection, writeFile('{"a":1}\n'), { table: 'items', snapshotFilter: null })).rejects.toThrow(/already exists/);
    expect(await tableExists()).toBe(true);
    await duck.connection.run('DROP TABLE items');
  });
});
