import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sha256File } from '../../../../lib/audit/sha256File';
import { runAudit } from '../../../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../../../lib/engine/evaluate';
import { compileWaivers } from '../../../../lib/engine/waivers';
import { loadWaivers } from '../../../../lib/engine/loadWaivers';
import { FileInventorySource } from '../../../../lib/inventory/FileInventorySource';
import type { InventorySource } from '../../../../lib/inventory/InventorySource';
import { formatCount } from '../../../../lib/units';
import { ndjson, readReport, tempDir, writeTemp } from '../../../helpers/files';
import { before, catalog, DAY, makeItem } from '../../../helpers/items';
import { pdfText, readPdf, type PdfText } from '../../../helpers/pdf';

const ROOT = resolve(__dirname, '../../../..');
const EXAMPLE = resolve(ROOT, 'examples/inventory.ndjson');
const norm = (text: string) => text.replace(/\s+/g, ' ').trim();
/** Table cells wrap, at spaces and after hyphens: compare text with all whitespace removed. */
const squash = (text: string) => text.replace(/\s+/g, '');

async function auditToPdf(source: InventorySource, pdfRowsPerModule = 200) {
  const result = await runAudit({
    source,
    catalog: catalog(),
    engine: { ...DEFAULT_ENGINE_OPTIONS, waivers: compileWaivers(await loadWaivers(resolve(ROOT, 'examples/waivers.yaml'))) },
    formats: ['pdf', 'json'],
    outDir: tempDir(),
    trigger: 'cli',
    pdfRowsPerModule,
  });
  return { result, report: readReport(result.reports.json!), pdf: readPdf(result.reports.pdf!) };
}

describe('the PDF report of the example inventory', () => {
  let report: any;
  let pdf: PdfText;
  let text: string;
  let sha: string;
  let pdfPath: string;
  beforeAll(async () => {
    const audited = await auditToPdf(new FileInventorySource(EXAMPLE));
    report = audited.report;
    pdf = audited.pdf;
    text = squash(pdfText(pdf));
    sha = await sha256File(audited.result.reports.json!);
    pdfPath = audited.result.reports.pdf!;
  });

  it('names the run, the snapshot, its capture time and the catalog on the cover', () => {
    const cover = norm(pdf.pages[0]!.text);
    expect(cover).toContain(report.run.id);
    expect(cover).toContain('snap-2026-11-20');
    expect(cover).toContain('2026-11-20 02:00:00 UTC');
    expect(cover).toContain(report.run.catalogVersion);
    expect(cover).toContain('COMPLETE — every item of the snapshot was read and evaluated.');
  });

  it('shows the counts of the JSON report on the executive summary', () => {
    const summary = norm(pdf.pages[1]!.text);
    expect(summary).toContain('Executive summary');
    expect(summary).toContain(`${report.summary.byVerdict.violation} Violations`);
    expect(summary).toContain(`${report.summary.specialCategoryViolations} of which special-category data`);
    expect(summary).toContain(`${formatCount(report.summary.recordsPastDeadline)} Records held past their deadline`);
    for (const [verdict, count] of Object.entries(report.summary.byVerdict)) expect(summary).toContain(`${verdict} ${count}`);
  });

  it('lists every violation and due-soon finding with its clause, in the document’s words', () => {
    for (const finding of report.findings.filter((f: any) => ['violation', 'due-soon'].includes(f.verdict))) {
      expect(text).toContain(squash(finding.store.resource));
      expect(text).toContain(squash(`“${finding.clause.text}”`));
      expect(text).toContain(squash(finding.clause.source));
    }
  });

  it('lists invalid items with their reasons, unmapped pairs, review categories and legal holds', () => {
    for (const finding of report.findings.filter((f: any) => f.verdict === 'invalid')) expect(text).toContain(squash(finding.reason));
    expect(text).toContain('video-analyticsframe-metadata');
    expect(text).toContain('intelligent-guidancecontract-staff-information');
    expect(text).toContain('Regulatorinquiry2026-117');
  });

  it('cites every rule of the catalog in the appendix', () => {
    for (const module of catalog().modules.values()) {
      for (const category of module.categories.values()) {
        for (const rule of category.rules) expect(text).toContain(squash(rule.citation.text));
      }
    }
  });

  it('carries the run id, page X of Y and the JSON report’s SHA-256 on every page', () => {
    pdf.pages.forEach((page, index) => {
      expect(page.text).toContain(`run ${report.run.id}`);
      expect(page.text).toContain(`Page ${index + 1} of ${pdf.numPages}`);
      expect(page.text).toContain(`JSON report SHA-256 ${sha}`);
      expect(page.text).not.toContain('INCOMPLETE');
    });
  });

  it('embeds its font (real, extractable text; no standard PDF font)', () => {
    const raw = readFileSync(pdfPath, 'latin1');
    expect(raw).toContain('/FontFile2');
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
    expect(pdf.info.Title).toBe(`Data retention audit ${report.run.id}`);
  });
});

describe('an incomplete run', () => {
  it('is stamped INCOMPLETE on every page, with the reason on the cover', async () => {
    const source: InventorySource = {
      describe: () => 'flaky table',
      open: async () => ({ snapshotId: 's', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false }),
      async *entries() {
        yield { kind: 'item', raw: makeItem({ itemId: 'a', oldestRecordAt: before(30 * DAY) }) };
        yield { kind: 'gap', reason: 'Scan segment 2 of 4 stopped: InternalServerError: boom' };
      },
    };
    const { pdf } = await auditToPdf(source);
    expect(norm(pdf.pages[0]!.text)).toContain('INCOMPLETE — part of the snapshot could not be read or evaluated');
    expect(norm(pdf.pages[0]!.text)).toContain('Scan segment 2 of 4 stopped');
    for (const page of pdf.pages) expect(page.text).toContain('INCOMPLETE AUDIT');
  });
});

describe('a large report', () => {
  const items = Array.from({ length: 1500 }, (_, i) =>
    makeItem({
      itemId: `item-${String(i).padStart(5, '0')}`,
      tenantId: `tenant-${i % 37}`,
      module: ['instant-messaging', 'healthcare-omics', 'facial-recognition'][i % 3]!,
      dataCategory: ['log-data', 'troubleshooting-data', 'running-log'][i % 3]!,
      store: { type: 'mysql', resource: `a-rather-long-resource-name-${i}/with/several/segments/that/wraps`, region: 'eu-frankfurt' },
      oldestRecordAt: before((200 + (i % 300)) * DAY),
      events: { deletionRequestedAt: before((40 + (i % 100)) * DAY) },
    }),
  );
  let pdf: PdfText;
  let report: any;
  beforeAll(async () => {
    const audited = await auditToPdf(new FileInventorySource(writeTemp('large.ndjson', ndjson(items))), 150);
    pdf = audited.pdf;
    report = audited.report;
  });

  it('caps each module table and says how many more are in the JSON and CSV', () => {
    const text = squash(pdfText(pdf));
    for (const module of ['instant-messaging', 'healthcare-omics', 'facial-recognition']) {
      const violations = report.findings.filter((f: any) => f.module === module && ['violation', 'due-soon'].includes(f.verdict)).length;
      expect(violations).toBeGreaterThan(150);
      expect(text).toContain(squash(`… and ${formatCount(violations - 150)} findings more, not shown here (the PDF shows at most 150); all are in the JSON and CSV reports.`));
    }
  });

  it('has a bounded number of pages: 450 table rows of up to three lines, about 15 to a page, and the fixed sections', () => {
    expect(pdf.numPages).toBeGreaterThan(20);
    expect(pdf.numPages).toBeLessThan(70);
  });

  it('places no text outside the page', () => {
    for (const page of pdf.pages) {
      for (const item of page.items) {
        expect(item.x).toBeGreaterThanOrEqual(0);
        expect(item.x + item.width).toBeLessThanOrEqual(page.width + 0.5);
        expect(item.y).toBeGreaterThanOrEqual(0);
        expect(item.y + item.height).toBeLessThanOrEqual(page.height + 0.5);
      }
    }
  });

  it('repeats the table header on every page a table spans', () => {
    const tablePages = pdf.pages.filter((page) => squash(page.text).includes('a-rather-long-resource-name'));
    expect(tablePages.length).toBeGreaterThan(20);
    for (const page of tablePages) expect(squash(page.text)).toContain('SeverityTenantDatacategoryStoreRecordsBytesOldestrecordDeadlineDaysoverdueClauseSource');
  });
});
