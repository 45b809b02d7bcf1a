/**
 * The history keeps each committed run's trend counts, and lists a scope's last
 * runs newest first from its index (runs.ndjson on disk; one Query on the runs
 * table's byCreatedAt index in DynamoDB, never a Scan). Damaged records are left
 * out and named; records written before trends (no counts) are still read.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../cli/local/localDynamo';
import { DynamoRunStore } from '../../../lib/delivery/DynamoRunStore';
import { DynamoHistoryStore } from '../../../lib/history/DynamoHistoryStore';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { HistoryConflictError, type HistoryRun, type HistoryStore } from '../../../lib/history/HistoryStore';
import { readTrend } from '../../../lib/history/readTrend';
import { createDocumentClient } from '../../../lib/inventory/InventoryTable';
import type { TrendCounts } from '../../../lib/report/trend';
import { tempDir } from '../../helpers/files';

const SCOPE = 'estate';
const at = (n: number) => new Date(Date.parse('2026-11-20T02:00:00Z') + n * 86_400_000).toISOString();
const counts = (openViolations: number, newViolations: number, resolvedViolations: number): TrendCounts => ({ openViolations, newViolations, resolvedViolations });

function record(runId: string, n: number, trend?: TrendCounts, scope = SCOPE): HistoryRun {
  return {
    runId,
    scope,
    snapshotId: `snap-${n}`,
    snapshotCapturedAt: at(n),
    snapshotSha256: 'ab'.repeat(32),
    finishedAt: at(n),
    reports: { json: { path: `/reports/${runId}.json`, sha256: 'cd'.repeat(32) } },
    ...(trend ? { counts: trend } : {}),
  };
}

/** Commits `run` on top of `basis` (no finding states: the trend does not need them). */
async function commit(store: HistoryStore, run: HistoryRun, basis: string | null): Promise<void> {
  await store.begin(run.scope, run.runId, basis).commit(run);
}

/** Three committed runs of the scope and one of another scope. */
async function threeRuns(store: HistoryStore): Promise<HistoryRun[]> {
  const runs = [record('audit-1', 1, counts(4, 4, 0)), record('audit-2', 2, counts(5, 2, 1)), record('audit-3', 3, counts(2, 0, 3))];
  let basis: string | null = null;
  for (const run of runs) {
    await commit(store, run, basis);
    basis = run.runId;
  }
  await commit(store, record('audit-other', 4, counts(9, 9, 0), 'other'), null);
  return runs;
}

interface Backend {
  store: HistoryStore;
  /** Adds a record the store did not write (an old or damaged one), after the others. */
  addRaw(kind: 'old' | 'damaged', n: number): Promise<string>;
}

describe.each([
  [
    'on disk (CLI)',
    async (): Promise<Backend & { close(): Promise<void> }> => {
      const root = tempDir('recent-');
      const index = join(root, SCOPE, 'runs.ndjson');
      return {
        store: new FileHistoryStore(root),
        addRaw: async (kind, n) => {
          const lines = readFileSync(index, 'utf8').split('\n').filter(Boolean).length;
          appendFileSync(index, kind === 'old' ? `${JSON.stringify(record(`audit-old-${n}`, n))}\n` : '{"runId":"audit-cut\n');
          return `line ${lines + 1} of the history file ${index} is damaged (not JSON)`;
        },
        close: async () => undefined,
      };
    },
  ],
  [
    'in a local DynamoDB (Lambda)',
    async (): Promise<Backend & { close(): Promise<void> }> => {
      const dynamo: LocalDynamo = await startLocalDynamo(0);
      const client = createDocumentClient({ endpoint: dynamo.endpoint });
      const table = `runs-recent-${Date.now()}`;
      await new DynamoRunStore(client, table).ensureTable();
      return {
        store: new DynamoHistoryStore(client, table),
        addRaw: async (kind, n) => {
          // An old record: written before trends, as the store wrote it then (no counts, and not listed: it stays out).
          // A damaged one: listed, but without its run.
          const runId = `histrun#audit-${kind}-${n}`;
          const item = kind === 'old' ? { runId, run: record(`audit-old-${n}`, n) } : { runId, listKey: `histruns#${SCOPE}`, createdAt: at(n), run: 'garbage' };
          await client.send(new PutCommand({ TableName: table, Item: item }));
          return `the history record ${runId} in table ${table} is damaged (no run id)`;
        },
        close: async () => {
          client.destroy();
          await dynamo.close();
        },
      };
    },
  ],
])('recent runs %s', (_where, makeBackend) => {
  let backend: Backend & { close(): Promise<void> };
  beforeEach(async () => {
    backend = await makeBackend();
  });
  afterEach(() => backend.close());

  it('keep their counts, and come back newest first, as many as asked, of their scope only', async () => {
    const runs = await threeRuns(backend.store);
    expect(await backend.store.recentRuns(SCOPE, 10)).toEqual([...runs].reverse());
    expect(await backend.store.recentRuns(SCOPE, 2)).toEqual([runs[2], runs[1]]);
    expect(await backend.store.recentRuns(SCOPE, 0)).toEqual([]);
    expect(await backend.store.recentRuns('empty-scope', 5)).toEqual([]);
    expect((await backend.store.findRun('audit-2'))?.counts).toEqual(counts(5, 2, 1));
    expect((await backend.store.previous(SCOPE))?.run.counts).toEqual(counts(2, 0, 3));
  });

  it('as trend points, oldest first', async () => {
    await threeRuns(backend.store);
    const { points, warnings } = await readTrend(backend.store, SCOPE, 2, null);
    expect(points).toEqual([
      { runId: 'audit-2', finishedAt: at(2), openViolations: 5, newViolations: 2, resolvedViolations: 1 },
      { runId: 'audit-3', finishedAt: at(3), openViolations: 2, newViolations: 0, resolvedViolations: 3 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('a damaged record is left out and named once, and never stops the reading', async () => {
    await threeRuns(backend.store);
    const reason = await backend.addRaw('damaged', 5);
    const skipped: string[] = [];
    expect((await backend.store.recentRuns(SCOPE, 10, (why) => skipped.push(why))).map((run) => run.runId)).toEqual(['audit-3', 'audit-2', 'audit-1']);
    expect(skipped).toEqual([reason]);
    const { points, warnings } = await readTrend(backend.store, SCOPE, 10, null);
    expect(points.map((point) => point.runId)).toEqual(['audit-1', 'audit-2', 'audit-3']);
    expect(warnings).toEqual([`The trend leaves out a history record of scope ${SCOPE} that cannot be read: ${reason}.`]);
  });

  it('a record written before trends (no counts) is still a run, and the trend leaves it out quietly', async () => {
    await threeRuns(backend.store);
    await backend.addRaw('old', 5);
    const { points, warnings } = await readTrend(backend.store, SCOPE, 10, null);
    expect(points.map((point) => point.runId)).toEqual(['audit-1', 'audit-2', 'audit-3']);
    expect(warnings).toEqual([]);
  });

  it('a run that lost the race to become the latest is not listed', async () => {
    await commit(backend.store, record('audit-1', 1, counts(1, 1, 0)), null);
    const winner = backend.store.begin(SCOPE, 'audit-2', 'audit-1');
    const loser = backend.store.begin(SCOPE, 'audit-3', 'audit-1');
    await winner.commit(record('audit-2', 2, counts(2, 1, 0)));
    await expect(loser.commit(record('audit-3', 3, counts(3, 2, 0)))).rejects.toThrow(HistoryConflictError);
    expect((await backend.store.recentRuns(SCOPE, 10)).map((run) => run.runId)).toEqual(['audit-2', 'audit-1']);
  });
});

describe('DynamoDB reads the recent runs efficiently', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBDocumentClient;
  beforeAll(async () => {
    dynamo = await startLocalDynamo(0);
    client = createDocumentClient({ endpoint: dynamo.endpoint });
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('with one Query on the scope’s key of the byCreatedAt index, newest first, limited to what is asked', async () => {
    const table = 'runs-query';
    await new DynamoRunStore(client, table).ensureTable();
    const store = new DynamoHistoryStore(client, table);
    await threeRuns(store);
    const send = jest.spyOn(client, 'send');
    try {
      await store.recentRuns(SCOPE, 2);
      expect(send).toHaveBeenCalledTimes(1);
      const command = send.mock.calls[0]![0];
      expect(command).toBeInstanceOf(QueryCommand);
      expect((command as QueryCommand).input).toMatchObject({
        TableName: table,
        IndexName: 'byCreatedAt',
        KeyConditionExpression: 'listKey = :k',
        ExpressionAttributeValues: { ':k': `histruns#${SCOPE}` },
        ScanIndexForward: false,
        Limit: 2,
      });
    } finally {
      send.mockRestore();
    }
  });

  it('the history’s listing never shows among the run records that list-audits lists (listKey "run")', async () => {
    const table = 'runs-mixed';
    const runStore = new DynamoRunStore(client, table);
    await runStore.ensureTable();
    const store = new DynamoHistoryStore(client, table);
    await threeRuns(store);
    expect(await runStore.listRecent(10)).toEqual([]);
  });
});
