/**
 * This run's finding states as the SQL engine writes them (lib/sql/historySql.ts): the
 * states file written by writeStatesFile (sorted on the engine's threads, written on one)
 * holds what statesSql streams, and both are the reference merge-join's states
 * (lib/history/diffFindings.ts), fingerprints included (of the identity the diff key
 * gives, whether taken from the findings' own or each a SHA-256): over identities and
 * itemIds holding the key's separators, keys whose JavaScript order is not their byte
 * order (or is), a repeated diff key, exempt findings and text beyond ASCII.
 */
import { join } from 'node:path';
import { fingerprintOf } from '../../../lib/engine/identity';
import { diffFindings, diffKey } from '../../../lib/history/diffFindings';
import type { FindingState } from '../../../lib/history/HistoryStore';
import { readParquetStates } from '../../../lib/history/parquetStates';
import type { Verdict } from '../../../lib/model';
import { openDuck, type Duck } from '../../../lib/sql/duck';
import { appendPrevStates, createPrevTable, diffHoldSql, diffSql, groupPrevStates, stateOf, statesSql, writeStatesFile } from '../../../lib/sql/historySql';
import { collect, tempDir } from '../../helpers/files';

const SEEN = '2026-11-20T00:00:00.000Z';
const FIRST_SEEN = '2026-11-01T00:00:00.000Z';

interface Made {
  identity: string;
  itemId: string;
  verdict: Verdict;
  /** The line's reason (an exempt finding's state keeps it as `hold`), and what follows its fingerprint (a hidden verdict). */
  reason?: string;
  tail?: string;
}

const id = (tenant: string) => `${tenant}\u0001module\u0001category\u0001store/r`;

/** This run's findings, in the order read (ord). */
const FINDINGS: Made[] = [
  { identity: id('t-plain'), itemId: 'plain', verdict: 'violation', reason: 'Kept beyond 30 days: é, ’, 😀.' },
  { identity: id('t-held'), itemId: 'held', verdict: 'exempt', reason: 'Under a legal hold (“litigation”)', tail: ',"underlyingVerdict":"violation"' },
  { identity: id('t-waived'), itemId: 'waived', verdict: 'waived', reason: 'Waived', tail: ',"underlyingVerdict":"violation","waiverId":"w-1"' },
  { identity: id('ten\u0002ant'), itemId: 'sep', verdict: 'violation' },
  { identity: id('t-idsep'), itemId: 'id\u0002sep', verdict: 'compliant' },
  { identity: id('a\uFFFDb'), itemId: 'fffd', verdict: 'violation' },
  { identity: id('a\u{1F600}b'), itemId: 'emoji', verdict: 'violation' },
  { identity: id('t-twice'), itemId: 'twice', verdict: 'exempt', reason: 'hold two', tail: ',"underlyingVerdict":"compliant"' },
  { identity: id('t-twice'), itemId: 'twice', verdict: 'exempt', reason: 'hold one', tail: ',"underlyingVerdict":"compliant"' },
  { identity: id('t-new'), itemId: 'new', verdict: 'compliant' },
];

/** The finding's line as the engine makes it: its fingerprint (of the whole identity) last but for a hidden verdict. */
const lineOf = (made: Made) =>
  `{"itemId":${JSON.stringify(made.itemId)},"verdict":"${made.verdict}","reason":${JSON.stringify(made.reason ?? 'none')},"fingerprint":"${fingerprintOf(made.identity)}"${made.tail ?? ''}}`;

/** The previous run: most findings persist (their firstSeenAt carried over), one is new, one previous violation is gone. */
const PREVIOUS: FindingState[] = FINDINGS.filter((made) => made.itemId !== 'new')
  .map((made) => state(made, FIRST_SEEN))
  .concat(state({ identity: id('t-gone'), itemId: 'gone', verdict: 'violation' }, FIRST_SEEN))
  .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

function state(made: Made, firstSeenAt: string): FindingState {
  const [tenantId, module, dataCategory, resource] = made.identity.split('\u0001');
  return { key: `${made.identity}\u0002${made.itemId}`, fingerprint: fingerprintOf(made.identity), verdict: made.verdict, firstSeenAt, itemId: made.itemId, tenantId: tenantId!, module: module!, dataCategory: dataCategory!, resource: resource! };
}

/**
 * The findings table as the engine keeps it (ord, diff_key, diff_hold, finding; with
 * `findingFingerprints`, each finding's own fingerprint: of its whole identity), and `prev`; diffs them.
 */
async function diffed(duck: Duck, findings: readonly Made[], findingFingerprints: boolean): Promise<boolean> {
  const { connection } = duck;
  await connection.run('CREATE TEMP TABLE made (ord BIGINT, diff_key VARCHAR, finding VARCHAR, fingerprint VARCHAR)');
  const appender = await connection.createAppender('made', 'main', 'temp');
  for (const [ord, made] of findings.entries()) {
    appender.appendBigInt(BigInt(ord));
    appender.appendVarchar(diffKey(made.identity, made.itemId, made.verdict));
    appender.appendVarchar(lineOf(made));
    appender.appendVarchar(fingerprintOf(made.identity));
    appender.endRow();
  }
  appender.closeSync();
  await connection.run(`CREATE TEMP TABLE findings AS SELECT * ${findingFingerprints ? '' : 'EXCLUDE (fingerprint)'}, ${diffHoldSql('diff_key', 'finding')} AS diff_hold FROM made`);
  await createPrevTable(connection);
  await appendPrevStates(connection, (async function* () {
    yield* PREVIOUS;
  })());
  await groupPrevStates(connection);
  return (await diffSql(connection, SEEN, { findingFingerprints })).plainKeys;
}

/** The reference merge-join's states of the same findings against the same previous run. */
async function referenceStates(findings: readonly Made[]): Promise<FindingState[]> {
  const states: FindingState[] = [];
  const lines = findings.map((made, ord) => ({ ord, key: diffKey(made.identity, made.itemId, made.verdict), line: lineOf(made) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.ord - b.ord));
  await diffFindings((async function* () {
    yield* lines;
  })(), (async function* () {
    yield* PREVIOUS;
  })(), SEEN, {
    finding: async () => undefined,
    state: async (one) => void states.push(one),
    resolved: async () => undefined,
    holdEnded: () => undefined,
    holdReason: (line) => (JSON.parse(line) as { reason: string }).reason,
  });
  return states;
}

/** statesSql's rows as states, as the engine hands them to a store. */
async function streamed(duck: Duck, plainKeys: boolean): Promise<FindingState[]> {
  return (await duck.connection.runAndReadAll(statesSql(plainKeys))).getRows().map(stateOf);
}

describe("this run's finding states", () => {
  const ascii = FINDINGS.filter((made) => !/[^\x00-\x7f]/.test(made.identity + made.itemId));
  it.each([
    ['some of whose keys JavaScript orders otherwise than their bytes, with their own fingerprints', FINDINGS, false, true],
    ['some of whose keys JavaScript orders otherwise than their bytes, without', FINDINGS, false, false],
    ['whose keys are ASCII (sorted by the key itself), with their own fingerprints', ascii, true, true],
    ['whose keys are ASCII (sorted by the key itself), without', ascii, true, false],
  ])('the states file and the streamed states are the reference’s, findings %s', async (_, findings, plain, findingFingerprints) => {
    const duck = await openDuck({ threads: 2, memoryLimit: '256MB' });
    try {
      const plainKeys = await diffed(duck, findings, findingFingerprints);
      expect(plainKeys).toBe(plain);
      const path = join(tempDir('states-file-'), 'run.states.parquet');
      await writeStatesFile(duck.connection, path, plainKeys);
      const reference = await referenceStates(findings);
      expect(await collect(readParquetStates(path))).toEqual(reference);
      expect(await streamed(duck, plainKeys)).toEqual(reference);
      // The cases are there: a separator in the identity, whose state's fingerprint is of the part the key gives.
      expect(reference.find((one) => one.key.startsWith('ten\u0002'))?.fingerprint).toBe(fingerprintOf('ten'));
      expect(reference.filter((one) => one.hold !== undefined).map((one) => one.hold)).toEqual(expect.arrayContaining(['hold two', 'hold one']));
      // The sort left no table behind.
      expect((await duck.connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'states_order'`)).getRows()).toEqual([[0n]]);
    } finally {
      duck.close();
    }
  });
});
