/**
 * A damaged history (a truncated or garbage line in runs.ndjson, a states file
 * that does not parse or is gone) never blocks an audit: the run compares with
 * nothing and says why, naming the file and line; new runs still commit, after
 * the damaged line, which stays as it was. `verify` names the damage; the
 * scope is a plain name everywhere (no `--scope ..` out of the history folder).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../../cli/local/localDynamo';
import { main } from '../../../cli/main';
import { runAudit } from '../../../lib/audit/runAudit';
import { DynamoRunStore } from '../../../lib/delivery/DynamoRunStore';
import { DEFAULT_ENGINE_OPTIONS } from '../../../lib/engine/evaluate';
import { UsageError } from '../../../lib/errors';
import { DynamoHistoryStore } from '../../../lib/history/DynamoHistoryStore';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import type { FindingState, HistoryStore } from '../../../lib/history/HistoryStore';
import { readParquetStates, statesToParquet } from '../../../lib/history/parquetStates';
import { validateScope } from '../../../lib/history/validateScope';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { createDocumentClient } from '../../../lib/inventory/InventoryTable';
import { collect, ndjson, readReport, tempDir, writeTemp } from '../../helpers/files';
import { catalog, DAY, makeItem } from '../../helpers/items';

const SCOPE = 'estate';
const day = (n: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + n * DAY).toISOString();

/** Snapshot n of one violating and one compliant item (the same identities every time). */
function snapshot(n: number): string {
  return writeTemp(
    `snap-${n}.ndjson`,
    ndjson([
      makeItem({ snapshotId: `snap-${n}`, itemId: 'a', capturedAt: day(n), tenantId: 'a', oldestRecordAt: day(n - 40) }),
      makeItem({ snapshotId: `snap-${n}`, itemId: 'b', capturedAt: day(n), tenantId: 'b', oldestRecordAt: day(n - 1) }),
    ]),
  );
}

async function audit(store: HistoryStore, n: number, outDir = tempDir()) {
  const result = await runAudit({
    source: new FileInventorySource(snapshot(n)),
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats: ['json'],
    outDir,
    trigger: 'cli',
    history: { store, scope: SCOPE },
    now: () => new Date('2026-11-20T00:00:00Z'),
  });
  return { result, report: readReport(result.reports.json!) };
}

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** A history of two runs, and the paths of its files. */
async function twoRuns() {
  const root = tempDir('damaged-');
  const store = new FileHistoryStore(root);
  const first = await audit(store, 1);
  const second = await audit(store, 2);
  const index = join(root, SCOPE, 'runs.ndjson');
  const states = (runId: string) => join(root, SCOPE, `${runId}.states.parquet`);
  return { root, store, first, second, index, states };
}

const runIds = (index: string) =>
  readFileSync(index, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line).runId as string;
      } catch {
        return '(damaged)';
      }
    });

describe('a damaged runs.ndjson', () => {
  it('with its last line cut short: the next run compares with none, says why naming the file and line, and commits after it', async () => {
    const { store, second, index } = await twoRuns();
    const text = readFileSync(index, 'utf8');
    writeFileSync(index, text.slice(0, text.length - 20)); // a crash mid-append: line 2 cut short, no newline
    const damagedLine = text.split('\n')[1]!.slice(0, -19);

    const third = await audit(store, 3);
    expect(third.report.changes).toMatchObject({ previousRunId: null, persisting: 0 });
    expect(third.report.summary.warnings).toContainEqual(expect.stringMatching(/^No comparable previous run: line 2 of the history file .*runs\.ndjson is damaged \(not JSON\)/));
    expect(third.report.summary.warnings.join(' ')).toContain(index);
    expect(third.result.historyConflict).toBeUndefined();

    // The damaged line is kept as it was; the new record starts a line of its own.
    const lines = readFileSync(index, 'utf8').split('\n');
    expect(lines[1]).toBe(damagedLine);
    expect(runIds(index)).toEqual([expect.any(String), '(damaged)', third.result.head.run.id]);
    expect(second.result.head.run.id).not.toBe(third.result.head.run.id);

    // And the next run compares with that one again.
    const fourth = await audit(store, 4);
    expect(fourth.report.changes).toMatchObject({ previousRunId: third.result.head.run.id, persisting: 2 });
    expect(fourth.report.summary.warnings.join(' ')).not.toMatch(/comparable/);
  });

  it('with a garbage line before the last one: runs compare with the latest run as usual', async () => {
    const { store, second, index } = await twoRuns();
    const [line1, line2] = readFileSync(index, 'utf8').split('\n');
    writeFileSync(index, `${line1}\n\u0000\u0001garbage{\n${line2}\n`);
    const third = await audit(store, 3);
    expect(third.report.changes).toMatchObject({ previousRunId: second.result.head.run.id, persisting: 2 });
    expect(third.report.summary.warnings.join(' ')).not.toMatch(/comparable/);
  });

  it('a line that is JSON but not a run record is damaged too', async () => {
    const { store, index } = await twoRuns();
    appendFileSync(index, '{"hello":"world"}\n');
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining('line 3 of the history file'));
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining('(no runId)'));
  });

  it('a run id with a path in it is damaged too (its states file would be outside the scope)', async () => {
    const { store, second, index } = await twoRuns();
    const record = JSON.parse(readFileSync(index, 'utf8').trim().split('\n').at(-1)!);
    appendFileSync(index, `${JSON.stringify({ ...record, runId: `../../${second.result.head.run.id}` })}\n`);
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining('line 3 of the history file'));
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining('(a runId that is not a plain name)'));
  });

  it('verify names the damaged file and line (exit 1), and still verifies a run whose line is intact', async () => {
    const out = tempDir('verify-damaged-');
    const history = join(out, 'history');
    const store = new FileHistoryStore(history);
    const first = await audit(store, 1, out);
    const second = await audit(store, 2, out);
    const index = join(history, SCOPE, 'runs.ndjson');
    const [line1] = readFileSync(index, 'utf8').split('\n');
    // The second run's record is cut short; the first's is intact.
    writeFileSync(index, `${line1}\n{"runId":"${second.result.head.run.id}","scope":"est\n`);

    const intact = await cli('verify', first.result.reports.json!, '--history', history);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^Verified: /);

    const damaged = await cli('verify', second.result.reports.json!, '--history', history);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`line 2 of the history file ${index} is damaged (not JSON)`);
    expect(damaged.stderr).toContain(`Run ${second.result.head.run.id} is not among the readable runs`);
  });
});

/** Rewrites a states file with its states changed by `change` (DuckDB writes it as the store does). */
async function rewriteStates(path: string, change: (states: FindingState[]) => unknown[]): Promise<void> {
  const lines = writeTemp('states.ndjson', change(await collect(readParquetStates(path))).map((state) => JSON.stringify(state)).join('\n'));
  await statesToParquet(lines, path);
}

describe('a damaged states file', () => {
  it('that is no Parquet file: the run compares with none, names the file, and becomes the latest run', async () => {
    const { store, second, index, states } = await twoRuns();
    const path = states(second.result.head.run.id);
    writeFileSync(path, readFileSync(path).subarray(0, 40));

    const third = await audit(store, 3);
    expect(third.report.changes).toMatchObject({ previousRunId: null, persisting: 0, new: 2 });
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining(`No comparable previous run: the history file ${path} cannot be read (`));
    // Not a conflict: the damaged run was the head, and this one takes its place.
    expect(third.result.historyConflict).toBeUndefined();
    expect(runIds(index).at(-1)).toBe(third.result.head.run.id);
    const fourth = await audit(store, 4);
    expect(fourth.report.changes).toMatchObject({ previousRunId: third.result.head.run.id, persisting: 2 });
  });

  it('with a row that is no state: the same, naming the row', async () => {
    const { store, second, states } = await twoRuns();
    const path = states(second.result.head.run.id);
    await rewriteStates(path, ([first, ...rest]) => [first, ...rest.map((state) => ({ ...state, firstSeenAt: 'yesterday' }))]);
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(
      expect.stringContaining(`No comparable previous run: row 2 of the history file ${path} is damaged (no firstSeenAt timestamp) (the finding states of run ${second.result.head.run.id})`),
    );
  });

  it('missing: the same, naming the file', async () => {
    const { store, second, states } = await twoRuns();
    rmSync(states(second.result.head.run.id));
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining(`the history file ${states(second.result.head.run.id)} is missing`));
    expect(third.result.historyConflict).toBeUndefined();
  });

  it('out of key order: the same', async () => {
    const { store, second, states } = await twoRuns();
    await rewriteStates(states(second.result.head.run.id), (rows) => [...rows].reverse());
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(expect.stringContaining('is damaged (out of key order)'));
  });
});

describe('states kept as NDJSON (runs recorded before states were Parquet)', () => {
  /** Turns the second run's states back into the NDJSON file of the old layout. */
  async function legacy() {
    const runs = await twoRuns();
    const parquet = runs.states(runs.second.result.head.run.id);
    const path = parquet.replace(/\.parquet$/, '.ndjson');
    writeFileSync(path, (await collect(readParquetStates(parquet))).map((state) => `${JSON.stringify(state)}\n`).join(''));
    rmSync(parquet);
    return { ...runs, path };
  }

  it('are still compared with', async () => {
    const { store, second } = await legacy();
    const third = await audit(store, 3);
    expect(third.report.changes).toMatchObject({ previousRunId: second.result.head.run.id, persisting: 2 });
  });

  it('with a garbage line: the run compares with none, naming the file and line', async () => {
    const { store, second, path } = await legacy();
    const [first] = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, `${first}\n{"key": tru\n`);
    const third = await audit(store, 3);
    expect(third.report.changes.previousRunId).toBeNull();
    expect(third.report.summary.warnings).toContainEqual(
      expect.stringContaining(`No comparable previous run: line 2 of the history file ${path} is damaged (not JSON) (the finding states of run ${second.result.head.run.id})`),
    );
  });
});

describe('scopes are plain names', () => {
  it.each([
    ['..', '..'],
    ['.', '.'],
    ['empty', ''],
    ['a/b', 'a/b'],
    ['../x', '../x'],
    ['a space', 'a b'],
    ['256 characters', 'x'.repeat(256)],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['a line break', 'a\nb'],
  ])('%s is refused with a UsageError naming --scope', (_label, scope) => {
    expect(() => validateScope(scope)).toThrow(UsageError);
    expect(() => validateScope(scope)).toThrow(/--scope/);
  });

  it.each([['default'], ['retention-inventory'], ['prod.eu_1'], ['..a'], ['x'.repeat(255)]])('%# is a scope', (scope) => {
    expect(validateScope(scope)).toBe(scope);
  });

  it('every entry point of both stores refuses ".." (no history outside its folder)', async () => {
    const root = join(tempDir('scope-'), 'history');
    const files = new FileHistoryStore(root);
    await expect(files.previous('..')).rejects.toThrow(UsageError);
    expect(() => files.begin('..', 'audit-x', null)).toThrow(UsageError);
    expect(existsSync(dirname(root)) && readdirSync(dirname(root))).toEqual([]);
    const dynamo = new DynamoHistoryStore(createDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'local' }), 'runs');
    await expect(dynamo.previous('a#b')).rejects.toThrow(UsageError);
    expect(() => dynamo.begin('..', 'audit-x', null)).toThrow(UsageError);
  });
});

describe('a damaged history head in DynamoDB', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo(0);
  });
  afterAll(() => dynamo.close());

  it('a head without a run id: the run compares with none, says why, and becomes the head', async () => {
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    const runs = new DynamoRunStore(client, 'runs-damaged');
    await runs.ensureTable();
    await client.send(new PutCommand({ TableName: 'runs-damaged', Item: { runId: `histhead#${SCOPE}`, run: { scope: SCOPE }, chunks: 'x' } }));
    const store = new DynamoHistoryStore(client, 'runs-damaged');
    const first = await audit(store, 1);
    expect(first.report.changes.previousRunId).toBeNull();
    expect(first.report.summary.warnings).toContainEqual(expect.stringMatching(/^No comparable previous run: the history record histhead#estate in table runs-damaged is damaged \(no run id\)/));
    expect(first.result.historyConflict).toBeUndefined();
    const second = await audit(store, 2);
    expect(second.report.changes).toMatchObject({ previousRunId: first.result.head.run.id, persisting: 2 });
    client.destroy();
  });
});
