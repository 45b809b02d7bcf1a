/** A run's OCSF events read back: from the ocsf report, or made from the JSON report when the run wrote no ocsf. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runAudit, type AuditResult } from '../../../../lib/audit/runAudit';
import type { EngineKind } from '../../../../lib/audit/engineKind';
import { InputError } from '../../../../lib/errors';
import { FileHistoryStore } from '../../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import { readComplianceFindings } from '../../../../lib/report/ocsf/readComplianceFindings';
import { collect, ndjson, tempDir, writeTemp } from '../../../helpers/files';
import { catalog } from '../../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../../examples/inventory.ndjson');

function audit(file: string, historyDir: string, engineKind: EngineKind = 'reference'): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json', 'ocsf'],
    outDir: tempDir('ocsf-read-'),
    trigger: 'cli',
    history: { store: new FileHistoryStore(historyDir), scope: 'read' },
    engineKind,
    duck: { threads: 1, memoryLimit: '256MB' },
  });
}

describe('readComplianceFindings', () => {
  let second: AuditResult;
  let secondSql: AuditResult;
  beforeAll(async () => {
    const items = readFileSync(EXAMPLE, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const fixed = writeTemp('b.ndjson', ndjson(items.map((item) => (item.itemId === 'fr-001' ? { ...item, bytes: 1000 } : item))));
    for (const kind of ['reference', 'sql'] as const) {
      const historyDir = tempDir('ocsf-read-history-');
      await audit(EXAMPLE, historyDir, kind);
      const result = await audit(fixed, historyDir, kind);
      if (kind === 'reference') second = result;
      else secondSql = result;
    }
  });

  it('reads the ocsf report line by line', async () => {
    const events = await collect(readComplianceFindings({ ocsf: second.reports.ocsf }, second.head.run));
    // 24 findings still non-compliant, then fr-001's violation closed.
    expect(events.length).toBe(25);
    expect(events.at(-1)).toMatchObject({ status: 'Resolved' });
  });

  it.each(['reference', 'sql'])('makes the same events from the JSON report of the %s engine, resolved ones included', async (kind) => {
    const result = kind === 'sql' ? secondSql : second;
    const fromOcsf = await collect(readComplianceFindings({ ocsf: result.reports.ocsf }, result.head.run));
    const fromJson = await collect(readComplianceFindings({ json: result.reports.json }, result.head.run));
    expect(fromJson).toEqual(fromOcsf);
  });

  it('prefers the ocsf report when the run wrote both', async () => {
    const both = await collect(readComplianceFindings(second.reports, second.head.run));
    expect(both).toEqual(await collect(readComplianceFindings({ ocsf: second.reports.ocsf }, second.head.run)));
  });

  it('says so when there is no report to read, or a line is not JSON', async () => {
    expect(() => readComplianceFindings({ csv: 'x.csv' }, second.head.run)).toThrow(
      new InputError('The run wrote neither an ocsf nor a JSON report, so there are no findings to read.'),
    );
    const broken = writeTemp('broken.ocsf', '{"time":1}\nnot json\n');
    await expect(collect(readComplianceFindings({ ocsf: broken }, second.head.run))).rejects.toThrow(`Line 2 of the OCSF report ${broken} is not a JSON object.`);
    const notReport = writeTemp('x.json', '{"schemaVersion":"1.1"}\n');
    await expect(collect(readComplianceFindings({ json: notReport }, second.head.run))).rejects.toThrow(`The JSON report ${notReport} has no findings array.`);
  });

  it('reads a JSON report without findings', async () => {
    const path = writeTemp('empty.json', '{"schemaVersion":"1.1",\n"run":{},\n"summary":{},\n"findings":[\n\n],\n"resolved":[\n]}\n');
    expect(await collect(readComplianceFindings({ json: path }, second.head.run))).toEqual([]);
  });
});
