/**
 * A partitioned run keeps its finding states by diff range in the audit-runs table
 * (DynamoHistoryStore parts): the next run's ranges read only the parts of their
 * buckets — also when that run is cut into another number of ranges — and a run
 * diffed in one piece reads every part merged by key.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../cli/local/localDynamo';
import { DynamoRunStore } from '../../../lib/delivery/DynamoRunStore';
import { fingerprintOf } from '../../../lib/engine/identity';
import { DynamoHistoryStore } from '../../../lib/history/DynamoHistoryStore';
import type { FindingState, HistoryRun } from '../../../lib/history/HistoryStore';
import { stateBucket } from '../../../lib/history/stateParts';
import { bucketsOf, diffRangeOf } from '../../../lib/partitioned/diffRanges';
import { createDocumentClient } from '../../../lib/inventory/InventoryTable';
import { collect } from '../../helpers/files';

/** States of 600 identities, in key order, spread over the buckets. */
const STATES: FindingState[] = Array.from({ length: 600 }, (_, i) => {
  const identity = `tenant-${i % 7}\u0001module-${i % 5}\u0001category\u0001resource-${i}`;
  return { key: `${identity}\u0002item-${i}`, fingerprint: fingerprintOf(identity), verdict: 'violation', firstSeenAt: '2026-11-01T00:00:00.000Z', itemId: `item-${i}`, tenantId: `tenant-${i % 7}`, module: `module-${i % 5}`, dataCategory: 'category', resource: `resource-${i}` } as FindingState;
}).sort((a, b) => (a.key < b.key ? -1 : 1));

const run = (runId: string): HistoryRun => ({ runId, scope: 'parts', snapshotId: null, snapshotCapturedAt: null, snapshotSha256: 'sha256:0', finishedAt: '2026-11-28T00:00:00.000Z', reports: {} });

describe('history kept by diff range', () => {
  let dynamo: LocalDynamo;
  let store: DynamoHistoryStore;
  let client: ReturnType<typeof createDocumentClient>;
  let table: string;
  beforeAll(async () => {
    dynamo = await startLocalDynamo(0);
    client = createDocumentClient({ endpoint: dynamo.endpoint });
    const runs = new DynamoRunStore(client, `parts-${Date.now()}`);
    await runs.ensureTable();
    table = (runs as unknown as { tableName: string }).tableName;
    // Small chunks: a part spans several items.
    store = new DynamoHistoryStore(client, table, 2_000);
  });
  afterAll(() => dynamo.close());

  /** Commits a run whose states are written as `ranges` parts (or whole, with 0). */
  async function commit(scope: string, runId: string, basis: string | null, ranges: number): Promise<void> {
    const writer = store.begin(scope, runId, basis);
    if (ranges === 0) for (const state of STATES) await writer.write(state);
    for (let range = 0; range < ranges; range += 1) {
      await writer.startPart!(bucketsOf(range, ranges));
      for (const state of STATES.filter((s) => diffRangeOf(s.fingerprint, ranges) === range)) await writer.write(state);
    }
    await writer.commit({ ...run(runId), scope });
  }

  it('a range reads exactly its buckets\' states, in key order, whatever number of ranges the previous run had', async () => {
    await commit('by-range', 'run-5', null, 5);
    const previous = (await store.previous('by-range'))!;
    expect(previous.statesOf).toBeDefined();
    expect(await collect(previous.states())).toEqual(STATES);
    for (const ranges of [1, 3, 5, 8]) {
      for (let range = 0; range < ranges; range += 1) {
        const buckets = bucketsOf(range, ranges);
        const expected = STATES.filter((state) => stateBucket(state) >= buckets.from && stateBucket(state) <= buckets.to);
        expect(await collect(previous.statesOf!(buckets))).toEqual(expected);
      }
    }
  });

  it('parts written apart (a diff range\'s function each, in any order) are adopted at the commit and read as parts written by the writer are', async () => {
    const ranges = 4;
    const written = await Promise.all(
      [3, 1, 0, 2].map((range) =>
        store.writePart!('apart', 'run-apart', { index: range, buckets: bucketsOf(range, ranges) }, (async function* () {
          yield* STATES.filter((state) => diffRangeOf(state.fingerprint, ranges) === range);
        })()),
      ),
    );
    const writer = store.begin('apart', 'run-apart', null);
    for (const part of [...written].sort((a, b) => a.index - b.index)) writer.adoptPart!(part);
    await writer.commit({ ...run('run-apart'), scope: 'apart' });
    const previous = (await store.previous('apart'))!;
    expect(await collect(previous.states())).toEqual(STATES);
    for (let range = 0; range < 3; range += 1) {
      const buckets = bucketsOf(range, 3);
      expect(await collect(previous.statesOf!(buckets))).toEqual(STATES.filter((state) => stateBucket(state) >= buckets.from && stateBucket(state) <= buckets.to));
    }
    expect(() => store.begin('apart', 'run-x', null).adoptPart!({ ...written[0]!, from: 0, to: 0 })).not.toThrow();
    const twice = store.begin('apart', 'run-y', null);
    twice.adoptPart!({ index: 0, from: 0, to: 10, chunks: 1 });
    expect(() => twice.adoptPart!({ index: 1, from: 5, to: 20, chunks: 1 })).toThrow('History parts come in bucket order: buckets 5–20 after 0–10.');
  });

  it('ranges cover the buckets once, in order', () => {
    for (const ranges of [1, 2, 3, 7, 16, 4096]) {
      const cut = Array.from({ length: ranges }, (_, range) => bucketsOf(range, ranges));
      expect(cut[0]!.from).toBe(0);
      expect(cut.at(-1)!.to).toBe(4095);
      cut.slice(1).forEach((buckets, i) => expect(buckets.from).toBe(cut[i]!.to + 1));
      for (const bucket of [0, 1, 1000, 2047, 4095]) {
        const fingerprint = bucket.toString(16).padStart(3, '0') + 'abc';
        const range = diffRangeOf(fingerprint, ranges);
        expect(bucket).toBeGreaterThanOrEqual(cut[range]!.from);
        expect(bucket).toBeLessThanOrEqual(cut[range]!.to);
      }
    }
  });

  it('a run kept whole has no parts: the caller filters its states', async () => {
    await commit('whole', 'run-whole', null, 0);
    const previous = (await store.previous('whole'))!;
    expect(previous.statesOf).toBeUndefined();
    expect(await collect(previous.states())).toEqual(STATES);
  });

  it('parts that do not add up are damage: the run is compared with none, and says why (the audit is never blocked)', async () => {
    await commit('damaged', 'run-d', null, 4);
    await client.send(new UpdateCommand({ TableName: table, Key: { runId: 'histhead#damaged' }, UpdateExpression: 'SET parts[1].#first = :f', ExpressionAttributeNames: { '#first': 'first' }, ExpressionAttributeValues: { ':f': 999 } }));
    const skipped: string[] = [];
    expect(await store.previous('damaged', (skip) => skipped.push(`${skip.headRunId}: ${skip.reason}`))).toBeNull();
    expect(skipped).toEqual([expect.stringMatching(/^run-d: No comparable previous run: the history record histhead#damaged in table .* is damaged \(its parts do not add up to its \d+ chunks\); this run is compared with none, and the next with this one\.$/)]);
  });

  it('refuses parts out of bucket order, or after states written without a part', async () => {
    const writer = store.begin('order', 'run-o', null);
    await writer.startPart!({ from: 100, to: 200 });
    await expect(writer.startPart!({ from: 150, to: 300 })).rejects.toThrow('History parts come in bucket order: buckets 150–300 after 100–200.');
    const other = store.begin('order', 'run-p', null);
    await other.write(STATES[0]!);
    await other.write(STATES[1]!);
    // Chunks of 2,000 characters: two states do not fill one, so the first part's flush writes them.
    await expect((async () => {
      for (const state of STATES.slice(2, 40)) await other.write(state);
      await other.startPart!({ from: 0, to: 4095 });
    })()).rejects.toThrow('History parts must start before any state is written.');
  });
});
