/**
 * The single-process route of finding lines: straight to the reports when the
 * source reads in itemId order (and OrderBroken the moment it does not), through
 * a sorter by itemId otherwise, through one by identity and then one by itemId
 * with history; the SQL engine's lines come back from DuckDB instead.
 */
import type { Evaluation, FindingOrder } from '../../../../lib/audit/evaluateEntries';
import { FindingRouter, OrderBroken } from '../../../../lib/audit/phases/FindingRouter';
import { identityKey } from '../../../../lib/engine/identity';
import { diffKey } from '../../../../lib/history/diffFindings';
import type { FindingLine } from '../../../../lib/report/FindingSorter';
import { collect } from '../../../helpers/files';
import { judge, makeItem } from '../../../helpers/items';

const finding = (itemId: string | null, tenantId = 'tenant-a') => judge(makeItem({ itemId: itemId as string, tenantId }));

function router(options: { history?: boolean; ordered?: boolean; reorder?: Evaluation['reorder'] } = {}) {
  const emitted: FindingLine[] = [];
  const route = new FindingRouter({
    history: options.history ?? false,
    ordered: options.ordered ?? false,
    reorder: options.reorder ?? null,
    budgetChars: 64,
    emit: async (line) => void emitted.push(line),
  });
  return { route, emitted };
}

describe('FindingRouter', () => {
  it('writes straight to the reports from a source in itemId order, items without an itemId anywhere', async () => {
    const { route, emitted } = router({ ordered: true });
    expect(route.direct).toBe(true);
    for (const id of ['a', 'b', null, 'b', 'c']) await route.add(finding(id), `line-${id}`);
    expect(emitted).toEqual(['a', 'b', null, 'b', 'c'].map((id) => ({ key: id, line: `line-${id}` })));
    expect(() => route.inItemIdOrder()).toThrow(/straight to the reports/);
  });

  it('gives up the direct route at the first itemId out of order', async () => {
    const { route, emitted } = router({ ordered: true });
    await route.add(finding('b'), 'b');
    await expect(route.add(finding('a'), 'a')).rejects.toBeInstanceOf(OrderBroken);
    expect(emitted).toHaveLength(1);
  });

  it('sorts by itemId otherwise, no itemId first, equal itemIds in the order they came, spilling to disk', async () => {
    const { route, emitted } = router();
    expect(route.direct).toBe(false);
    const ids = ['c', 'a', null, 'b', 'a'];
    for (const [i, id] of ids.entries()) await route.add(finding(id), `${id}-${i}-${'x'.repeat(30)}`);
    const sorted = (await collect(route.inItemIdOrder())).map(({ line }) => line.split('-').slice(0, 2).join('-'));
    expect(sorted).toEqual(['null-2', 'a-1', 'a-4', 'b-3', 'c-0']);
    expect(emitted).toEqual([]);
  });

  it('with history, sorts by identity for the diff, then by itemId what the diff gives back', async () => {
    const { route } = router({ history: true, ordered: true });
    expect(route.direct).toBe(false);
    const findings = [finding('1', 'tenant-z'), finding('2', 'tenant-b'), finding('3', 'tenant-m')];
    for (const f of findings) await route.add(f, `line-${f.itemId}`);
    const byIdentity = await collect(route.inIdentityOrder());
    expect(byIdentity.map(({ line }) => line)).toEqual(['line-2', 'line-3', 'line-1']);
    expect(byIdentity[0]!.key).toBe(diffKey(identityKey(findings[1]!), '2', findings[1]!.verdict));
    for (const { line } of byIdentity) await route.addDiffed(`${line}+status`, line.slice(5));
    expect((await collect(route.inItemIdOrder())).map(({ line }) => line)).toEqual(['line-1+status', 'line-2+status', 'line-3+status']);
  });

  it("leaves the SQL engine's findings to DuckDB: no route, and its order comes back from reorder('itemId')", async () => {
    const asked: string[] = [];
    async function* fromDuck(order: FindingOrder): AsyncIterable<FindingLine> {
      asked.push(order);
      yield { key: 'a', line: 'from duckdb' };
    }
    const { route } = router({ history: true, reorder: fromDuck });
    expect(route.direct).toBe(false);
    expect(await collect(route.inItemIdOrder())).toEqual([{ key: 'a', line: 'from duckdb' }]);
    expect(asked).toEqual(['itemId']);
    expect(() => route.inIdentityOrder()).toThrow(/no identity sorter/);
  });
});
