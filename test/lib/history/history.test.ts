/**
 * What changed since the last audit: three consecutive snapshots with known
 * changes, history on disk (CLI) and in a local DynamoDB (Lambda).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../../../cli/local/localDynamo';
import { main } from '../../../cli/main';
import { runAudit } from '../../../lib/audit/runAudit';
import { DynamoRunStore } from '../../../lib/delivery/DynamoRunStore';
import { DEFAULT_ENGINE_OPTIONS } from '../../../lib/engine/evaluate';
import { DynamoHistoryStore } from '../../../lib/history/DynamoHistoryStore';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import type { HistoryStore } from '../../../lib/history/HistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventorySource } from '../../../lib/inventory/InventorySource';
import { createDocumentClient } from '../../../lib/inventory/InventoryTable';
import type { InventoryItem } from '../../../lib/model';
import { ndjson, readReport, tempDir, writeTemp } from '../../helpers/files';
import { catalog, DAY, makeItem } from '../../helpers/items';

const day = (n: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + n * DAY).toISOString();

/** Snapshot n (captured on day 10 + n) of a small estate; item ids change every snapshot. */
function snapshot(n: number, items: Partial<InventoryItem>[]): string {
  return writeTemp(
    `snap-${n}.ndjson`,
    ndjson(
      items.map((item, i) =>
        makeItem({ snapshotId: `snap-${n}`, itemId: `s${n}-${String(i).padStart(3, '0')}`, capturedAt: day(10 + n), ...item }),
      ),
    ),
  );
}

const logs = (tenantId: string, ageDays: number, n: number, extra: Partial<InventoryItem> = {}): Partial<InventoryItem> => ({
  tenantId,
  module: 'instant-messaging',
  dataCategory: 'log-data',
  store: { type: 'mysql', resource: `im/${tenantId}` },
  oldestRecordAt: day(10 + n - ageDays),
  ...extra,
});

/** Each audit ends a minute after the one before (the trend lists runs by their end). */
let minutes = 0;

async function audit(path: string, store: HistoryStore, source?: InventorySource) {
  const finishedAt = new Date(Date.parse('2026-11-20T00:00:00Z') + minutes++ * 60_000);
  const result = await runAudit({
    source: source ?? new FileInventorySource(path),
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats: ['json', 'csv'],
    outDir: tempDir(),
    trigger: 'cli',
    history: { store, scope: 'estate' },
    now: () => finishedAt,
  });
  return { result, report: readReport(result.reports.json!) };
}

const byTenant = (report: any) =>
  Object.fromEntries(report.findings.map((f: any) => [f.tenantId, { verdict: f.verdict, status: f.status, firstSeenAt: f.firstSeenAt, daysOpen: f.daysOpen }]));

/** Day 1: a violates, b is fine, c is held. Day 2: b violates too, c's hold ended. Day 3: a is deleted, b persists, d appears. */
const DAY1 = [logs('a', 30, 1), logs('b', 1, 1), logs('c', 30, 1, { legalHold: { reason: 'litigation L-1' } })];
const DAY2 = [logs('a', 31, 2), logs('b', 10, 2), logs('c', 31, 2)];
const DAY3 = [logs('b', 11, 3), logs('c', 32, 3), logs('d', 20, 3)];

describe.each([
  ['on disk (CLI)', async () => ({ store: new FileHistoryStore(tempDir('history-')) as HistoryStore, close: async () => undefined })],
  [
    'in a local DynamoDB (Lambda)',
    async () => {
      const dynamo: LocalDynamo = await startLocalDynamo(0);
      const client = createDocumentClient({ endpoint: dynamo.endpoint });
      const runs = new DynamoRunStore(client, `runs-${Date.now()}`);
      await runs.ensureTable();
      // Tiny chunks, so the states of one run span several items.
      const store = new DynamoHistoryStore(client, (runs as unknown as { tableName: string }).tableName, 200);
      return { store: store as HistoryStore, close: () => dynamo.close() };
    },
  ],
])('history %s', (_where, makeStore) => {
  let store: HistoryStore;
  let close: () => Promise<void>;
  const reports: any[] = [];
  beforeAll(async () => {
    ({ store, close } = await makeStore());
    for (const [n, items] of [DAY1, DAY2, DAY3].entries()) reports.push((await audit(snapshot(n + 1, items), store)).report);
  });
  afterAll(() => close());

  it('the first run has nothing to compare with: every finding is new', () => {
    expect(reports[0].changes).toEqual({ previousRunId: null, previousCapturedAt: null, new: 3, persisting: 0, resolved: 0, newViolations: 1 });
    expect(byTenant(reports[0])).toEqual({
      a: { verdict: 'violation', status: 'new', firstSeenAt: day(11), daysOpen: 0 },
      b: { verdict: 'compliant', status: 'new', firstSeenAt: day(11), daysOpen: 0 },
      c: { verdict: 'exempt', status: 'new', firstSeenAt: day(11), daysOpen: 0 },
    });
  });

  it('the second run: a persists (its first sighting carries over), b and c are new violations, c’s hold ended', () => {
    expect(reports[1].changes).toMatchObject({ previousRunId: reports[0].run.id, new: 2, persisting: 1, resolved: 0, newViolations: 2 });
    expect(byTenant(reports[1])).toEqual({
      a: { verdict: 'violation', status: 'persisting', firstSeenAt: day(11), daysOpen: 1 },
      b: { verdict: 'violation', status: 'new', firstSeenAt: day(12), daysOpen: 0 },
      c: { verdict: 'violation', status: 'new', firstSeenAt: day(12), daysOpen: 0 },
    });
    expect(reports[1].legalHolds).toMatchObject({ active: 0, ended: 1, endedList: [{ tenantId: 'c', reason: expect.stringContaining('litigation L-1') }] });
    expect(reports[1].resolved).toEqual([]);
  });

  it('the third run: a is resolved, b and c persist, d is new', () => {
    expect(reports[2].changes).toMatchObject({ previousRunId: reports[1].run.id, new: 1, persisting: 2, resolved: 1, newViolations: 1 });
    expect(byTenant(reports[2])).toEqual({
      b: { verdict: 'violation', status: 'persisting', firstSeenAt: day(12), daysOpen: 1 },
      c: { verdict: 'violation', status: 'persisting', firstSeenAt: day(12), daysOpen: 1 },
      d: { verdict: 'violation', status: 'new', firstSeenAt: day(13), daysOpen: 0 },
    });
    expect(reports[2].resolved).toEqual([
      {
        fingerprint: reports[1].findings.find((f: any) => f.tenantId === 'a').fingerprint,
        itemId: 's2-000',
        tenantId: 'a',
        module: 'instant-messaging',
        dataCategory: 'log-data',
        resource: 'im/a',
        previousVerdict: 'violation',
        status: 'resolved',
        firstSeenAt: day(11),
        resolvedAt: day(13),
        daysOpen: 2,
      },
    ]);
  });

  it('each run keeps its counts in the history, and the third report shows the trend of all three', async () => {
    const point = (n: number, openViolations: number, newViolations: number, resolvedViolations: number) => ({
      runId: reports[n].run.id,
      finishedAt: reports[n].run.finishedAt,
      openViolations,
      newViolations,
      resolvedViolations,
    });
    // Day 1: a violates. Day 2: a persists, b and c are new. Day 3: a resolved, b and c persist, d is new.
    const trend = [point(0, 1, 1, 0), point(1, 3, 2, 0), point(2, 3, 1, 1)];
    expect(reports.map((report) => report.trend)).toEqual([trend.slice(0, 1), trend.slice(0, 2), trend]);
    const { runId: _runId, finishedAt: _finishedAt, ...counts } = trend[1]!;
    expect((await store.findRun(reports[1].run.id))?.counts).toEqual(counts);
  });

  it('fingerprints are stable across snapshots although item ids change', () => {
    const fingerprint = (report: any, tenant: string) => report.findings.find((f: any) => f.tenantId === tenant).fingerprint;
    expect(fingerprint(reports[0], 'b')).toBe(fingerprint(reports[2], 'b'));
    expect(fingerprint(reports[0], 'b')).not.toBe(fingerprint(reports[0], 'a'));
  });

  it('an incomplete run is not history: the next run compares with the last complete one', async () => {
    const flaky: InventorySource = {
      describe: () => 'flaky',
      open: async () => ({ snapshotId: 'snap-x', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false }),
      async *entries() {
        yield { kind: 'gap', reason: 'Scan segment 1 of 1 stopped' };
      },
    };
    const incomplete = await audit('', store, flaky);
    expect(incomplete.report.summary.complete).toBe(false);
    const next = await audit(snapshot(4, DAY3), store);
    expect(next.report.changes.previousRunId).toBe(reports[2].run.id);
  });
});

describe('the CLI keeps history under --out, and verify checks the evidence', () => {
  const out = tempDir('cli-history-');
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  };

  it('reports what changed since the previous run of the scope', async () => {
    await cli('run', '--inventory', snapshot(1, DAY1), '--out', out, '--format', 'json');
    const second = await cli('run', '--inventory', snapshot(2, DAY2), '--out', out, '--format', 'json,csv');
    expect(second.stdout).toMatch(/Since run audit-\S+: 2 new violations; 2 findings new, 1 persisting, 0 resolved\./);
  });

  it('verify confirms an untouched report and refuses a tampered one', async () => {
    const run = JSON.parse(readFileSync(join(out, 'history', 'default', 'runs.ndjson'), 'utf8').trim().split('\n').at(-1)!);
    const json = join(out, `${run.runId}.json`);
    const ok = await cli('verify', json, '--history', join(out, 'history'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Verified: .* matches the SHA-256 recorded for run audit-/);
    const csv = join(out, `${run.runId}.csv`);
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('violation', 'compliant'));
    const refused = await cli('verify', csv, '--history', join(out, 'history'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^REFUSED: .* does not match run audit-\S+: recorded SHA-256 [0-9a-f]{64}, file has [0-9a-f]{64}\./);
  });

  it('verify refuses what it cannot check, with exit 2', async () => {
    const unknown = await cli('verify', join(out, 'audit-20990101T000000Z-000000.json'), '--history', join(out, 'history'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Run audit-20990101T000000Z-000000 is not in the history/);
    const badName = await cli('verify', join(out, 'notes.txt'));
    expect(badName.code).toBe(2);
  });

  it('--no-history compares with nothing and remembers nothing', async () => {
    const alone = tempDir();
    const { stdout } = await cli('run', '--inventory', snapshot(1, DAY1), '--out', alone, '--format', 'json', '--no-history');
    expect(stdout).not.toMatch(/Since run|First run/);
    const report = readReport(join(alone, readdirSync(alone).find((name) => name.endsWith('.json'))!));
    expect(report.changes).toBeNull();
    expect(report.findings[0].status).toBeUndefined();
  });
});
