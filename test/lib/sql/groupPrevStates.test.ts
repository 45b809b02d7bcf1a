/**
 * The previous states grouped by identity and verdict (lib/sql/historySql.ts groupPrevStates):
 * each group keeps the firstSeenAt of its first state (by `seq`) that has one, as
 * `arg_min(first_seen_at, seq)` gives it — the grouping it replaced, which ran out of memory at
 * 10,000,000 states and is the oracle here — over states with repeated groups, states without
 * firstSeenAt, groups with none, and NULL verdicts.
 */
import fc from 'fast-check';
import type { FindingState } from '../../../lib/history/HistoryStore';
import { openDuck, type Duck } from '../../../lib/sql/duck';
import { appendPrevStates, createPrevTable, groupPrevStates } from '../../../lib/sql/historySql';

let duck: Duck;

beforeEach(async () => {
  duck = await openDuck({ threads: 2, memoryLimit: '256MB' });
});

afterEach(() => duck.close());

async function* each(states: readonly FindingState[]): AsyncIterable<FindingState> {
  yield* states;
}

const rows = async (sql: string) => (await duck.connection.runAndReadAll(sql)).getRows().map((row) => JSON.stringify(row));

const state = fc.record({
  identity: fc.constantFrom('t-a\u0001m\u0001c\u0001r', 't-b\u0001m\u0001c\u0001r', 'é\u0001m\u0001c\u0001r'),
  itemId: fc.constantFrom('i-1', 'i-2'),
  verdict: fc.constantFrom('violation', 'exempt', 'compliant', null),
  firstSeenAt: fc.constantFrom(null, '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2025-12-31T23:59:59.999Z'),
});

describe('groupPrevStates', () => {
  it("keeps each group's first firstSeenAt by seq, skipping states without one, as arg_min did", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(state, { maxLength: 40 }), async (made) => {
        const states = made.map(({ identity, itemId, verdict, firstSeenAt }) => ({ key: `${identity}\u0002${itemId}`, fingerprint: 'f', verdict, firstSeenAt, itemId, tenantId: 't', module: 'm', dataCategory: 'c', resource: 'r' }) as unknown as FindingState);
        await duck.connection.run('DROP TABLE IF EXISTS prev; DROP TABLE IF EXISTS prev_first');
        await createPrevTable(duck.connection);
        await appendPrevStates(duck.connection, each(states));
        await groupPrevStates(duck.connection);
        const order = 'ORDER BY identity, verdict NULLS FIRST';
        const oracle = await rows(`SELECT split_part("key", chr(2), 1) AS identity, verdict, arg_min(first_seen_at, seq) AS first_seen_at FROM prev GROUP BY ALL ${order}`);
        expect(await rows(`SELECT identity, verdict, first_seen_at FROM prev_first ${order}`)).toEqual(oracle);
      }),
      { numRuns: 60, seed: 20261129 },
    );
  });

  it('a group whose states have no firstSeenAt keeps none', async () => {
    await createPrevTable(duck.connection);
    const bare = { key: 'x\u0002i', fingerprint: 'f', verdict: 'violation', firstSeenAt: null, itemId: 'i', tenantId: 't', module: 'm', dataCategory: 'c', resource: 'r' } as unknown as FindingState;
    await appendPrevStates(duck.connection, each([bare, bare]));
    await groupPrevStates(duck.connection);
    expect(await rows('SELECT identity, verdict, first_seen_at FROM prev_first')).toEqual([JSON.stringify(['x', 'violation', null])]);
  });
});
