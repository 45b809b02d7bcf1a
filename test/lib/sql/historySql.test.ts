/**
 * The SQL engine's history diff (lib/sql/historySql.ts: one join kept as `diff_rows`,
 * the gone groups read off it) against the reference's merge-join
 * (lib/history/diffFindings.ts), over runs crafted to hit each of its cases: a
 * violation gone, one that stays, one whose identity stays with another verdict, a
 * legal hold lifted (identity still there) and one whose data is gone, identities
 * and itemIds holding the key's separators, keys whose JavaScript order is not their
 * byte order, a repeated itemId — and a previous run read from its Parquet file by
 * DuckDB as well as appended state by state (a store without Parquet files).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit, type AuditResult } from '../../../lib/audit/runAudit';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import type { HistoryStore } from '../../../lib/history/HistoryStore';
import { readParquetStates } from '../../../lib/history/parquetStates';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventoryItem } from '../../../lib/model';
import { collect, ndjson, tempDir, writeTemp } from '../../helpers/files';
import { before, CAPTURED_MS, catalog, DAY, makeItem } from '../../helpers/items';

const OLD = before(40 * DAY);
const RECENT = before(DAY);
const HOLD = { reason: 'litigation' };

/** An item of its own identity (tenant `tenant`), a violation unless told otherwise. */
const item = (itemId: string, tenantId: string, overrides: Partial<InventoryItem> = {}): InventoryItem => makeItem({ itemId, tenantId, oldestRecordAt: OLD, ...overrides });

/** The first run: every case's starting point; keys with U+FFFD and an emoji sort differently in JavaScript and in bytes. */
const FIRST: InventoryItem[] = [
  item('gone', 't-gone'),
  item('stays', 't-stays'),
  item('shared-a', 't-shared', { oldestRecordAt: RECENT }),
  item('shared-b', 't-shared'),
  item('lifted', 't-lifted', { legalHold: HOLD }),
  item('held-gone', 't-held-gone', { legalHold: HOLD }),
  item('sep', 'ten\u0002ant\u0001x'),
  item('id\u0002sep', 't-idsep'),
  item('fffd', 'a\uFFFDb'),
  item('emoji', 'a\u{1F600}b'),
  item('twice', 't-twice-1'),
  item('twice', 't-twice-2', { oldestRecordAt: RECENT }),
];

/** The second run: the gone ones gone, the hold lifted, the shared identity's violation now compliant. */
const SECOND: InventoryItem[] = [
  item('stays', 't-stays'),
  item('shared-a', 't-shared', { oldestRecordAt: RECENT }),
  item('shared-b', 't-shared', { oldestRecordAt: RECENT }),
  item('lifted', 't-lifted'),
  item('sep', 'ten\u0002ant\u0001x'),
  item('id\u0002sep', 't-idsep', { oldestRecordAt: RECENT }),
  item('fffd', 'a\uFFFDb'),
  item('emoji', 'a\u{1F600}b', { legalHold: HOLD }),
  item('twice', 't-twice-1'),
  item('twice', 't-twice-2'),
  item('new', 't-new'),
];

/** The third run: ASCII keys alone (the states sorted by the key itself), after a run whose keys were not. */
const THIRD: InventoryItem[] = [item('stays', 't-stays'), item('emoji', 't-emoji-now-ascii', { legalHold: HOLD }), item('lifted', 't-lifted')];

/** The same store, its previous runs without their Parquet path: the SQL engine appends their states one by one. */
function withoutParquet(store: FileHistoryStore): HistoryStore {
  return {
    previous: async (scope, skipped) => {
      const previous = await store.previous(scope, skipped);
      return previous && { run: previous.run, states: () => previous.states() };
    },
    recentRuns: (scope, limit, skipped) => store.recentRuns(scope, limit, skipped),
    begin: (scope, runId, basis) => store.begin(scope, runId, basis),
    findRun: (runId) => store.findRun(runId),
    describe: () => store.describe(),
  };
}

async function audit(file: string, engineKind: EngineKind, store: HistoryStore, runId: string, day: number): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json', 'csv'],
    outDir: tempDir(`history-sql-${engineKind}-`),
    trigger: 'cli',
    runId,
    now: () => new Date(CAPTURED_MS + day * DAY),
    history: { store, scope: 'diff' },
    engineKind,
    duck: { threads: 2, memoryLimit: '256MB' },
  });
}

describe('the SQL history diff', () => {
  it.each([
    ['read from its Parquet file', (store: FileHistoryStore): HistoryStore => store],
    ['appended state by state', withoutParquet],
  ])('gives the reference engine’s reports and states, the previous run %s', async (_, storeOf) => {
    const dirs = { sql: tempDir('history-sql-'), reference: tempDir('history-ref-') };
    const stores = { sql: storeOf(new FileHistoryStore(dirs.sql)), reference: new FileHistoryStore(dirs.reference) };
    const runs = [FIRST, SECOND, THIRD];
    for (const [n, items] of runs.entries()) {
      const runId = `audit-diff-${n + 1}`;
      const file = writeTemp(`${runId}.ndjson`, ndjson(items));
      const sql = await audit(file, 'sql', stores.sql, runId, n + 1);
      const reference = await audit(file, 'reference', stores.reference, runId, n + 1);
      expect(sql.head.changes).toEqual(reference.head.changes);
      for (const format of ['json', 'csv'] as const) expect(readFileSync(sql.reports[format]!, 'utf8')).toBe(readFileSync(reference.reports[format]!, 'utf8'));
      const states = (dir: string) => collect(readParquetStates(join(dir, 'diff', `${runId}.states.parquet`)));
      expect(await states(dirs.sql)).toEqual(await states(dirs.reference));
      if (n === 1) {
        // The cases are there: violations resolved (one gone, one whose identity stays compliant), one hold lifted, new findings.
        const report = JSON.parse(readFileSync(sql.reports.json!, 'utf8'));
        expect(report.changes).toMatchObject({ resolved: 3, new: expect.any(Number) });
        expect(report.changes.new).toBeGreaterThan(0);
        expect(report.legalHolds.endedList.map((hold: { itemId: string }) => hold.itemId)).toEqual(['lifted']);
      }
    }
  }, 60_000);
});
