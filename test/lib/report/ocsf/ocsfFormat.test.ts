/** The `ocsf` report: streamed OCSF events of the non-compliant findings, then the resolved ones; partial until finished. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runAudit, type AuditResult } from '../../../../lib/audit/runAudit';
import type { EngineKind } from '../../../../lib/audit/engineKind';
import { FileHistoryStore } from '../../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { ocsfFormat } from '../../../../lib/report/formats/ocsfFormat';
import type { FinishedReports, FindingRecord, ReportContext } from '../../../../lib/report/formats/ReportFormat';
import { EXPORTED_VERDICTS } from '../../../../lib/report/ocsf/complianceFindingOf';
import type { OcsfComplianceFinding } from '../../../../lib/report/ocsf/OcsfComplianceFinding';
import { emptySummary, type ReportHead, type ResolvedFinding } from '../../../../lib/report/ReportModel';
import { ndjson, readReport, tempDir, writeTemp } from '../../../helpers/files';
import { before, catalog, DAY, judge, makeItem } from '../../../helpers/items';
import { ocsfProblems } from './ocsfSchema';

const EXAMPLE = resolve(__dirname, '../../../../examples/inventory.ndjson');
const NOW = new Date('2026-11-21T09:00:00.000Z');

const readEvents = (path: string): OcsfComplianceFinding[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OcsfComplianceFinding);

function audit(file: string, options: { historyDir?: string; runId?: string; engineKind?: EngineKind } = {}): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json', 'ocsf'],
    outDir: tempDir('ocsf-'),
    trigger: 'cli',
    runId: options.runId,
    now: () => NOW,
    history: options.historyDir ? { store: new FileHistoryStore(options.historyDir), scope: 'ocsf' } : null,
    engineKind: options.engineKind,
    duck: { threads: 1, memoryLimit: '256MB' },
  });
}

describe('the ocsf report of a run', () => {
  let result: AuditResult;
  let events: OcsfComplianceFinding[];
  let report: { findings: Finding[] };
  beforeAll(async () => {
    result = await audit(EXAMPLE, { historyDir: tempDir('ocsf-history-') });
    events = readEvents(result.reports.ocsf!);
    report = readReport(result.reports.json!);
  });

  it('holds one valid OCSF event per non-compliant finding, in the report order', () => {
    const exported = report.findings.filter((finding) => EXPORTED_VERDICTS[finding.verdict]);
    expect(exported.length).toBe(25);
    expect(events.map((event) => event.unmapped.item_id)).toEqual(exported.map((finding) => finding.itemId));
    for (const event of events) expect(ocsfProblems(event)).toEqual([]);
    expect(new Set(events.map((event) => event.finding_info.uid)).size).toBe(events.length);
  });

  it('counts by verdict as the summary does', () => {
    const byVerdict = (verdict: string) => events.filter((event) => event.unmapped.verdict === verdict).length;
    const { byVerdict: counts } = result.head.summary;
    expect([byVerdict('violation'), byVerdict('invalid'), byVerdict('unmapped'), byVerdict('review')]).toEqual([
      counts.violation,
      counts.invalid,
      counts.unmapped,
      counts.review,
    ]);
    expect(events.filter((event) => event.compliance.status === 'Fail').length).toBe(counts.violation);
  });

  it("gives every event the run's finish as its time and the run id as its correlation", () => {
    for (const event of events) {
      expect(event.time).toBe(Date.parse(result.head.run.finishedAt));
      expect(event.metadata).toEqual({ version: '1.8.0', product: { name: 'Retention Auditor', vendor_name: 'Retention Auditor' }, correlation_uid: result.head.run.id });
    }
  });

  it('is application/x-ndjson with one object per line and nothing left beside it', () => {
    expect(ocsfFormat.contentType).toBe('application/x-ndjson');
    const text = readFileSync(result.reports.ocsf!, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n').length).toBe(events.length + 1);
    expect(readdirSync(join(result.reports.ocsf!, '..')).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('closes the violations that the next run finds gone, under the uid that reported them', async () => {
    const historyDir = tempDir('ocsf-history-');
    const items = readFileSync(EXAMPLE, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = await audit(writeTemp('a.ndjson', ndjson(items)), { historyDir });
    const firstEvents = readEvents(first.reports.ocsf!);
    const fixed = firstEvents.find((event) => event.unmapped.item_id === 'fr-001')!;
    expect(fixed.compliance.status).toBe('Fail');
    // fr-001 was above its 2 GiB cap; now it is not.
    const next = items.map((item) => (item.itemId === 'fr-001' ? { ...item, bytes: 1000 } : item));
    const second = await audit(writeTemp('b.ndjson', ndjson(next)), { historyDir });
    const secondEvents = readEvents(second.reports.ocsf!);
    const closing = secondEvents.filter((event) => event.status === 'Resolved');
    expect(closing).toHaveLength(1);
    expect(closing[0]).toMatchObject({ activity_name: 'Close', compliance: { status: 'Pass' }, finding_info: { uid: fixed.finding_info.uid } });
    expect(ocsfProblems(closing[0])).toEqual([]);
    // The findings still open are reported again, as updates.
    expect(secondEvents.filter((event) => event.status === 'New').every((event) => event.activity_name === 'Update')).toBe(true);
    expect(secondEvents.length).toBe(firstEvents.length);
  });

  it('is the same, byte for byte, from the SQL engine', async () => {
    const [reference, sql] = await Promise.all([
      audit(EXAMPLE, { runId: 'audit-same', engineKind: 'reference' }),
      audit(EXAMPLE, { runId: 'audit-same', engineKind: 'sql' }),
    ]);
    expect(readFileSync(sql.reports.ocsf!, 'utf8')).toBe(readFileSync(reference.reports.ocsf!, 'utf8'));
  });
});

describe('the ocsf writer', () => {
  const head = (finishedAt: string): ReportHead => ({
    schemaVersion: '1.1',
    run: {
      id: 'audit-w',
      trigger: 'cli',
      startedAt: '2026-11-21T08:59:00.000Z',
      finishedAt,
      snapshotId: 'snap-test',
      snapshotCapturedAt: null,
      catalogVersion: 'v',
      source: 'test',
      graceDays: 30,
    },
    summary: emptySummary(),
  });
  const record = (finding: Finding): FindingRecord => ({ line: toJsonLine(finding), finding: () => finding });
  const finished = (resolved: ResolvedFinding[] = []): FinishedReports => ({
    jsonSha256: null,
    async *resolved() {
      yield* resolved;
    },
  });
  const context = { catalog: catalog(), pdfRowsPerModule: 10 } as ReportContext;
  const findings = [
    judge(makeItem({ itemId: 'a', oldestRecordAt: before(30 * DAY) })),
    judge(makeItem({ itemId: 'b' })),
    judge(makeItem({ itemId: 'c', recordCount: -1 })),
  ];

  async function write(path: string, at: string) {
    const writer = ocsfFormat.create(path, null, context);
    for (const finding of findings) await writer.write(record(finding));
    expect(existsSync(path)).toBe(false);
    await writer.finish(head(at), finished());
    return readFileSync(path, 'utf8');
  }

  it('writes the same bytes for the same findings and head; the head decides every time', async () => {
    const dir = tempDir('ocsf-writer-');
    const one = await write(join(dir, 'one.ocsf'), '2026-11-21T09:00:00.000Z');
    const two = await write(join(dir, 'two.ocsf'), '2026-11-21T09:00:00.000Z');
    const later = await write(join(dir, 'later.ocsf'), '2026-11-22T09:00:00.000Z');
    expect(two).toBe(one);
    expect(one.split('\n').filter(Boolean)).toHaveLength(2);
    expect(later).not.toBe(one);
    expect(later.replaceAll(String(Date.parse('2026-11-22T09:00:00.000Z')), String(Date.parse('2026-11-21T09:00:00.000Z')))).toBe(one);
    expect(readdirSync(dir).sort()).toEqual(['later.ocsf', 'one.ocsf', 'two.ocsf']);
  });

  it('keeps the events in part files until it finishes, and removes them when aborted', async () => {
    const dir = tempDir('ocsf-writer-');
    const path = join(dir, 'run.ocsf');
    const writer = ocsfFormat.create(path, null, context);
    for (const finding of findings) await writer.write(record(finding));
    // The part file opens asynchronously: wait until it is there.
    for (let tries = 0; tries < 100 && readdirSync(dir).length === 0; tries += 1) await new Promise((done) => setTimeout(done, 10));
    expect(readdirSync(dir)).toEqual(['run.ocsf.events.partial']);
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves nothing behind when finishing fails and the run aborts it', async () => {
    const dir = tempDir('ocsf-writer-');
    const writer = ocsfFormat.create(join(dir, 'run.ocsf'), null, context);
    for (const finding of findings) await writer.write(record(finding));
    const failing: FinishedReports = {
      jsonSha256: null,
      async *resolved() {
        throw new Error('history unreadable');
      },
    };
    await expect(writer.finish(head('2026-11-21T09:00:00.000Z'), failing)).rejects.toThrow('history unreadable');
    expect(readdirSync(dir)).not.toContain('run.ocsf');
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes an empty file for a run with nothing non-compliant', async () => {
    const path = join(tempDir('ocsf-writer-'), 'run.ocsf');
    const writer = ocsfFormat.create(path, null, context);
    await writer.write(record(findings[1]!));
    await writer.finish(head('2026-11-21T09:00:00.000Z'), finished());
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('appends the resolved findings after the open ones', async () => {
    const path = join(tempDir('ocsf-writer-'), 'run.ocsf');
    const writer = ocsfFormat.create(path, null, context);
    await writer.write(record(findings[0]!));
    const gone: ResolvedFinding = {
      fingerprint: 'f0',
      itemId: 'z',
      tenantId: 't',
      module: 'tokenhub',
      dataCategory: 'configuration-data',
      resource: 'r',
      previousVerdict: 'violation',
      status: 'resolved',
      firstSeenAt: '2026-11-01T00:00:00.000Z',
      resolvedAt: '2026-11-20T00:00:00.000Z',
      daysOpen: 19,
    };
    await writer.finish(head('2026-11-21T09:00:00.000Z'), finished([gone]));
    const events = readEvents(path);
    expect(events.map((event) => event.status)).toEqual(['New', 'Resolved']);
    expect(events[1]!.finding_info.uid).toBe('f0/z');
  });
});
