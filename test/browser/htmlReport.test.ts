/**
 * The HTML report in a real browser (Chromium through playwright-core): a report
 * written by an audit is opened from disk, filtered, sorted and searched, and its
 * counts are checked against the JSON report of the same run; a hostile report
 * runs nothing it should not; a report of 100,000 findings loads and filters.
 * No request may leave the page. Needs Chromium at /usr/bin/chromium.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runAudit } from '../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../lib/engine/evaluate';
import { compileWaivers } from '../../lib/engine/waivers';
import { loadWaivers } from '../../lib/engine/loadWaivers';
import { FileHistoryStore } from '../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { printable } from '../../lib/text/printable';
import { readReport, tempDir, writeTemp } from '../helpers/files';
import { catalog } from '../helpers/items';
import { ALL_HOSTILE, HOSTILE } from '../lib/report/html/hostileText';
import { syntheticFindings, syntheticTrend, writeSyntheticReport } from '../lib/report/html/syntheticReport';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const EXAMPLE = resolve(ROOT, 'examples/inventory.ndjson');

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the HTML report's browser tests need it (apt-get install -y chromium).`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface OpenedReport {
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors, uncaught exceptions and dialogs (alert, confirm…). */
  problems: string[];
  /** Milliseconds from navigation to the first rendered page of findings. */
  readyMs: number;
}

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`file://${path}`);
  await page.waitForSelector('html[data-ready]', { timeout: 120_000 });
  const state = await page.getAttribute('html', 'data-ready');
  if (state !== 'true') throw new Error(`the report did not load: ${await page.textContent('#f-count')}`);
  const readyMs = Number(await page.getAttribute('html', 'data-ready-ms'));
  return { page, requests, problems, readyMs };
}

/** The "N of M findings" line, as numbers. */
async function count(page: Page): Promise<{ shown: number; total: number }> {
  const text = (await page.textContent('#f-count')) ?? '';
  const match = /^([\d,]+) of ([\d,]+) findings$/.exec(text);
  if (!match) throw new Error(`unexpected count line: ${text}`);
  const number = (digits: string) => Number(digits.replaceAll(',', ''));
  return { shown: number(match[1]!), total: number(match[2]!) };
}

/** Does `change`, waits until the table is drawn again (filters and searches are debounced), and reads the count. */
async function countAfter(page: Page, change: () => Promise<unknown>) {
  const renders = Number(await page.getAttribute('#findings-table', 'data-renders'));
  await change();
  await page.waitForFunction((before) => Number((globalThis as any).document.getElementById('findings-table').getAttribute('data-renders')) > before, renders);
  return count(page);
}

/** Chooses a filter's value by the value itself (the option reads "value (count)"). */
async function choose(page: Page, column: string, value: string | null): Promise<{ shown: number; total: number }> {
  const index = await page.$eval(
    `#f-${column}`,
    (select: any, wanted) => Array.from(select.options as { value: string; textContent: string }[]).findIndex((option) => option.value !== '' && option.textContent.startsWith(`${wanted} (`)),
    value ?? '(none)',
  );
  if (index < 0) throw new Error(`the ${column} filter has no option ${value}`);
  const current = await page.$eval(`#f-${column}`, (select: any) => select.selectedIndex as number);
  if (current === index) return count(page);
  return countAfter(page, () => page.selectOption(`#f-${column}`, { index }));
}

async function clearFilters(page: Page): Promise<void> {
  const { shown, total } = await countAfter(page, () => page.click('#f-reset'));
  expect(shown).toBe(total);
}

const search = (page: Page, text: string) => countAfter(page, () => page.fill('#f-search', text));

/** The texts of one column on the shown page. */
const columnTexts = (page: Page, column: string) => page.$$eval(`#findings-table tbody td.c-${column}`, (cells) => cells.map((cell) => cell.textContent ?? ''));

/** What the page's free-text search looks in, from a JSON finding. */
function searchable(finding: any): string[] {
  return [
    finding.itemId,
    finding.tenantId,
    finding.module,
    finding.dataCategory,
    finding.store?.type,
    finding.store?.resource,
    finding.store?.region,
    finding.owner,
    finding.verdict,
    finding.severity,
    finding.status,
    finding.ruleId,
    finding.reason,
    finding.clause?.source,
    finding.clause?.text,
    finding.specialCategory,
    finding.waiverId,
    finding.snapshotId,
  ].filter((value): value is string => typeof value === 'string');
}

describe('the HTML report of an audit, in Chromium', () => {
  let report: any;
  let opened: OpenedReport;
  let htmlPath: string;

  beforeAll(async () => {
    // Two runs with history and the example waivers: statuses, changes and a trend.
    const historyDir = tempDir('browser-history-');
    const history = { store: new FileHistoryStore(historyDir), scope: 'browser' };
    const waivers = compileWaivers(await loadWaivers(resolve(ROOT, 'examples/waivers.yaml')));
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    const base = { catalog: catalog(), engine: { ...DEFAULT_ENGINE_OPTIONS, waivers }, outDir: tempDir('browser-audit-'), trigger: 'cli' as const, history };
    await runAudit({ ...base, formats: ['json'], source: new FileInventorySource(writeTemp('first.ndjson', `${lines.slice(0, -6).join('\n')}\n`)) });
    const result = await runAudit({ ...base, formats: ['json', 'html'], source: new FileInventorySource(EXAMPLE) });
    report = readReport(result.reports.json!);
    htmlPath = result.reports.html!;
    opened = await open(htmlPath);
  }, 120_000);

  afterAll(async () => {
    await opened?.page.close();
  });

  it('shows every finding of the JSON report', async () => {
    expect(await count(opened.page)).toEqual({ shown: report.findings.length, total: report.findings.length });
  });

  it("filtered to one module's violations, shows as many as the JSON report has, and only those", async () => {
    const { page } = opened;
    const modules = [...new Set<string>(report.findings.filter((f: any) => f.verdict === 'violation').map((f: any) => f.module))];
    expect(modules.length).toBeGreaterThan(1);
    await choose(page, 'verdict', 'violation');
    for (const module of modules) {
      const shown = await choose(page, 'module', module);
      expect(shown.shown).toBe(report.findings.filter((f: any) => f.module === module && f.verdict === 'violation').length);
      const cells = await columnTexts(page, 'module');
      expect(cells).toHaveLength(shown.shown);
      for (const cell of cells) expect(cell.startsWith(module)).toBe(true);
      for (const cell of await columnTexts(page, 'verdict')) expect(cell).toBe('violation');
    }
    await clearFilters(page);
  });

  it("takes a module's violations from the chart of the worst modules", async () => {
    const { page } = opened;
    const [module, tally] = Object.entries(report.summary.byModule as Record<string, { violations: number }>).sort((a, b) => b[1].violations - a[1].violations)[0]!;
    const shown = await countAfter(page, () => page.click(`button.filter-link[data-filter*='"module":"${module}"']`));
    expect(shown.shown).toBe(tally.violations);
    expect(await page.$eval('#f-verdict', (select: any) => select.selectedOptions[0].textContent as string)).toMatch(/^violation \(/);
    await clearFilters(page);
  });

  it('filters by tenant, severity and history status as the JSON report counts them', async () => {
    const { page } = opened;
    const tenant = report.findings[0].tenantId;
    expect((await choose(page, 'tenantId', tenant)).shown).toBe(report.findings.filter((f: any) => f.tenantId === tenant).length);
    await clearFilters(page);
    expect((await choose(page, 'severity', 'critical')).shown).toBe(report.summary.bySeverity.critical);
    await clearFilters(page);
    const fresh = report.findings.filter((f: any) => f.status === 'new').length;
    expect(fresh).toBeGreaterThan(0);
    expect((await choose(page, 'status', 'new')).shown).toBe(fresh);
    await clearFilters(page);
  });

  it('searches the text of the findings, case-insensitively', async () => {
    const { page } = opened;
    for (const text of ['consent', 'IM-PROD', report.findings[7].itemId]) {
      const expected = report.findings.filter((f: any) => searchable(f).some((value) => value.toLowerCase().includes(text.toLowerCase()))).length;
      expect(expected).toBeGreaterThan(0);
      expect((await search(page, text)).shown).toBe(expected);
    }
    expect(await columnTexts(page, 'item')).toEqual([report.findings[7].itemId]);
    expect((await search(page, 'no finding says this')).shown).toBe(0);
    expect(await page.textContent('#findings-table tbody')).toBe('No finding matches these filters.');
    await clearFilters(page);
  });

  it('sorts by a column both ways, missing values last, and says so to assistive technology', async () => {
    const { page } = opened;
    const days = async () => (await columnTexts(page, 'deadline')).map((text) => text.slice(0, 10));
    const ordered = (values: string[], direction: 1 | -1) => {
      const dated = values.filter((value) => value !== '–');
      expect(values.slice(0, dated.length)).toEqual(dated);
      expect(dated).toEqual([...dated].sort((a, b) => (a < b ? -direction : a > b ? direction : 0)));
    };
    await page.click('th[data-column="deadline"] button');
    expect(await page.getAttribute('th[data-column="deadline"]', 'aria-sort')).toBe('ascending');
    expect(await page.getAttribute('th[data-column="severity"]', 'aria-sort')).toBe('none');
    ordered(await days(), 1);
    await page.click('th[data-column="deadline"] button');
    expect(await page.getAttribute('th[data-column="deadline"]', 'aria-sort')).toBe('descending');
    ordered(await days(), -1);
    // Severity: most severe first.
    await page.click('th[data-column="severity"] button');
    const ranks = (await columnTexts(page, 'severity')).map((text) => ['critical', 'high', 'medium', 'low', 'info'].indexOf(text));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it("opens a finding's details with its clause in the document's words", async () => {
    const { page } = opened;
    const first = report.findings.find((f: any) => f.verdict === 'violation' && f.clause);
    await search(page, first.itemId);
    await page.click('#findings-table tbody .row-toggle');
    expect(await page.getAttribute('#findings-table tbody .row-toggle', 'aria-expanded')).toBe('true');
    expect(await page.textContent('tr.detail blockquote')).toBe(`“${first.clause.text}”`);
    await clearFilters(page);
  });

  it('asks for nothing but the file itself, and raises no error', () => {
    expect(opened.requests).toEqual([`file://${htmlPath}`]);
    expect(opened.problems).toEqual([]);
  });

  it('lays the findings out as cards on a narrow screen', async () => {
    const narrow = await open(htmlPath, { width: 390, height: 844 });
    const width = await narrow.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
    expect(width).toBeLessThanOrEqual(390);
    expect(await narrow.page.$eval('#findings-table tbody tr', (row) => (globalThis as any).getComputedStyle(row).display as string)).toBe('block');
    await narrow.page.close();
  });
});

describe('a hostile HTML report, in Chromium', () => {
  it('shows the text as text: nothing runs, nothing loads', async () => {
    const { path } = await writeSyntheticReport({
      count: 30,
      override: (index, finding) =>
        index % 3 === 0
          ? { ...finding, itemId: `${HOSTILE.script}-${index}`, tenantId: HOSTILE.markup, module: HOSTILE.proto, reason: ALL_HOSTILE, store: { type: HOSTILE.bidi, resource: HOSTILE.url } }
          : finding,
      head: (head) => ({ ...head, summary: { ...head.summary, complete: false, incompleteReasons: [ALL_HOSTILE] } }),
    });
    const { page, requests, problems } = await open(path);
    expect(await page.title()).toBe('Data retention audit audit-20261120T030000Z-synthetic');
    expect(await page.$$eval('img, iframe, object, embed', (nodes) => nodes.length)).toBe(0);
    expect(await page.$$eval('script', (nodes) => nodes.length)).toBe(2);
    // Without history there are no statuses: no status filter, no status column.
    expect(await page.isHidden('[data-field="status"]')).toBe(true);
    expect(await page.$('th[data-column="status"]')).toBeNull();
    expect((await choose(page, 'tenantId', HOSTILE.markup)).shown).toBe(10);
    expect((await choose(page, 'module', HOSTILE.proto)).shown).toBe(10);
    expect(await columnTexts(page, 'reason')).toEqual(Array(10).fill(printable(ALL_HOSTILE)));
    await clearFilters(page);
    expect((await search(page, '</script>')).shown).toBe(10);
    expect(await page.textContent('.banner.alarm li')).toBe(printable(ALL_HOSTILE));
    expect(requests).toEqual([`file://${path}`]);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('a report of 100,000 findings, in Chromium', () => {
  it('loads, filters, searches and sorts', async () => {
    const count100k = 100_000;
    const options = { count: count100k, history: true, tenants: 5000 };
    const written = await writeSyntheticReport({ ...options, trend: syntheticTrend(12) });
    const bytes = readFileSync(written.path).length;
    const started = Date.now();
    const { page, requests, problems, readyMs } = await open(written.path);
    const wallMs = Date.now() - started;
    console.log(
      `HTML report of ${count100k} findings: ${(bytes / 2 ** 20).toFixed(1)} MiB (${Math.round(bytes / count100k)} bytes per finding); ` +
        `first page of findings ${readyMs} ms after navigation (${wallMs} ms from goto).`,
    );
    expect(await count(page)).toEqual({ shown: count100k, total: count100k });
    // By module: the counts of the generator.
    const [module, expected] = [...written.byModule.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect((await choose(page, 'module', module)).shown).toBe(expected);
    await clearFilters(page);
    // 5,000 tenants are too many for a drop-down: the tenant filter is a text field matching part of the id.
    expect(await page.$eval('#f-tenantId', (node) => node.tagName)).toBe('INPUT');
    const tenants = await countAfter(page, () => page.fill('#f-tenantId', 'tenant-4999'));
    expect(tenants.shown).toBe([...syntheticFindings(options)].filter((f) => f.tenantId!.includes('tenant-4999')).length);
    await clearFilters(page);
    expect((await search(page, 'item-0099999')).shown).toBe(1);
    await clearFilters(page);
    // Only a page of rows is drawn; the pager moves through the rest.
    expect(await page.$$eval('#findings-table tbody tr', (rows) => rows.length)).toBe(50);
    await countAfter(page, () => page.click('#p-next'));
    expect(await page.textContent('#p-where')).toBe('Rows 51–100, page 2 of 2,000');
    await countAfter(page, () => page.click('#p-last'));
    expect(await page.textContent('#p-where')).toBe('Rows 99,951–100,000, page 2,000 of 2,000');
    expect(await page.isDisabled('#p-next')).toBe(true);
    await page.click('th[data-column="deadline"] button');
    const first = (await columnTexts(page, 'deadline'))[0]!.slice(0, 10);
    const earliest = [...syntheticFindings(options)].reduce((min, f) => (f.deadline !== null && f.deadline < min ? f.deadline : min), '9999');
    expect(first).toBe(earliest.slice(0, 10));
    expect(requests).toEqual([`file://${written.path}`]);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});
