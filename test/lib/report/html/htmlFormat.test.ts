import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runAudit, type RunAuditOptions } from '../../../../lib/audit/runAudit';
import type { EngineKind } from '../../../../lib/audit/evaluateEntries';
import { DEFAULT_ENGINE_OPTIONS } from '../../../../lib/engine/evaluate';
import { FileHistoryStore } from '../../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';
import { readReport, tempDir, writeTemp } from '../../../helpers/files';
import { catalog } from '../../../helpers/items';
import { readHtmlReport } from './readHtmlReport';

const EXAMPLE = resolve(__dirname, '../../../../examples/inventory.ndjson');

const audit = (engineKind: EngineKind, overrides: Partial<RunAuditOptions> = {}) =>
  runAudit({
    source: new FileInventorySource(EXAMPLE),
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats: ['json', 'html'],
    outDir: tempDir('html-audit-'),
    trigger: 'cli',
    engineKind,
    runId: 'audit-html-format',
    now: () => new Date('2026-11-21T00:00:00Z'),
    ...overrides,
  });

describe('the html format in an audit', () => {
  it('is registered as a self-described format', () => {
    expect(reportFormats.html).toMatchObject({ extension: 'html', contentType: 'text/html; charset=utf-8', attachRank: 1 });
  });

  it.each(['reference', 'sql'] as const)('holds the findings of the JSON report, in its order, and cites its SHA-256 (%s engine)', async (engineKind) => {
    const result = await audit(engineKind);
    const report = readReport(result.reports.json!);
    const page = readHtmlReport(result.reports.html!);
    expect(page.meta.total).toBe(report.findings.length);
    const columns = ['itemId', 'tenantId', 'module', 'dataCategory', 'verdict', 'severity', 'ruleId', 'deadline', 'overdueDays', 'reason'] as const;
    expect(page.findings.map((f) => columns.map((c) => f[c]))).toEqual(report.findings.map((f: Record<string, unknown>) => columns.map((c) => f[c] ?? null)));
    expect(page.findings.map((f) => f.resource)).toEqual(report.findings.map((f: { store: { resource: string } | null }) => f.store?.resource ?? null));
    expect(page.text).toContain(`<code class="hash">${result.sha256.json}</code>`);
  });

  it('writes the same page with either engine', async () => {
    const [reference, sql] = [await audit('reference'), await audit('sql')];
    expect(readFileSync(sql.reports.html!, 'utf8')).toBe(readFileSync(reference.reports.html!, 'utf8'));
  });

  it('gives each finding its history status, and lists what changed', async () => {
    const historyDir = tempDir('html-history-');
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    const history = { store: new FileHistoryStore(historyDir), scope: 'html' };
    await audit('reference', { source: new FileInventorySource(writeTemp('first.ndjson', `${lines.slice(0, -6).join('\n')}\n`)), history, runId: 'audit-html-1' });
    const second = await audit('reference', { history, runId: 'audit-html-2' });
    const report = readReport(second.reports.json!);
    const page = readHtmlReport(second.reports.html!);
    expect(page.findings.map((f) => f.status)).toEqual(report.findings.map((f: { status?: string }) => f.status ?? null));
    expect(page.findings.filter((f) => f.status === 'new').length).toBeGreaterThan(0);
    expect(page.text).toContain('Compared with run <span class="id">audit-html-1</span>');
    expect(page.text).toContain(`<span class="value">${report.changes.newViolations}</span><span class="label">New violations</span>`);
  });
});
