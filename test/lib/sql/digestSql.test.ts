/**
 * The snapshot digest computed in DuckDB (lib/sql/digestSql.ts) equals
 * SnapshotDigest's (lib/engine/snapshotDigest.ts) for the same items: plain items
 * canonicalized by DuckDB, the others (escapes, text beyond ASCII, deep nesting,
 * repeated keys, numbers beyond a double) hashed in JavaScript.
 */
import fc from 'fast-check';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { snapshotDigestSql } from '../../../lib/sql/digestSql';
import { ItemsTable, openDuck, type Duck } from '../../../lib/sql/duck';
import { syntheticItem } from '../../../bench/syntheticInventory';
import { hostileItems } from '../../helpers/hostileItems';
import { catalog } from '../../helpers/items';
import { sqlItem } from '../../helpers/sqlItems';

let duck: Duck;
let table = 0;
beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
});
afterAll(() => duck?.close());

/** Both digests of the items (JSON texts), and how many DuckDB left to JavaScript. */
async function digests(texts: readonly string[]): Promise<{ sql: string; js: string; hashedInJs: number }> {
  const name = `items_${table++}`;
  await duck.connection.run(`CREATE TABLE ${name} (ord BIGINT, location VARCHAR, raw VARCHAR, parse_error VARCHAR)`);
  const appender = await duck.connection.createAppender(name);
  texts.forEach((text, i) => {
    appender.appendBigInt(BigInt(i));
    appender.appendNull();
    appender.appendVarchar(text);
    appender.appendNull();
    appender.endRow();
  });
  appender.closeSync();
  const js = new SnapshotDigest();
  for (const text of texts) js.add(JSON.parse(text));
  const { hex, hashedInJs } = await snapshotDigestSql(duck.connection, name);
  return { sql: hex, js: js.hex(), hashedInJs };
}

describe('snapshotDigestSql', () => {
  it('equals SnapshotDigest on tricky items, leaving to JavaScript only those it cannot prove', async () => {
    const plain = [
      '{"b":1.0,"a":"x/y","c":[1,true,null,-0],"d":{"z":1e2,"y":"w"},"e":{},"f":[]}',
      '{"n":12345678901234567890,"m":0.1,"k":1e21,"j":-1.5e-7,"__proto__":"p","constructor":{"a":1}}',
      '{"owner":null,"store":{"region":null},"purposes":[null]}',
    ];
    const others = [
      '{"s":"line\\nbreak"}',
      '{"s":"données"}',
      '{"données":1}',
      '{"a":{"b":{"c":1}}}',
      '{"a":[[1]]}',
      '{"a":1,"a":2}',
      '{"a":{"x":1,"x":2}}',
      '{"big":1e400}',
      '{"s":"\\ud83d"}',
      '{"s":"\\u00e9"}',
    ];
    const { sql, js, hashedInJs } = await digests([...plain, ...others]);
    expect(sql).toBe(js);
    expect(hashedInJs).toBe(others.length);
  });

  it('equals SnapshotDigest on generated and hostile items', async () => {
    const generated = fc.sample(sqlItem(catalog(), 30), { numRuns: 3000, seed: 7 }).map((item) => JSON.stringify(item));
    const hostile = fc.sample(hostileItems(20), { numRuns: 40, seed: 7 }).flat().map((item) => item.text).filter((text) => {
      try {
        const value = JSON.parse(text);
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      } catch {
        return false;
      }
    });
    const { sql, js } = await digests([...generated, ...hostile]);
    expect(sql).toBe(js);
  });

  it('computes every item of a realistic inventory in DuckDB', async () => {
    const texts = Array.from({ length: 2000 }, (_, n) => JSON.stringify(syntheticItem(n)));
    const { sql, js, hashedInJs } = await digests(texts);
    expect(sql).toBe(js);
    expect(hashedInJs).toBe(0);
  });
});
