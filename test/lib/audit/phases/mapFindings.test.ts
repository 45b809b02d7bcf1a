/**
 * The map phase over both engines: the reference engine's findings are counted
 * and handed on as their report lines in the order read, gaps are counted as
 * reasons, an abort stops it between findings; the SQL engine's findings stay
 * in DuckDB and its counts are adopted at the end.
 */
import { openEvaluation, type Evaluation } from '../../../../lib/audit/evaluateEntries';
import { mapFindings } from '../../../../lib/audit/phases/mapFindings';
import { SnapshotTally } from '../../../../lib/audit/phases/SnapshotTally';
import type { SourceEntry } from '../../../../lib/inventory/InventorySource';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { catalog, makeItem } from '../../../helpers/items';

const engine = { graceDays: 30, waivers: [] };
const newTally = () => new SnapshotTally({ snapshotId: null, warnings: [], incompleteReasons: [] }, { waivers: [], forecastDays: 30, statedCapturedAt: null });

async function* entries(): AsyncIterable<SourceEntry> {
  yield { kind: 'item', raw: makeItem({ itemId: 'b' }) };
  yield { kind: 'gap', reason: 'Scan segment 2 of 2 stopped' };
  yield { kind: 'parse-error', location: 'line 3', reason: 'Line 3 is not valid JSON.' };
  yield { kind: 'item', raw: makeItem({ itemId: 'a' }) };
}

describe('mapFindings', () => {
  it.each(['reference', 'sql'] as const)('counts the same findings and gaps with the %s engine', async (kind) => {
    const counts = newTally();
    const routed: [Finding, string][] = [];
    const evaluation = await openEvaluation(entries(), { catalog: catalog(), engine, kind });
    try {
      await mapFindings(evaluation, counts, { onFinding: async (finding, line) => void routed.push([finding, line]) });
    } finally {
      evaluation.close();
    }
    expect(counts.items).toBe(3);
    expect(counts.summary.byVerdict).toMatchObject({ compliant: 2, invalid: 1 });
    expect(counts.summary.incompleteReasons).toEqual(['Part of the snapshot could not be read: Scan segment 2 of 2 stopped']);
    expect(counts.snapshotId).toBe('snap-test');
    // The SQL engine keeps its findings (and gives them back sorted); the reference engine hands each on, in the order read, serialized once.
    if (kind === 'sql') expect(routed).toEqual([]);
    else {
      expect(routed.map(([finding]) => finding.itemId)).toEqual(['b', null, 'a']);
      for (const [finding, line] of routed) expect(line).toBe(toJsonLine(finding));
    }
  });

  it('stops between findings once aborted, with the reason given', async () => {
    const controller = new AbortController();
    const evaluation = await openEvaluation(entries(), { catalog: catalog(), engine, kind: 'reference' });
    const seen: string[] = [];
    const run = mapFindings(evaluation, newTally(), {
      signal: controller.signal,
      onFinding: async (finding) => {
        seen.push(finding.itemId ?? '?');
        controller.abort(new Error('deadline near'));
      },
    });
    await expect(run).rejects.toThrow('deadline near');
    expect(seen).toEqual(['b']);
  });

  it("adopts an engine's own counts once every entry is read", async () => {
    const counts = newTally();
    const asked: unknown[] = [];
    const tallies: Evaluation['tallies'] = async (options) => {
      asked.push(options);
      const summary = { ...counts.summary, items: 9 };
      return { summary, snapshot: { firstSnapshotId: 's', otherSnapshotIds: [], capturedMaxMs: null }, holds: { active: 0, activeList: [] }, forecast: { items: 0, records: '0', bytes: '0', groups: [] }, waivers: [] };
    };
    async function* gapsOnly(): AsyncIterable<{ kind: 'gap'; reason: string }> {
      yield { kind: 'gap', reason: 'lost' };
    }
    const evaluation = { evaluations: gapsOnly(), reorder: null, tallies, diff: null, bulk: null, mostSerious: null, digested: null, close: async () => undefined } satisfies Evaluation;
    const expected = counts.sqlOptions();
    await mapFindings(evaluation, counts, { onFinding: async () => undefined });
    expect(asked).toEqual([expected]);
    expect(counts.snapshotId).toBe('s');
    expect(counts.items).toBe(9);
    expect(counts.summary.incompleteReasons).toEqual(['Part of the snapshot could not be read: lost']);
  });
});
